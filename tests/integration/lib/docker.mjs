// docker.mjs — ask the Docker engine directly, over its unix socket, to
// see what the panel really made (and to act behind its back). No shell,
// no docker CLI: the engine API, version 1.41.
import { request } from 'node:http';

export const SOCKET = process.env.OP_TEST_DOCKER_SOCKET ??
    '/var/run/docker.sock';
const VERSION = '/v1.41';

// One engine call: {status, body (parsed JSON or null), text}.
export function engine(method, path, body) {
	return engineAt(SOCKET, method, path, body);
}

// One call to the engine on socket (another engine than the panel's:
// a second swarm node).
export function engineAt(socket, method, path, body) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? undefined : JSON.stringify(body);
		const req = request({ socketPath: socket, method,
			path: VERSION + path, headers: data === undefined ? {} : {
				'content-type': 'application/json',
				'content-length': Buffer.byteLength(data) } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json = null;
				try { json = text ? JSON.parse(text) : null; } catch {
					json = null;
				}
				resolve({ status: res.statusCode, body: json, text });
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.setTimeout(60000, () => req.destroy(new Error(
		    `engine ${method} ${path}: timed out`)));
		if (data !== undefined) req.write(data);
		req.end();
	});
}

// ?filters= for label filters: labels is {key: value} (value undefined or
// null: the label is present, whatever its value).
function labelQuery(labels) {
	const l = Object.entries(labels).map(([k, v]) =>
		v === undefined || v === null ? k : `${k}=${v}`);
	return encodeURIComponent(JSON.stringify({ label: l }));
}

// The engine's inspect of a container (by name or id), or null when it
// has none.
export async function inspectContainer(ref) {
	const r = await engine('GET',
	    `/containers/${encodeURIComponent(ref)}/json`);
	if (r.status === 404) return null;
	if (r.status !== 200)
		throw new Error(`inspect ${ref}: ${r.status} ${r.text}`);
	return r.body;
}

// Containers (running or not) carrying all of labels.
export async function listContainers(labels) {
	const r = await engine('GET',
	    `/containers/json?all=1&filters=${labelQuery(labels)}`);
	if (r.status !== 200)
		throw new Error(`list containers: ${r.status} ${r.text}`);
	return r.body;
}

export async function listNetworks(labels) {
	const r = await engine('GET', `/networks?filters=${labelQuery(labels)}`);
	if (r.status !== 200)
		throw new Error(`list networks: ${r.status} ${r.text}`);
	return r.body;
}

export async function inspectNetwork(name) {
	const r = await engine('GET', `/networks/${encodeURIComponent(name)}`);
	if (r.status === 404) return null;
	if (r.status !== 200)
		throw new Error(`inspect network ${name}: ${r.status} ${r.text}`);
	return r.body;
}

export async function listVolumes(labels) {
	const r = await engine('GET', `/volumes?filters=${labelQuery(labels)}`);
	if (r.status !== 200)
		throw new Error(`list volumes: ${r.status} ${r.text}`);
	return r.body.Volumes ?? [];
}

export async function inspectVolume(name) {
	const r = await engine('GET', `/volumes/${encodeURIComponent(name)}`);
	if (r.status === 404) return null;
	if (r.status !== 200)
		throw new Error(`inspect volume ${name}: ${r.status} ${r.text}`);
	return r.body;
}

// Send signal to a container, as someone outside the panel would.
export async function killContainer(ref, signal = 'KILL') {
	const r = await engine('POST', `/containers/${encodeURIComponent(ref)}` +
	    `/kill?signal=${signal}`);
	if (r.status !== 204)
		throw new Error(`kill ${ref}: ${r.status} ${r.text}`);
}

// Remove a container (force: even running), as someone outside would.
export async function removeContainer(ref) {
	const r = await engine('DELETE', `/containers/${encodeURIComponent(ref)}` +
	    '?force=true&v=true');
	if (r.status !== 204 && r.status !== 404)
		throw new Error(`remove ${ref}: ${r.status} ${r.text}`);
}

// Run argv in a running container and wait (up to ms) for it to end:
// its exit code.
export async function execIn(ref, argv, ms = 20000) {
	const c = await engine('POST', `/containers/${encodeURIComponent(ref)}` +
	    '/exec', { Cmd: argv, AttachStdout: false, AttachStderr: false });
	if (c.status !== 201)
		throw new Error(`exec in ${ref}: ${c.status} ${c.text}`);
	const s = await engine('POST', `/exec/${c.body.Id}/start`,
	    { Detach: true });
	if (s.status !== 200)
		throw new Error(`exec start: ${s.status} ${s.text}`);
	const end = Date.now() + ms;
	for (;;) {
		const i = await engine('GET', `/exec/${c.body.Id}/json`);
		if (i.status === 200 && !i.body.Running && i.body.ExitCode !== null)
			return i.body.ExitCode;
		if (Date.now() > end)
			throw new Error(`exec ${argv.join(' ')}: still running`);
		await new Promise((res) => setTimeout(res, 100));
	}
}

// Clean up after a test: every container, then network and volume, of
// one project (by its label only: other stacks share the engine).
export async function removeProjectObjects(projectId) {
	const lbl = { 'io.openpanel.project': projectId };
	for (const c of await listContainers(lbl))
		await engine('DELETE', `/containers/${c.Id}?force=true&v=true`);
	for (const n of await listNetworks(lbl))
		await engine('DELETE', `/networks/${n.Id}`);
	for (const v of await listVolumes(lbl))
		await engine('DELETE', `/volumes/${encodeURIComponent(v.Name)}`);
}

// Copy image ref from the panel's engine into the engine on socket
// (docker save | docker load, over the two sockets: nothing is pulled).
export function copyImage(ref, socket) {
	return new Promise((resolve, reject) => {
		const fail = (e) => reject(new Error(`copy ${ref}: ${e.message}`));
		const get = request({ socketPath: SOCKET, method: 'GET',
			path: `${VERSION}/images/${encodeURIComponent(ref)}/get` },
		(tar) => {
			if (tar.statusCode !== 200) {
				tar.resume();
				return fail(new Error(`save: ${tar.statusCode}`));
			}
			const load = request({ socketPath: socket, method: 'POST',
				path: `${VERSION}/images/load?quiet=1`, headers: {
					'content-type': 'application/x-tar' } }, (res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c) => { text += c; });
				res.on('end', () => res.statusCode === 200 &&
				    !/errorDetail/.test(text) ? resolve() :
				    fail(new Error(`load: ${res.statusCode} ${text}`)));
			});
			load.on('error', fail);
			tar.pipe(load);
		});
		get.on('error', fail);
		get.setTimeout(120000, () => get.destroy(new Error('timed out')));
		get.end();
	});
}

// Make the engine, in no swarm, a single-node swarm manager on addr
// (loopback unless another engine must reach it; a test that does must
// hold the swarm lock and leaveSwarm() after).
export async function initSwarm(addr = '127.0.0.1') {
	const r = await engine('POST', '/swarm/init', {
		ListenAddr: `${addr}:2377`, AdvertiseAddr: addr });
	if (r.status !== 200)
		throw new Error(`swarm init: ${r.status} ${r.text}`);
}

// Leave the swarm (force: as its last manager), and make sure of it: a
// leave can time out while the engine tears the tasks down.
export async function leaveSwarm() {
	for (let i = 0; i < 10; i++) {
		await engine('POST', '/swarm/leave?force=true');
		const info = await engine('GET', '/info');
		if (info.body.Swarm.LocalNodeState === 'inactive') return;
		await new Promise((res) => setTimeout(res, 3000));
	}
}

// Whether the engine already manages a swarm (test t then uses it as
// it is, and says so); an engine that is a worker of one fails t.
export async function managesSwarm(t) {
	const info = await engine('GET', '/info');
	if (info.body.Swarm.LocalNodeState !== 'active') return false;
	if (!info.body.Swarm.ControlAvailable)
		throw new Error('the engine is in a swarm but not a manager of it');
	t.diagnostic('the engine already manages a swarm: used as is');
	return true;
}
