// Docker Swarm past one machine: an operator adds a second server. The
// second server is a real Docker engine of its own, in a container
// (openpanel-test/swarm-node:1, tests/images/build.sh: the host's dockerd
// and its helpers) on a bridge network of its own, its engine socket in
// a host directory. The panel's engine becomes a swarm manager on that
// network's gateway address (the node cannot reach loopback); the join
// token comes from the panel's API and the node joins on its own engine,
// as `docker swarm join` would. Then, through the panel as a client would:
// two nodes, a label on the new one, a swarm container of two replicas
// placed by that label (both tasks run on the second engine), the node
// drained (the tasks leave it), and the node, once it has left, removed.
// The engine's ingress routing mesh needs IPVS, which this test does not
// use: the container publishes no port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmdirSync, rmSync, existsSync } from
    'node:fs';
import { join } from 'node:path';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, newTeam, readEvents, until } from './lib/fixtures.mjs';
import { engine, engineAt, copyImage, removeProjectObjects, initSwarm,
    leaveSwarm, managesSwarm } from './lib/docker.mjs';

const IP = addr();
const NODE_IMAGE = 'openpanel-test/swarm-node:1';
const IMAGE = 'openpanel-test/busybox:1';
const NAME = `op-test-node-${process.pid}`;	// container, volume, network
const HOSTNAME = `op-node-${process.pid}`;
const CGROUP = `/${NAME}`;	// the node's containers' cgroup parent
const LABEL = { 'io.openpanel.test': 'swarm-node' };
const TIER = `edge-${process.pid}`;
const started = Date.now();
let sockDir, SOCK;		// the node's engine socket
let admin, O, T, P;
let initialised = false;	// this test made the swarm
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

// The cgroups the node's engine made for its containers (the node runs
// in the host's cgroup namespace), deepest first.
function removeCgroups(dir) {
	if (!existsSync(dir)) return;
	for (const e of readdirSync(dir, { withFileTypes: true }))
		if (e.isDirectory()) removeCgroups(join(dir, e.name));
	try { rmdirSync(dir); } catch { /* still in use: left as it is */ }
}

// The second server: a bridge network whose gateway the manager
// advertises, a volume for the node's /var/lib/docker (its overlay2 on
// the host's disk, not on the container's overlay), and the node with
// the capabilities a Docker engine needs. Not --privileged: that asks
// for every capability, and runc fails ("unable to apply caps") on a
// host whose own bounding set lacks one (CAP_SYS_RESOURCE here); so
// all but that one, no seccomp or AppArmor profile, /proc unmasked, any
// device, and the host's cgroup tree writable.
async function startNode() {
	const net = ok(await engine('POST', '/networks/create', { Name: NAME,
		Driver: 'bridge', Labels: LABEL, CheckDuplicate: true }), 201,
	'node network');
	const gw = ok(await engine('GET', `/networks/${net.Id}`), 200,
	    'inspect network').IPAM.Config[0].Gateway;
	ok(await engine('POST', '/volumes/create', { Name: NAME,
		Labels: LABEL }), 201, 'node volume');
	sockDir = mkdtempSync('/tmp/op-test-node-');
	SOCK = join(sockDir, 'docker.sock');
	ok(await engine('POST', `/containers/create?name=${NAME}`, {
		Image: NODE_IMAGE, Hostname: HOSTNAME, Labels: LABEL,
		Cmd: [`--cgroup-parent=${CGROUP}`],
		HostConfig: {
			CapAdd: ['ALL'], CapDrop: ['SYS_RESOURCE'],
			SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
			MaskedPaths: [], ReadonlyPaths: [],
			DeviceCgroupRules: ['a *:* rwm'],
			Binds: [`${sockDir}:/run/op-node`,
				'/sys/fs/cgroup:/sys/fs/cgroup'],
			Mounts: [{ Type: 'volume', Source: NAME,
				Target: '/var/lib/docker' }],
			NetworkMode: NAME,
		} }), 201, 'node container');
	ok(await engine('POST', `/containers/${NAME}/start`), 204, 'node start');
	await until(async () => {
		try {
			return (await engineAt(SOCK, 'GET', '/_ping')).status === 200;
		} catch {
			return false;
		}
	}, 'the node\'s engine', 60000, 250).catch(async (e) => {
		const logs = await engine('GET', `/containers/${NAME}/logs?` +
		    'stderr=1&stdout=1&tail=20');
		e.message += `: ${logs.text}`;
		throw e;
	});
	return gw;
}

before(async () => {
	const gw = await startNode();
	const info = ok(await engineAt(SOCK, 'GET', '/info'), 200, 'node info');
	assert.equal(info.Name, HOSTNAME);
	assert.equal(info.Swarm.LocalNodeState, 'inactive');
	await copyImage(IMAGE, SOCK);
	if (!await managesSwarm({ diagnostic: (m) => console.log(`# ${m}`) })) {
		await initSwarm(gw);
		initialised = true;
	}
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
	if (SOCK && existsSync(SOCK)) {
		await engineAt(SOCK, 'POST', '/swarm/leave?force=true')
		    .catch(() => {});
		const left = await engineAt(SOCK, 'GET',
		    '/containers/json?all=1').catch(() => null);
		for (const c of left?.body ?? [])
			await engineAt(SOCK, 'DELETE', `/containers/${c.Id}?force=true`)
			    .catch(() => {});
	}
	if (node)	// still on the manager's list when a test failed
		await engine('DELETE', `/nodes/${node.id}?force=true`);
	await engine('DELETE', `/containers/${NAME}?force=true&v=true`);
	await engine('DELETE', `/volumes/${NAME}`);
	if (initialised)	// the swarm this test made
		await leaveSwarm();
	await engine('DELETE', `/networks/${NAME}`);
	if (sockDir) rmSync(sockDir, { recursive: true, force: true });
	for (const c of existsSync('/sys/fs/cgroup/memory') ?
	    readdirSync('/sys/fs/cgroup') : [''])
		removeCgroups(join('/sys/fs/cgroup', c, CGROUP));
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
	const join = await engineAt(SOCK, 'POST', '/swarm/join', {
		ListenAddr: '0.0.0.0:2377', RemoteAddrs: tokens.managers,
		JoinToken: tokens.worker });
	assert.equal(join.status, 200, `the node could not join ${
	    tokens.managers}: ${join.status} ${join.text}`);
	assert.equal(ok(await engineAt(SOCK, 'GET', '/info'), 200, 'info')
	    .Swarm.LocalNodeState, 'active');

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
	assert.equal(node.engine_version, (await engineAt(SOCK, 'GET',
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
		command: ['sh', '-c', 'trap "exit 0" TERM; echo on-$(hostname); ' +
		    'while true; do sleep 1; done'] }), 201, 'swarm container');
	const id = app.swarm.service_id;
	await until(async () => {
		const c = ok(await as(O.token).get(`/api/containers/${app.id}`),
		    200, 'container');
		return c.state === 'running' && c.swarm?.running === 2;
	}, 'two running tasks', 90000, 250);
	assert.deepEqual(await runningTaskNodes(id), [node.id, node.id]);
	assert.equal((await tasksOn(SOCK, id)).length, 2,
	    'both on the second engine');
	const here = await engine('GET', '/containers/json?filters=' +
	    encodeURIComponent(JSON.stringify({ label: [
		`com.docker.swarm.service.id=${id}`] })));
	assert.deepEqual(here.body, [], 'none on the manager\'s engine');
});

test('draining the node moves its tasks off it', async () => {
	const id = app.swarm.service_id;
	// Somewhere for them to go: the manager takes the label too.
	ok(await as(admin).put(`/api/swarm/nodes/${manager.id}`, { labels: {
		...manager.labels, 'op-test-tier': TIER } }), 200, 'label manager');
	const drained = ok(await as(admin).put(`/api/swarm/nodes/${node.id}`,
	    { availability: 'drain' }), 200, 'drain');
	assert.equal(drained.availability, 'drain');
	await until(async () => (await tasksOn(SOCK, id)).length === 0,
	    'no task left on the drained node', 60000, 250);
	await until(async () => {
		const on = await runningTaskNodes(id);
		return on.length === 2 && on.every((n) => n === manager.id);
	}, 'both tasks running on the manager', 60000, 250);
	const c = ok(await as(O.token).get(`/api/containers/${app.id}`), 200,
	    'container');
	assert.equal(c.swarm.running, 2);
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
	ok(await engineAt(SOCK, 'POST', '/swarm/leave'), 200, 'leave');
	await until(async () => (await as(admin).get(
	    `/api/swarm/nodes/${node.id}`)).body.status === 'down',
	'the node down', 60000, 250);
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
	node = null;
});
