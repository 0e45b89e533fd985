// Live streams through the gateway (nchan): a container's log lines and
// resource samples, and a team's events, over EventSource and WebSocket,
// each subscription authorised by op-auth for the channel's team only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, until } from './lib/fixtures.mjs';
import { killContainer, removeProjectObjects } from './lib/docker.mjs';
import { eventSource, webSocket, jsonWhere } from './lib/live.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
// Counts out loud, a line every fifth of a second; stops at once on TERM.
const TICKER = ['sh', '-c', 'trap "exit 0" TERM; i=0; while true; do ' +
    'i=$((i+1)); echo "tick-$i"; sleep 0.2; done'];
let admin, O, D, X, T, TX, P, PX, ticker;
const subs = [];
const made = [];

const live = (kind, id) => `/api/live/${kind}/${id}`;
const tickOf = (j) => Number((/^tick-(\d+)$/.exec(j.line) ?? [])[1] ?? NaN);
const isTick = (j) => j.stream === 'stdout' && Number.isInteger(tickOf(j));

async function project(team, who) {
	const r = await api('POST', '/api/projects', { token: who.token, ip: IP,
		body: { team_id: team, name: unique('live') } });
	assert.equal(r.status, 201, r.text);
	made.push(r.body.id);
	return r.body.id;
}

async function container(projectId, who, body = {}) {
	const r = await api('POST', '/api/containers', { token: who.token,
		ip: IP, body: { project_id: projectId, name: unique('c'),
			image: IMAGE, command: TICKER, restart: 'no', ...body } });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

// Subscribe, remembering to close it at the end.
async function sub(open, path, token) {
	const s = await open(path, { token });
	subs.push(s);
	return s;
}

before(async () => {
	admin = await adminToken();
	[O, D, X] = await newUsers(admin, 3);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('other'), IP);
	await addMember(T, O.token, D, 'viewer', IP);
	P = await project(T, O);
	PX = await project(TX, X);
	ticker = await container(P, O);
});

after(async () => {
	for (const s of subs) s.close?.();
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ----------------------------------------------------------

test('no one subscribes without signing in', async () => {
	const es = await eventSource(live('logs', ticker.id));
	assert.equal(es.status, 401);
	assert.equal(es.body.error.code, 'unauthenticated');
	const ws = await webSocket(live('logs', ticker.id));
	assert.equal(ws.status, 401);
});

test('a user of another team is refused every channel of this one',
    async () => {
	for (const path of [live('logs', ticker.id), live('metrics', ticker.id),
		live('events', T)]) {
		const es = await eventSource(path, { token: X.token });
		assert.equal(es.status, 404, path);
		assert.equal(es.body.error.code, 'not_found');
		const ws = await webSocket(path, { token: X.token });
		assert.equal(ws.status, 404, path);
	}
});

test('channels of nothing, of unknown kinds or malformed are not found',
    async () => {
	const nobody = '0e0e0e0e-0000-4000-8000-000000000000';
	for (const path of [live('logs', nobody), live('events', nobody),
		live('builds', nobody), live('secrets', ticker.id),
		'/api/live/logs/not-a-uuid', `/api/live/logs/${ticker.id}/x`,
		`/api/live/logs/${ticker.id.toUpperCase()}`]) {
		const es = await eventSource(path, { token: O.token });
		assert.equal(es.status, 404, path);
	}
	// Not the publisher: the gateway's public side publishes nothing.
	const pub = await api('POST', live('logs', ticker.id), { token: O.token,
		ip: IP, body: 'forged line', headers: { 'content-type':
		'text/plain' } });
	assert.equal(pub.status, 403, pub.text);
	const es = await eventSource(live('logs', ticker.id), { token: O.token });
	await es.next(jsonWhere(isTick), 'a real line');
	assert.ok(!es.messages.some((m) => m.includes('forged')));
	es.close();
});

// --- what streams -------------------------------------------------------------

test('a container\'s lines reach its team over EventSource and WebSocket',
    async () => {
	const es = await sub(eventSource, live('logs', ticker.id), O.token);
	assert.equal(es.status, 200);
	assert.match(es.headers.get('content-type'), /^text\/event-stream/);
	const first = await es.next(jsonWhere(isTick), 'a tick line');
	assert.match(first.time, /^\d{4}-\d\d-\d\dT/);
	// Lines keep coming, in order, none twice.
	const later = await es.next(jsonWhere((j) => isTick(j) &&
	    tickOf(j) > tickOf(first) + 3), 'later lines');
	const ticks = es.messages.map((m) => JSON.parse(m)).filter(isTick)
	    .map(tickOf);
	assert.ok(tickOf(later) > tickOf(first));
	for (let i = 1; i < ticks.length; i++)
		assert.equal(ticks[i], ticks[i - 1] + 1, `in order: ${ticks}`);

	const ws = await sub(webSocket, live('logs', ticker.id), D.token);
	assert.equal(ws.status, 101, 'a viewer of the team may watch');
	await ws.next(jsonWhere(isTick), 'a tick line over WebSocket');
});

test('a late joiner gets the recent lines first, then the new ones',
    async () => {
	const early = await sub(eventSource, live('logs', ticker.id), O.token);
	const seen = await early.next(jsonWhere((j) => tickOf(j) >= 5),
	    'a few lines');
	const late = await sub(eventSource, live('logs', ticker.id), O.token);
	const firstLate = await late.next(jsonWhere(isTick), 'the buffer');
	assert.ok(tickOf(firstLate) < tickOf(seen),
	    `the late joiner starts from before it came (${tickOf(firstLate)})`);
	await late.next(jsonWhere((j) => tickOf(j) > tickOf(seen) + 2),
	    'new lines after the buffer');
});

test('a container\'s resource samples stream to metrics/<id>', async () => {
	const es = await sub(eventSource, live('metrics', ticker.id), O.token);
	const m = await es.next(jsonWhere((j) => j.container_id === ticker.id),
	    'a sample');
	for (const k of ['cpu_percent', 'cpu_seconds', 'mem_bytes',
		'net_rx_bytes', 'net_tx_bytes', 'pids'])
		assert.equal(typeof m[k], 'number', k);
	assert.ok(m.pids >= 1, 'the shell runs');
	const x = await eventSource(live('metrics', ticker.id), { token: X.token });
	assert.equal(x.status, 404);
});

test('a team\'s channel hears container.stopped when its container is ' +
    'killed, and the other team hears nothing of it', async () => {
	const victim = await container(P, O);
	const mine = await sub(eventSource, live('events', T), O.token);
	const theirs = await sub(webSocket, live('events', TX), X.token);
	assert.equal(theirs.status, 101);
	await killContainer(victim.docker_id);
	const ev = await mine.next(jsonWhere((e) => e.type ===
	    'container.stopped' && e.subject?.id === victim.id),
	    'container.stopped', 30000);
	assert.equal(ev.team_id, T);
	assert.equal(ev.subject.kind, 'container');
	// The outsider's channel carries only its own team's events.
	const other = await container(PX, X);
	await theirs.next(jsonWhere((e) => e.subject?.id === other.id),
	    'its own event');
	assert.ok(theirs.messages.every((m) => JSON.parse(m).team_id === TX),
	    'nothing of another team');
	assert.ok(mine.messages.every((m) => JSON.parse(m).team_id === T));
});

test('the events channel of a team is for its members only', async () => {
	const ws = await webSocket(live('events', T), { token: X.token });
	assert.equal(ws.status, 404);
	const admin_ = await eventSource(live('events', T), { token: admin });
	assert.equal(admin_.status, 200, 'instance admins see every team');
	admin_.close();
	const r = await api('GET', `/api/teams/${T}`, { token: X.token, ip: IP });
	assert.equal(r.status, 404, 'the same answer as for the team itself');
	assert.equal(errorCode(r), 'not_found');
	void until;
});
