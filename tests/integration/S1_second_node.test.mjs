// Docker Swarm past one machine: an operator adds a second server. The
// second server is a real Docker engine of its own in a container
// (lib/swarm_node.mjs: its own bridge network, the panel's engine a
// swarm manager on that network's gateway); the join token comes from
// the panel's API and the node joins on its own engine, as `docker swarm
// join` would. Then, through the panel as a client would:
// two nodes, a label on the new one, a swarm container of two replicas
// placed by that label (both tasks run on the second engine), the node
// drained (the tasks leave it), and the node, once it has left, removed.
// The container publishes its port in Swarm's host mode (the ingress
// routing mesh needs IPVS, which this host lacks): a domain routed to it
// through the panel reaches its tasks on the second node through the
// real gateway, each answer naming the task that served it, and follows
// them to the manager when the node is drained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, newTeam, readEvents, until } from './lib/fixtures.mjs';
import { engine, engineAt, copyImage, removeProjectObjects } from
    './lib/docker.mjs';
import { swarmNode } from './lib/swarm_node.mjs';
import { tryGateway } from './lib/gateway.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const second = swarmNode(process.pid);	// the second server
const HOSTNAME = second.hostname;
const TIER = `edge-${process.pid}`;
const DOMAIN = `edge-${process.pid}.example.test`;
const started = Date.now();
let admin, O, T, P;
let manager;			// the manager node's API answer at the start
let node;			// the second node, once it joined
let app;			// the swarm container

const as = (token) => ({
	get: (p) => api('GET', p, { token, ip: IP }),
	post: (p, body) => api('POST', p, { token, ip: IP, body }),
	put: (p, body) => api('PUT', p, { token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token, ip: IP }),
});

const ok = (r, status, what) => {
	assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
	return r.body;
};

// The running task containers of service id on the engine at socket.
async function tasksOn(socket, id) {
	const filters = encodeURIComponent(JSON.stringify({ label: [
		`com.docker.swarm.service.id=${id}`], status: ['running'] }));
	return ok(await engineAt(socket, 'GET',
	    `/containers/json?filters=${filters}`), 200, 'list tasks');
}

// The node id of each running task of service id, as the manager says.
async function runningTaskNodes(id) {
	const filters = encodeURIComponent(JSON.stringify({ service: [id],
		'desired-state': ['running'] }));
	const tasks = ok(await engine('GET', `/tasks?filters=${filters}`), 200,
	    'tasks');
	return tasks.filter((t) => t.Status.State === 'running')
	    .map((t) => t.NodeID).sort();
}

// The hostnames of the running task containers of service id on the
// engine at socket (null: the manager's): what each task's httpd serves.
async function taskHostnames(socket, id) {
	const call = (m, p) => socket ? engineAt(socket, m, p) : engine(m, p);
	const filters = encodeURIComponent(JSON.stringify({ label: [
		`com.docker.swarm.service.id=${id}`], status: ['running'] }));
	const list = ok(await call('GET', `/containers/json?filters=${filters}`),
	    200, 'list tasks');
	const names = [];
	for (const c of list)
		names.push(ok(await call('GET', `/containers/${c.Id}/json`), 200,
		    'inspect task').Config.Hostname);
	return names.sort();
}

// The node's address as the manager knows it (Status.Addr).
const nodeAddr = async (id) => ok(await engine('GET', `/nodes/${id}`), 200,
    'inspect node').Status.Addr;

// Through the gateway on DOMAIN until the answers are want's hostnames
// (each seen, the last `tail` answers all among them): the answers seen.
async function servedBy(want, what) {
	const seen = [];
	await until(async () => {
		const r = await tryGateway(DOMAIN, '/index.html');
		seen.push(r === null ? '' : r.status === 200 ? r.body.trim() :
		    `${r.status}`);
		const tail = seen.slice(-8);
		return tail.length === 8 && tail.every((b) => want.includes(b)) &&
		    want.every((h) => seen.includes(h));
	}, what, 60000, 100).catch((e) => {
		e.message += `: want ${want}, last ${seen.slice(-8)}`;
		throw e;
	});
	return seen;
}

before(async () => {
	await second.start();
	await copyImage(IMAGE, second.sock);
	await second.manage({ diagnostic: (m) => console.log(`# ${m}`) });
	admin = await adminToken();
	[O] = await newUsers(admin, 1);
	T = await newTeam(O.token, unique('team'), IP);
	P = ok(await as(O.token).post('/api/projects', { team_id: T,
		name: unique('second-node') }), 201, 'project').id;
});

after(async () => {
	if (P) {
		await api('DELETE', `/api/projects/${P}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(P);
	}
	if (manager)	// the manager node as it was
		await api('PUT', `/api/swarm/nodes/${manager.id}`, { token: admin,
			ip: IP, body: { availability: manager.availability,
				labels: manager.labels } });
	await second.cleanup();
	console.log(`# S1: ${((Date.now() - started) / 1000).toFixed(1)} s ` +
	    'with the second node');
});

// --- joining -----------------------------------------------------------------

test('a second server joins with the worker token from the panel',
    async () => {
	const sw = ok(await as(admin).get('/api/swarm'), 200, 'swarm');
	assert.equal(sw.manager, true);
	const tokens = ok(await as(admin).get('/api/swarm/tokens'), 200,
	    'tokens');
	assert.match(tokens.worker, /^SWMTKN-1-/);
	assert.ok(tokens.managers.length > 0, JSON.stringify(tokens));
	// On the new server: docker swarm join --token <worker> <manager>.
	const info = await second.join(tokens.worker, tokens.managers);
	assert.equal(info.Swarm.LocalNodeState, 'active');

	const nodes = await until(async () => {
		const l = ok(await as(admin).get('/api/swarm/nodes'), 200, 'nodes');
		return l.items.length === 2 && l.items.every((n) =>
		    n.status === 'ready') ? l.items : null;
	}, 'two ready nodes', 60000, 250);
	manager = nodes.find((n) => n.id === sw.node_id);
	node = nodes.find((n) => n.id !== sw.node_id);
	assert.equal(manager.role, 'manager');
	assert.equal(manager.leader, true);
	assert.equal(node.role, 'worker');
	assert.equal(node.hostname, HOSTNAME);
	assert.equal(node.availability, 'active');
	assert.equal(node.leader, false);
	assert.deepEqual(node.labels, {});
	assert.equal(node.engine_version, (await engineAt(second.sock, 'GET',
	    '/version')).body.Version);
	const one = ok(await as(admin).get(`/api/swarm/nodes/${node.id}`), 200,
	    'the node');
	assert.equal(one.hostname, HOSTNAME);
	assert.equal((await as(admin).get('/api/swarm')).body.nodes, 2);
});

test('a label on the new node places both tasks of a container there',
    async () => {
	const labelled = ok(await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { labels: { 'op-test-tier': TIER } }), 200, 'label');
	assert.deepEqual(labelled.labels, { 'op-test-tier': TIER });
	assert.equal(ok(await engine('GET', `/nodes/${node.id}`), 200,
	    'inspect node').Spec.Labels['op-test-tier'], TIER);

	app = ok(await as(O.token).post('/api/containers', { project_id: P,
		name: 'edge', image: IMAGE, mode: 'swarm', replicas: 2,
		placement: [`node.labels.op-test-tier==${TIER}`],
		ports: [{ container: 8080 }],
		command: ['sh', '-c', 'hostname > /www/index.html; ' +
		    'echo on-$(hostname); exec httpd -f -p 8080 -h /www'] }), 201,
	    'swarm container');
	const id = app.swarm.service_id;
	await until(async () => {
		const c = ok(await as(O.token).get(`/api/containers/${app.id}`),
		    200, 'container');
		return c.state === 'running' && c.swarm?.running === 2;
	}, 'two running tasks', 90000, 250);
	assert.deepEqual(await runningTaskNodes(id), [node.id, node.id]);
	assert.equal((await tasksOn(second.sock, id)).length, 2,
	    'both on the second engine');
	const here = await engine('GET', '/containers/json?filters=' +
	    encodeURIComponent(JSON.stringify({ label: [
		`com.docker.swarm.service.id=${id}`] })));
	assert.deepEqual(here.body, [], 'none on the manager\'s engine');
});

test('the gateway reaches the tasks on the second node', async () => {
	const id = app.swarm.service_id;
	const addr = await nodeAddr(node.id);
	assert.match(addr, /^\d+\.\d+\.\d+\.\d+$/);
	assert.notEqual(addr, await nodeAddr(manager.id));
	// Both tasks publish 8080 on the second node's address.
	const c = await until(async () => {
		const x = ok(await as(O.token).get(`/api/containers/${app.id}`),
		    200, 'container');
		return x.published.filter((p) => p.container === 8080).length === 2 ?
		    x : null;
	}, 'two published ports', 30000, 250);
	for (const p of c.published) {
		assert.equal(p.host_ip, addr, JSON.stringify(c.published));
		assert.ok(p.host > 0, JSON.stringify(p));
	}
	const dom = await as(O.token).post('/api/domains', { hostname: DOMAIN,
		container_id: app.id, port: 8080 });
	assert.equal(dom.status, 201, dom.text);
	// Every answer comes from a task on the second engine, both answer.
	const there = await taskHostnames(second.sock, id);
	assert.equal(there.length, 2);
	assert.deepEqual(await taskHostnames(null, id), []);
	await servedBy(there, 'both tasks on the second node through the ' +
	    'gateway');
});

test('draining the node moves its tasks off it', async () => {
	const id = app.swarm.service_id;
	// Somewhere for them to go: the manager takes the label too.
	ok(await as(admin).put(`/api/swarm/nodes/${manager.id}`, { labels: {
		...manager.labels, 'op-test-tier': TIER } }), 200, 'label manager');
	const drained = ok(await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { availability: 'drain' }), 200, 'drain');
	assert.equal(drained.availability, 'drain');
	await until(async () => (await tasksOn(second.sock, id)).length === 0,
	    'no task left on the drained node', 60000, 250);
	await until(async () => {
		const on = await runningTaskNodes(id);
		return on.length === 2 && on.every((n) => n === manager.id);
	}, 'both tasks running on the manager', 60000, 250);
	const c = ok(await as(O.token).get(`/api/containers/${app.id}`), 200,
	    'container');
	assert.equal(c.swarm.running, 2);
});

test('the gateway follows the tasks to the manager', async () => {
	const id = app.swarm.service_id;
	const addr = await nodeAddr(manager.id);
	const c = await until(async () => {
		const x = ok(await as(O.token).get(`/api/containers/${app.id}`),
		    200, 'container');
		const p = x.published.filter((q) => q.container === 8080);
		return p.length === 2 && p.every((q) => q.host_ip === addr) ?
		    x : null;
	}, 'both ports on the manager\'s address', 30000, 250).catch((e) => {
		e.message += ` (${addr})`;
		throw e;
	});
	assert.equal(c.published.length, 2, JSON.stringify(c.published));
	const here = await taskHostnames(null, id);
	assert.equal(here.length, 2);
	await servedBy(here, 'both tasks on the manager through the gateway');
	await until(() => readEvents(5000).some((e) =>
	    e.type === 'container.endpoints_changed' &&
	    e.event.subject?.id === app.id && e.event.data.ports.every((p) =>
		p.host_ip === addr)), 'container.endpoints_changed');
});

test('a node is removed once it has left, and not before', async () => {
	// Hostile first: not an admin, no such node, a manager, a node up.
	const r403 = await as(O.token).del(`/api/swarm/nodes/${node.id}`);
	assert.equal(r403.status, 403, r403.text);
	assert.equal(errorCode(r403), 'admin_only');
	for (const bad of ['abcdefghij0123456789abcde', 'X', '..%2Fswarm'])
		assert.equal((await as(admin).del(`/api/swarm/nodes/${bad}`))
		    .status, 404, bad);
	const mgr = await as(admin).del(`/api/swarm/nodes/${manager.id}`);
	assert.equal(mgr.status, 409, mgr.text);
	assert.equal(errorCode(mgr), 'node_manager');
	const up = await as(admin).del(`/api/swarm/nodes/${node.id}`);
	assert.equal(up.status, 409, up.text);
	assert.equal(errorCode(up), 'node_up');
	assert.equal((await engine('GET', `/nodes/${node.id}`)).status, 200,
	    'still in the swarm');

	// On the server: docker swarm leave. The manager sees it down.
	await second.leave(async () => (await as(admin).get(
	    `/api/swarm/nodes/${node.id}`)).body.status);
	const gone = await as(admin).del(`/api/swarm/nodes/${node.id}`);
	assert.equal(gone.status, 204, gone.text);
	assert.equal((await as(admin).get(`/api/swarm/nodes/${node.id}`))
	    .status, 404);
	assert.equal((await engine('GET', `/nodes/${node.id}`)).status, 404);
	const list = ok(await as(admin).get('/api/swarm/nodes'), 200, 'nodes');
	assert.deepEqual(list.items.map((n) => n.id), [manager.id]);
	await until(() => readEvents(2000).some((e) =>
	    e.type === 'swarm.node_removed' && e.event.subject?.id === node.id &&
	    e.event.data?.hostname === HOSTNAME), 'swarm.node_removed');
	second.id = null;	// nothing left for cleanup to remove
});
