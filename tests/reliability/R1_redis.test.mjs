// Redis stopped for a while under load: what needs it (the health
// probes) answers 503 and nothing answers 500; changes go on, their
// events wait in the outboxes; once Redis is back, every event is in the
// stream once and reaches every consumer group once: op-audit's trail,
// op-infra's worker and op-monitor's live relay (counted at a live
// subscriber of the team), all by event id.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, adminToken, DATA, unique } from '../integration/lib/client.mjs';
import { eventSource } from '../integration/lib/live.mjs';
import { describe, failures, load, SOAK, sleep, sql, until }
	from './lib/faults.mjs';

const PORT = process.env.OP_TEST_REDIS_PORT;
const OUTAGES = SOAK ? 10 : 1;
const CHANGES = SOAK ? 50 : 12;	/* per outage */

const redis = (...args) => execFileSync('redis-cli', ['-p', PORT, ...args],
    { encoding: 'utf8' });

function redisStop() {
	redis('shutdown');
}

// Start it again as scripts/stack.sh does (its data is in the AOF).
function redisStart() {
	execFileSync('redis-server', ['--bind', '127.0.0.1', '--port', PORT,
	    '--dir', `${DATA}/redis`, '--appendonly', 'yes', '--save', '',
	    '--daemonize', 'yes', '--pidfile', `${DATA}/run/redis.pid`,
	    '--logfile', `${DATA}/log/redis.log`]);
}

// The ids of the events every outbox took since `since` (SQL time).
function outboxIds(since) {
	const schemas = sql(`SELECT table_schema FROM information_schema.tables
	    WHERE table_name = 'outbox'`).split('\n');
	return sql(schemas.map((s) => `SELECT id, event->>'team_id' FROM
	    ${s}.outbox WHERE created_at >= '${since}'`).join(' UNION ALL '))
	    .split('\n').filter(Boolean).map((l) => l.split('|'))
	    .map(([id, team]) => ({ id, team }));
}

const unsent = () => Number(sql(`SELECT sum(n) FROM (${sql(`SELECT
    table_schema FROM information_schema.tables WHERE table_name =
    'outbox'`).split('\n').map((s) => `SELECT count(*) AS n FROM ${s}.outbox
    WHERE sent_at IS NULL`).join(' UNION ALL ')}) x`));

// How many times each event id is in the stream.
function streamCounts() {
	const lines = redis('--raw', 'XRANGE', 'op:events', '-', '+').split('\n');
	const counts = new Map();
	for (let i = 0; i + 1 < lines.length; i++)
		if (lines[i] === 'id' && /^[0-9a-f-]{36}$/.test(lines[i + 1]))
			counts.set(lines[i + 1], (counts.get(lines[i + 1]) ?? 0) + 1);
	return counts;
}

// Each consumer group's entries still waiting for an acknowledgement.
function pending() {
	const out = {};
	for (const g of ['audit', 'infra']) {
		const rep = redis('--raw', 'XPENDING', 'op:events', g).split('\n');
		out[g] = Number(rep[0]);
	}
	return out;
}

// Every event the outboxes took since `since` (SQL time) reaches the
// stream once, the trail once, and live (the team's subscriber) once.
async function deliveredOnce(since, live) {
	await until(() => unsent() === 0, 'every outbox relayed');
	const events = outboxIds(since);
	const ours = events.filter((e) => e.team === team);
	assert.ok(ours.length > 0);
	const inList = events.map((e) => `'${e.id}'`).join(',');
	await until(() => Number(sql(`SELECT count(*) FROM audit.entries WHERE
	    event_id IN (${inList})`)) === events.length, 'the trail has them');
	await until(() => { const p = pending(); return p.audit === 0 &&
	    p.infra === 0; }, 'every group acknowledged');
	await until(() => ours.every((e) => live.messages.some((m) =>
	    m.includes(e.id))), 'the live subscriber has them');
	await sleep(1000);	/* a duplicate would come now */
	live.close();

	const counts = streamCounts();
	const twice = events.filter((e) => counts.get(e.id) !== 1);
	assert.deepEqual(twice.map((e) => `${e.id}: ${counts.get(e.id)}`), [],
	    'each event once in the stream');
	const trail = sql(`SELECT event_id, count(*) FROM audit.entries WHERE
	    event_id IN (${inList}) GROUP BY 1 HAVING count(*) <> 1`);
	assert.equal(trail, '', 'each event once in the trail');
	const got = new Map();
	for (const m of live.messages) {
		const id = JSON.parse(m).id;
		got.set(id, (got.get(id) ?? 0) + 1);
	}
	assert.deepEqual(ours.filter((e) => got.get(e.id) !== 1)
	    .map((e) => `${e.id}: ${got.get(e.id)}`), [],
	    'each event once at the live subscriber');
}

let admin, team;

before(async () => {
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('redis faults') } })).body.id;
});

test('Redis stopped under load: 503 where it is needed, no 500, every ' +
    'event delivered once to every consumer group', async () => {
	const since = sql('SELECT now()');
	const live = await eventSource(`/api/live/events/${team}`,
	    { token: admin });
	assert.equal(live.status, 200);
	const run = load(admin, [
		{ path: '/api/auth/me', ok: 200 },
		{ path: `/api/projects?team_id=${team}`, ok: 200 },
		{ path: '/api/audit/logs?limit=5', ok: 200 },
	], 3);
	const health = [], subs = [];
	try {
		for (let o = 0; o < OUTAGES; o++) {
			redisStop();
			for (let i = 0; i < CHANGES; i++) {
				const r = await api('POST', '/api/projects', {
					token: admin, body: { team_id: team,
					name: unique('offline') } });
				assert.equal(r.status, 201, r.text);
				if (i % 4 === 0) {
					health.push((await api('GET', '/api/health')).status);
					health.push((await api('GET', '/api/health/ready'))
					    .status);
					const s = await eventSource(
					    `/api/live/events/${team}`, { token: admin });
					subs.push(s.status);
					s.close?.();
				}
			}
			await sleep(1500);	/* the relays try, and fail */
			assert.ok(unsent() >= CHANGES, 'the outboxes hold the events');
			redisStart();
			await until(async () => (await api('GET', '/api/health'))
			    .status === 200, 'health again');
		}
	} finally {
		try { redis('ping'); } catch { redisStart(); }
	}
	const seen = await run.stop();
	assert.equal(describe(failures(seen)), '', 'no request failed');
	assert.deepEqual([...new Set(health)], [503]);
	assert.deepEqual([...new Set(subs)], [200], 'live needs no Redis');

	await deliveredOnce(since, live);
});

test('Redis frozen (SIGSTOP) while events are relayed: a publish whose ' +
    'answer timed out is not published twice', async () => {
	const since = sql('SELECT now()');
	const live = await eventSource(`/api/live/events/${team}`,
	    { token: admin });
	assert.equal(live.status, 200);
	const pid = Number(readFileSync(`${DATA}/run/redis.pid`, 'utf8'));
	for (let o = 0; o < OUTAGES; o++) {
		process.kill(pid, 'SIGSTOP');
		try {
			for (let i = 0; i < CHANGES; i++) {
				const r = await api('POST', '/api/projects', {
					token: admin, body: { team_id: team,
					name: unique('frozen') } });
				assert.equal(r.status, 201, r.text);
			}
			await sleep(3000);	/* the relays' calls time out */
		} finally {
			process.kill(pid, 'SIGCONT');
		}
	}
	await deliveredOnce(since, live);
});
