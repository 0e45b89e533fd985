// The prefork pool: a worker killed is replaced; SIGHUP rolls every worker
// while requests keep being answered.
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

test('a worker killed with SIGKILL is replaced, and nothing else fails',
    async () => {
	const pid = master();
	const before = workers(pid);
	assert.ok(before.length >= 2, `workers: ${before}`);
	process.kill(before[0], 'SIGKILL');
	await until(() => {
		const now = workers(pid);
		return now.length === before.length && !now.includes(before[0]);
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
	await until(() => {
		const now = workers(pid);
		return now.length === before.length &&
		    now.every((w) => !before.includes(w));
	}, 'every worker replaced');
	stop = true;
	await load;
	assert.ok(seen.length > 0);
	assert.ok(seen.every((s) => s === 401), `statuses: ${seen.join()}`);
});
