// run.mjs — run the integration suites in order (00_setup first: it
// creates the instance admin the others sign in as), one file at a time,
// and print "integration: N passed, N failed".
import { spawnSync } from 'node:child_process';
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

const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1',
	'--test-reporter=tap', ...files], { encoding: 'utf8',
	maxBuffer: 64 * 1024 * 1024, timeout: 40 * 60 * 1000 });
process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
const num = (k) => Number((r.stdout.match(new RegExp(`^# ${k} (\\d+)$`,
	'm')) ?? [])[1] ?? 0);
// A run cut short (the timeout, a signal) lost its summary: it failed.
const cut = r.error !== undefined || r.signal !== null;
if (cut)
	console.log(`# the run was cut short: ${r.error?.message ?? r.signal}`);
const passed = num('pass'),
    failed = num('fail') + num('cancelled') + (cut ? 1 : 0);
console.log(`integration: ${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
