// The prefork pool: workers killed are replaced; SIGHUP rolls every worker
// while requests keep being answered. (Growing and shrinking under load:
// tests/reliability/R0_pools.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, DATA } from './lib/client.mjs';
import { until } from './lib/fixtures.mjs';

const master = () => Number(readFileSync(`${DATA}/run/auth.pid`, 'utf8'));
const workers = (pid) => readFileSync(`/proc/${pid}/task/${pid}/children`,
    'utf8').trim().split(/\s+/).filter(Boolean).map(Number).sort();

// Health answers, asked n times in a row; returns the statuses.
async function ask(n) {
	const out = [];
	for (let i = 0; i < n; i++)
		out.push((await api('GET', '/api/auth/me')).status);
	return out;
}

test('workers killed with SIGKILL are replaced, and nothing else fails',
    async () => {
	const pid = master();
	const before = workers(pid);
	assert.ok(before.length >= 1, `workers: ${before}`);
	// All of them: the pool must start its minimum again.
	for (const w of before)
		process.kill(w, 'SIGKILL');
	await until(() => {
		const now = workers(pid);
		return now.length >= 1 && now.every((w) => !before.includes(w));
	}, 'a new worker');
	const statuses = await ask(40);
	assert.ok(statuses.every((s) => s === 401), statuses.join());
});

test('SIGHUP replaces every worker while requests are answered', async () => {
	const pid = master();
	const before = workers(pid);
	let stop = false;
	const seen = [];
	const load = (async () => {
		while (!stop)
			seen.push((await api('GET', '/api/auth/me')).status);
	})();
	process.kill(pid, 'SIGHUP');
	// (The pool may retire an idle spare meanwhile: it keeps at least one.)
	await until(() => {
		const now = workers(pid);
		return now.length >= 1 && now.every((w) => !before.includes(w));
	}, 'every worker replaced');
	stop = true;
	await load;
	assert.ok(seen.length > 0);
	assert.ok(seen.every((s) => s === 401), `statuses: ${seen.join()}`);
});
