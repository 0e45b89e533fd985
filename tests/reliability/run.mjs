// run.mjs — the fault suites, after the integration suites' 00_setup (it
// creates the admin they sign in as), one file at a time against a stack
// of their own; prints "reliability: N passed, N failed". OP_SOAK=1 (make
// soak) runs each fault many more times.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = [join(here, '../integration/00_setup.test.mjs'),
	...readdirSync(here)
	.filter((f) => f.endsWith('.test.mjs'))
	.filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
	.sort()
	.map((f) => join(here, f))];

const child = spawn(process.execPath, ['--test', '--test-concurrency=1',
	'--test-reporter=tap', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
const minutes = process.env.OP_SOAK === '1' ? 120 : 15;
const limit = setTimeout(() => child.kill('SIGKILL'), minutes * 60 * 1000);
child.on('close', (code, signal) => {
	clearTimeout(limit);
	const num = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`,
	    'm')) ?? [])[1] ?? 0);
	const passed = num('pass');
	let failed = num('fail') + num('cancelled');
	if (signal !== null || (code !== 0 && failed === 0)) {
		console.log(`reliability: the run ended early (${signal ??
		    'exit ' + code})`);
		failed += 1;
	}
	console.log(`reliability: ${passed} passed, ${failed} failed`);
	process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
