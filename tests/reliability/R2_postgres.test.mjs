// PostgreSQL restarted (pg_ctl restart, fast) under load: no request gets
// a 500 at any time (one that finds the database away is a 503); the
// pools and the workers reconnect by themselves, and once the database
// is back every route of every service answers as before and events flow
// from an outbox to the trail again.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { api, adminToken, DATA, unique } from '../integration/lib/client.mjs';
import { describe, load, SOAK, sleep, sql, until } from './lib/faults.mjs';

const RESTARTS = SOAK ? 20 : 2;
const PGBIN = '/usr/lib/postgresql/15/bin';

function pgRestart() {
	const argv = [`${PGBIN}/pg_ctl`, '-D', `${DATA}/pg`, '-m', 'fast', '-w',
		'-t', '60', '-l', `${DATA}/log/postgresql.log`, 'restart'];
	if (process.getuid() === 0)
		execFileSync('runuser', ['-u', 'postgres', '--', ...argv],
		    { stdio: 'ignore' });
	else
		execFileSync(argv[0], argv.slice(1), { stdio: 'ignore' });
}

let admin, team, routes;

before(async () => {
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('pg faults') } })).body.id;
	routes = [
		{ path: '/api/auth/me', ok: 200 },
		{ path: `/api/projects?team_id=${team}`, ok: 200 },
		{ path: '/api/teams', ok: 200 },
		{ path: '/api/audit/logs?limit=5', ok: 200 },
		{ path: `/api/backups?team_id=${team}`, ok: 200 },
		{ path: '/api/builds', ok: 200 },
		{ path: '/api/domains', ok: 200 },
		{ path: '/api/stats', ok: 200 },
		{ method: 'POST', path: '/api/projects', ok: 201,
		  body: () => ({ team_id: team, name: unique('pg') }) },
	];
});

// Statuses that are not the route's own answer, by route: only 503 may
// be among them while the database is away.
const odd = (seen) => seen.filter((s) => !s.ok && s.status !== 503);

test('PostgreSQL restarted under load: no 500, and every service ' +
    'answers again by itself', async () => {
	const during = load(admin, routes, 4);
	for (let i = 0; i < RESTARTS; i++) {
		await sleep(500);
		pgRestart();
	}
	const seen = await during.stop();
	assert.equal(describe(odd(seen)), '', 'only 503 while it was away');

	await until(async () => (await api('GET', '/api/health')).status === 200,
	    'health again');
	// Enough rounds that every worker of every pool meets the new server.
	const again = [];
	for (let i = 0; i < 8; i++)
		again.push(...await Promise.all(routes.map(async (r) => {
			const res = await api(r.method ?? 'GET', r.path, { token: admin,
				body: typeof r.body === 'function' ? r.body() : r.body });
			return { route: r.path, status: res.status,
				ok: res.status === r.ok, text: res.text };
		})));
	assert.equal(describe(again.filter((s) => !s.ok)), '',
	    'every route as before');

	// The workers reconnected too: an event goes outbox → stream → trail.
	const name = unique('after restart');
	const r = await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name } });
	assert.equal(r.status, 201, r.text);
	await until(() => sql(`SELECT count(*) FROM audit.entries WHERE action =
	    'project.created' AND event::jsonb->'data'->>'name' = '${name}'`)
	    === '1', 'the event in the trail');
});
