// Builds through the API, from real git repositories this suite serves
// over smart HTTP: a Dockerfile build succeeds and its log shows the
// engine's steps; a broken one fails with its error in the log; hostile
// URLs, refs, paths and build arguments are refused before anything
// runs; viewers read but do not build and other teams see nothing; a
// queued build cancelled never runs, a running one stops; a worker
// killed mid-build loses nothing and marks nothing succeeded early.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync,
	readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { api, addr, adminToken, errorCode, unique, DATA } from
    './lib/client.mjs';
import { readEvents, until, sleep } from './lib/fixtures.mjs';
import { engine } from './lib/docker.mjs';
import { BuildSuite, TERMINAL, clientOf, newCrew } from './lib/builds.mjs';
import { startGitServer, appFiles, BASE_IMAGE } from './lib/git.mjs';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.OP_BUILD_BIN ??
    join(TOP, process.env.OP_BUILD ?? 'build', 'bin');
const IP = addr();
const NONCE = randomBytes(6).toString('hex');	// no engine cache across runs
const suite = new BuildSuite(IP);	// the projects and images made

let admin, O, D, V, X, T, TX, P, PX;
let gs, repo;			// the git server and the app's repository
let sha1;			// main's commit
let mainDockerfile;		// its Dockerfile
let good;			// the successful build (its final answer)
let broken;			// the broken Dockerfile's build

const as = (who) => clientOf(who, IP);
const newProject = (team, who) => suite.newProject(team, who, 'build');

// POST /api/builds as who: the 202 answer's build.
async function startBuild(who, body) {
	const r = await as(who).post('/api/builds', body);
	assert.equal(r.status, 202, r.text);
	assert.match(r.body.id, /^[0-9a-f-]{36}$/, r.text);
	return r.body;
}

const getBuild = (id, who = O) => suite.build(id, who);
// The build once it has ended (succeeded, failed or cancelled).
const settled = (id, ms) => suite.settled(id, O, ms);

async function logs(id, who = O) {
	const r = await as(who).get(`/api/builds/${id}/logs`);
	assert.equal(r.status, 200, r.text);
	assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
	return r.text;
}

// The log of a Dockerfile build shows the engine's "Step k/N : ..." for
// every instruction of the Dockerfile, in order and none left out: the
// first is the FROM of the test image. N may be more than the
// Dockerfile's count (the panel may add its own, a LABEL say), but every
// step up to N is there.
function assertSteps(text, dockerfile) {
	const ours = dockerfile.split('\n').filter((l) => /^[A-Z]/.test(l));
	const m = /Step 1\/(\d+) : FROM (\S+)/.exec(text);
	assert.ok(m, `no "Step 1/N : FROM" in the log:\n${text}`);
	const n = Number(m[1]);
	assert.equal(m[2], BASE_IMAGE);
	assert.ok(n >= ours.length, `${n} steps for ${ours.length}:\n${text}`);
	for (let k = 1; k <= n; k++)
		assert.ok(text.includes(`Step ${k}/${n} : `),
		    `step ${k}/${n} missing from the log:\n${text}`);
	for (let k = 1; k <= ours.length; k++) {
		const word = ours[k - 1].split(' ')[0];
		assert.ok(text.includes(`Step ${k}/${n} : ${word} `),
		    `step ${k}/${n} is not ${ours[k - 1]}:\n${text}`);
	}
	for (const l of ours.filter((x) => x.startsWith('RUN ')))
		assert.ok(text.includes(` : ${l}`), `"${l}" not in the log:\n${text}`);
}

// The engine's view of an image (by reference), or null.
async function inspectImage(ref) {
	const r = await engine('GET', `/images/${encodeURI(ref)}/json`);
	if (r.status === 404) return null;
	assert.equal(r.status, 200, r.text);
	return r.body;
}
async function imageHistory(ref) {
	const r = await engine('GET', `/images/${encodeURI(ref)}/history`);
	assert.equal(r.status, 200, r.text);
	return r.body.map((h) => h.CreatedBy).join('\n');
}

const eventsOf = (id, type) => readEvents(5000).filter((e) =>
	e.type === type && e.event.subject?.id === id);

// --- the worker process ------------------------------------------------------

const PIDFILE = () => `${DATA}/run/builds-worker.pid`;
const alive = (pid) => {
	try { process.kill(pid, 0); return true; } catch { return false; }
};
// Gone, or a zombie its parent has not reaped yet.
const dead = (pid) => {
	if (!alive(pid)) return true;
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
	} catch {
		return true;
	}
};
const workerPid = () => Number(readFileSync(PIDFILE(), 'utf8').trim());

// pid and every process below it (a worker may fork for its jobs).
function family(pid) {
	const out = [pid];
	for (let i = 0; i < out.length; i++) {
		let tasks = [];
		try { tasks = readdirSync(`/proc/${out[i]}/task`); } catch { continue; }
		for (const t of tasks) {
			try {
				for (const c of readFileSync(
				    `/proc/${out[i]}/task/${t}/children`, 'utf8').split(/\s+/))
					if (c) out.push(Number(c));
			} catch { /* gone */ }
		}
	}
	return out;
}

// A worker as the stack starts one: same binary and configuration, its
// output appended to the worker's log, its pid in the worker's pid file
// (so the stack stops it at the end, and later suites have a worker).
function startWorker() {
	const log = openSync(`${DATA}/log/builds-worker.log`, 'a');
	const w = spawn(join(BIN, 'op-builds'), ['work'], { env: {
		...process.env, OP_CONFIG: `${DATA}/openpanel.conf` },
	stdio: ['ignore', log, log], detached: true });
	closeSync(log);
	w.unref();
	writeFileSync(PIDFILE(), `${w.pid}\n`);
	return w.pid;
}

// Leave a worker running, whatever happened.
function ensureWorker() {
	let pid = 0;
	try { pid = workerPid(); } catch { /* no file */ }
	if (!pid || dead(pid)) startWorker();
}

// --- setup ---------------------------------------------------------------------

before(async () => {
	admin = await adminToken();
	({ O, D, V, X, T, TX } = await newCrew(admin, 'builders', IP));
	P = await newProject(T, O);
	PX = await newProject(TX, X);
	gs = await startGitServer();
	repo = await gs.createRepo(unique('app'));
	const files = appFiles('version-1', { steps: [
		'ARG GREETING=unset',
		`RUN echo "built-${NONCE} greeting=$GREETING" | tee /built`,
	] });
	mainDockerfile = files.Dockerfile;
	sha1 = await repo.update(files, 'the app');
	const s = await as(O).put(`/api/projects/${P}/source`, {
		git_url: repo.url, port: 8080, auto_deploy: false });
	assert.equal(s.status, 200, s.text);
});

after(async () => {
	ensureWorker();
	// Let what still runs end, so nothing of ours is left half-made.
	await suite.cleanUp(admin);
	// Layers a cancelled or killed build committed and nothing tags: ours
	// by the nonce in the step that made them.
	const dangling = await engine('GET', '/images/json?all=1&filters=' +
	    encodeURIComponent(JSON.stringify({ dangling: ['true'] })));
	for (const img of dangling.body ?? []) {
		const i = await engine('GET', `/images/${img.Id}/json`);
		if (JSON.stringify(i.body?.ContainerConfig?.Cmd ?? '').includes(NONCE))
			await engine('DELETE', `/images/${img.Id}`);
	}
	await gs?.close();
	repo?.dispose();
});

// --- hostile first ------------------------------------------------------------

test('hostile URLs, refs, paths and build arguments are refused before '
    + 'anything runs', async () => {
	const marks = [1, 2, 3, 4].map((i) => `/tmp/op-pwned-${NONCE}-${i}`);
	const seen = gs.requests.length;
	const cases = [
		[{ git_url: `--upload-pack=touch ${marks[0]}` }, 'git_url'],
		[{ git_url: '-cfoo=bar' }, 'git_url'],
		[{ git_url: `-c core.sshCommand=touch ${marks[1]}` }, 'git_url'],
		[{ git_url: `ext::sh -c touch% ${marks[2]}` }, 'git_url'],
		[{ git_url: 'fd::17' }, 'git_url'],
		[{ git_url: 'file:///etc' }, 'git_url'],
		[{ git_url: '/srv/repo' }, 'git_url'],
		[{ git_url: './repo' }, 'git_url'],
		[{ git_url: 'https://user:pass@host.example/x.git' }, 'git_url'],
		[{ git_url: `${repo.url} --upload-pack=touch` }, 'git_url'],
		[{ git_ref: `--output=${marks[3]}` }, 'git_ref'],
		[{ git_ref: 'a..b' }, 'git_ref'],
		[{ git_ref: 'main.lock' }, 'git_ref'],
		[{ git_ref: 'main branch' }, 'git_ref'],
		[{ git_ref: '' }, 'git_ref'],
		[{ dockerfile: '../etc/passwd' }, 'dockerfile'],
		[{ dockerfile: '/abs' }, 'dockerfile'],
		[{ dockerfile: '-f' }, 'dockerfile'],
		[{ context: '../..' }, 'context'],
		[{ context: '/' }, 'context'],
		[{ build_args: { GREETING: 5 } }, /^build_args/],
		[{ build_args: { GREETING: { nested: 'x' } } }, /^build_args/],
		[{ build_args: { 'BAD KEY': 'x' } }, /^build_args/],
		[{ build_args: { 'A=B': 'x' } }, /^build_args/],
		[{ build_args: { '': 'x' } }, /^build_args/],
		[{ build_args: ['GREETING=x'] }, /^build_args/],
		[{ project_id: 'not-a-uuid' }, 'project_id'],
	];
	for (const [extra, field] of cases) {
		const r = await as(O).post('/api/builds', { project_id: P,
			git_url: repo.url, ...extra });
		const what = JSON.stringify(extra);
		assert.equal(r.status, 422, `${what}: ${r.text}`);
		if (field instanceof RegExp)
			assert.match(r.body?.error?.field ?? '', field, `${what}: ${r.text}`);
		else
			assert.equal(r.body?.error?.field, field, `${what}: ${r.text}`);
	}
	// The same URLs are no source either.
	for (const git_url of [`--upload-pack=touch ${marks[0]}`,
		`ext::sh -c touch% ${marks[2]}`, 'file:///etc', '/srv/repo',
		'https://user:pass@host.example/x.git']) {
		const r = await as(O).put(`/api/projects/${P}/source`, { git_url });
		assert.equal(r.status, 422, `${git_url}: ${r.text}`);
		assert.equal(r.body?.error?.field, 'git_url');
	}
	const src = await as(O).get(`/api/projects/${P}/source`);
	assert.equal(src.status, 200, src.text);
	assert.equal(src.body.git_url, repo.url, 'the source is unchanged');
	// Nothing ran: no build, no file, no fetch.
	await sleep(500);
	const list = await as(O).get(`/api/builds?project_id=${P}`);
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.body.items, []);
	for (const m of marks)
		assert.equal(existsSync(m), false, `${m} was created`);
	assert.equal(gs.requests.length, seen, 'the repository was not fetched');
});

// --- a build ----------------------------------------------------------------

test('a Dockerfile build succeeds at the commit of its ref; its log shows '
    + 'the steps', async () => {
	const b = await startBuild(D, { project_id: P,
		build_args: { GREETING: `hello-${NONCE}` } });
	assert.equal(b.project_id, P);
	assert.equal(b.git_url, repo.url, 'git_url defaults to the source');
	assert.equal(b.git_ref, 'main', 'git_ref defaults to the source');
	assert.equal(b.dockerfile, 'Dockerfile');
	assert.equal(b.context, '.');
	assert.deepEqual(b.build_args, { GREETING: `hello-${NONCE}` });
	assert.equal(b.deploy, false);
	assert.equal(b.trigger, 'api');
	assert.ok(['queued', 'running'].includes(b.status), b.status);
	assert.equal(b.deployment_id, null);
	assert.equal(b.finished_at, null);
	assert.ok(!Number.isNaN(Date.parse(b.created_at)), b.created_at);

	good = await settled(b.id);
	const text = await logs(b.id);
	assert.equal(good.status, 'succeeded', `${good.error}\n${text}`);
	assert.equal(good.commit, sha1, 'built at the commit main points to');
	assert.equal(good.error, null);
	assert.ok(good.attempts >= 1);
	assert.equal(good.deployment_id, null, 'deploy was false');
	assert.ok(Date.parse(good.started_at) <= Date.parse(good.finished_at));
	assert.equal(typeof good.image, 'string');
	assert.ok(good.image.length > 0);

	// The log: every step of the Dockerfile (FROM, ARG, RUN, COPY,
	// EXPOSE, CMD), and the RUN's own output with the build argument.
	assertSteps(text, mainDockerfile);
	assert.ok(text.includes(`built-${NONCE} greeting=hello-${NONCE}`), text);

	// The engine has the image, built from every step.
	const img = await inspectImage(good.image);
	assert.ok(img, `the engine has ${good.image}`);
	assert.ok((await imageHistory(good.image)).includes(`built-${NONCE}`));
	assert.deepEqual(img.Config.Cmd, ['sh', '-c', 'httpd -f -p 8080 -h ' +
	    '/www & trap "kill $!; exit 0" TERM; wait']);

	// Listed, and told as events of the team.
	const list = await as(V).get(`/api/builds?project_id=${P}`);
	assert.equal(list.status, 200, list.text);
	assert.ok(list.body.items.some((i) => i.id === b.id));
	const started = await until(() => eventsOf(b.id, 'build.started')[0],
	    'build.started', 15000);
	assert.equal(started.event.team_id, T);
	const done = await until(() => eventsOf(b.id, 'build.completed')[0],
	    'build.completed', 15000);
	assert.equal(done.event.team_id, T);
	assert.equal(eventsOf(b.id, 'build.failed').length, 0);
	assert.equal(eventsOf(b.id, 'build.completed').length, 1, 'once');
});

test('viewers read builds but do not start or cancel them; other teams see '
    + 'nothing', async () => {
	assert.ok(good, 'the build of the test before');
	const v = as(V);
	assert.equal((await v.get(`/api/builds/${good.id}`)).status, 200);
	assert.equal((await v.get(`/api/builds/${good.id}/logs`)).status, 200);
	for (const r of [await v.post('/api/builds', { project_id: P }),
		await v.post(`/api/builds/${good.id}/cancel`)]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'forbidden');
	}
	const x = as(X);
	for (const r of [await x.get(`/api/builds/${good.id}`),
		await x.get(`/api/builds/${good.id}/logs`),
		await x.post(`/api/builds/${good.id}/cancel`),
		await x.get(`/api/builds?project_id=${P}`),
		await x.post('/api/builds', { project_id: P }),
		await x.post('/api/builds', { project_id: P, git_url: repo.url }),
		await x.get(`/api/projects/${P}/source`)]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
		assert.ok(!r.text.includes(NONCE), 'nothing of the log leaks');
	}
	const all = await x.get('/api/builds');
	if (all.status === 200)
		assert.ok(!all.body.items.some((i) => i.project_id === P));
	// Nor without a session.
	const anon = await api('GET', `/api/builds/${good.id}`, { ip: IP });
	assert.equal(anon.status, 401, anon.text);
	// Still one build in P: nobody else's request made one.
	const list = await as(O).get(`/api/builds?project_id=${P}`);
	assert.equal(list.body.items.length, 1, list.text);
	// X's own project lists none of P's.
	const mine = await x.get(`/api/builds?project_id=${PX}`);
	assert.equal(mine.status, 200, mine.text);
	assert.deepEqual(mine.body.items, []);
});

test('a broken Dockerfile fails with its error in the log', async () => {
	await repo.write(appFiles('broken', { steps: [
		`RUN echo "broken-${NONCE}" && exit 3`] }));
	await repo.commit('broken');
	const sha = await repo.push('broken');
	const b = await startBuild(D, { project_id: P, git_ref: 'broken' });
	assert.equal(b.git_ref, 'broken');
	broken = await settled(b.id);
	const text = await logs(b.id);
	assert.equal(broken.status, 'failed', text);
	assert.equal(broken.commit, sha);
	assert.ok(!broken.image, `no image for a failed build: ${broken.image}`);
	assert.ok(broken.finished_at);
	assert.match(text, /Step 1\/\d+ : FROM /);
	assert.ok(new RegExp(`Step 2/\\d+ : RUN echo "broken-${NONCE}"`)
	    .test(text), text);
	assert.ok(text.includes(`broken-${NONCE}`), text);
	assert.match(text, /non-zero code: 3/);
	assert.equal(typeof broken.error, 'string');
	assert.match(broken.error, /non-zero code: 3/);
	const ev = await until(() => eventsOf(b.id, 'build.failed')[0],
	    'build.failed', 15000);
	assert.equal(ev.event.team_id, T);
	assert.equal(eventsOf(b.id, 'build.completed').length, 0);
});

test('builds that cannot start fail with the reason: no such ref, no such '
    + 'Dockerfile, no such repository', async () => {
	for (const body of [{ git_ref: `no-such-branch-${NONCE}` },
		{ dockerfile: 'nowhere/Dockerfile' },
		{ context: 'no-such-dir' },
		{ git_url: `${gs.url('no-such-repo')}` }]) {
		const b = await startBuild(O, { project_id: P, ...body });
		const end = await settled(b.id);
		assert.equal(end.status, 'failed', JSON.stringify(body));
		assert.equal(typeof end.error, 'string', JSON.stringify(end));
		assert.ok(end.error.length > 0);
		assert.ok(!end.image);
		assert.equal((await as(O).get(`/api/builds/${b.id}/logs`)).status,
		    200);
	}
});

test('builds are listed newest first, by status, a page at a time',
    async () => {
	assert.ok(good && broken, 'the builds of the tests before');
	const all = await as(O).get(`/api/builds?project_id=${P}&limit=100`);
	assert.equal(all.status, 200, all.text);
	const ids = all.body.items.map((i) => i.id);
	assert.ok(ids.length >= 3, all.text);
	assert.ok(ids.indexOf(broken.id) < ids.indexOf(good.id), 'newest first');
	// Pages of one, following next, give the same list.
	const paged = [];
	let after = null;
	for (let i = 0; i < ids.length + 1; i++) {
		const q = `/api/builds?project_id=${P}&limit=1` +
		    (after ? `&after=${encodeURIComponent(after)}` : '');
		const r = await as(O).get(q);
		assert.equal(r.status, 200, r.text);
		assert.ok(r.body.items.length <= 1);
		paged.push(...r.body.items.map((x) => x.id));
		after = r.body.next;
		if (!after) break;
	}
	assert.deepEqual(paged, ids);
	const ok = await as(O).get(`/api/builds?project_id=${P}&status=succeeded`);
	assert.equal(ok.status, 200, ok.text);
	assert.deepEqual(ok.body.items.map((i) => i.id), [good.id]);
	const failed = await as(O).get(`/api/builds?project_id=${P}&status=failed`);
	assert.ok(failed.body.items.some((i) => i.id === broken.id));
	assert.ok(failed.body.items.every((i) => i.status === 'failed'));
	for (const q of ['status=done', 'limit=0', 'limit=x', 'after=%00']) {
		const r = await as(O).get(`/api/builds?project_id=${P}&${q}`);
		assert.ok(r.status === 422 || r.status === 400, `${q}: ${r.text}`);
	}
});

// --- cancel ------------------------------------------------------------------

test('a queued build cancelled never runs', async () => {
	// No worker to claim it meanwhile: the worker (and anything it
	// forked) is stopped, then continued.
	const stopped = family(workerPid()).filter(alive);
	assert.ok(stopped.length >= 1, 'a builds worker runs');
	for (const p of stopped) process.kill(p, 'SIGSTOP');
	let b;
	try {
		b = await startBuild(D, { project_id: P });
		assert.equal(b.status, 'queued');
		const c = await as(D).post(`/api/builds/${b.id}/cancel`);
		assert.equal(c.status, 202, c.text);
		assert.equal(c.body.id, b.id);
		assert.ok(['queued', 'cancelled'].includes(c.body.status),
		    c.body.status);
	} finally {
		for (const p of stopped) {
			try { process.kill(p, 'SIGCONT'); } catch { /* gone */ }
		}
	}
	const end = await settled(b.id, 60000);
	assert.equal(end.status, 'cancelled');
	assert.equal(end.started_at, null, 'it never started');
	assert.ok(end.finished_at);
	assert.ok(!end.image);
	// A worker that is up again still leaves it alone.
	await sleep(2000);
	const later = await getBuild(b.id);
	assert.equal(later.status, 'cancelled');
	assert.equal(later.started_at, null);
	assert.ok(!(await logs(b.id)).includes('Step 1/'), 'no step ran');
	assert.equal(eventsOf(b.id, 'build.started').length, 0);
	assert.equal(eventsOf(b.id, 'build.completed').length, 0);
});

test('a running build cancelled stops, and is not marked succeeded',
    async () => {
	const slow = `slow-cancel-${NONCE}`;
	await repo.write(appFiles('slow', { steps: [
		`RUN echo "${slow}" && sleep 5`, 'RUN sleep 5'] }));
	await repo.commit('slow');
	await repo.push('slow-cancel');
	const b = await startBuild(D, { project_id: P, git_ref: 'slow-cancel' });
	await until(async () => (await logs(b.id)).includes(slow),
	    'the slow step to start', 120000, 100);
	const c = await as(D).post(`/api/builds/${b.id}/cancel`);
	assert.equal(c.status, 202, c.text);
	const end = await settled(b.id, 60000);
	assert.equal(end.status, 'cancelled', `${end.error}`);
	assert.ok(end.finished_at);
	assert.equal(eventsOf(b.id, 'build.completed').length, 0);
	// A finished build stays as it ended.
	const again = await as(D).post(`/api/builds/${b.id}/cancel`);
	assert.ok(again.status === 409 || again.status === 202, again.text);
	assert.equal((await getBuild(b.id)).status, 'cancelled');
	const broke = await as(D).post(`/api/builds/${broken?.id}/cancel`);
	assert.ok(broke.status === 409 || broke.status === 202, broke.text);
	assert.equal((await getBuild(broken.id)).status, 'failed');
});

// --- a worker killed mid-build -----------------------------------------------

test('a worker killed mid-build loses nothing: the build is claimed again '
    + 'and succeeds with every step', async () => {
	const mark = `slow-kill-${NONCE}`;
	const files = appFiles('survivor', { steps: [
		`RUN echo "${mark}" && sleep 5 && echo "${mark}" > /slow`,
		`RUN test -f /slow && echo "after-${NONCE}" > /after`] });
	repo.write(files);
	await repo.commit('slow');
	const sha = await repo.push('slow-kill');
	const before_ = workerPid();
	assert.ok(alive(before_), 'the builds worker runs');
	const b = await startBuild(D, { project_id: P, git_ref: 'slow-kill' });
	let restarted = null;
	try {
		// Mid-build: running, inside the slow step.
		await until(async () => (await logs(b.id)).includes(mark),
		    'the slow step to start', 120000, 100);
		const mid = await getBuild(b.id);
		assert.equal(mid.status, 'running');
		process.kill(before_, 'SIGKILL');
		await until(() => dead(before_), 'the worker to die', 10000);
		// Killed: the build is not over, whatever it says meanwhile.
		const now = await getBuild(b.id);
		assert.ok(['running', 'queued'].includes(now.status), now.status);
		restarted = startWorker();
		const seen = new Set();
		const end = await until(async () => {
			const x = await getBuild(b.id);
			seen.add(x.status);
			return TERMINAL.includes(x.status) ? x : null;
		}, 'the build to be taken up again and end', 300000, 250);
		const text = await logs(b.id);
		assert.equal(end.status, 'succeeded', `${end.error}\n${text}`);
		assert.ok(!seen.has('failed') && !seen.has('cancelled'),
		    [...seen].join(','));
		assert.ok(end.attempts >= 2, `attempts ${end.attempts}`);
		assert.equal(end.commit, sha);
		// Every step is in the image it names: nothing was skipped.
		assert.ok(end.image);
		assert.ok(await inspectImage(end.image), 'the engine has the image');
		const hist = await imageHistory(end.image);
		assert.ok(hist.includes(`echo "${mark}" && sleep 5`), hist);
		assert.ok(hist.includes(`after-${NONCE}`), hist);
		assertSteps(text.slice(text.lastIndexOf('Step 1/')), files.Dockerfile);
		assert.equal(eventsOf(b.id, 'build.failed').length, 0);
		await until(() => eventsOf(b.id, 'build.completed').length === 1,
		    'build.completed', 15000);
		await sleep(1000);
		assert.equal(eventsOf(b.id, 'build.completed').length, 1, 'once');
		// The new worker is the stack's worker now.
		assert.equal(workerPid(), restarted);
		assert.ok(alive(restarted));
	} finally {
		if (restarted === null) ensureWorker();
	}
});
