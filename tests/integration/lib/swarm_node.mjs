// swarm_node.mjs — a second Docker Swarm node for the tests that need
// one (S1, the web flow 96_swarm_node): a real Docker engine of its own,
// in a container (openpanel-test/swarm-node:1, tests/images/build.sh:
// the host's dockerd and its helpers) on a bridge network of its own,
// its engine socket in a host directory. The panel's engine becomes a
// swarm manager on that network's gateway address (the node cannot reach
// loopback) unless it already manages one; the node joins with a join
// token, as `docker swarm join` would, leaves, and everything made for
// it goes in cleanup(), whatever failed. Hold the swarm lock.
import { mkdtempSync, readdirSync, rmdirSync, rmSync, existsSync } from
    'node:fs';
import { join } from 'node:path';
import { engine, engineAt, initSwarm, leaveSwarm, managesSwarm } from
    './docker.mjs';
import { until } from './fixtures.mjs';

const NODE_IMAGE = 'openpanel-test/swarm-node:1';
const LABEL = { 'io.openpanel.test': 'swarm-node' };

const ok = (r, status, what) => {
	if (r.status !== status)
		throw new Error(`${what}: ${r.status} ${r.text}`);
	return r.body;
};

// The cgroups the node's engine made for its containers (the node runs
// in the host's cgroup namespace), deepest first.
function removeCgroups(dir) {
	if (!existsSync(dir)) return;
	for (const e of readdirSync(dir, { withFileTypes: true }))
		if (e.isDirectory()) removeCgroups(join(dir, e.name));
	try { rmdirSync(dir); } catch { /* still in use: left as it is */ }
}

// Make node id a worker, through the manager's engine, if it is a manager.
async function demote(id) {
	const n = ok(await engine('GET', `/nodes/${id}`), 200, 'inspect node');
	if (n.Spec.Role !== 'manager') return;
	ok(await engine('POST', `/nodes/${id}/update?version=${n.Version.Index}`,
	    { ...n.Spec, Role: 'worker' }), 200, 'demote node');
}

// A second node named after tag (unique per run: the container, volume
// and network are op-test-node-<tag>, the node's hostname op-node-<tag>).
// Its socket is `sock` once started, its node id `id` once joined.
export function swarmNode(tag) {
	const NAME = `op-test-node-${tag}`;
	const CGROUP = `/${NAME}`;	// the node's containers' cgroup parent
	let sockDir;
	let initialised = false;	// the swarm made for this node
	const node = {
		hostname: `op-node-${tag}`,
		sock: null,
		gateway: null,
		id: null,
	};

	// The bridge network whose gateway the manager advertises, a volume
	// for the node's /var/lib/docker (its overlay2 on the host's disk,
	// not on the container's overlay), and the node with the
	// capabilities a Docker engine needs. Not --privileged: that asks
	// for every capability, and runc fails ("unable to apply caps") on a
	// host whose own bounding set lacks one (CAP_SYS_RESOURCE here); so
	// all but that one, no seccomp or AppArmor profile, /proc unmasked,
	// any device, and the host's cgroup tree writable. Resolves once the
	// node's engine answers, outside any swarm.
	node.start = async () => {
		const net = ok(await engine('POST', '/networks/create', { Name: NAME,
			Driver: 'bridge', Labels: LABEL, CheckDuplicate: true }), 201,
		'node network');
		node.gateway = ok(await engine('GET', `/networks/${net.Id}`), 200,
		    'inspect network').IPAM.Config[0].Gateway;
		ok(await engine('POST', '/volumes/create', { Name: NAME,
			Labels: LABEL }), 201, 'node volume');
		sockDir = mkdtempSync('/tmp/op-test-node-');
		node.sock = join(sockDir, 'docker.sock');
		ok(await engine('POST', `/containers/create?name=${NAME}`, {
			Image: NODE_IMAGE, Hostname: node.hostname, Labels: LABEL,
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
		ok(await engine('POST', `/containers/${NAME}/start`), 204,
		    'node start');
		await until(async () => {
			try {
				return (await engineAt(node.sock, 'GET', '/_ping'))
				    .status === 200;
			} catch {
				return false;
			}
		}, 'the node\'s engine', 60000, 250).catch(async (e) => {
			const logs = await engine('GET', `/containers/${NAME}/logs?` +
			    'stderr=1&stdout=1&tail=20');
			e.message += `: ${logs.text}`;
			throw e;
		});
		const info = ok(await engineAt(node.sock, 'GET', '/info'), 200,
		    'node info');
		if (info.Name !== node.hostname ||
		    info.Swarm.LocalNodeState !== 'inactive')
			throw new Error(`the node's engine: ${info.Name} ${
			    info.Swarm.LocalNodeState}`);
	};

	// The panel's engine as the swarm's manager, on the node network's
	// gateway, unless it manages one already (t says so then).
	node.manage = async (t) => {
		if (await managesSwarm(t)) return;
		await initSwarm(node.gateway);
		initialised = true;
	};

	// On the node: docker swarm join --token <token> <managers>.
	node.join = async (token, managers) => {
		ok(await engineAt(node.sock, 'POST', '/swarm/join', {
			ListenAddr: '0.0.0.0:2377', RemoteAddrs: managers,
			JoinToken: token }), 200, `the node joining ${managers}`);
		const info = ok(await engineAt(node.sock, 'GET', '/info'), 200,
		    'info');
		node.id = info.Swarm.NodeID;
		return info;
	};

	// On the node: docker swarm leave; then until statusOf() (the node's
	// status as the caller reads it: the panel's API) says down.
	node.leave = async (statusOf) => {
		ok(await engineAt(node.sock, 'POST', '/swarm/leave'), 200, 'leave');
		await until(async () => await statusOf() === 'down',
		    'the node down', 60000, 250);
	};

	// Everything start() and manage() made, whatever state it is in:
	// the node demoted if a test left it a manager, out of the swarm
	// and off the manager's list, its
	// containers, the container, volume and network, the socket
	// directory, the cgroups its engine made; the swarm left if made
	// here. Never throws.
	node.cleanup = async () => {
		const quiet = (p) => p.catch(() => {});
		// A node left a manager by a failed test is demoted first: a
		// manager leaving one of two would take the quorum with it, and
		// a swarm that was already there would be left without one.
		if (node.id)
			await quiet(demote(node.id).then(() => until(async () =>
			    (await engineAt(node.sock, 'GET', '/info')).body.Swarm
				.ControlAvailable === false, 'the node demoted', 30000,
			    250)));
		if (node.sock && existsSync(node.sock)) {
			await quiet(engineAt(node.sock, 'POST', '/swarm/leave?force=true'));
			const left = await engineAt(node.sock, 'GET',
			    '/containers/json?all=1').catch(() => null);
			for (const c of left?.body ?? [])
				await quiet(engineAt(node.sock, 'DELETE',
				    `/containers/${c.Id}?force=true`));
		}
		if (node.id)	// still on the manager's list when a test failed
			await quiet(engine('DELETE', `/nodes/${node.id}?force=true`));
		await quiet(engine('DELETE', `/containers/${NAME}?force=true&v=true`));
		await quiet(engine('DELETE', `/volumes/${NAME}`));
		if (initialised)
			await quiet(leaveSwarm());
		await quiet(engine('DELETE', `/networks/${NAME}`));
		if (sockDir) rmSync(sockDir, { recursive: true, force: true });
		try {
			for (const c of existsSync('/sys/fs/cgroup/memory') ?
			    readdirSync('/sys/fs/cgroup') : [''])
				removeCgroups(join('/sys/fs/cgroup', c, CGROUP));
		} catch { /* a cgroup tree not ours to read: left as it is */ }
	};
	return node;
}
