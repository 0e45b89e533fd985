// The container policy: every setting that would hand a container the
// host is refused by name, on create and on update, and what the panel
// does create is confined (no privilege, no added capabilities, its own
// network, ports on 127.0.0.1 only, no-new-privileges). Bad definitions
// are 422 naming the field, and leave nothing behind: no row, no engine
// container. An image that cannot be pulled is a clear 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam } from './lib/fixtures.mjs';
import { inspectContainer, listContainers, removeProjectObjects } from
    './lib/docker.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
let admin, O, D, X, T, TX, P, PX;
let C;		// a running container of P the update tests aim at
const made = new Set();

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		put: (p, body) => api('PUT', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const base = (extra = {}) => ({ project_id: P, name: unique('c'),
	image: IMAGE, command: IDLE, ...extra });

async function newProject(team, who) {
	const r = await as(who).post('/api/projects', { team_id: team,
		name: unique('policy') });
	assert.equal(r.status, 201, r.text);
	made.add(r.body.id);
	return r.body.id;
}

// A free TCP port on 127.0.0.1 at this moment.
function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

// What P has, in the panel and on the engine, to compare before/after.
async function snapshot(project = P, who = O) {
	const r = await as(who).get(`/api/containers?project_id=${project}`);
	assert.equal(r.status, 200, r.text);
	const rows = r.body.items.map((c) => c.id).sort();
	const engine = (await listContainers({
		'io.openpanel.project': project })).map((c) => c.Id).sort();
	return { rows, engine };
}

// The parts of C's definition an update could change.
async function definition(id = C.id) {
	const r = await as(O).get(`/api/containers/${id}`);
	assert.equal(r.status, 200, r.text);
	const { docker_id, image, command, ports, volumes, memory_mb, cpus,
		restart, labels, healthcheck } = r.body;
	return { docker_id, image, command, ports, volumes, memory_mb, cpus,
		restart, labels, healthcheck };
}

before(async () => {
	admin = await adminToken();
	[O, D, X] = await newUsers(admin, 3);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, D, 'developer', IP);
	P = await newProject(T, O);
	PX = await newProject(TX, X);
	const r = await as(O).post('/api/containers', base({ name: 'target',
		ports: [{ container: 8080 }],
		volumes: [{ name: 'data', path: '/data' }] }));
	assert.equal(r.status, 201, r.text);
	C = r.body;
});

after(async () => {
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// Every setting the policy forbids, with a value that would matter.
const FORBIDDEN = [
	['privileged', true],
	['privileged', false],
	['cap_add', ['SYS_ADMIN']],
	['cap_add', ['ALL']],
	['capabilities', ['NET_ADMIN']],
	['devices', ['/dev/sda:/dev/sda:rwm']],
	['devices', [{ path_on_host: '/dev/mem', path_in_container: '/dev/mem' }]],
	['device_requests', [{ driver: 'nvidia', count: -1 }]],
	['network_mode', 'host'],
	['network_mode', 'container:other'],
	['pid_mode', 'host'],
	['ipc_mode', 'host'],
	['ipc_mode', 'shareable'],
	['uts_mode', 'host'],
	['userns_mode', 'host'],
	['cgroupns_mode', 'host'],
	['security_opt', ['seccomp=unconfined']],
	['security_opt', ['apparmor=unconfined', 'label=disable']],
	['host_config', { Privileged: true }],
	['binds', ['/:/host']],
	['binds', ['/var/run/docker.sock:/var/run/docker.sock']],
	['mounts', [{ type: 'bind', source: '/', target: '/host' }]],
	['sysctls', { 'kernel.core_pattern': '|/bin/sh' }],
	['cgroup_parent', '/'],
	['runtime', 'runc'],
	['volumes_from', ['other']],
	['oom_kill_disable', true],
];

// Host paths smuggled in through a volume: [volumes, field]. (A host_path
// inside the instance's bind_mount_allowlist is allowed; the list is
// empty by default, and no list holds these.)
const HOST_VOLUMES = [
	[[{ host_path: '/etc', path: '/x' }], 'volumes[0].host_path'],
	[[{ host_path: '/var/run/docker.sock', path: '/var/run/docker.sock' }],
	    'volumes[0].host_path'],
	[[{ host_path: '/root', path: '/x', read_only: true }],
	    'volumes[0].host_path'],
	[[{ name: 'ok', path: '/ok' }, { host_path: '/proc', path: '/y' }],
	    'volumes[1].host_path'],
	[[{ name: 'v', path: '/x', source: '/etc' }], 'volumes[0]'],
	[[{ path: '/x', source: '/var/run/docker.sock' }], 'volumes[0]'],
	[[{ name: 'v', path: '/x', bind: '/root' }], 'volumes[0]'],
];

// --- hostile first ---------------------------------------------------------

test('the policy refuses every forbidden setting on create', async () => {
	const before_ = await snapshot();
	for (const [key, value] of FORBIDDEN) {
		const r = await as(O).post('/api/containers', base({ [key]: value }));
		assert.equal(r.status, 422, `${key}: ${r.text}`);
		assert.equal(errorCode(r), 'policy_violation', key);
		assert.equal(r.body.error.field, key);
		assert.ok(r.body.error.message.includes(key));
	}
	for (const [volumes, field] of HOST_VOLUMES) {
		const r = await as(O).post('/api/containers', base({ volumes }));
		assert.equal(r.status, 422, `${JSON.stringify(volumes)}: ${r.text}`);
		assert.equal(errorCode(r), 'policy_violation', r.text);
		assert.equal(r.body.error.field, field);
	}
	// Not a host path at all, or a volume and a host path at once.
	for (const volumes of [[{ host_path: '/', path: '/x' }],
		[{ host_path: '/etc/../etc', path: '/x' }],
		[{ host_path: 'etc', path: '/x' }],
		[{ name: 'v', host_path: '/etc', path: '/x' }]]) {
		const r = await as(O).post('/api/containers', base({ volumes }));
		assert.equal(r.status, 422, `${JSON.stringify(volumes)}: ${r.text}`);
		assert.match(r.body.error.field, /^volumes\[0\]/);
	}
	// Several at once, or beside an otherwise good definition: refused.
	const many = await as(O).post('/api/containers', base({
		ports: [{ container: 80 }], privileged: true,
		network_mode: 'host', cap_add: ['ALL'] }));
	assert.equal(many.status, 422);
	assert.equal(errorCode(many), 'policy_violation');
	assert.deepEqual(await snapshot(), before_, 'nothing was created');
});

test("the engine's own spellings are not a way around the policy",
    async () => {
	const before_ = await snapshot();
	for (const body of [
		{ Privileged: true }, { HostConfig: { Privileged: true } },
		{ CapAdd: ['SYS_ADMIN'] }, { NetworkMode: 'host' },
		{ PidMode: 'host' }, { Binds: ['/:/host'] },
		{ Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] },
		{ SecurityOpt: ['seccomp=unconfined'] },
		{ ports: [{ container: 8080, host_ip: '0.0.0.0' }] },
		{ ports: [{ container: 8080, HostIp: '0.0.0.0' }] },
		{ volumes: [{ name: 'v', path: '/x', type: 'bind' }] },
		{ healthcheck: { test: ['true'], privileged: true } },
		{ labels: { 'io.openpanel.project': PX } },
		{ labels: { 'io.openpanel.instance': 'another' } },
		{ labels: { 'com.docker.compose.project': 'x' } },
	]) {
		const r = await as(O).post('/api/containers', base(body));
		assert.ok(r.status === 400 || r.status === 422,
		    `${JSON.stringify(body)}: ${r.status} ${r.text}`);
		assert.ok(r.body.error.field, JSON.stringify(body));
	}
	assert.deepEqual(await snapshot(), before_, 'nothing was created');
});

test('the policy refuses every forbidden setting on update, and the '
    + 'container is unchanged', async () => {
	const def = await definition();
	for (const [key, value] of FORBIDDEN) {
		for (const body of [{ [key]: value },
			{ [key]: value, memory_mb: 64, env: { A: 'b' } }]) {
			const r = await as(O).put(`/api/containers/${C.id}`, body);
			assert.equal(r.status, 422, `${key}: ${r.text}`);
			assert.equal(errorCode(r), 'policy_violation', key);
			assert.equal(r.body.error.field, key);
		}
	}
	for (const [volumes, field] of HOST_VOLUMES) {
		const r = await as(O).put(`/api/containers/${C.id}`, { volumes });
		assert.equal(r.status, 422, `${JSON.stringify(volumes)}: ${r.text}`);
		assert.equal(errorCode(r), 'policy_violation', r.text);
		assert.equal(r.body.error.field, field);
	}
	assert.deepEqual(await definition(), def, 'the definition is unchanged');
	const e = await inspectContainer(C.docker_id);
	assert.equal(e.State.Running, true);
	assert.equal(e.HostConfig.Privileged, false);
	assert.ok(!e.Config.Env.includes('A=b'));
	assert.deepEqual((await listContainers({
		'io.openpanel.container': C.id })).map((c) => c.Id), [C.docker_id],
	'no second engine container');
});

// Bad definitions: [body overrides, status, field].
const BAD = [
	[{ image: 'UPPER' }, 422, 'image'],
	[{ image: 'a//b' }, 422, 'image'],
	[{ image: '--flag' }, 422, 'image'],
	[{ image: 'busybox:' }, 422, 'image'],
	[{ image: 'busybox:-tag' }, 422, 'image'],
	[{ image: 'busybox@sha256:abc' }, 422, 'image'],
	[{ image: 'bad host:5000/x' }, 422, 'image'],
	[{ image: '' }, 422, 'image'],
	[{ image: 7 }, 422, 'image'],
	[{ name: '-x' }, 422, 'name'],
	[{ name: 'x-' }, 422, 'name'],
	[{ name: 'a_b' }, 422, 'name'],
	[{ name: 'Web' }, 422, 'name'],
	[{ name: 'a.b' }, 422, 'name'],
	[{ name: 'x'.repeat(64) }, 422, 'name'],
	[{ name: '' }, 422, 'name'],
	[{ ports: [{ container: 0 }] }, 422, 'ports[0].container'],
	[{ ports: [{ container: 65536 }] }, 422, 'ports[0].container'],
	[{ ports: [{ container: -80 }] }, 422, 'ports[0].container'],
	[{ ports: [{ container: '8080' }] }, 422, 'ports[0].container'],
	[{ ports: [{ container: 80.5 }] }, 422, 'ports[0].container'],
	[{ ports: [{ host: 8080 }] }, 422, 'ports[0].container'],
	[{ ports: [{ container: 8080, host: 80 }] }, 422, 'ports[0].host'],
	[{ ports: [{ container: 8080, host: 65536 }] }, 422, 'ports[0].host'],
	[{ ports: [{ container: 8080, protocol: 'sctp' }] }, 422,
	    'ports[0].protocol'],
	[{ ports: [{ container: 8080 }, { container: 8080 }] }, 422,
	    'ports[1]'],
	[{ ports: [{ container: 53, protocol: 'udp' }, { container: 80 },
		{ container: 53, protocol: 'udp' }] }, 422, 'ports[2]'],
	[{ ports: [8080] }, 422, 'ports[0]'],
	[{ ports: { container: 8080 } }, 422, 'ports'],
	[{ volumes: [{ name: 'v', path: 'relative' }] }, 422,
	    'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a/../b' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/..' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a/./b' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a//b' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a/' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a:/b' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v', path: '/a,b' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ name: 'v' }] }, 422, 'volumes[0].path'],
	[{ volumes: [{ path: '/x' }] }, 422, 'volumes[0]'],
	[{ volumes: [{ name: 'Bad', path: '/x' }] }, 422, 'volumes[0].name'],
	[{ volumes: [{ name: '../up', path: '/x' }] }, 422, 'volumes[0].name'],
	[{ volumes: [{ name: '/etc', path: '/x' }] }, 422, 'volumes[0].name'],
	[{ volumes: [{ name: 'v', path: '/x', read_only: 'yes' }] }, 422,
	    'volumes[0].read_only'],
	[{ volumes: [{ name: 'a', path: '/x' }, { name: 'b', path: '/x' }] },
	    422, 'volumes[1]'],
	[{ volumes: ['/data'] }, 422, 'volumes[0]'],
	[{ env: { '1X': 'v' } }, 422, 'env.1X'],
	[{ env: { 'A-B': 'v' } }, 422, 'env.A-B'],
	[{ env: { 'A=B': 'v' } }, 422, 'env.A=B'],
	[{ env: { '': 'v' } }, 422, 'env.'],
	[{ env: { A: 1 } }, 422, 'env.A'],
	[{ env: { A: null } }, 422, 'env.A'],
	[{ env: { A: 'a\u0000b'.replace('\u0000', '\u0001') } }, 422, 'env.A'],
	[{ env: ['A=1'] }, 422, 'env'],
	[{ command: 'sh -c "echo hi"' }, 422, 'command'],
	[{ command: [1, 2] }, 422, 'command[0]'],
	[{ command: ['echo', { x: 1 }] }, 422, 'command[1]'],
	[{ command: ['echo', null] }, 422, 'command[1]'],
	[{ command: [] }, 422, 'command'],
	[{ command: ['echo', 'a\u0001b'] }, 422, 'command[1]'],
	[{ command: Array(65).fill('x') }, 422, 'command'],
	[{ memory_mb: 5 }, 422, 'memory_mb'],
	[{ memory_mb: 0 }, 422, 'memory_mb'],
	[{ memory_mb: -64 }, 422, 'memory_mb'],
	[{ memory_mb: 64.5 }, 422, 'memory_mb'],
	[{ memory_mb: '64' }, 422, 'memory_mb'],
	[{ memory_mb: 1048577 }, 422, 'memory_mb'],
	[{ cpus: 0 }, 422, 'cpus'],
	[{ cpus: 0.001 }, 422, 'cpus'],
	[{ cpus: 65 }, 422, 'cpus'],
	[{ cpus: 'two' }, 422, 'cpus'],
	[{ restart: 'sometimes' }, 422, 'restart'],
	[{ restart: 'Always' }, 422, 'restart'],
	[{ healthcheck: {} }, 422, 'healthcheck'],
	[{ healthcheck: { test: [] } }, 422, 'healthcheck.test'],
	[{ healthcheck: { interval_s: 5 } }, 422, 'healthcheck.test'],
	[{ healthcheck: { test: ['true'], retries: 0 } }, 422,
	    'healthcheck.retries'],
	[{ healthcheck: { test: ['true'], interval_s: 0 } }, 422,
	    'healthcheck.interval_s'],
	[{ labels: { Upper: 'x' } }, 422, 'labels.Upper'],
	[{ labels: { ok: 5 } }, 422, 'labels.ok'],
	[{ start: 'yes' }, 422, 'start'],
	[{ project_id: 'nope' }, 422, 'project_id'],
];

test('bad definitions are 422 naming the field, and create nothing',
    async () => {
	const before_ = await snapshot();
	for (const [over, status, field] of BAD) {
		const r = await as(O).post('/api/containers', base(over));
		const what = JSON.stringify(over).slice(0, 100);
		assert.equal(r.status, status, `${what}: ${r.text}`);
		assert.equal(r.body.error.field, field, `${what}: ${r.text}`);
		assert.ok(r.body.error.code, what);
	}
	for (const key of ['project_id', 'name', 'image']) {
		const body = base();
		delete body[key];
		const r = await as(O).post('/api/containers', body);
		assert.equal(r.status, 422, `${key}: ${r.text}`);
		assert.equal(errorCode(r), 'missing_field');
		assert.equal(r.body.error.field, key);
	}
	for (const [body, code] of [[{ ...base(), mystery: 1 }, 'unknown_field'],
		['[]', 'body_not_object'], ['{"name": "x",', 'malformed_json']]) {
		const r = await as(O).post('/api/containers', body);
		assert.equal(r.status, 400, r.text);
		assert.equal(errorCode(r), code);
	}
	assert.deepEqual(await snapshot(), before_, 'nothing was created');
});

test('bad definitions on update are 422 too, and change nothing',
    async () => {
	const def = await definition();
	for (const [over, status, field] of BAD) {
		if ('name' in over || 'project_id' in over || 'start' in over)
			continue;	/* fixed on update: below */
		const r = await as(D).put(`/api/containers/${C.id}`, over);
		const what = JSON.stringify(over).slice(0, 100);
		assert.equal(r.status, status, `${what}: ${r.text}`);
		assert.equal(r.body.error.field, field, `${what}: ${r.text}`);
	}
	for (const [body, field] of [[{ name: 'renamed' }, 'name'],
		[{ project_id: PX }, 'project_id'], [{ start: false }, 'start']]) {
		const r = await as(D).put(`/api/containers/${C.id}`, body);
		assert.equal(r.status, 422, r.text);
		assert.equal(errorCode(r), 'immutable_field');
		assert.equal(r.body.error.field, field);
	}
	const u = await as(D).put(`/api/containers/${C.id}`, { mystery: 1 });
	assert.equal(u.status, 400);
	assert.equal(errorCode(u), 'unknown_field');
	assert.deepEqual(await definition(), def, 'the definition is unchanged');
	assert.deepEqual((await listContainers({
		'io.openpanel.container': C.id })).map((c) => c.Id), [C.docker_id]);
});

test('a taken name is a conflict and creates nothing', async () => {
	const before_ = await snapshot();
	const r = await as(O).post('/api/containers', base({ name: 'target' }));
	assert.equal(r.status, 409, r.text);
	assert.equal(errorCode(r), 'name_taken');
	assert.equal(r.body.error.field, 'name');
	assert.deepEqual(await snapshot(), before_);
	// Another team's project, or none: 404, whatever the definition.
	for (const project_id of [PX, '00000000-0000-4000-8000-000000000000']) {
		const x = await as(O).post('/api/containers', base({ project_id }));
		assert.equal(x.status, 404, x.text);
		assert.equal(errorCode(x), 'not_found');
	}
	assert.deepEqual(await snapshot(PX, X), { rows: [], engine: [] });
});

test('an image that cannot be pulled is a clear 4xx and leaves nothing',
    async () => {
	const before_ = await snapshot();
	const messages = [];
	for (const image of ['localhost:1/openpanel-test/absent:1',
		`openpanel-test/${unique('absent')}:1`,
		`registry.invalid/${unique('absent')}:latest`]) {
		const r = await as(O).post('/api/containers', base({ image }));
		assert.ok(r.status >= 400 && r.status < 500, `${image}: ${r.text}`);
		assert.equal(r.status, 422, `${image}: ${r.text}`);
		assert.equal(errorCode(r), 'image_pull_failed', image);
		assert.equal(r.body.error.field, 'image');
		assert.ok(r.body.error.message.includes(image), r.text);
		assert.deepEqual(await snapshot(), before_, `${image} left nothing`);
		messages.push([image, r.body.error.message]);
	}
	// The reason given is the engine's, not the reference URL-encoded.
	for (const [image, msg] of messages)
		assert.ok(!msg.includes(encodeURIComponent(image)), msg);
	assert.match(messages[0][1], /connection refused/, messages[0][1]);
});

// --- what the panel does create --------------------------------------------

test("a created container is confined by the engine's settings",
    async () => {
	const fixed = await freePort();
	const r = await as(O).post('/api/containers', base({
		ports: [{ container: 8080 }, { container: 9000, host: fixed },
			{ container: 5353, protocol: 'udp' }],
		volumes: [{ name: 'conf', path: '/conf', read_only: true }],
		labels: { 'app.tier': 'web' }, memory_mb: 32, cpus: 0.5 }));
	assert.equal(r.status, 201, r.text);
	const e = await inspectContainer(r.body.docker_id);
	const hc = e.HostConfig;
	assert.equal(hc.Privileged, false);
	assert.ok(!hc.CapAdd || hc.CapAdd.length === 0, JSON.stringify(hc.CapAdd));
	assert.equal(hc.NetworkMode, `op-net-${P}`);
	assert.deepEqual(Object.keys(e.NetworkSettings.Networks), [`op-net-${P}`]);
	assert.ok(hc.SecurityOpt.includes('no-new-privileges'), hc.SecurityOpt);
	assert.ok(!(hc.SecurityOpt ?? []).some((s) => /unconfined|disable/
	    .test(s)));
	assert.ok(!hc.PidMode || hc.PidMode !== 'host');
	assert.notEqual(hc.IpcMode, 'host');
	assert.ok(!hc.UsernsMode);
	assert.ok(!hc.Binds || hc.Binds.length === 0);
	assert.ok(!hc.Devices || hc.Devices.length === 0);
	assert.ok(hc.Mounts.every((m) => m.Type === 'volume'), hc.Mounts);
	assert.equal(hc.Mounts[0].Source, `op-${P}-conf`);
	assert.equal(hc.Mounts[0].ReadOnly, true);
	assert.equal(hc.Memory, 32 * 1024 * 1024);
	assert.equal(hc.NanoCpus, 0.5e9);
	assert.ok(hc.PidsLimit > 0);
	const keys = Object.keys(hc.PortBindings).sort();
	assert.deepEqual(keys, ['5353/udp', '8080/tcp', '9000/tcp']);
	for (const k of keys)
		for (const b of hc.PortBindings[k])
			assert.equal(b.HostIp, '127.0.0.1', `${k}: ${JSON.stringify(b)}`);
	assert.equal(hc.PortBindings['9000/tcp'][0].HostPort, String(fixed));
	// And as the engine published them: loopback only.
	for (const [k, binds] of Object.entries(e.NetworkSettings.Ports ?? {}))
		for (const b of binds ?? [])
			assert.equal(b.HostIp, '127.0.0.1', `${k}: ${JSON.stringify(b)}`);
	assert.ok(r.body.published.length >= 3);
	assert.ok(r.body.published.every((p) => p.host_ip === '127.0.0.1'));
	assert.equal(e.Config.Labels['app.tier'], 'web');
	assert.equal(e.Config.Labels['io.openpanel.project'], P);
	// The update path builds the same confinement.
	const u = await as(O).put(`/api/containers/${r.body.id}`,
	    { memory_mb: 48 });
	assert.equal(u.status, 200, u.text);
	const e2 = await inspectContainer(u.body.docker_id);
	assert.equal(e2.HostConfig.Privileged, false);
	assert.equal(e2.HostConfig.NetworkMode, `op-net-${P}`);
	assert.ok(e2.HostConfig.SecurityOpt.includes('no-new-privileges'));
	assert.equal(e2.HostConfig.Memory, 48 * 1024 * 1024);
	for (const binds of Object.values(e2.HostConfig.PortBindings))
		for (const b of binds) assert.equal(b.HostIp, '127.0.0.1');
	assert.equal((await as(O).del(`/api/containers/${r.body.id}`)).status,
	    204);
});

test('the target container was running all along, as it was made',
    async () => {
	const e = await inspectContainer(C.docker_id);
	assert.equal(e.State.Running, true);
	assert.equal(e.HostConfig.Privileged, false);
	assert.equal(e.HostConfig.NetworkMode, `op-net-${P}`);
	assert.equal(e.HostConfig.Memory, 0);
	assert.deepEqual(e.Config.Cmd, IDLE);
});
