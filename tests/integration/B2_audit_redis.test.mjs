// Redis down for a while (stopped: every call to it hangs and times
// out): changes still succeed, their events wait in the outboxes, health
// says so, and once Redis is back every event reaches the trail once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, adminToken, DATA, unique } from './lib/client.mjs';
import { until, sleep } from './lib/fixtures.mjs';

function sql(q) {
	const conf = readFileSync(`${DATA}/openpanel.conf`, 'utf8');
	const host = /host=(\S+)/.exec(conf)[1], port = /port=(\d+)/.exec(conf)[1];
	return execFileSync('psql', ['-X', '-q', '-At', '-h', host, '-p', port,
	    '-U', 'postgres', '-d', 'openpanel', '-c', q],
	    { encoding: 'utf8' }).trim();
}

test('Redis down: nothing is lost, nothing doubled', async () => {
	const admin = await adminToken();
	const pid = Number(readFileSync(`${DATA}/run/redis.pid`, 'utf8'));
	// Down for a while: stopped, so every call to it hangs and times out.
	process.kill(pid, 'SIGSTOP');
	const names = [];
	try {
		const h = await api('GET', '/api/health');
		assert.equal(h.status, 503);
		assert.equal(h.body.components.redis, 'down');
		for (let i = 0; i < 5; i++) {
			const name = unique('offline');
			const r = await api('POST', '/api/teams', { token: admin,
				body: { name } });
			assert.equal(r.status, 201, r.text);
			names.push(name);
		}
		await sleep(3000);	/* the relays try, and fail, meanwhile */
		const waiting = sql(`SELECT count(*) FROM auth.outbox WHERE
		    sent_at IS NULL AND event->'data'->>'name' IN
		    (${names.map((n) => `'${n}'`).join(',')})`);
		assert.equal(waiting, String(names.length), 'held in the outbox');
	} finally {
		process.kill(pid, 'SIGCONT');
	}
	const list = names.map((n) => `'${n}'`).join(',');
	await until(() => Number(sql(`SELECT count(*) FROM audit.entries
	    WHERE action = 'team.created' AND event::jsonb->'data'->>'name'
	    IN (${list})`)) === names.length, 'every event in the trail', 30000);
	await sleep(1000);
	assert.equal(sql(`SELECT count(*) FROM audit.entries WHERE action =
	    'team.created' AND event::jsonb->'data'->>'name' IN (${list})`),
	    String(names.length), 'none twice');
	await until(async () => (await api('GET', '/api/health')).status === 200,
	    'health again', 15000);
});
