// Docker Swarm: the engine as a single-node swarm manager (initialised
// here when it is not one, and left at the end only then). The swarm's
// nodes for instance admins (list, labels, drain, join tokens); a
// project's container run as a Swarm service with two replicas and
// placement constraints, reached through the gateway on its domain; a
// deployment rolled by Swarm (start-first) while a client loops on the
// domain, with no failed request and every answer ending on the new
// version; a broken version rolled back by Swarm and reported by the
// panel; stop, start, restart and scale; others kept out. op-monitor
// covers it: its tasks' lines on its live log channel, their resource use
// summed into its metrics and history, under the panel's container id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, readEvents, sleep, until } from
    './lib/fixtures.mjs';
import { engine, removeProjectObjects, initSwarm, leaveSwarm, managesSwarm }
    from './lib/docker.mjs';
import { tryGateway } from './lib/gateway.mjs';
import { eventSource, jsonWhere } from './lib/live.mjs';
import { connect } from './lib/ws.mjs';

const IP = addr();
const BASE_IMAGE = 'openpanel-test/busybox:1';
const REPO = `openpanel-test/swarm-web-${process.pid}`;
const V1 = `${REPO}:v1`;
const V2 = `${REPO}:v2`;
const BROKEN = `${REPO}:broken`;
let admin, O, V, X, T, TX, P, PX;
let initialised = false;	// this test made the swarm
let node;			// the node's API answer at the start
let app;			// the swarm container
const made = new Set();
const subs = [];

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		put: (p, body) => api('PUT', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};

// An image answering "<version> <task hostname>" over HTTP on 8080, made
// from the test busybox image by the engine (a container run, committed
// with a new command): nothing is pulled or built from outside.
async function versionImage(tag, version, broken = false) {
	const c = await engine('POST', '/containers/create', {
		Image: BASE_IMAGE, Cmd: ['sh', '-c',
			`echo ${version} > /www/version`],
		Labels: { 'io.openpanel.test': 'swarm' },
		// No network: it needs none, and the engine's default bridge
		// may be missing on a host shared with another engine.
		HostConfig: { NetworkMode: 'none' } });
	assert.equal(c.status, 201, c.text);
	assert.equal((await engine('POST', `/containers/${c.body.Id}/start`))
	    .status, 204);
	await engine('POST', `/containers/${c.body.Id}/wait`);
	const cmd = broken ? ['sh', '-c', 'echo broken; exit 3'] :
		['sh', '-c', 'echo "$(cat /www/version) $(hostname)" >' +
		 ' /www/index.html; echo up-$(cat /www/version);' +
		 ' exec httpd -f -p 8080 -h /www'];
	const [repo, t] = tag.split(':');
	const r = await engine('POST', `/commit?container=${c.body.Id}` +
	    `&repo=${encodeURIComponent(repo)}&tag=${t}`, { Cmd: cmd });
	assert.equal(r.status, 201, r.text);
	await engine('DELETE', `/containers/${c.body.Id}?force=true`);
}

async function newProject(team, who = O) {
	const r = await as(who).post('/api/projects', { team_id: team,
		name: unique('swarm') });
	assert.equal(r.status, 201, r.text);
	made.add(r.body.id);
	return r.body.id;
}

const ctr = (id = app.id) => `/api/containers/${id}`;
const getApp = async () => {
	const r = await as(O).get(ctr());
	assert.equal(r.status, 200, r.text);
	return r.body;
};
// The container once Swarm runs want tasks of it, each publishing 8080.
async function converged(want, image, ms = 60000) {
	let last;
	try {
		return await until(async () => {
			const c = last = await getApp();
			return c.state === 'running' && c.swarm?.running === want &&
			    c.published.filter((p) => p.container === 8080)
				.length === want &&
			    (!image || c.image === image) ? c : null;
		}, `${want} running tasks${image ? ` of ${image}` : ''}`, ms, 250);
	} catch (e) {
		e.message += `: ${JSON.stringify(last)}`;
		throw e;
	}
}

const eventsOf = (type, id = app.id) => readEvents(5000).filter((e) =>
	e.type === type && e.event.subject?.id === id);

// What the app answers on a host port, or null.
async function served(port) {
	try {
		const r = await fetch(`http://127.0.0.1:${port}/index.html`,
		    { signal: AbortSignal.timeout(2000) });
		return r.status === 200 ? (await r.text()).trim() : null;
	} catch {
		return null;
	}
}

before(async () => {
	await versionImage(V1, 'v1');
	await versionImage(V2, 'v2');
	await versionImage(BROKEN, 'broken', true);
	admin = await adminToken();
	[O, V, X] = await newUsers(admin, 3);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, V, 'viewer', IP);
	P = await newProject(T);
	PX = await newProject(TX, X);
});

after(async () => {
	for (const s of subs) s.close?.();
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
	if (node)	// the node as it was
		await api('PUT', `/api/swarm/nodes/${node.id}`, { token: admin,
			ip: IP, body: { availability: node.availability,
				labels: node.labels } });
	for (const img of [V1, V2, BROKEN])
		await engine('DELETE', `/images/${encodeURIComponent(img)}` +
		    '?force=true');
	if (initialised)	// the swarm this test made
		await leaveSwarm();
});

// --- hostile first ---------------------------------------------------------

// Outside a swarm (when the engine is in none: this test then makes the
// single-node swarm the rest runs on, on loopback).
test('swarm containers and nodes need a swarm manager', async (t) => {
	if (await managesSwarm(t)) return;
	const sw = await as(admin).get('/api/swarm');
	assert.equal(sw.status, 200, sw.text);
	assert.equal(sw.body.active, false);
	for (const p of ['/api/swarm/nodes', '/api/swarm/tokens']) {
		const r = await as(admin).get(p);
		assert.equal(r.status, 409, r.text);
		assert.equal(errorCode(r), 'swarm_inactive');
	}
	const rot = await as(admin).post('/api/swarm/tokens/rotate',
	    { role: 'worker' });
	assert.equal(rot.status, 409, rot.text);
	assert.equal(errorCode(rot), 'swarm_inactive');
	const c = await as(O).post('/api/containers', { project_id: P,
		name: 'early', image: V1, mode: 'swarm' });
	assert.equal(c.status, 409, c.text);
	assert.equal(errorCode(c), 'swarm_inactive');
	const list = await as(O).get(`/api/containers?project_id=${P}`);
	assert.deepEqual(list.body.items, []);
	await initSwarm();
	initialised = true;
});

test('the swarm is for instance admins only', async () => {
	for (const [m, p, body] of [['GET', '/api/swarm'],
		['GET', '/api/swarm/nodes'], ['GET', '/api/swarm/tokens'],
		['POST', '/api/swarm/tokens/rotate', { role: 'worker' }],
		['PUT', '/api/swarm/nodes/abcdefghij0123456789abcde',
		    { availability: 'drain' }]]) {
		const r = await api(m, p, { token: O.token, ip: IP, body });
		assert.equal(r.status, 403, `${m} ${p}: ${r.text}`);
		assert.equal(errorCode(r), 'admin_only');
	}
	const anon = await api('GET', '/api/swarm/nodes', { ip: IP });
	assert.equal(anon.status, 401);
});

test('swarm fields of a definition are checked', async () => {
	const base = { project_id: P, name: 'bad', image: V1 };
	const cases = [
		[{ mode: 'cluster' }, 'mode'],
		[{ mode: 7 }, 'mode'],
		[{ replicas: 2 }, 'replicas'],
		[{ placement: ['node.role==manager'] }, 'placement'],
		[{ mode: 'swarm', replicas: 101 }, 'replicas'],
		[{ mode: 'swarm', replicas: -1 }, 'replicas'],
		[{ mode: 'swarm', placement: ['node.role'] }, 'placement[0]'],
		[{ mode: 'swarm', placement: ['node.labels.==a'] },
		    'placement[0]'],
		[{ mode: 'swarm', placement: ['node.role==manager; rm -rf'] },
		    'placement[0]'],
		[{ mode: 'swarm', placement: ['container.name==x'] },
		    'placement[0]'],
		[{ mode: 'swarm', placement: [12] }, 'placement[0]'],
		[{ mode: 'swarm', placement: 'node.role==manager' }, 'placement'],
		[{ mode: 'swarm', privileged: true }, 'privileged'],
	];
	for (const [extra, field] of cases) {
		const r = await as(O).post('/api/containers', { ...base, ...extra });
		assert.ok([400, 422].includes(r.status),
		    `${JSON.stringify(extra)}: ${r.status} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	const list = await as(O).get(`/api/containers?project_id=${P}`);
	assert.deepEqual(list.body.items, []);
	const services = await engine('GET', '/services?filters=' +
	    encodeURIComponent(JSON.stringify({ label:
		[`io.openpanel.project=${P}`] })));
	assert.deepEqual(services.body, [], 'no service was made');
});

// --- nodes -------------------------------------------------------------------

test('nodes: list, labels, drain and activate, join tokens', async () => {
	const sw = await as(admin).get('/api/swarm');
	assert.equal(sw.status, 200, sw.text);
	assert.equal(sw.body.active, true);
	assert.equal(sw.body.manager, true);
	const list = await as(admin).get('/api/swarm/nodes');
	assert.equal(list.status, 200, list.text);
	node = list.body.items.find((n) => n.id === sw.body.node_id);
	assert.ok(node, list.text);
	assert.equal(node.role, 'manager');
	assert.equal(node.status, 'ready');
	assert.equal(node.availability, 'active');
	assert.equal(typeof node.labels, 'object');

	const bad = [
		[{ availability: 'sleep' }, 'availability'],
		[{ role: 'king' }, 'role'],
		[{ labels: { 'Bad Key': 'x' } }, 'labels'],
		[{ labels: { 'com.docker.x': 'y' } }, 'labels'],
		[{ labels: { zone: 'a b' } }, 'labels'],
		[{ labels: { zone: 3 } }, 'labels'],
		[{ hostname: 'x' }, 'hostname'],
	];
	for (const [body, field] of bad) {
		const r = await as(admin).put(`/api/swarm/nodes/${node.id}`, body);
		assert.ok([400, 422].includes(r.status),
		    `${JSON.stringify(body)}: ${r.status} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	for (const id of ['abcdefghij0123456789abcde', '../swarm', 'X'])
		assert.equal((await as(admin).get(`/api/swarm/nodes/${
		    encodeURIComponent(id)}`)).status, 404, id);

	const labelled = await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { labels: { ...node.labels, 'op-test-zone': 'a' } });
	assert.equal(labelled.status, 200, labelled.text);
	assert.equal(labelled.body.labels['op-test-zone'], 'a');
	const seen = await engine('GET', `/nodes/${node.id}`);
	assert.equal(seen.body.Spec.Labels['op-test-zone'], 'a');

	const drained = await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { availability: 'drain' });
	assert.equal(drained.status, 200, drained.text);
	assert.equal(drained.body.availability, 'drain');
	assert.equal((await engine('GET', `/nodes/${node.id}`)).body.Spec
	    .Availability, 'drain');
	const active = await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { availability: 'active' });
	assert.equal(active.body.availability, 'active');

	const tokens = await as(admin).get('/api/swarm/tokens');
	assert.equal(tokens.status, 200, tokens.text);
	assert.match(tokens.body.worker, /^SWMTKN-1-/);
	assert.match(tokens.body.manager, /^SWMTKN-1-/);
	assert.notEqual(tokens.body.worker, tokens.body.manager);
	assert.ok(tokens.body.managers.includes('127.0.0.1:2377'),
	    tokens.text);
	await until(() => readEvents(2000).some((e) =>
	    e.type === 'swarm.node_updated' && e.event.subject?.id === node.id),
	'swarm.node_updated');

	// A leaked token is rotated: that role's token changes, the other
	// stays, the engine says the same, and the rotation is in the trail.
	for (const [body, status] of [[{}, 422], [{ role: 'admin' }, 422],
		[{ role: 'worker', x: 1 }, 400]]) {
		const bad = await as(admin).post('/api/swarm/tokens/rotate', body);
		assert.equal(bad.status, status, `${JSON.stringify(body)} ${bad.text}`);
	}
	assert.equal((await engine('GET', '/swarm')).body.JoinTokens.Worker,
	    tokens.body.worker, 'a refused rotation rotates nothing');
	const rotated = await as(admin).post('/api/swarm/tokens/rotate',
	    { role: 'worker' });
	assert.equal(rotated.status, 200, rotated.text);
	assert.match(rotated.body.worker, /^SWMTKN-1-/);
	assert.notEqual(rotated.body.worker, tokens.body.worker);
	assert.equal(rotated.body.manager, tokens.body.manager);
	const inEngine = await engine('GET', '/swarm');
	assert.equal(inEngine.body.JoinTokens.Worker, rotated.body.worker);
	await until(() => readEvents(2000).some((e) =>
	    e.type === 'swarm.tokens_rotated' && e.event.data?.role === 'worker'),
	'swarm.tokens_rotated');
});

// --- a swarm container -----------------------------------------------------

test('a swarm container runs as a service of two replicas', async () => {
	const r = await as(O).post('/api/containers', { project_id: P,
		name: 'app', image: V1, mode: 'swarm', replicas: 2,
		placement: ['node.role==manager', 'node.labels.op-test-zone==a'],
		ports: [{ container: 8080 }] });
	assert.equal(r.status, 201, r.text);
	app = r.body;
	assert.equal(app.mode, 'swarm');
	assert.equal(app.replicas, 2);
	assert.match(app.swarm.service_id, /^[a-z0-9]{25}$/);
	const svc = (await engine('GET', `/services/${app.swarm.service_id}`))
	    .body;
	assert.equal(svc.Spec.Mode.Replicated.Replicas, 2);
	assert.equal(svc.Spec.UpdateConfig.Order, 'start-first');
	assert.equal(svc.Spec.UpdateConfig.FailureAction, 'rollback');
	assert.ok(svc.Spec.UpdateConfig.Monitor > 0);
	assert.equal(svc.Spec.RollbackConfig.Order, 'start-first');
	assert.deepEqual(svc.Spec.TaskTemplate.Placement.Constraints,
	    ['node.role==manager', 'node.labels.op-test-zone==a']);
	assert.equal(svc.Spec.Labels['io.openpanel.container'], app.id);

	app = await converged(2, V1);
	// Each task on its own host port (its server may still be starting).
	const answers = await Promise.all(app.published.map((p) =>
		until(() => served(p.host), `the task on ${p.host}`, 30000,
		    200)));
	for (const a of answers) assert.match(a, /^v1 /);
	assert.notEqual(answers[0], answers[1], 'two tasks answer');
	await until(() => eventsOf('container.started').length > 0,
	    'container.started');
	await until(async () => /up-v1/.test((await as(O).get(
	    `${ctr()}/logs`)).text), 'the tasks\' logs');
});

// The running task containers of app on this node, by slot.
async function localTasks() {
	const filters = encodeURIComponent(JSON.stringify({ label: [
		`com.docker.swarm.service.id=${app.swarm.service_id}`],
		status: ['running'] }));
	const list = (await engine('GET', `/containers/json?filters=${filters}`))
	    .body;
	const slot = (c) => Number(c.Labels['com.docker.swarm.task.name']
	    .split('.').at(-2));
	return list.sort((a, b) => slot(a) - slot(b)).map((c) => ({ id: c.Id,
		slot: slot(c) }));
}

test('a stats sample sums the tasks on this node', async () => {
	assert.equal((await localTasks()).length, 2);
	const stats = await as(O).get(`${ctr()}/stats`);
	assert.equal(stats.status, 200, stats.text);
	assert.equal(stats.body.tasks, 2);
	assert.equal(stats.body.container_id, app.id);
	assert.ok(stats.body.memory.usage_bytes > 0, stats.text);
	assert.ok(stats.body.pids >= 2, stats.text);	// a server in each
	assert.equal((await as(X).get(`${ctr()}/stats`)).status, 404);
});

test('a terminal opens on a task: the slot asked for, or the first', async () => {
	const tasks = await localTasks();
	const hostname = (t) => t.id.slice(0, 12);	// a task's hostname
	for (const [body, task] of [[{}, tasks[0]], [{ slot: tasks[1].slot },
	    tasks[1]]]) {
		const t = await as(O).post(`${ctr()}/terminal`, body);
		assert.equal(t.status, 201, t.text);
		assert.equal(t.body.slot, task.slot);
		const r = await connect(t.body.url, { ip: IP });
		assert.equal(r.status, 101, r.text);
		r.ws.type('echo "on-$(hostname)"\n');
		await r.ws.expectOutput(new RegExp(`on-${hostname(task)}`));
		assert.equal((await r.ws.close(1000, 'bye'))?.code, 1000);
	}
	const none = await as(O).post(`${ctr()}/terminal`, { slot: 99 });
	assert.equal(none.status, 409, none.text);
	assert.equal(errorCode(none), 'no_local_task');
	const bad = await as(O).post(`${ctr()}/terminal`, { slot: 0 });
	assert.equal(bad.status, 422, bad.text);
	assert.equal((await as(V).post(`${ctr()}/terminal`, {})).status, 403);
	assert.equal((await as(X).post(`${ctr()}/terminal`, {})).status, 404);
});

test('viewers read, others see nothing', async () => {
	assert.equal((await as(V).get(ctr())).status, 200);
	for (const action of ['stop', 'start', 'restart']) {
		const v = await as(V).post(`${ctr()}/${action}`);
		assert.equal(v.status, 403, v.text);
		const x = await as(X).post(`${ctr()}/${action}`);
		assert.equal(x.status, 404, x.text);
	}
	assert.equal((await as(V).put(ctr(), { replicas: 1 })).status, 403);
	assert.equal((await as(X).put(ctr(), { replicas: 1 })).status, 404);
	assert.equal((await as(X).get(ctr())).status, 404);
	assert.equal((await as(X).get(`${ctr()}/logs`)).status, 404);
	assert.equal((await as(V).del(ctr())).status, 403);
	assert.equal((await as(X).del(ctr())).status, 404);
	const d = await as(X).post('/api/deployments', { project_id: P,
		image: V2 });
	assert.equal(d.status, 404, d.text);
	assert.equal((await getApp()).image, V1);
	const svc = (await engine('GET', `/services/${app.swarm.service_id}`))
	    .body;
	assert.equal(svc.Spec.Mode.Replicated.Replicas, 2, 'still two');
});

// --- op-monitor ----------------------------------------------------------------

const live = (kind, id = app.id) => `/api/live/${kind}/${id}`;
async function sub(path, token = O.token) {
	const s = await eventSource(path, { token });
	subs.push(s);
	return s;
}

// The first line on a container's live log channel that pred takes,
// subscribing again when the stream ends (as a browser's EventSource
// does: a reload of the gateway ends every subscriber).
async function liveLine(id, pred, what, ms = 30000) {
	return until(async () => {
		const s = await sub(live('logs', id));
		assert.equal(s.status, 200, JSON.stringify(s.body));
		try {
			return await s.next(jsonWhere(pred), what, 5000);
		} catch {
			return null;
		} finally {
			s.close();
		}
	}, what, ms, 100);
}

// A family's sample for a container in the exposition text, or undefined.
const metricOf = (text, name, id) => {
	const m = new RegExp(`^${name}\\{container_id="${id}",[^}]*\\} (\\S+)$`,
	    'm').exec(text);
	return m ? Number(m[1]) : undefined;
};

test('op-monitor samples the tasks of a swarm container under its id',
    async () => {
	// Both tasks run one httpd each: their sum has two processes.
	const metrics = await sub(live('metrics'));
	assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
	const m = await metrics.next(jsonWhere((j) => j.container_id === app.id
	    && j.pids >= 2), 'a sample of both tasks', 30000);
	assert.ok(m.mem_bytes > 0, JSON.stringify(m));
	assert.equal(m.team_id, T);

	const scraped = await until(async () => {
		const r = await as(admin).get('/api/metrics');
		assert.equal(r.status, 200, r.text);
		return metricOf(r.text, 'openpanel_container_pids', app.id) >= 2 &&
		    r.text;
	}, 'the container in /api/metrics', 30000, 500);
	assert.ok(metricOf(scraped, 'openpanel_container_memory_bytes',
	    app.id) > 0, 'its memory');
	assert.ok(metricOf(scraped, 'openpanel_container_cpu_seconds_total',
	    app.id) >= 0, 'its CPU time');

	const q = `/api/metrics/history?container_id=${app.id}&metric=mem_bytes`;
	const h = await until(async () => {
		const r = await as(O).get(q);
		assert.equal(r.status, 200, r.text);
		return r.body.points.length > 0 && r.body;
	}, 'a rolled-up minute of its memory', 60000, 500);
	assert.equal(h.subject, app.id);
	assert.ok(h.points[0].avg > 0, JSON.stringify(h.points));
	const cpu = await as(O).get(`/api/metrics/history?container_id=${
	    app.id}&metric=cpu_percent`);
	assert.equal(cpu.status, 200, cpu.text);

	assert.equal((await eventSource(live('metrics'), { token: X.token }))
	    .status, 404);
	assert.equal((await as(X).get(q)).status, 404);
});

test('op-monitor follows the logs of every task of a swarm container',
    async () => {
	// Two tasks counting out loud, each with its hostname (its own).
	const r = await as(O).post('/api/containers', { project_id: P,
		name: 'ticker', image: BASE_IMAGE, mode: 'swarm', replicas: 2,
		command: ['sh', '-c', 'trap "exit 0" TERM; i=0; while true; do ' +
		    'i=$((i+1)); echo "tick-$i-$(hostname)"; sleep 0.5; done'] });
	assert.equal(r.status, 201, r.text);
	const ticker = r.body;
	const tick = /^tick-(\d+)-(\S+)$/;
	const first = await liveLine(ticker.id, (j) => tick.test(j.line),
	    'a task\'s line on the live channel', 60000);
	assert.equal(first.stream, 'stdout');
	assert.match(first.time, /^\d{4}-\d\d-\d\dT/);
	const [, n, host] = tick.exec(first.line);
	// Printed after the first: the follower keeps following.
	await liveLine(ticker.id, (j) => tick.exec(j.line)?.[2] === host &&
	    Number(tick.exec(j.line)[1]) > Number(n) + 2, 'later lines');
	// The other task's lines come on the same channel.
	await liveLine(ticker.id, (j) => tick.test(j.line) &&
	    tick.exec(j.line)[2] !== host, 'the other task\'s lines');

	const x = await eventSource(live('logs', ticker.id), { token: X.token });
	assert.equal(x.status, 404);
	assert.equal((await as(O).del(`/api/containers/${ticker.id}`)).status,
	    204);
});

// --- through the gateway, rolled by Swarm ------------------------------------

const HOST = `swarm-${process.pid}.example.test`;

// GET the domain through nginx until stop(): every answer recorded.
function loop() {
	const seen = [];
	let running = true;
	const done = (async () => {
		while (running) {
			const r = await tryGateway(HOST, '/index.html');
			seen.push(r === null ? { status: 0, body: '' } :
			    { status: r.status, body: r.body.trim() });
		}
	})();
	return { seen, stop: async () => { running = false; await done; } };
}

const failures = (seen) => seen.filter((s) => s.status !== 200 ||
    !/^v\d /.test(s.body));

async function deploy(image) {
	const r = await as(O).post('/api/deployments', { project_id: P,
		image });
	assert.equal(r.status, 202, r.text);
	return until(async () => {
		const d = await as(O).get(`/api/deployments/${r.body.id}`);
		return ['succeeded', 'failed'].includes(d.body.status) ?
		    d.body : null;
	}, `deployment of ${image}`, 240000, 500);
}

test('a deployment rolls both tasks to v2 without a failed request',
    async (t) => {
	const dom = await as(O).post('/api/domains', { hostname: HOST,
		container_id: app.id, port: 8080 });
	assert.equal(dom.status, 201, dom.text);
	// Both tasks behind the domain before the roll starts.
	const before = new Set();
	await until(async () => {
		const r = await tryGateway(HOST, '/index.html');
		if (r?.status === 200) before.add(r.body.trim());
		return before.size === 2;
	}, 'both v1 tasks through the gateway', 60000, 50);

	const l = loop();
	const d = await deploy(V2);
	assert.equal(d.status, 'succeeded', JSON.stringify(d));
	// Keep asking until the gateway follows the last task's move.
	const after = new Set();
	await until(async () => {
		const tail = l.seen.slice(-20);
		for (const s of tail) if (/^v2 /.test(s.body)) after.add(s.body);
		return after.size === 2 && tail.length === 20 &&
		    tail.every((s) => /^v2 /.test(s.body));
	}, 'every answer from the two v2 tasks', 60000, 200);
	await l.stop();
	assert.deepEqual(failures(l.seen), [], 'no request failed');
	assert.match(l.seen[0].body, /^v1 /);
	assert.ok(l.seen.length > 50, `${l.seen.length} requests`);
	assert.match(l.seen[l.seen.length - 1].body, /^v2 /);
	t.diagnostic(`${l.seen.length} requests through the gateway during ` +
	    `the roll, ${failures(l.seen).length} failed`);

	app = await converged(2, V2);
	const svc = (await engine('GET', `/services/${app.swarm.service_id}`))
	    .body;
	assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Image, V2);
	assert.equal(svc.UpdateStatus.State, 'completed');
	assert.equal(app.swarm.update_state, 'completed');
	await until(() => eventsOf('container.updated').some((e) =>
	    e.event.data.image === V2), 'container.updated to v2');
	assert.ok(eventsOf('container.endpoints_changed').length > 0);
});

test('a broken version is rolled back by Swarm, and the panel says so',
    async (t) => {
	const l = loop();
	const d = await deploy(BROKEN);
	assert.equal(d.status, 'failed', JSON.stringify(d));
	assert.match(d.error, /roll/i, d.error);
	await l.stop();
	assert.deepEqual(failures(l.seen), [], 'v2 kept serving');
	assert.ok(l.seen.every((s) => /^v2 /.test(s.body)));
	t.diagnostic(`${l.seen.length} requests during the failed roll and ` +
	    `its rollback, ${failures(l.seen).length} failed`);
	app = await until(async () => {
		const c = await getApp();
		return c.swarm?.update_state === 'rollback_completed' ? c : null;
	}, 'rollback_completed', 60000, 250);
	assert.equal(app.image, V2);
	assert.equal((await engine('GET', `/services/${app.swarm.service_id}`))
	    .body.Spec.TaskTemplate.ContainerSpec.Image, V2);
	await until(() => eventsOf('container.rolled_back').length > 0,
	    'container.rolled_back');
});

test('stop scales to none, start and restart bring the tasks back',
    async () => {
	const stop = await as(O).post(`${ctr()}/stop`);
	assert.equal(stop.status, 200, stop.text);
	await until(async () => {
		const c = await getApp();
		return c.state === 'exited' && c.swarm.running === 0 &&
		    c.published.length === 0;
	}, 'no task running', 60000, 250);
	assert.equal((await engine('GET', `/services/${app.swarm.service_id}`))
	    .body.Spec.Mode.Replicated.Replicas, 0);
	await until(() => eventsOf('container.stopped').length > 0,
	    'container.stopped');
	const start = await as(O).post(`${ctr()}/start`);
	assert.equal(start.status, 200, start.text);
	app = await converged(2, V2);
	const restart = await as(O).post(`${ctr()}/restart`);
	assert.equal(restart.status, 200, restart.text);
	const one = await as(O).put(ctr(), { replicas: 1 });
	assert.equal(one.status, 200, one.text);
	assert.equal(one.body.replicas, 1);
	app = await converged(1, V2);
	const mode = await as(O).put(ctr(), { mode: 'container' });
	assert.equal(mode.status, 422);
	assert.equal(errorCode(mode), 'immutable_field');
});

test('deleting the container removes its service', async () => {
	const id = app.swarm.service_id;
	const r = await as(O).del(ctr());
	assert.equal(r.status, 204, r.text);
	assert.equal((await engine('GET', `/services/${id}`)).status, 404);
	assert.equal((await as(O).get(ctr())).status, 404);
	await sleep(0);
});
