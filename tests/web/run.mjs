// run.mjs — run the web suites in order (00_first_run first: it sets the
// panel up through the UI), one file at a time, and print
// "web: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs'))
    .sort().map((f) => join(here, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1',
	'--test-reporter=tap', ...files], { encoding: 'utf8',
	maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60 * 1000 });
process.stdout.write(r.stdout ?? '');
process.stderr.write(r.stderr ?? '');
const num = (k) => Number((r.stdout.match(new RegExp(`^# ${k} (\\d+)$`,
	'm')) ?? [])[1] ?? 0);
const passed = num('pass'), failed = num('fail') + num('cancelled');
console.log(`web: ${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
