// Deployments through the gateway: a build with deploy=true puts the app
// behind nginx at its generated hostname; while a second version deploys,
// a client looping on the app sees every request answered, both versions,
// then only the new one; a version whose container exits at once, or that
// never passes its health probe, fails and the old one keeps serving;
// rollback brings the previous image back; a deployment by image works
// the same way; viewers and other teams deploy nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { api, addr, adminToken, errorCode, unique, BASE } from
    './lib/client.mjs';
import { readEvents, until } from './lib/fixtures.mjs';
import { inspectContainer, listContainers } from './lib/docker.mjs';
import { BuildSuite, TERMINAL, clientOf, newCrew } from
    './lib/builds.mjs';
import { startGitServer, appFiles } from './lib/git.mjs';

const IP = addr();
const NONCE = randomBytes(6).toString('hex');
const V1 = `version-1-${NONCE}`, V2 = `version-2-${NONCE}`;
const DEP_DONE = ['succeeded', 'failed', 'cancelled', 'rolled_back'];
const suite = new BuildSuite(IP);	// the projects and images made

let admin, O, D, V, X, T, TX, P;
let gs, repo;
let host;			// the app's hostname
let b1, b2;			// the builds of version 1 and 2
let dep1, dep2;			// their deployments

const as = (who) => clientOf(who, IP);

const SOURCE = () => ({ git_url: repo.url, port: 8080, health_path: '/',
	container: 'app', auto_deploy: false });

const getBuild = (id) => suite.build(id, O);

// Build main at its tip (deploy as asked): the succeeded build.
async function buildTip(deploy = false) {
	const r = await as(D).post('/api/builds', { project_id: P, deploy });
	assert.equal(r.status, 202, r.text);
	assert.equal(r.body.deploy, deploy);
	const b = await until(async () => {
		const x = await getBuild(r.body.id);
		return TERMINAL.includes(x.status) ? x : null;
	}, 'the build to end', 180000, 250);
	const log = (await as(O).get(`/api/builds/${b.id}/logs`)).text;
	assert.equal(b.status, 'succeeded', `${b.error}\n${log}`);
	assert.equal(b.commit, await repo.head());
	return b;
}

const getDeployment = async (id, who = O) => {
	const r = await as(who).get(`/api/deployments/${id}`);
	assert.equal(r.status, 200, r.text);
	return r.body;
};
const deployed = (id, ms = 240000) => until(async () => {
	const d = await getDeployment(id);
	return DEP_DONE.includes(d.status) ? d : null;
}, `deployment ${id} to end`, ms, 250);

// POST /api/deployments: the 202 answer.
async function deploy(body, who = D) {
	const r = await as(who).post('/api/deployments', { project_id: P,
		...body });
	assert.equal(r.status, 202, r.text);
	assert.match(r.body.id, /^[0-9a-f-]{36}$/);
	assert.equal(r.body.project_id, P);
	assert.ok(['queued', 'running'].includes(r.body.status), r.body.status);
	return r.body;
}

const eventsOf = (id, type) => readEvents(5000).filter((e) =>
	e.type === type && e.event.subject?.id === id);

// --- the app through the gateway ----------------------------------------------

// One GET of the site through nginx, a new connection each time (as many
// clients do): {status, body} with status 0 when the connection failed.
function site(hostname = host, path = '/') {
	const u = new URL(BASE);
	return new Promise((resolve) => {
		const req = request({ host: u.hostname, port: u.port, path,
			method: 'GET', agent: false, headers: { host: hostname,
				connection: 'close' } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode,
				body: Buffer.concat(chunks).toString('utf8').trim() }));
			res.on('error', (e) => resolve({ status: 0, body: e.message }));
		});
		req.on('error', (e) => resolve({ status: 0, body: e.message }));
		req.setTimeout(10000, () => req.destroy(new Error('timed out')));
		req.end();
	});
}

// Until the site answers body, then a run of answers that are all body.
async function serves(body, what) {
	await until(async () => {
		const s = await site();
		return s.status === 200 && s.body === body;
	}, what, 30000, 100);
	for (let i = 0; i < 20; i++) {
		const s = await site();
		assert.equal(s.status, 200, `${what}: ${s.status} ${s.body}`);
		assert.equal(s.body, body, what);
	}
}

// A client looping on the site as fast as it can, one request after the
// other, until stop(): {count, bodies (body →
// times), failures and the first bad answers}.
function loop() {
	const st = { count: 0, failures: 0, bad: [], bodies: new Map(),
		stopped: false };
	st.done = (async () => {
		while (!st.stopped) {
			const s = await site();
			st.count++;
			if (s.status !== 200) {
				st.failures++;
				if (st.bad.length < 20)
					st.bad.push(`#${st.count}: ${s.status} ` +
					    s.body.slice(0, 200));
			} else
				st.bodies.set(s.body, (st.bodies.get(s.body) ?? 0) + 1);
		}
	})();
	st.stop = async () => {
		st.stopped = true;
		await st.done;
		return st;
	};
	return st;
}
const summary = (st) => `${st.count} requests, bodies ${JSON.stringify(
	[...st.bodies])}, ${st.failures} failed: ${st.bad.join(' | ')}`;

// The engine containers of the project's app container (the deployment's
// container_id), running or not.
const appContainers = (cid) => listContainers({
	'io.openpanel.container': cid });

// --- setup ---------------------------------------------------------------------

before(async () => {
	admin = await adminToken();
	({ O, D, V, X, T, TX } = await newCrew(admin, 'deployers', IP));
	P = await suite.newProject(T, O, 'deployed');
	host = `app-${P.slice(0, 8)}.localhost`;
	gs = await startGitServer();
	repo = await gs.createRepo(unique('site'));
	await repo.update(appFiles(V1), 'version 1');
	const s = await as(O).put(`/api/projects/${P}/source`, SOURCE());
	assert.equal(s.status, 200, s.text);
});

after(async () => {
	await suite.cleanUp(admin);
	await gs?.close();
	repo?.dispose();
});

// --- hostile first ---------------------------------------------------------------

test('viewers and other teams deploy nothing; bad deployments are refused',
    async () => {
	const v = await as(V).post('/api/deployments', { project_id: P,
		image: 'openpanel-test/busybox:1' });
	assert.equal(v.status, 403, v.text);
	assert.equal(errorCode(v), 'forbidden');
	const x = await as(X).post('/api/deployments', { project_id: P,
		image: 'openpanel-test/busybox:1' });
	assert.equal(x.status, 404, x.text);
	assert.equal(errorCode(x), 'not_found');
	for (const [body, field] of [
		[{ image: 'Not An Image' }, 'image'],
		[{ image: '-v/etc:/etc' }, 'image'],
		[{ build_id: 'nope' }, 'build_id'],
		[{ project_id: 'nope', image: 'openpanel-test/busybox:1' },
		    'project_id'],
	]) {
		const r = await as(O).post('/api/deployments', { project_id: P,
			...body });
		assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(r.body?.error?.field, field, r.text);
	}
	const list = await as(O).get(`/api/deployments?project_id=${P}`);
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.body.items, []);
	assert.equal((await as(X).get(`/api/deployments?project_id=${P}`))
	    .status, 404);
	assert.deepEqual(await listContainers({ 'io.openpanel.project': P }), [],
	    'nothing on the engine');
});

// --- deploy --------------------------------------------------------------------

test('a build with deploy=true deploys; the app answers through nginx at '
    + 'its hostname', async () => {
	b1 = await buildTip(true);
	assert.ok(b1.deployment_id, 'the build made a deployment');
	dep1 = await deployed(b1.deployment_id);
	assert.equal(dep1.status, 'succeeded', dep1.error);
	assert.equal(dep1.project_id, P);
	assert.equal(dep1.build_id, b1.id);
	assert.equal(dep1.kind, 'deploy');
	assert.equal(dep1.rollback_of, null);
	assert.equal(dep1.image, b1.image);
	assert.equal(dep1.container, 'app');
	assert.match(dep1.container_id ?? '', /^[0-9a-f-]{36}$/);
	assert.equal(dep1.previous_image, null, 'nothing ran before');
	assert.equal(dep1.hostname, host);
	assert.equal(dep1.error, null);
	assert.ok(dep1.started_at && dep1.finished_at);
	await serves(V1, 'version 1 through nginx');

	// The engine runs it: one container of the app, the built image.
	const running = (await appContainers(dep1.container_id))
	    .filter((c) => c.State === 'running');
	assert.equal(running.length, 1, JSON.stringify(running));
	const e = await inspectContainer(running[0].Id);
	assert.equal(e.Config.Image, b1.image);
	assert.equal(e.Config.Labels['io.openpanel.project'], P);
	// The panel lists it among the project's containers.
	const cs = await as(V).get(`/api/containers?project_id=${P}`);
	assert.equal(cs.status, 200, cs.text);
	const app = cs.body.items.find((c) => c.id === dep1.container_id);
	assert.ok(app, cs.text);
	assert.equal(app.name, 'app');
	assert.equal(app.image, b1.image);
	// Listed and told.
	const list = await as(V).get(`/api/deployments?project_id=${P}`);
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.body.items.map((d) => d.id), [dep1.id]);
	assert.equal((await as(X).get(`/api/deployments/${dep1.id}`)).status,
	    404);
	const ev = await until(() => eventsOf(dep1.id, 'deployment.succeeded')[0],
	    'deployment.succeeded', 15000);
	assert.equal(ev.event.team_id, T);
	assert.ok(eventsOf(dep1.id, 'deployment.started').length >= 1);
	assert.equal(eventsOf(dep1.id, 'deployment.failed').length, 0);
	// Another site name is not this app.
	const other = await site(`app-00000000.localhost`);
	assert.notEqual(other.body, V1);
});

test('zero downtime: while version 2 deploys a looping client sees every '
    + 'request answered, then only version 2', async (t) => {
	assert.ok(dep1?.status === 'succeeded', 'version 1 serves');
	await repo.update(appFiles(V2), 'version 2');
	b2 = await buildTip(false);
	assert.equal(b2.deployment_id, null);
	const client = loop();
	let d;
	try {
		await until(() => client.bodies.has(V1), 'version 1 in the loop',
		    30000, 50);
		d = await deploy({ build_id: b2.id });
		assert.equal(d.build_id, b2.id);
		assert.equal(d.kind, 'deploy');
		assert.equal(d.image, b2.image);
		dep2 = await deployed(d.id);
		assert.equal(dep2.status, 'succeeded', dep2.error);
		assert.equal(dep2.hostname, host);
		// A while longer: the old container drains and stops meanwhile.
		await until(() => client.bodies.has(V2), 'version 2 in the loop',
		    30000, 50);
		const seen = client.count;
		await until(() => client.count >= seen + 200, 'more requests',
		    60000, 50);
	} finally {
		await client.stop();
	}
	t.diagnostic(summary(client));
	assert.equal(client.failures, 0, summary(client));
	assert.ok(client.bodies.has(V1) && client.bodies.has(V2),
	    summary(client));
	assert.deepEqual([...client.bodies.keys()].sort(), [V1, V2].sort(),
	    summary(client));
	assert.equal(dep2.previous_image, b1.image);
	assert.equal(dep2.container_id, dep1.container_id, 'the same app');
	await serves(V2, 'only version 2 after the deployment');
	// The old container is gone; the app runs the new image.
	await until(async () => {
		const cs = await appContainers(dep2.container_id);
		return cs.length === 1 && cs[0].State === 'running';
	}, 'one container of the app left', 60000, 250);
	const [c] = await appContainers(dep2.container_id);
	assert.equal((await inspectContainer(c.Id)).Config.Image, b2.image);
	await until(() => eventsOf(dep2.id, 'deployment.succeeded')[0],
	    'deployment.succeeded', 15000);
});

// A deployment of a version that cannot serve, with a client looping on
// the site meanwhile: it fails with a reason, and the old version serves
// throughout and after.
async function failingVersion(t, version, files, what) {
	await repo.update(files, version);
	const b = await buildTip(false);
	const client = loop();
	let end;
	try {
		await until(() => client.bodies.has(V2), 'version 2 in the loop',
		    30000, 50);
		const d = await deploy({ build_id: b.id });
		end = await deployed(d.id);
	} finally {
		await client.stop();
	}
	t.diagnostic(summary(client));
	assert.equal(end.status, 'failed', `${what}: ${end.status}`);
	assert.equal(typeof end.error, 'string', JSON.stringify(end));
	assert.ok(end.error.length > 0);
	assert.ok(end.finished_at);
	assert.equal(client.failures, 0, summary(client));
	assert.deepEqual([...client.bodies.keys()], [V2], summary(client));
	await serves(V2, `version 2 after ${what}`);
	// The candidate went; the app's container is as it was.
	await until(async () => {
		const cs = await appContainers(dep2.container_id);
		return cs.length === 1 && cs[0].State === 'running';
	}, 'only the old container left', 60000, 250);
	const [c] = await appContainers(dep2.container_id);
	assert.equal((await inspectContainer(c.Id)).Config.Image, b2.image);
	const row = await as(O).get(`/api/containers/${dep2.container_id}`);
	assert.equal(row.status, 200, row.text);
	assert.equal(row.body.image, b2.image);
	assert.equal(row.body.state, 'running');
	await until(() => eventsOf(end.id, 'deployment.failed')[0],
	    'deployment.failed', 15000);
	assert.equal(eventsOf(end.id, 'deployment.succeeded').length, 0);
	// The last good deployment is still the one that succeeded.
	assert.equal((await getDeployment(dep2.id)).status, 'succeeded');
	return end;
}

test('a version whose container exits at once fails; the old one keeps '
    + 'serving', async (t) => {
	assert.ok(dep2?.status === 'succeeded', 'version 2 serves');
	await failingVersion(t, `version-3-${NONCE}`,
	    appFiles(`version-3-${NONCE}`, { cmd: ['false'] }),
	    'a container that exits');
});

test('a version that never passes its health probe fails; the old one keeps '
    + 'serving', async (t) => {
	assert.ok(dep2?.status === 'succeeded', 'version 2 serves');
	const s = await as(O).put(`/api/projects/${P}/source`, { ...SOURCE(),
		health_path: '/missing.html' });
	assert.equal(s.status, 200, s.text);
	assert.equal(s.body.health_path, '/missing.html');
	try {
		await failingVersion(t, `version-4-${NONCE}`,
		    appFiles(`version-4-${NONCE}`), 'a failing health probe');
	} finally {
		const back = await as(O).put(`/api/projects/${P}/source`, SOURCE());
		assert.equal(back.status, 200, back.text);
	}
});

// --- rollback ----------------------------------------------------------------

test('rollback brings the previous image back, without downtime; the '
    + 'original is rolled back', async (t) => {
	assert.ok(dep2?.status === 'succeeded', 'version 2 serves');
	// Not by a viewer or another team; not where there is nothing before.
	const v = await as(V).post(`/api/deployments/${dep2.id}/rollback`);
	assert.equal(v.status, 403, v.text);
	const x = await as(X).post(`/api/deployments/${dep2.id}/rollback`);
	assert.equal(x.status, 404, x.text);
	const first = await as(D).post(`/api/deployments/${dep1.id}/rollback`);
	assert.equal(first.status, 409, first.text);

	const client = loop();
	let rb, end;
	try {
		await until(() => client.bodies.has(V2), 'version 2 in the loop',
		    30000, 50);
		const r = await as(D).post(`/api/deployments/${dep2.id}/rollback`);
		assert.equal(r.status, 202, r.text);
		rb = r.body;
		assert.notEqual(rb.id, dep2.id, 'a new deployment');
		assert.equal(rb.kind, 'rollback');
		assert.equal(rb.rollback_of, dep2.id);
		assert.equal(rb.image, dep2.previous_image);
		assert.equal(rb.image, b1.image);
		assert.equal(rb.project_id, P);
		end = await deployed(rb.id);
		assert.equal(end.status, 'succeeded', end.error);
		await until(() => client.bodies.has(V1), 'version 1 in the loop',
		    30000, 50);
	} finally {
		await client.stop();
	}
	t.diagnostic(summary(client));
	assert.equal(client.failures, 0, summary(client));
	await serves(V1, 'version 1 after the rollback');
	assert.equal(end.previous_image, b2.image);
	assert.equal((await getDeployment(dep2.id)).status, 'rolled_back');
	await until(() => [dep2.id, rb.id].some((id) =>
		eventsOf(id, 'deployment.rolled_back').length > 0),
	'deployment.rolled_back', 15000);
	const [c] = await appContainers(dep2.container_id);
	assert.equal((await inspectContainer(c.Id)).Config.Image, b1.image);
	const list = await as(O).get(`/api/deployments?project_id=${P}`);
	assert.ok(list.body.items.some((d) => d.id === rb.id));
});

test('a deployment by image serves that image', async () => {
	assert.ok(b2?.image, 'version 2 was built');
	const d = await deploy({ image: b2.image });
	assert.equal(d.image, b2.image);
	assert.equal(d.build_id, null);
	assert.equal(d.kind, 'deploy');
	const end = await deployed(d.id);
	assert.equal(end.status, 'succeeded', end.error);
	assert.equal(end.previous_image, b1.image);
	await serves(V2, 'version 2 deployed by image');
});
