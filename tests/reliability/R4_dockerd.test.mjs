// dockerd restarted under load (SIGTERM, then started again with the same
// command line, as systemd's docker.service would): while the engine is
// away no request gets a 500 (one that needs it is a 503); its containers
// come back by their restart policy, the same engine containers; the
// panel's view converges by itself (state running again, with
// container.stopped then container.started), and it drives the engine
// again (a new container starts).
//
// It restarts only an engine the stack started (its pid file under the
// data directory): an engine of the machine's own is never touched, and
// then the test says why it skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from
    'node:fs';
import { api, adminToken, DATA, unique } from '../integration/lib/client.mjs';
import { engine, removeProjectObjects } from
    '../integration/lib/docker.mjs';
import { readEvents } from '../integration/lib/fixtures.mjs';
import { alive, describe, load, SOAK, sleep, until } from './lib/faults.mjs';

const RESTARTS = SOAK ? 5 : 1;
const BUSYBOX = 'openpanel-test/busybox:1';
const PIDFILE = `${DATA}/run/dockerd.pid`;

// The stack's own engine: its pid and command line, or null.
function ownEngine() {
	if (!existsSync(PIDFILE))
		return null;
	const pid = Number(readFileSync(PIDFILE, 'utf8'));
	if (!alive(pid))
		return null;
	const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
	    .filter(Boolean);
	return /(^|\/)dockerd$/.test(argv[0] ?? '') ? { pid, argv } : null;
}

// Does the engine answer _ping?
async function ping() {
	try {
		return (await engine('GET', '/_ping')).status === 200;
	} catch { return false; }
}

// Stop the engine (SIGTERM: it stops its containers, then itself), then
// start it again with the same command line, detached, its pid where
// stack_down finds it.
async function restartEngine(own) {
	process.kill(own.pid, 'SIGTERM');
	await until(() => !alive(own.pid), 'dockerd to stop', 120000);
	const log = openSync(`${DATA}/log/dockerd.log`, 'a');
	const p = spawn(own.argv[0], own.argv.slice(1), { detached: true,
		stdio: ['ignore', log, log] });
	closeSync(log);
	p.unref();
	writeFileSync(PIDFILE, `${p.pid}\n`);
	await until(ping, 'dockerd to answer again', 120000);
	return { pid: p.pid, argv: own.argv };
}

let admin, team, project, app, own;

before(async () => {
	own = ownEngine();
	if (own === null)
		return;
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('engine faults') } })).body.id;
	project = (await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('engine') } })).body.id;
	// Says when it starts; leaves at once on SIGTERM (the engine's stop).
	const r = await api('POST', '/api/containers', { token: admin, body: {
		project_id: project, name: 'app', image: BUSYBOX,
		command: ['sh', '-c', 'echo "up $(date +%s%N)"; trap "exit 0" TERM;'
		    + ' while :; do sleep 1; done'] } });
	assert.equal(r.status, 201, r.text);
	app = r.body;
	await until(async () => (await api('GET', `/api/containers/${app.id}`,
	    { token: admin })).body.state === 'running', 'the app running');
});

after(async () => {
	if (project)
		await removeProjectObjects(project);
});

// Is stream id a after b? ("<ms>-<seq>", compared as numbers.)
const later = (a, b) => {
	const [am, as] = a.split('-').map(Number), [bm, bs] = b.split('-')
	    .map(Number);
	return am > bm || (am === bm && as > bs);
};

// Answers other than the route's own: only 503 may be among them while
// the engine is away.
const odd = (seen) => seen.filter((s) => !s.ok && s.status !== 503);

test('dockerd restarted under load: no 500, its containers come back and '
    + 'the panel converges by itself', {
	skip: ownEngine() === null ? 'the engine is not one the stack started'
	    : false,
}, async () => {
	const routes = [
		{ path: `/api/containers/${app.id}`, ok: 200 },
		{ path: `/api/containers/${app.id}/logs`, ok: 200 },
		{ path: `/api/containers?project_id=${project}`, ok: 200 },
		{ path: `/api/projects/${project}`, ok: 200 },
		{ path: '/api/stats', ok: 200 },
		{ path: '/api/health', ok: 200 },
	];
	const from = readEvents(1).at(-1)?.sid ?? '0-0';
	const during = load(admin, routes, 4, 20);
	for (let i = 0; i < RESTARTS; i++) {
		await sleep(1000);
		own = await restartEngine(own);
	}
	await sleep(1000);
	const seen = await during.stop();
	assert.equal(describe(odd(seen)), '', 'only 503 while it was away');

	// The same engine container, running again by its restart policy,
	// and the panel saw it stop and start.
	await until(async () => {
		const c = (await api('GET', `/api/containers/${app.id}`,
		    { token: admin })).body;
		return c.state === 'running' && c.docker_id === app.docker_id;
	}, 'the panel to see the app running again', 60000);
	const mine = () => readEvents(2000).filter((e) => later(e.sid, from) &&
	    e.event.subject?.id === app.id).map((e) => e.type);
	await until(() => {
		const types = mine();
		const stopped = types.indexOf('container.stopped');
		return stopped >= 0 && types.indexOf('container.started',
		    stopped) > stopped;
	}, 'container.stopped, then container.started', 30000);
	await until(async () => ((await api('GET',
	    `/api/containers/${app.id}/logs`, { token: admin })).text
	    .match(/stdout up \d+/g) ?? []).length === RESTARTS + 1,
	    'one "up" line per start in its logs', 30000);

	// Every route answers as before, health included, and the panel
	// drives the new engine process: a new container starts.
	await until(async () => (await api('GET', '/api/health/ready')).status
	    === 200, 'ready again', 60000);
	for (const r of routes) {
		const res = await api('GET', r.path, { token: admin });
		assert.equal(res.status, r.ok, `${r.path} ${res.text}`);
	}
	const more = await api('POST', '/api/containers', { token: admin, body: {
		project_id: project, name: 'after', image: BUSYBOX,
		command: ['sleep', '300'] } });
	assert.equal(more.status, 201, more.text);
	await until(async () => (await api('GET',
	    `/api/containers/${more.body.id}`, { token: admin })).body.state ===
	    'running', 'a new container running');
});
