// A project's git source and its webhooks: the source is validated and
// never shows its token; a private repository builds with the token and
// not without it; each project has a hook id and a secret that rotates;
// a signed GitHub push builds and deploys while unsigned or badly signed
// ones are refused and nothing runs; pings, other branches and
// redeliveries are acknowledged without a build; GitLab's token,
// Bitbucket's and the generic signature each start a build of the pushed
// commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { api, addr, adminToken, errorCode, unique, BASE } from
    './lib/client.mjs';
import { readEvents, until, sleep } from './lib/fixtures.mjs';
import { BuildSuite, clientOf, newCrew } from './lib/builds.mjs';
import { startGitServer, appFiles } from './lib/git.mjs';

const IP = addr();
const NONCE = randomBytes(6).toString('hex');
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const suite = new BuildSuite(IP);	// the projects and images made

let admin, O, D, V, X, T, TX, P, PX;
let gs, repo;			// public repository
let gsp, prepo;			// private one (basic auth with TOKEN)
let hook;			// P's webhook: {hook_id, secret, urls}
let oldSecret;			// its secret before the rotation
let pushed;			// the GitHub push that built: {sha, delivery, build}

const as = (who) => clientOf(who, IP);
const newProject = (team, who) => suite.newProject(team, who, 'hooked');
const getBuild = (id) => suite.build(id, O);
const settled = (id, ms) => suite.settled(id, O, ms);
const buildsOf = async (project) => {
	const r = await as(O).get(`/api/builds?project_id=${project}&limit=100`);
	assert.equal(r.status, 200, r.text);
	return r.body.items;
};
const eventsOf = (id, type) => readEvents(5000).filter((e) =>
	e.type === type && e.event.subject?.id === id);

// The app through the gateway, as a browser would reach the site:
// {status, body} (status 0 when the connection failed).
function site(hostname, path = '/') {
	const u = new URL(BASE);
	return new Promise((resolve) => {
		const req = request({ host: u.hostname, port: u.port, path,
			method: 'GET', agent: false, headers: { host: hostname,
				connection: 'close' } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode,
				body: Buffer.concat(chunks).toString('utf8') }));
			res.on('error', (e) => resolve({ status: 0, body: e.message }));
		});
		req.on('error', (e) => resolve({ status: 0, body: e.message }));
		req.setTimeout(10000, () => req.destroy(new Error('timed out')));
		req.end();
	});
}

// --- deliveries ----------------------------------------------------------------

const sig = (secret, raw) =>
	`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

// POST a provider's delivery for hook id (raw body as given, or JSON).
function deliver(provider, id, headers, body) {
	const raw = typeof body === 'string' ? body : JSON.stringify(body);
	return api('POST', `/api/webhooks/${provider}/${id}`, { body: raw,
		ip: addr(), headers: { 'content-type': 'application/json',
			...headers } });
}

const ghPush = (sha, ref = 'refs/heads/main') => ({ ref, before:
	'0'.repeat(40), after: sha, repository: { id: 1, name: 'app',
	full_name: 'openpanel/app', clone_url: repo.url }, pusher: {
	name: 'tester' }, head_commit: { id: sha, message: 'change' } });

// A GitHub delivery: signed with secret (null: unsigned).
function github(body, { secret = hook.secret, event = 'push',
	delivery = randomUUID(), id = hook.hook_id, signature } = {}) {
	const raw = JSON.stringify(body);
	const headers = { 'x-github-event': event, 'x-github-delivery': delivery,
		'user-agent': 'GitHub-Hookshot/test' };
	if (signature !== undefined) headers['x-hub-signature-256'] = signature;
	else if (secret !== null) headers['x-hub-signature-256'] = sig(secret, raw);
	return deliver('github', id, headers, raw);
}

// --- setup ---------------------------------------------------------------------

before(async () => {
	admin = await adminToken();
	({ O, D, V, X, T, TX } = await newCrew(admin, 'hooks', IP));
	P = await newProject(T, O);
	PX = await newProject(TX, X);
	gs = await startGitServer();
	repo = await gs.createRepo(unique('app'));
	await repo.update(appFiles(`hooked-1-${NONCE}`), 'first');
	gsp = await startGitServer({ token: TOKEN });
	prepo = await gsp.createRepo(unique('private'));
	await prepo.update(appFiles(`private-${NONCE}`), 'private');
});

after(async () => {
	await suite.cleanUp(admin);
	await gs?.close();
	await gsp?.close();
	repo?.dispose();
	prepo?.dispose();
});

// --- the source ----------------------------------------------------------------

// The key of an "ssh-ed25519 <base64> [comment]" line: its wire form is
// string "ssh-ed25519", string <32 bytes>.
function ed25519Key(line) {
	const m = /^ssh-ed25519 ([A-Za-z0-9+/]+={0,2})( \S.*)?$/.exec(line ?? '');
	assert.ok(m, `not an ssh-ed25519 public key line: ${line}`);
	const b = Buffer.from(m[1], 'base64');
	assert.equal(b.readUInt32BE(0), 11);
	assert.equal(b.subarray(4, 15).toString(), 'ssh-ed25519');
	assert.equal(b.readUInt32BE(15), 32);
	assert.equal(b.length, 51);
	return m[1];
}

test('a source: validated, readable by viewers, writable by neither '
    + 'viewers nor other teams, and never showing its token', async () => {
	const none = await as(O).get(`/api/projects/${P}/source`);
	assert.equal(none.status, 404, none.text);
	for (const [body, field] of [
		[{}, 'git_url'],
		[{ git_url: '--upload-pack=touch /tmp/x' }, 'git_url'],
		[{ git_url: 'ext::sh -c touch% /tmp/pwned' }, 'git_url'],
		[{ git_url: 'file:///etc' }, 'git_url'],
		[{ git_url: 'https://user:pass@host.example/x.git' }, 'git_url'],
		[{ git_url: repo.url, git_ref: '--output=/tmp/x' }, 'git_ref'],
		[{ git_url: repo.url, git_ref: 'a..b' }, 'git_ref'],
		[{ git_url: repo.url, dockerfile: '../etc/passwd' }, 'dockerfile'],
		[{ git_url: repo.url, context: '/abs' }, 'context'],
		[{ git_url: repo.url, build_args: { A: 1 } }, /^build_args/],
		[{ git_url: repo.url, port: 0 }, 'port'],
		[{ git_url: repo.url, port: 65536 }, 'port'],
		[{ git_url: repo.url, port: '8080' }, 'port'],
		[{ git_url: repo.url, container: 'Not A Name' }, 'container'],
		[{ git_url: repo.url, auto_deploy: 'yes' }, 'auto_deploy'],
	]) {
		const r = await as(O).put(`/api/projects/${P}/source`, body);
		const what = JSON.stringify(body);
		assert.equal(r.status, 422, `${what}: ${r.text}`);
		if (field instanceof RegExp)
			assert.match(r.body?.error?.field ?? '', field, what);
		else
			assert.equal(r.body?.error?.field, field, `${what}: ${r.text}`);
	}
	const body = { git_url: repo.url, port: 8080, health_path: '/',
		token: TOKEN };
	const v = await as(V).put(`/api/projects/${P}/source`, body);
	assert.equal(v.status, 403, v.text);
	assert.equal(errorCode(v), 'forbidden');
	const x = await as(X).put(`/api/projects/${P}/source`, body);
	assert.equal(x.status, 404, x.text);
	assert.equal((await as(O).get(`/api/projects/${P}/source`)).status, 404,
	    'neither made one');

	const r = await as(O).put(`/api/projects/${P}/source`, body);
	assert.equal(r.status, 200, r.text);
	const s = r.body;
	assert.equal(s.project_id, P);
	assert.equal(s.git_url, repo.url);
	assert.equal(s.git_ref, 'main');
	assert.equal(s.dockerfile, 'Dockerfile');
	assert.equal(s.context, '.');
	assert.deepEqual(s.build_args, {});
	assert.equal(s.container, 'app');
	assert.equal(s.port, 8080);
	assert.equal(s.health_path, '/');
	assert.equal(s.auto_deploy, true);
	assert.equal(s.has_token, true);
	assert.equal(s.token, undefined, 'the token is write-only');
	assert.ok(!r.text.includes(TOKEN), 'the token is not in the answer');
	// A deploy key may wait until one is asked for (POST deploy-key).
	const key = s.deploy_key_public === null ? null :
	    ed25519Key(s.deploy_key_public);
	assert.equal(typeof s.hook_id, 'string');
	assert.ok(s.hook_id.length >= 16, `a guessable hook id: ${s.hook_id}`);
	assert.ok(!Number.isNaN(Date.parse(s.created_at)));
	assert.ok(!Number.isNaN(Date.parse(s.updated_at)));

	for (const who of [O, D, V]) {
		const g = await as(who).get(`/api/projects/${P}/source`);
		assert.equal(g.status, 200, g.text);
		assert.deepEqual(g.body, s);
		assert.ok(!g.text.includes(TOKEN));
	}
	for (const r2 of [await as(X).get(`/api/projects/${P}/source`),
		await as(X).post(`/api/projects/${P}/source/deploy-key`),
		await as(X).del(`/api/projects/${P}/source`),
		await as(X).get(`/api/projects/${P}/webhook`),
		await as(X).post(`/api/projects/${P}/webhook/rotate`)]) {
		assert.equal(r2.status, 404, r2.text);
		assert.ok(!r2.text.includes(s.hook_id));
	}
	for (const r2 of [await as(V).post(`/api/projects/${P}/source/deploy-key`),
		await as(V).del(`/api/projects/${P}/source`),
		await as(V).post(`/api/projects/${P}/webhook/rotate`)])
		assert.equal(r2.status, 403, r2.text);

	// A deploy key is made on request; a new one replaces the old one.
	const k = await as(O).post(`/api/projects/${P}/source/deploy-key`);
	assert.equal(k.status, 200, k.text);
	const k1 = ed25519Key(k.body.deploy_key_public);
	assert.notEqual(k1, key);
	assert.equal((await as(O).get(`/api/projects/${P}/source`)).body
	    .deploy_key_public, k.body.deploy_key_public);
	const k2 = await as(O).post(`/api/projects/${P}/source/deploy-key`);
	assert.equal(k2.status, 200, k2.text);
	assert.notEqual(ed25519Key(k2.body.deploy_key_public), k1);
	assert.equal((await as(V).get(`/api/projects/${P}/source`)).body
	    .deploy_key_public, k2.body.deploy_key_public);
	assert.ok(!/PRIVATE KEY/.test(k2.text), 'only the public half');

	// Removed, then set again without a token for the suites below.
	const del = await as(O).del(`/api/projects/${P}/source`);
	assert.equal(del.status, 204, del.text);
	assert.equal(del.text, '');
	assert.equal((await as(O).get(`/api/projects/${P}/source`)).status, 404);
	assert.equal((await as(O).get(`/api/projects/${P}/webhook`)).status, 404);
	const again = await as(O).put(`/api/projects/${P}/source`, {
		git_url: repo.url, port: 8080, health_path: '/' });
	assert.equal(again.status, 200, again.text);
	assert.equal(again.body.has_token, false);
});

test('a private repository builds with the source token, not without it, '
    + 'and the token shows nowhere', async () => {
	const P2 = await newProject(T, O);
	const P3 = await newProject(T, O);
	const s2 = await as(O).put(`/api/projects/${P2}/source`, {
		git_url: prepo.url, token: TOKEN, port: 8080, auto_deploy: false });
	assert.equal(s2.status, 200, s2.text);
	assert.equal(s2.body.has_token, true);
	const s3 = await as(O).put(`/api/projects/${P3}/source`, {
		git_url: prepo.url, port: 8080, auto_deploy: false });
	assert.equal(s3.status, 200, s3.text);
	assert.equal(s3.body.has_token, false);

	const with_ = await as(O).post('/api/builds', { project_id: P2 });
	assert.equal(with_.status, 202, with_.text);
	const without = await as(O).post('/api/builds', { project_id: P3 });
	assert.equal(without.status, 202, without.text);
	const ok = await settled(with_.body.id);
	const okLog = (await as(O).get(`/api/builds/${ok.id}/logs`)).text;
	assert.equal(ok.status, 'succeeded', `${ok.error}\n${okLog}`);
	assert.equal(ok.commit, await prepo.head());
	const no = await settled(without.body.id);
	assert.equal(no.status, 'failed', 'no token, no clone');
	assert.ok(no.error, 'with the reason');
	assert.ok(gsp.requests.some((q) => q.authorized && q.method === 'POST'),
	    'the repository was read with the token');
	// The token is in no answer.
	for (const path of [`/api/builds/${ok.id}`, `/api/builds/${ok.id}/logs`,
		`/api/builds/${no.id}`, `/api/builds/${no.id}/logs`,
		`/api/builds?project_id=${P2}`, `/api/projects/${P2}/source`]) {
		const r = await as(O).get(path);
		assert.equal(r.status, 200, `${path}: ${r.text}`);
		assert.ok(!r.text.includes(TOKEN), `${path} shows the token`);
	}
});

// --- the webhook ---------------------------------------------------------------

test('each project has a hook id, a secret and the URLs to give each '
    + 'provider; the secret rotates', async () => {
	const src = (await as(O).get(`/api/projects/${P}/source`)).body;
	const r = await as(O).get(`/api/projects/${P}/webhook`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.hook_id, src.hook_id);
	assert.equal(typeof r.body.secret, 'string');
	assert.ok(r.body.secret.length >= 16, 'a secret worth its name');
	for (const provider of ['github', 'gitlab', 'bitbucket', 'generic']) {
		const u = r.body.urls?.[provider];
		assert.equal(typeof u, 'string', JSON.stringify(r.body.urls));
		assert.ok(u.endsWith(`/api/webhooks/${provider}/${src.hook_id}`), u);
	}
	const rot = await as(O).post(`/api/projects/${P}/webhook/rotate`);
	assert.equal(rot.status, 200, rot.text);
	assert.equal(rot.body.hook_id, src.hook_id);
	assert.notEqual(rot.body.secret, r.body.secret);
	assert.deepEqual(rot.body.urls, r.body.urls);
	const now = await as(O).get(`/api/projects/${P}/webhook`);
	assert.equal(now.body.secret, rot.body.secret);
	oldSecret = r.body.secret;
	hook = now.body;
	// Another project's hook is another.
	const P4 = await newProject(T, O);
	assert.equal((await as(O).put(`/api/projects/${P4}/source`, {
		git_url: repo.url })).status, 200);
	const other = (await as(O).get(`/api/projects/${P4}/webhook`)).body;
	assert.notEqual(other.hook_id, hook.hook_id);
	assert.notEqual(other.secret, hook.secret);
});

test('GitHub: a push without a valid signature is refused and nothing runs; '
    + 'a signed one builds the pushed commit and deploys it', async () => {
	assert.ok(hook, 'the webhook of the test before');
	const sha = await repo.update(appFiles(`hooked-2-${NONCE}`), 'second');
	const body = ghPush(sha);
	const before_ = (await buildsOf(P)).length;
	const raw = JSON.stringify(body);
	for (const [opts, what] of [
		[{ secret: null }, 'unsigned'],
		[{ secret: oldSecret }, 'signed with the rotated-out secret'],
		[{ secret: 'not the secret' }, 'signed with another secret'],
		[{ signature: sig(hook.secret, raw + ' ') }, 'signature of another body'],
		[{ signature: sig(hook.secret, raw).replace('sha256=', 'sha1=') },
		    'the wrong algorithm'],
		[{ signature: 'sha256=' }, 'an empty signature'],
		[{ signature: 'sha256=zz' }, 'not hex'],
		[{ signature: hook.secret }, 'the secret itself'],
	]) {
		const r = await github(body, opts);
		assert.equal(r.status, 401, `${what}: ${r.text}`);
		assert.ok(!r.text.includes(hook.secret));
	}
	// A changed body under the right signature of the original.
	const tampered = JSON.stringify({ ...body, after: '0'.repeat(40) });
	const t = await deliver('github', hook.hook_id, {
		'x-github-event': 'push', 'x-github-delivery': randomUUID(),
		'x-hub-signature-256': sig(hook.secret, raw) }, tampered);
	assert.equal(t.status, 401, t.text);
	assert.equal((await buildsOf(P)).length, before_, 'no build from any');

	const delivery = randomUUID();
	const r = await github(body, { delivery });
	assert.equal(r.status, 202, r.text);
	assert.match(r.body.build_id, /^[0-9a-f-]{36}$/);
	const b = await getBuild(r.body.build_id);
	assert.equal(b.project_id, P);
	assert.equal(b.trigger, 'webhook');
	assert.equal(b.deploy, true);
	assert.equal(b.git_ref, sha, 'the pushed commit, not the branch');
	assert.equal(b.git_url, repo.url);
	assert.equal((await buildsOf(P)).length, before_ + 1);
	pushed = { sha, delivery, build: b.id };

	const end = await settled(b.id);
	const log = (await as(O).get(`/api/builds/${b.id}/logs`)).text;
	assert.equal(end.status, 'succeeded', `${end.error}\n${log}`);
	assert.equal(end.commit, sha);
	assert.ok(end.deployment_id, 'the build deployed');
	const dep = await until(async () => {
		const d = await as(O).get(`/api/deployments/${end.deployment_id}`);
		assert.equal(d.status, 200, d.text);
		return ['succeeded', 'failed'].includes(d.body.status) ? d.body :
		    null;
	}, 'the deployment to end', 180000, 250);
	assert.equal(dep.status, 'succeeded', dep.error);
	assert.equal(dep.build_id, b.id);
	assert.equal(dep.image, end.image);
	assert.equal(dep.hostname, `app-${P.slice(0, 8)}.localhost`);
	const served = await until(async () => {
		const s = await site(dep.hostname);
		return s.status === 200 && s.body.includes('hooked-2') ? s : null;
	}, 'the pushed version to serve', 30000, 200);
	assert.equal(served.body.trim(), `hooked-2-${NONCE}`);
	await until(() => eventsOf(b.id, 'build.completed')[0],
	    'build.completed', 15000);
	await until(() => eventsOf(dep.id, 'deployment.succeeded')[0],
	    'deployment.succeeded', 15000);
});

test('GitHub: pings, other events, other branches and redeliveries are '
    + 'answered without a build; an unknown hook is 404', async () => {
	assert.ok(pushed, 'the push of the test before');
	const count = (await buildsOf(P)).length;
	const ping = await github({ zen: 'Keep it logically awesome.',
		hook_id: 1 }, { event: 'ping' });
	assert.equal(ping.status, 200, ping.text);
	const issue = await github({ action: 'opened' }, { event: 'issues' });
	assert.equal(issue.status, 200, issue.text);
	const sha = await repo.update(appFiles(`other-${NONCE}`), 'other', 'other');
	for (const ref of ['refs/heads/other', 'refs/tags/v1', 'refs/heads/main2']) {
		const r = await github(ghPush(sha, ref));
		assert.equal(r.status, 200, `${ref}: ${r.text}`);
		assert.equal(typeof r.body.ignored, 'string', r.text);
	}
	// The same delivery again: the build it made, not a new one.
	const dup = await github(ghPush(pushed.sha), { delivery: pushed.delivery });
	assert.equal(dup.status, 200, dup.text);
	assert.equal(dup.body.duplicate, true);
	assert.equal(dup.body.build_id, pushed.build);
	// An unsigned copy of a known delivery is still refused.
	const forged = await github(ghPush(pushed.sha), { secret: null,
		delivery: pushed.delivery });
	assert.equal(forged.status, 401, forged.text);
	for (const id of [`nope${randomBytes(12).toString('hex')}`,
		hook.hook_id.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))]) {
		const r = await github(ghPush(pushed.sha), { id });
		assert.equal(r.status, 404, `${id}: ${r.text}`);
	}
	const bad = await deliver('github', hook.hook_id, {
		'x-github-event': 'push', 'x-github-delivery': randomUUID(),
		'x-hub-signature-256': sig(hook.secret, '{not json') }, '{not json');
	assert.ok(bad.status === 400 || bad.status === 422, bad.text);
	await sleep(300);
	assert.equal((await buildsOf(P)).length, count, 'no build from any');
});

test('GitLab, Bitbucket and the generic hook build the pushed commit with '
    + 'their own credentials, and refuse without them', async () => {
	assert.ok(hook, 'the webhook of the tests before');
	const made_ = [];
	const check = async (r, sha, what) => {
		assert.equal(r.status, 202, `${what}: ${r.text}`);
		const b = await getBuild(r.body.build_id);
		assert.equal(b.project_id, P, what);
		assert.equal(b.trigger, 'webhook', what);
		assert.equal(b.deploy, true, what);
		assert.equal(b.git_ref, sha, what);
		made_.push(b.id);
		return b;
	};

	// GitLab: the secret as a token.
	let sha = await repo.update(appFiles(`gitlab-${NONCE}`), 'gitlab');
	const glBody = { object_kind: 'push', ref: 'refs/heads/main',
		before: '0'.repeat(40), after: sha, checkout_sha: sha,
		project: { git_http_url: repo.url } };
	const gl = (token, extra = {}, body = glBody) => deliver('gitlab',
	    hook.hook_id, { 'x-gitlab-event': 'Push Hook',
		'x-gitlab-event-uuid': randomUUID(),
		...(token === null ? {} : { 'x-gitlab-token': token }), ...extra },
	    body);
	let count = (await buildsOf(P)).length;
	for (const token of [null, oldSecret, 'wrong', `${hook.secret}x`,
		hook.secret.slice(0, -1)]) {
		const r = await gl(token);
		assert.equal(r.status, 401, `gitlab ${token}: ${r.text}`);
	}
	assert.equal((await buildsOf(P)).length, count);
	const glOther = await gl(hook.secret, {}, { ...glBody,
		ref: 'refs/heads/other' });
	assert.equal(glOther.status, 200, glOther.text);
	assert.equal(typeof glOther.body.ignored, 'string');
	const glTag = await gl(hook.secret, { 'x-gitlab-event': 'Tag Push Hook' },
	    { ...glBody, ref: 'refs/tags/v1' });
	assert.equal(glTag.status, 200, glTag.text);
	const glUuid = randomUUID();
	const glOk = await gl(hook.secret, { 'x-gitlab-event-uuid': glUuid });
	const glBuild = await check(glOk, sha, 'gitlab');
	const glDup = await gl(hook.secret, { 'x-gitlab-event-uuid': glUuid });
	assert.equal(glDup.status, 200, glDup.text);
	assert.equal(glDup.body.duplicate, true);
	assert.equal(glDup.body.build_id, glBuild.id);

	// Bitbucket: an HMAC of the body.
	sha = await repo.update(appFiles(`bitbucket-${NONCE}`), 'bitbucket');
	const bbBody = (name, type = 'branch') => ({ push: { changes: [{
		new: { type, name, target: { type: 'commit', hash: sha } },
		old: null }] }, repository: { full_name: 'openpanel/app' } });
	const bb = (body, secret = hook.secret, extra = {}) => {
		const raw = JSON.stringify(body);
		return deliver('bitbucket', hook.hook_id, {
			'x-event-key': 'repo:push', 'x-request-uuid': randomUUID(),
			...(secret === null ? {} : { 'x-hub-signature':
			    sig(secret, raw) }), ...extra }, raw);
	};
	count = (await buildsOf(P)).length;
	for (const secret of [null, oldSecret, 'wrong']) {
		const r = await bb(bbBody('main'), secret);
		assert.equal(r.status, 401, `bitbucket ${secret}: ${r.text}`);
	}
	assert.equal((await buildsOf(P)).length, count);
	const bbOther = await bb(bbBody('other'));
	assert.equal(bbOther.status, 200, bbOther.text);
	assert.equal(typeof bbOther.body.ignored, 'string');
	const bbTag = await bb(bbBody('main', 'tag'));
	assert.equal(bbTag.status, 200, bbTag.text);
	const bbUuid = randomUUID();
	const bbBuild = await check(await bb(bbBody('main'), hook.secret,
	    { 'x-request-uuid': bbUuid }), sha, 'bitbucket');
	const bbDup = await bb(bbBody('main'), hook.secret,
	    { 'x-request-uuid': bbUuid });
	assert.equal(bbDup.status, 200, bbDup.text);
	assert.equal(bbDup.body.duplicate, true);
	assert.equal(bbDup.body.build_id, bbBuild.id);

	// Generic: an HMAC in X-OpenPanel-Signature.
	sha = await repo.update(appFiles(`generic-${NONCE}`), 'generic');
	const gen = (body, secret = hook.secret, extra = {}) => {
		const raw = JSON.stringify(body);
		return deliver('generic', hook.hook_id, {
			...(secret === null ? {} : { 'x-openpanel-signature':
			    sig(secret, raw) }), ...extra }, raw);
	};
	count = (await buildsOf(P)).length;
	for (const secret of [null, oldSecret, 'wrong']) {
		const r = await gen({ ref: 'main', commit: sha }, secret);
		assert.equal(r.status, 401, `generic ${secret}: ${r.text}`);
	}
	assert.equal((await buildsOf(P)).length, count);
	const genOther = await gen({ ref: 'other', commit: sha });
	assert.equal(genOther.status, 200, genOther.text);
	assert.equal(typeof genOther.body.ignored, 'string');
	const genId = `delivery-${NONCE}`;
	const genBuild = await check(await gen({ ref: 'refs/heads/main',
		commit: sha }, hook.secret, { 'x-openpanel-delivery': genId }), sha,
	'generic');
	const genDup = await gen({ ref: 'refs/heads/main', commit: sha },
	    hook.secret, { 'x-openpanel-delivery': genId });
	assert.equal(genDup.status, 200, genDup.text);
	assert.equal(genDup.body.duplicate, true);
	assert.equal(genDup.body.build_id, genBuild.id);
	// Without a commit: the branch's tip is built.
	const tip = await gen({ ref: 'main' });
	assert.equal(tip.status, 202, tip.text);
	made_.push(tip.body.build_id);

	// Each ends: built, or superseded by the newer push; never failed.
	const ends = [];
	for (const id of made_) ends.push(await settled(id));
	for (const e of ends)
		assert.ok(['succeeded', 'cancelled'].includes(e.status),
		    `${e.id}: ${e.status} ${e.error}`);
	const last = ends[ends.length - 1];
	assert.equal(last.status, 'succeeded', last.error);
	assert.equal(last.commit, sha, 'the tip of main');
});
