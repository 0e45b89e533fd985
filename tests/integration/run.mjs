// run.mjs — run the integration suites in order (00_setup first: it
// creates the instance admin the others sign in as), one file at a time,
// and print "integration: N passed, N failed".
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
	.filter((f) => f.endsWith('.test.mjs'))
	.filter((f) => only.length === 0 || f.startsWith('00_') ||
	    only.some((o) => f.includes(o)))
	.sort()
	.map((f) => join(here, f));

// Output streams through as it comes (a slow machine shows progress, and
// a run cut short still shows how far it got); a run that times out or
// dies of a signal counts as a failure, never as nothing.
const child = spawn(process.execPath, ['--test', '--test-concurrency=1',
	'--test-reporter=tap', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
const limit = setTimeout(() => child.kill('SIGKILL'), 25 * 60 * 1000);
child.on('close', (code, signal) => {
	clearTimeout(limit);
	const num = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`,
	    'm')) ?? [])[1] ?? 0);
	const passed = num('pass');
	let failed = num('fail') + num('cancelled');
	if (signal !== null || (code !== 0 && failed === 0)) {
		console.log(`integration: the run ended early (${signal ??
		    'exit ' + code})`);
		failed += 1;
	}
	console.log(`integration: ${passed} passed, ${failed} failed`);
	process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
