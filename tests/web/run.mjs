// run.mjs — run the web flows (web.test.mjs puts them in order, in one
// process sharing one Chromium) and print "web: N passed, N failed".
// Output streams through as it comes; a run that times out or dies of a
// signal counts as a failure, never as nothing.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const child = spawn(process.execPath, ['--test', '--test-reporter=tap',
	join(here, 'web.test.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
const limit = setTimeout(() => child.kill('SIGKILL'), 30 * 60 * 1000);
child.on('close', (code, signal) => {
	clearTimeout(limit);
	const num = (k) => Number((out.match(new RegExp(`^# ${k} (\\d+)$`,
	    'm')) ?? [])[1] ?? 0);
	const passed = num('pass');
	let failed = num('fail') + num('cancelled');
	if (signal !== null || (code !== 0 && failed === 0)) {
		console.log(`web: the run ended early (${signal ?? `exit ${code}`})`);
		failed += 1;
	}
	console.log(`web: ${passed} passed, ${failed} failed`);
	process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
});
