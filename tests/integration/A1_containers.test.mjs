// Containers on the real engine: create, logs, the app answering on its
// published port, stats, stop/start/restart, update (recreated with a new
// definition), delete; containers of a project reaching each other by
// name and not another project's; a container killed behind the panel's
// back seen by the reconciler; a project's deletion taking its containers,
// network and volumes with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, readEvents, sleep } from
    './lib/fixtures.mjs';
import { createServer } from 'node:net';
import { execIn, inspectContainer, inspectNetwork, inspectVolume,
	killContainer, listContainers, listNetworks, listVolumes,
	removeContainer, removeProjectObjects } from './lib/docker.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
let admin;
let O, D, V, X, T, TX;
let P, PB, PX;		// the main project, a second one of T, X's
let web;		// the main container of P (its API answer)
const made = new Set();

// A small web app: says hello (and a word on stderr), appends $GREETING
// to a file on its volume, serves that file, and stops at once on TERM.
const WEB_CMD = ['sh', '-c', 'echo "hello-$GREETING project-$PROJECT_VAR' +
    ' secret-$SECRET_VAR"; echo "warn-$GREETING" >&2; ' +
    'echo "$GREETING" >> /data/seen; cp /data/seen /www/index.html; ' +
    'httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait'];

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		put: (p, body) => api('PUT', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const ctr = (id = web.id) => `/api/containers/${id}`;

// Poll fn until it returns something truthy; fail with what after ms.
async function until(fn, what, ms = 20000) {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		last = await fn();
		if (last) return last;
		if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
		await sleep(200);
	}
}

async function newProject(team, who = O) {
	const r = await as(who).post('/api/projects', { team_id: team,
		name: unique('ctr') });
	assert.equal(r.status, 201, r.text);
	made.add(r.body.id);
	return r.body.id;
}

async function create(body, who = O) {
	const r = await as(who).post('/api/containers', { image: IMAGE,
		...body });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

async function logs(id, query = '') {
	const r = await as(O).get(`${ctr(id)}/logs${query}`);
	assert.equal(r.status, 200, r.text);
	return r.text;
}

const logsHave = (id, re, ms = 20000) =>
	until(async () => re.test(await logs(id)), `logs ${re}`, ms);

// The state GET /api/containers?project_id= reports (no engine refresh).
async function listedState(project, id) {
	const r = await as(O).get(`/api/containers?project_id=${project}`);
	assert.equal(r.status, 200, r.text);
	return r.body.items.find((c) => c.id === id)?.state;
}

// What the app serves on its published port (null while not answering).
async function served(port, path = '/index.html') {
	try {
		const r = await fetch(`http://127.0.0.1:${port}${path}`,
		    { signal: AbortSignal.timeout(2000) });
		return r.status === 200 ? await r.text() : null;
	} catch {
		return null;
	}
}

const hostPort = (c) => c.published.find((p) => p.container === 8080)?.host;

// The id of the newest entry of op:events, to look only past it.
function lastSid() {
	const ev = readEvents(1);
	return ev.length ? ev[ev.length - 1].sid : '0-0';
}
const sidAfter = (a, b) => {
	const [am, as_] = a.split('-').map(BigInt);
	const [bm, bs] = b.split('-').map(BigInt);
	return am > bm || (am === bm && as_ > bs);
};

// container.started/stopped tell of changes made outside the panel; a
// container the panel replaces or removes is container.updated or
// container.deleted, and the last word on a running one is not that it is
// "missing" (nor "removing").
const stateEvents = (id, mark) => readEvents(1000).filter((e) =>
	sidAfter(e.sid, mark) && e.event.subject?.id === id &&
	/^container\.(started|stopped)$/.test(e.type));
const eventAfter = (id, mark, type) => until(() => readEvents(1000)
    .find((e) => sidAfter(e.sid, mark) && e.type === type &&
    e.event.subject?.id === id), type);
const IDLE_N = ['sh', '-c', 'echo up-$N; trap "exit 0" TERM; ' +
    'while true; do sleep 1; done'];

before(async () => {
	admin = await adminToken();
	[O, D, V, X] = await newUsers(admin, 4);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, D, 'developer', IP);
	await addMember(T, O.token, V, 'viewer', IP);
	P = await newProject(T);
	PB = await newProject(T);
	PX = await newProject(TX, X);
});

after(async () => {
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ---------------------------------------------------------

test('viewers and outsiders create no containers', async () => {
	const body = { project_id: P, name: 'web', image: IMAGE };
	const v = await as(V).post('/api/containers', body);
	assert.equal(v.status, 403, v.text);
	assert.equal(errorCode(v), 'forbidden');
	const x = await as(X).post('/api/containers', body);
	assert.equal(x.status, 404, x.text);
	assert.equal(errorCode(x), 'not_found');
	const list = await as(O).get(`/api/containers?project_id=${P}`);
	assert.deepEqual(list.body.items, []);
	assert.deepEqual(await listContainers({ 'io.openpanel.project': P }),
	    [], 'the engine has nothing of P');
	const xl = await as(X).get(`/api/containers?project_id=${P}`);
	assert.equal(xl.status, 404);
});

// --- the life of a container ---------------------------------------------

test('a container is created, runs, and answers on 127.0.0.1', async () => {
	web = await create({ project_id: P, name: 'web', command: WEB_CMD,
		env: { GREETING: 'world' }, ports: [{ container: 8080 }],
		volumes: [{ name: 'data', path: '/data' }] }, D);
	assert.match(web.id, /^[0-9a-f-]{36}$/);
	assert.equal(web.project_id, P);
	assert.equal(web.team_id, T);
	assert.equal(web.name, 'web');
	assert.equal(web.image, IMAGE);
	assert.equal(web.state, 'running');
	assert.deepEqual(web.command, WEB_CMD);
	assert.deepEqual(web.volumes, [{ name: 'data', path: '/data',
		read_only: false }]);
	assert.equal(web.restart, 'unless-stopped');
	assert.equal(web.env, undefined, 'the environment is not in the answer');
	assert.equal(web.published.length, 1, JSON.stringify(web.published));
	for (const p of web.published) {
		assert.equal(p.host_ip, '127.0.0.1');
		assert.equal(p.container, 8080);
		assert.equal(p.protocol, 'tcp');
		assert.ok(p.host >= 1024 && p.host <= 65535, JSON.stringify(p));
	}
	// The engine has it, named and labelled for the panel.
	const e = await inspectContainer(web.docker_id);
	assert.ok(e, 'the engine has the container');
	assert.equal(e.Name, `/op-${web.id}`);
	assert.equal(e.State.Running, true);
	assert.equal(e.Config.Labels['io.openpanel.container'], web.id);
	assert.equal(e.Config.Labels['io.openpanel.project'], P);
	assert.equal(e.Config.Labels['io.openpanel.team'], T);
	assert.ok(e.Config.Env.includes('GREETING=world'));
	assert.deepEqual(e.Config.Cmd, WEB_CMD);
	const vol = await inspectVolume(`op-${P}-data`);
	assert.ok(vol, 'the named volume exists');
	assert.equal(vol.Labels['io.openpanel.project'], P);

	const body = await until(() => served(hostPort(web)),
	    'the app on its published port');
	assert.equal(body, 'world\n');
	const g = await as(V).get(ctr());
	assert.equal(g.status, 200);
	assert.equal(g.body.state, 'running');
	assert.equal(g.body.docker_id, web.docker_id);
	assert.equal((await as(O).get(`/api/projects/${P}`)).body
	    .container_count, 1);
	const env = await as(V).get(`${ctr()}/env`);
	assert.equal(env.status, 200, env.text);
	assert.deepEqual(env.body.items.map((i) => [i.key, i.value]),
	    [['GREETING', 'world']]);
});

test('logs are timestamped lines naming their stream', async () => {
	await logsHave(web.id, /hello-world/);
	const text = await logs(web.id);
	const r = await as(V).get(`${ctr()}/logs`);
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type'), /^text\/plain/);
	const lines = text.split('\n').filter(Boolean);
	for (const l of lines)
		assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (stdout|stderr) /,
		    l);
	assert.ok(lines.some((l) => / stdout hello-world project- secret-$/
	    .test(l)), text);
	await logsHave(web.id, / stderr warn-world$/m);
	const out = await logs(web.id, '?stderr=false');
	assert.ok(out.includes('hello-world'));
	assert.ok(!out.includes('warn-world'), out);
	const err = await logs(web.id, '?stdout=false');
	assert.ok(err.includes(' stderr warn-world'));
	assert.ok(!err.includes('hello-world'), err);
	const tail = await logs(web.id, '?tail=1');
	assert.equal(tail.split('\n').filter(Boolean).length, 1, tail);
	for (const q of ['?tail=0', '?tail=x', '?since=yesterday',
		'?stderr=maybe', '?follow=true']) {
		const b = await as(O).get(`${ctr()}/logs${q}`);
		assert.ok(b.status === 422 || b.status === 400, `${q}: ${b.text}`);
	}
});

test('the last line of the logs is answered even without a newline',
    async () => {
	const c = await create({ project_id: P, name: 'partial', restart: 'no',
		command: ['sh', '-c', 'echo first; echo oops >&2; ' +
		    'printf last-without-newline'] });
	try {
		await until(async () => (await as(O).get(ctr(c.id))).body.state ===
		    'exited', 'the container to finish');
		await logsHave(c.id, /^\S+ stdout first$/m);
		await logsHave(c.id, /^\S+ stderr oops$/m);
		// Docker has it (its last frame has no newline); so should we.
		await logsHave(c.id, /^\S+ stdout last-without-newline$/m, 10000);
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
});

test('stats sample the running container', async () => {
	const r = await as(V).get(`${ctr()}/stats`);
	assert.equal(r.status, 200, r.text);
	const s = r.body;
	assert.equal(s.container_id, web.id);
	assert.equal(typeof s.cpu_percent, 'number');
	assert.ok(s.cpu_percent >= 0);
	assert.ok(s.memory.usage_bytes > 0, JSON.stringify(s));
	assert.ok(s.memory.limit_bytes >= s.memory.usage_bytes);
	assert.ok(s.pids >= 1, JSON.stringify(s));
	assert.equal(typeof s.network.rx_bytes, 'number');
	assert.equal(typeof s.block_io.read_bytes, 'number');
	assert.ok(!Number.isNaN(Date.parse(s.read)));
});

test('viewers read but do not operate; developers operate but do not delete;'
    + ' outsiders see nothing', async () => {
	for (const r of [await as(V).post(`${ctr()}/stop`),
		await as(V).post(`${ctr()}/start`),
		await as(V).post(`${ctr()}/restart`),
		await as(V).put(ctr(), { env: { GREETING: 'viewer' } }),
		await as(V).put(`${ctr()}/env`, { GREETING: 'viewer' }),
		await as(V).del(ctr()),
		await as(D).del(ctr())]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'forbidden');
	}
	const x = as(X);
	for (const r of [await x.get(ctr()), await x.get(`${ctr()}/logs`),
		await x.get(`${ctr()}/stats`), await x.get(`${ctr()}/env`),
		await x.put(`${ctr()}/env`, { A: 'b' }),
		await x.post(`${ctr()}/stop`), await x.post(`${ctr()}/start`),
		await x.post(`${ctr()}/restart`),
		await x.put(ctr(), { memory_mb: 6 }), await x.del(ctr())]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
		assert.ok(!r.text.includes('hello'), 'no logs leak');
	}
	const xl = await x.get('/api/containers');
	assert.ok(!xl.body.items.some((c) => c.id === web.id));
	for (const id of ['nope', '00000000-0000-4000-8000-000000000000',
		web.project_id]) {
		const r = await as(O).get(ctr(id));
		assert.equal(r.status, 404, `${id}: ${r.text}`);
	}
	// Nothing moved.
	const e = await inspectContainer(web.docker_id);
	assert.equal(e.State.Running, true);
	assert.equal(e.RestartCount, 0);
	assert.ok(e.Config.Env.includes('GREETING=world'));
	assert.equal((await as(O).get(ctr())).body.docker_id, web.docker_id);
});

test('stop, start and restart', async () => {
	const s = await as(D).post(`${ctr()}/stop`);
	assert.equal(s.status, 200, s.text);
	assert.equal(s.body.state, 'exited');
	assert.equal(s.body.exit_code, 0, 'it stopped on TERM');
	assert.ok(s.body.finished_at);
	assert.equal((await inspectContainer(web.docker_id)).State.Running,
	    false);
	assert.equal(await listedState(P, web.id), 'exited');
	assert.equal(await served(hostPort(web)), null, 'nothing answers');
	const again = await as(D).post(`${ctr()}/stop`);
	assert.equal(again.status, 200, 'stopping a stopped one is fine');
	assert.equal(again.body.state, 'exited');

	const st = await as(D).post(`${ctr()}/start`);
	assert.equal(st.status, 200, st.text);
	assert.equal(st.body.state, 'running');
	assert.equal((await inspectContainer(web.docker_id)).State.Running,
	    true);
	const port = hostPort(st.body);
	assert.ok(port);
	assert.equal(await until(() => served(port), 'the app again'),
	    'world\nworld\n', 'the volume kept the first run');

	const before = (await inspectContainer(web.docker_id)).State.StartedAt;
	const rs = await as(D).post(`${ctr()}/restart`);
	assert.equal(rs.status, 200, rs.text);
	assert.equal(rs.body.state, 'running');
	assert.equal(rs.body.docker_id, web.docker_id);
	const after_ = (await inspectContainer(web.docker_id)).State.StartedAt;
	assert.ok(Date.parse(after_) > Date.parse(before),
	    `${after_} after ${before}`);
	assert.equal(await until(() => served(hostPort(rs.body)),
	    'the app after restart'), 'world\nworld\nworld\n');
	web = rs.body;
});

test('an update recreates the container with the new definition',
    async () => {
	// Project-wide variables, one of them a secret, reach the new
	// container too; the container's own win over the project's.
	const pe = await as(O).put(`/api/projects/${P}/env`, {
		PROJECT_VAR: 'pv', GREETING: 'project-loses',
		SECRET_VAR: { value: 'unsealed', secret: true } });
	assert.equal(pe.status, 200, pe.text);
	const old = web.docker_id;
	const u = await as(D).put(ctr(), { env: { GREETING: 'moon' },
		memory_mb: 64 });
	assert.equal(u.status, 200, u.text);
	assert.equal(u.body.id, web.id);
	assert.equal(u.body.state, 'running');
	assert.equal(u.body.memory_mb, 64);
	assert.deepEqual(u.body.command, WEB_CMD, 'the rest is kept');
	assert.deepEqual(u.body.volumes, web.volumes);
	assert.notEqual(u.body.docker_id, old);
	assert.equal(await inspectContainer(old), null, 'the old one is gone');
	const e = await inspectContainer(u.body.docker_id);
	assert.equal(e.Name, `/op-${web.id}`, 'it took the old name');
	assert.equal(e.HostConfig.Memory, 64 * 1024 * 1024);
	assert.ok(e.Config.Env.includes('GREETING=moon'), e.Config.Env);
	assert.ok(e.Config.Env.includes('PROJECT_VAR=pv'));
	assert.ok(e.Config.Env.includes('SECRET_VAR=unsealed'));
	assert.ok(!e.Config.Env.includes('GREETING=world'));
	const all = await listContainers({ 'io.openpanel.container': web.id });
	assert.deepEqual(all.map((c) => c.Id), [u.body.docker_id],
	    'one engine container, no leftover');
	assert.equal(await listedState(P, web.id), 'running');

	await logsHave(web.id, /hello-moon project-pv secret-unsealed$/m);
	assert.ok(!(await logs(web.id)).includes('hello-world'),
	    'the logs are the new container\'s');
	assert.equal(await until(() => served(hostPort(u.body)),
	    'the updated app'), 'world\nworld\nworld\nmoon\n',
	'the volume survived the update');
	const env = await as(O).get(`${ctr()}/env`);
	assert.deepEqual(env.body.items.map((i) => [i.key, i.value]),
	    [['GREETING', 'moon']]);
	const g = await as(O).get(ctr());
	assert.equal(g.body.state, 'running');
	assert.equal(g.body.docker_id, u.body.docker_id);
	web = g.body;
});

test('an update that the engine cannot carry out leaves the old one running',
    async () => {
	const r = await as(D).put(ctr(), {
		image: 'localhost:1/openpanel-test/absent:1' });
	assert.equal(r.status, 422, r.text);
	assert.equal(errorCode(r), 'image_pull_failed');
	const g = await as(O).get(ctr());
	assert.equal(g.body.docker_id, web.docker_id);
	assert.equal(g.body.image, IMAGE);
	assert.equal(g.body.state, 'running');
	const all = await listContainers({ 'io.openpanel.container': web.id });
	assert.deepEqual(all.map((c) => c.Id), [web.docker_id]);
	assert.ok(await served(hostPort(web)));
});

test('containers of a project reach each other by name, and no other'
    + " project's", async () => {
	const c = await create({ project_id: P, name: 'client', restart: 'no',
		command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do ' +
		    'wget -qO- http://web:8080/index.html && exit 0; sleep 1; ' +
		    'done; exit 1'] });
	await logsHave(c.id, /stdout moon$/m);
	const done = await until(async () => {
		const g = await as(O).get(ctr(c.id));
		return g.body.state === 'exited' && g.body;
	}, 'the client to finish');
	assert.equal(done.exit_code, 0);

	// From another project, neither the name nor the address answers.
	const ip = Object.values((await inspectContainer(web.docker_id))
	    .NetworkSettings.Networks)[0].IPAddress;
	assert.ok(ip);
	const o = await create({ project_id: PB, name: 'prober', restart: 'no',
		command: ['sh', '-c', 'wget -T 3 -qO- http://web:8080/index.html' +
		    ' && echo NAME-REACHED || echo NAME-BLOCKED; ' +
		    `wget -T 3 -qO- http://${ip}:8080/index.html` +
		    ' && echo IP-REACHED || echo IP-BLOCKED'] });
	await logsHave(o.id, /IP-(REACHED|BLOCKED)$/m, 60000);
	const text = await logs(o.id);
	assert.match(text, /NAME-BLOCKED/);
	assert.match(text, /IP-BLOCKED/);
	assert.ok(!text.includes('moon'), text);
	const e = await inspectContainer(o.docker_id);
	assert.deepEqual(Object.keys(e.NetworkSettings.Networks),
	    [`op-net-${PB}`]);
	for (const id of [c.id, o.id])
		assert.equal((await as(O).del(ctr(id))).status, 204);
});

test('a container killed behind the panel is seen as exited, with an event',
    async () => {
	const mark = lastSid();
	await killContainer(web.docker_id);
	// The list does not ask the engine: only the reconciler updates it.
	await until(async () => await listedState(P, web.id) === 'exited',
	    'the reconciler to see the kill', 30000);
	const ev = await until(() => readEvents(500).find((e) =>
		e.type === 'container.stopped' && sidAfter(e.sid, mark) &&
		e.event.subject?.id === web.id), 'a container.stopped event');
	assert.equal(ev.event.team_id, T);
	assert.equal(ev.event.subject.kind, 'container');
	assert.equal(ev.event.data.project_id, P);
	assert.equal(ev.event.data.from, 'running');
	assert.equal(ev.event.data.to, 'exited');
	// And the panel starts it again.
	const st = await as(D).post(`${ctr()}/start`);
	assert.equal(st.status, 200, st.text);
	assert.equal(st.body.state, 'running');
	await until(async () => await listedState(P, web.id) === 'running',
	    'running again');
	web = st.body;
});

test('a container removed behind the panel is missing; an update '
    + 'recreates it', async () => {
	const c = await create({ project_id: P, name: 'vanishing',
		command: IDLE_N, env: { N: 'first' } });
	try {
		const mark = lastSid();
		await removeContainer(c.docker_id);
		await until(async () => await listedState(P, c.id) === 'missing',
		    'the reconciler to see it gone', 30000);
		const ev = await until(() => stateEvents(c.id, mark).find((e) =>
			e.type === 'container.stopped' && e.event.data.to === 'missing'),
		'a container.stopped event to missing');
		assert.equal(ev.event.data.project_id, P);
		for (const r of [await as(D).post(`${ctr(c.id)}/start`),
			await as(D).post(`${ctr(c.id)}/stop`),
			await as(D).post(`${ctr(c.id)}/restart`),
			await as(O).get(`${ctr(c.id)}/logs`),
			await as(O).get(`${ctr(c.id)}/stats`)]) {
			assert.equal(r.status, 409, r.text);
		}
		assert.equal(errorCode(await as(D).post(`${ctr(c.id)}/start`)),
		    'missing');
		const g = await as(O).get(ctr(c.id));
		assert.equal(g.status, 200);
		assert.equal(g.body.state, 'missing');
		// An update makes it anew, from its definition.
		const u = await as(D).put(ctr(c.id), { env: { N: 'again' } });
		assert.equal(u.status, 200, u.text);
		assert.notEqual(u.body.docker_id, c.docker_id);
		const e = await inspectContainer(u.body.docker_id);
		assert.ok(e, 'the engine has it again');
		assert.equal(e.Name, `/op-${c.id}`);
		if (u.body.state !== 'running') {
			const st = await as(D).post(`${ctr(c.id)}/start`);
			assert.equal(st.status, 200, st.text);
		}
		await logsHave(c.id, /stdout up-again$/m);
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
});

test('health checks are followed: healthy, then unhealthy, with events',
    async () => {
	const c = await create({ project_id: P, name: 'checked',
		command: ['sh', '-c', 'touch /tmp/ok; trap "exit 0" TERM; ' +
		    'while true; do sleep 1; done'],
		healthcheck: { test: ['test', '-f', '/tmp/ok'], interval_s: 1,
			timeout_s: 2, retries: 1 } });
	try {
		assert.deepEqual(c.healthcheck, { test: ['test', '-f', '/tmp/ok'],
			interval_s: 1, timeout_s: 2, retries: 1, start_period_s: 0 });
		const hc = (await inspectContainer(c.docker_id)).Config.Healthcheck;
		assert.deepEqual(hc.Test, ['CMD', 'test', '-f', '/tmp/ok']);
		assert.equal(hc.Interval, 1e9);
		assert.equal(hc.Retries, 1);
		const health = async () => (await as(O).get(
		    `/api/containers?project_id=${P}`)).body.items
		    .find((i) => i.id === c.id).health;
		await until(async () => await health() === 'healthy',
		    'healthy in the list', 30000);
		const mark = lastSid();
		assert.equal(await execIn(c.docker_id, ['rm', '/tmp/ok']), 0);
		await until(async () => await health() === 'unhealthy',
		    'unhealthy in the list', 30000);
		const ev = await eventAfter(c.id, mark, 'container.health_changed');
		assert.equal(ev.event.data.from, 'healthy');
		assert.equal(ev.event.data.to, 'unhealthy');
		assert.equal(ev.event.data.project_id, P);
		assert.equal((await as(O).get(ctr(c.id))).body.health, 'unhealthy');
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
});

test('a host port already taken: a create leaves nothing, an update leaves '
    + 'the old container running', async () => {
	const holder = createServer();
	await new Promise((res) => holder.listen(0, '127.0.0.1', res));
	const taken = holder.address().port;
	try {
		const lbl = { 'io.openpanel.project': P };
		const before_ = (await listContainers(lbl)).map((c) => c.Id).sort();
		const r = await as(O).post('/api/containers', { project_id: P,
			name: 'squatter', image: IMAGE, command: IDLE_N,
			ports: [{ container: 80, host: taken }] });
		assert.equal(r.status, 409, r.text);
		assert.equal(errorCode(r), 'docker_error');
		assert.deepEqual((await listContainers(lbl)).map((c) => c.Id)
		    .sort(), before_, 'no engine container left');
		const list = await as(O).get(`/api/containers?project_id=${P}`);
		assert.ok(!list.body.items.some((i) => i.name === 'squatter'));

		const c = await create({ project_id: P, name: 'steady',
			command: IDLE_N, env: { N: 'steady' },
			ports: [{ container: 80 }] });
		try {
			const u = await as(O).put(ctr(c.id), {
				ports: [{ container: 80, host: taken }] });
			assert.ok(u.status >= 400 && u.status < 500, u.text);
			// The old one must still be there and running, as defined.
			const g = await as(O).get(ctr(c.id));
			assert.equal(g.body.state, 'running', JSON.stringify(g.body));
			assert.deepEqual(g.body.ports, c.ports);
			const mine = await listContainers({
				'io.openpanel.container': c.id });
			assert.equal(mine.length, 1, JSON.stringify(mine.map((m) =>
			    m.Names)));
			const e = await inspectContainer(g.body.docker_id);
			assert.equal(e.State.Running, true);
			assert.ok(!JSON.stringify(e.HostConfig.PortBindings)
			    .includes(String(taken)),
			'the engine runs what the panel has stored');
		} finally {
			assert.equal((await as(O).del(ctr(c.id))).status, 204);
		}
	} finally {
		holder.close();
	}
});

test("a container's own environment: set through /env, secrets by admins,"
    + ' applied when it is recreated', async () => {
	const c = await create({ project_id: P, name: 'envy', env: { A: '1' },
		command: ['sh', '-c', 'echo "A=$A B=$B S=$S"; trap "exit 0" TERM;' +
		    ' while true; do sleep 1; done'] });
	const env = async () => {
		const r = await as(V).get(`${ctr(c.id)}/env`);
		assert.equal(r.status, 200, r.text);
		return Object.fromEntries(r.body.items.map((i) => [i.key,
			[i.value, i.secret]]));
	};
	try {
		assert.deepEqual(await env(), { A: ['1', false] });
		const dev = await as(D).put(`${ctr(c.id)}/env`, { B: '2',
			S: { value: 'hush', secret: true } });
		assert.equal(dev.status, 403, dev.text);
		assert.deepEqual(await env(), { A: ['1', false] }, 'nothing applied');
		for (const [body, field] of [[{ '1X': 'v' }, '1X'],
			[{ A: 5 }, 'A']]) {
			const r = await as(O).put(`${ctr(c.id)}/env`, body);
			assert.equal(r.status, 422, r.text);
			assert.equal(r.body.error.field, field);
		}
		const set = await as(O).put(`${ctr(c.id)}/env`, { B: '2',
			S: { value: 'hush', secret: true } });
		assert.equal(set.status, 200, set.text);
		assert.ok(!set.text.includes('hush'));
		assert.deepEqual(await env(), { A: ['1', false], B: ['2', false],
			S: [null, true] });
		// The project's environment is another scope.
		const pe = await as(O).get(`/api/projects/${P}/env`);
		assert.ok(!pe.body.items.some((i) => ['A', 'B', 'S'].includes(i.key)));
		// Not applied until recreated; then the container sees them all.
		await logsHave(c.id, /stdout A=1 B= S=$/m);
		const u = await as(O).put(ctr(c.id), {});
		assert.equal(u.status, 200, u.text);
		await logsHave(c.id, /stdout A=1 B=2 S=hush$/m);
		// An update's env replaces the plain variables, and keeps secrets.
		const u2 = await as(D).put(ctr(c.id), { env: { A: 'one' } });
		assert.equal(u2.status, 200, u2.text);
		assert.deepEqual(await env(), { A: ['one', false], S: [null, true] });
		// The engine runs what the panel stores: no B any more.
		const e = await inspectContainer(u2.body.docker_id);
		assert.ok(e.Config.Env.includes('A=one'), e.Config.Env);
		assert.ok(e.Config.Env.includes('S=hush'), e.Config.Env);
		assert.ok(!e.Config.Env.some((v) => v.startsWith('B=')),
		    `B is no longer stored, yet the container has ${e.Config.Env}`);
		await logsHave(c.id, /stdout A=one B= S=hush$/m);
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
	// Its variables went with it.
	assert.equal((await as(O).get(`${ctr(c.id)}/env`)).status, 404);
});

test("a developer cannot turn a container's secret into a plain value",
    async () => {
	const c = await create({ project_id: P, name: 'sealed',
		command: IDLE_N, env: { N: '1' } });
	try {
		const s = await as(O).put(`${ctr(c.id)}/env`, {
			TOKEN: { value: 'sealed-value', secret: true } });
		assert.equal(s.status, 200, s.text);
		for (const [path, body] of [
			[`${ctr(c.id)}/env`, { TOKEN: 'overwritten' }],
			[`${ctr(c.id)}/env`, { TOKEN: null }],
			[ctr(c.id), { env: { TOKEN: 'overwritten' } }],
		]) {
			const r = await as(D).put(path, body);
			assert.equal(r.status, 403, `${path} ${JSON.stringify(body)}: ` +
			    r.text);
		}
		const e = (await as(O).get(`${ctr(c.id)}/env`)).body.items
		    .find((i) => i.key === 'TOKEN');
		assert.ok(e, 'the secret is still there');
		assert.equal(e.secret, true);
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
});

test('a container created without starting starts on request', async () => {
	const c = await create({ project_id: P, name: 'idle', start: false,
		command: ['sh', '-c', 'echo idle-started; trap "exit 0" TERM; ' +
		    'while true; do sleep 1; done'] });
	assert.equal(c.state, 'created');
	assert.equal((await inspectContainer(c.docker_id)).State.Status,
	    'created');
	assert.equal(await logs(c.id), '');
	const st = await as(D).post(`${ctr(c.id)}/start`);
	assert.equal(st.status, 200, st.text);
	assert.equal(st.body.state, 'running');
	await logsHave(c.id, /stdout idle-started$/m);
	const del = await as(O).del(ctr(c.id));
	assert.equal(del.status, 204);
});

test('a deleted container is gone from the panel and the engine',
    async () => {
	const c = await create({ project_id: P, name: 'short-lived',
		command: ['sh', '-c', 'trap "exit 0" TERM; while true; do ' +
		    'sleep 1; done'] });
	assert.equal((await listContainers({ 'io.openpanel.container': c.id }))
	    .length, 1);
	const del = await as(O).del(ctr(c.id));
	assert.equal(del.status, 204, del.text);
	assert.equal(del.text, '');
	assert.deepEqual(await listContainers({
		'io.openpanel.container': c.id }), []);
	assert.equal(await inspectContainer(c.docker_id), null);
	for (const r of [await as(O).get(ctr(c.id)),
		await as(O).get(`${ctr(c.id)}/logs`),
		await as(O).post(`${ctr(c.id)}/start`),
		await as(O).del(ctr(c.id))])
		assert.equal(r.status, 404, r.text);
	const list = await as(O).get(`/api/containers?project_id=${P}`);
	assert.ok(!list.body.items.some((i) => i.id === c.id));
	// The name is free again.
	const again = await create({ project_id: P, name: 'short-lived',
		command: ['true'], restart: 'no', start: false });
	assert.notEqual(again.id, c.id);
	assert.equal((await as(O).del(ctr(again.id))).status, 204);
});

test('an update through the panel is not reported as the container '
    + 'stopping or going missing', async () => {
	const c = await create({ project_id: P, name: 'updated',
		command: IDLE_N, env: { N: '1' } });
	try {
		const mark = lastSid();
		const u = await as(O).put(ctr(c.id), { env: { N: '2' } });
		assert.equal(u.status, 200, u.text);
		assert.equal(u.body.state, 'running');
		await eventAfter(c.id, mark, 'container.updated');
		await logsHave(c.id, /stdout up-2$/m);
		const seen = stateEvents(c.id, mark);
		assert.ok(!seen.some((e) => /^(missing|removing)$/
		    .test(e.event.data.to)), JSON.stringify(seen.map((e) =>
		    [e.type, e.event.data.from, e.event.data.to])));
		if (seen.length)
			assert.equal(seen[seen.length - 1].event.data.to, 'running');
		assert.equal(await listedState(P, c.id), 'running');
	} finally {
		assert.equal((await as(O).del(ctr(c.id))).status, 204);
	}
});

test('a deletion through the panel is container.deleted, not the container '
    + 'going missing', async () => {
	const c = await create({ project_id: P, name: 'deleted',
		command: IDLE_N, env: { N: '1' } });
	await logsHave(c.id, /stdout up-1$/m);
	const mark = lastSid();
	assert.equal((await as(O).del(ctr(c.id))).status, 204);
	const del = await eventAfter(c.id, mark, 'container.deleted');
	assert.equal(del.event.data.name, 'deleted');
	assert.equal(del.event.data.project_id, P);
	const seen = stateEvents(c.id, mark);
	assert.ok(!seen.some((e) => /^(missing|removing)$/
	    .test(e.event.data.to)), JSON.stringify(seen.map((e) =>
	    [e.type, e.event.data.from, e.event.data.to])));
});

test('deleting a project takes its containers, network and volumes',
    async () => {
	const second = await create({ project_id: P, name: 'worker',
		command: ['sh', '-c', 'echo x > /cache/x; trap "exit 0" TERM; ' +
		    'while true; do sleep 1; done'],
		volumes: [{ name: 'cache', path: '/cache' }] });
	const lbl = { 'io.openpanel.project': P };
	const rows = (await as(O).get(`/api/containers?project_id=${P}`)).body
	    .items.filter((c) => c.state !== 'missing').map((c) => c.docker_id)
	    .sort();
	assert.ok(rows.includes(web.docker_id) && rows.includes(second.docker_id));
	const onEngine = async () => (await listContainers(lbl)).map((c) => c.Id)
	    .sort();
	assert.deepEqual(await onEngine(), rows);
	assert.ok(await inspectNetwork(`op-net-${P}`));
	assert.deepEqual((await listVolumes(lbl)).map((v) => v.Name).sort(),
	    [`op-${P}-cache`, `op-${P}-data`]);
	// Not by a developer.
	const dev = await as(D).del(`/api/projects/${P}?volumes=true`);
	assert.equal(dev.status, 403);
	assert.deepEqual(await onEngine(), rows);
	const bad = await as(O).del(`/api/projects/${P}?volumes=yes`);
	assert.equal(bad.status, 422, bad.text);
	assert.deepEqual(await onEngine(), rows);

	const r = await as(O).del(`/api/projects/${P}?volumes=true`);
	assert.equal(r.status, 204, r.text);
	assert.deepEqual(await listContainers(lbl), []);
	assert.equal(await inspectNetwork(`op-net-${P}`), null);
	assert.deepEqual(await listNetworks(lbl), []);
	assert.deepEqual(await listVolumes(lbl), []);
	for (const id of [web.id, second.id])
		assert.equal((await as(O).get(ctr(id))).status, 404);
	assert.equal((await as(O).get(`/api/containers?project_id=${P}`))
	    .status, 404);
	made.delete(P);
});

test('without volumes=true a project deletion keeps its volumes',
    async () => {
	const c = await create({ project_id: PB, name: 'keeper',
		command: ['sh', '-c', 'echo kept > /keep/file; ' +
		    'trap "exit 0" TERM; while true; do sleep 1; done'],
		volumes: [{ name: 'keep', path: '/keep' }] });
	const lbl = { 'io.openpanel.project': PB };
	const r = await as(O).del(`/api/projects/${PB}`);
	assert.equal(r.status, 204, r.text);
	assert.deepEqual(await listContainers(lbl), []);
	assert.equal(await inspectContainer(c.docker_id), null);
	assert.equal(await inspectNetwork(`op-net-${PB}`), null);
	assert.deepEqual((await listVolumes(lbl)).map((v) => v.Name),
	    [`op-${PB}-keep`]);
	await removeProjectObjects(PB);
	assert.deepEqual(await listVolumes(lbl), []);
	made.delete(PB);
});
