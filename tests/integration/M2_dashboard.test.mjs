// What the dashboard and supervisors ask op-monitor: health probes,
// the counts of the caller's teams, the panel's own logs (admins), and
// the history of a container's metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, until } from './lib/fixtures.mjs';
import { killContainer, removeProjectObjects } from './lib/docker.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];
let admin, A, B, TA, TB, PA, PB, PA2, up, down;
const made = [];

const get = (path, who) => api('GET', path, { token: who?.token ?? who,
	ip: IP });

async function project(team, who) {
	const r = await api('POST', '/api/projects', { token: who.token, ip: IP,
		body: { team_id: team, name: unique('dash') } });
	assert.equal(r.status, 201, r.text);
	made.push(r.body.id);
	return r.body.id;
}

async function container(p, who) {
	const r = await api('POST', '/api/containers', { token: who.token, ip: IP,
		body: { project_id: p, name: unique('d'), image: IMAGE,
			command: IDLE, restart: 'no' } });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

before(async () => {
	admin = await adminToken();
	[A, B] = await newUsers(admin, 2);
	TA = await newTeam(A.token, unique('a'), IP);
	TB = await newTeam(B.token, unique('b'), IP);
	PA = await project(TA, A);
	PA2 = await project(TA, A);
	PB = await project(TB, B);
	up = await container(PA, A);
	down = await container(PA2, A);
	await container(PB, B);
	await killContainer(down.docker_id);
	await until(async () => (await get(`/api/containers/${down.id}`, A))
	    .body?.state === 'exited', 'the reconciler to see the kill');
});

after(async () => {
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- health ------------------------------------------------------------------

test('the liveness and readiness probes answer without credentials',
    async () => {
	const live = await api('GET', '/api/health/live', { ip: IP });
	assert.equal(live.status, 200);
	assert.equal(live.body.status, 'ok');
	const ready = await api('GET', '/api/health/ready', { ip: IP });
	assert.equal(ready.status, 200, ready.text);
	const c = ready.body.components;
	for (const k of ['postgresql', 'redis', 'docker', 'live'])
		assert.equal(c[k], 'ok', k);
	for (const s of ['auth', 'projects', 'audit', 'monitor'])
		assert.equal(c.pools[s], 'ok', s);
	assert.equal(c.disk.status, 'ok');
	assert.ok(c.disk.free_bytes > 0 && c.disk.free_bytes <= c.disk.total_bytes);
	assert.equal(typeof c.events_pending, 'number');
	const post = await api('POST', '/api/health/ready', { ip: IP, body: {} });
	assert.equal(post.status, 405);
});

// --- stats -------------------------------------------------------------------

test('stats count the caller\'s teams only', async () => {
	const r = await get('/api/stats', A);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.teams, 1);
	assert.equal(r.body.projects, 2);
	assert.equal(r.body.containers.total, 2);
	assert.equal(r.body.containers.by_state.running, 1);
	assert.equal(r.body.containers.by_state.exited, 1);
	assert.equal(r.body.failing.unhealthy, 0);
	assert.ok('builds_24h' in r.body);
	const b = await get('/api/stats', B);
	assert.equal(b.body.projects, 1);
	assert.equal(b.body.containers.total, 1);
	assert.equal(b.body.containers.by_state.exited, 0);
});

test('stats narrow to one team, and another team is not found', async () => {
	await addMember(TB, B.token, A, 'viewer', IP);
	const both = await get('/api/stats', A);
	assert.equal(both.body.teams, 2);
	assert.equal(both.body.projects, 3);
	const one = await get(`/api/stats?team_id=${TA}`, A);
	assert.equal(one.body.teams, 1);
	assert.equal(one.body.projects, 2);
	const theirs = await get(`/api/stats?team_id=${TA}`, B);
	assert.equal(theirs.status, 404, theirs.text);
	assert.equal(errorCode(theirs), 'not_found');
	for (const q of ['team_id=nope', 'team_id=', 'other=1'])
		assert.ok([400, 422].includes((await get(`/api/stats?${q}`, A))
		    .status), q);
});

// --- logs ---------------------------------------------------------------------

test('the panel\'s logs are for instance admins, filtered as asked',
    async () => {
	const r = await get('/api/logs', A);
	assert.equal(r.status, 403);
	const mark = await get(`/api/containers/${up.id}`, A);
	const rid = mark.headers.get('x-request-id');
	const lines = await until(async () => {
		const l = await get(`/api/logs?request_id=${rid}`, admin);
		assert.equal(l.status, 200, l.text);
		return l.body.items.some((i) => i.service === 'projects') &&
		    l.body.items;
	}, 'the request\'s lines');
	assert.ok(lines.every((i) => i.request_id === rid));
	assert.ok(lines.some((i) => i.service === 'auth'),
	    'the gateway asked op-auth first');
	const only = await get(`/api/logs?request_id=${rid}&service=projects`,
	    admin);
	assert.ok(only.body.items.length >= 1);
	assert.ok(only.body.items.every((i) => i.service === 'projects'));
	const warn = await get('/api/logs?level=warn&limit=20', admin);
	assert.ok(warn.body.items.length <= 20);
	assert.ok(warn.body.items.every((i) => ['warn', 'error']
	    .includes(i.level)));
	const future = await get('/api/logs?since=2999-01-01T00:00:00Z', admin);
	assert.deepEqual(future.body.items, []);
	const times = (await get('/api/logs?limit=50', admin)).body.items
	    .map((i) => i.time);
	assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
	for (const q of ['level=loud', 'limit=0', 'limit=5000',
		'since=yesterday', 'service=A%20B', 'request_id=%00'])
		assert.ok([400, 422].includes((await get(`/api/logs?${q}`,
		    admin)).status), q);
});

// --- history --------------------------------------------------------------------

test('a container\'s history is its team\'s, in whole-minute steps',
    async () => {
	const q = `/api/metrics/history?container_id=${up.id}&metric=mem_bytes`;
	const h = await until(async () => {
		const r = await get(q, A);
		assert.equal(r.status, 200, r.text);
		return r.body.points.length > 0 && r.body;
	}, 'a rolled-up minute', 40000, 500);
	assert.equal(h.subject, up.id);
	assert.equal(h.step, 60);
	assert.match(h.points[0].time, /:00Z$/);
	assert.ok(h.points[0].max >= h.points[0].avg && h.points[0].avg > 0);
	const other = await get(q, B);
	assert.equal(other.status, 404, 'not B\'s container');
	const host = await get('/api/metrics/history?host=true&metric=load1', A);
	assert.equal(host.status, 403, 'the host is for instance admins');
	const hostAdmin = await get('/api/metrics/history?host=true&metric=' +
	    'disk_used_bytes', admin);
	assert.equal(hostAdmin.status, 200);
	for (const bad of [`container_id=${up.id}&metric=load1`,
		`container_id=${up.id}&metric=nope`, `container_id=${up.id}`,
		'metric=mem_bytes', `container_id=${up.id}&host=true&metric=mem_bytes`,
		`container_id=${up.id}&metric=mem_bytes&step=90`,
		`container_id=${up.id}&metric=mem_bytes&step=30`,
		`container_id=${up.id}&metric=mem_bytes&since=2030-01-01T00:00:00Z` +
		    '&until=2020-01-01T00:00:00Z',
		`container_id=${up.id}&metric=mem_bytes&since=2000-01-01T00:00:00Z`])
		assert.ok([400, 422].includes((await get(
		    `/api/metrics/history?${bad}`, A)).status), bad);
});
