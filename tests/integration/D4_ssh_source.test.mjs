// A private repository over SSH with the project's deploy key: this suite
// runs an sshd of its own on loopback (its own host key and
// authorized_keys, nothing of the machine's) in front of a bare
// repository. The deploy key is made on request and only its public half
// is ever answered; until it is authorised a build fails with a reason
// (and so does another project's, whose key is not); once it is, the
// build succeeds at the repository's head, authenticated by that key.
// The server's host key is pinned on first use: a new one on the same
// address fails the next build, saying so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, appendFileSync, readFileSync,
	rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { api, addr, adminToken, unique } from './lib/client.mjs';
import { newUsers, newTeam, until } from './lib/fixtures.mjs';
import { BuildSuite, clientOf } from './lib/builds.mjs';
import { createRepo, appFiles, BASE_IMAGE } from './lib/git.mjs';

const SSHD = '/usr/sbin/sshd';
const IP = addr();
const NONCE = randomBytes(6).toString('hex');	// no engine cache across runs
const suite = new BuildSuite(IP);	// the projects and images made

let admin, O, T;
let dir;			// the suite's temporary directory
let port;			// the sshd's
let sshd;			// the running one: {child, log(), exited}
let repo, sha;			// the bare repository and its head
let url;			// ssh://root@127.0.0.1:<port>/…/app.git
let P, pub;			// the project that builds, and its public key
let pinned;			// P's successful build

const as = (who) => clientOf(who, IP);

// --- the SSH server ------------------------------------------------------

// Run a program with argv: its stdout. Fails with its stderr.
function run(file, args, input) {
	return new Promise((resolve, reject) => {
		const c = execFile(file, args, { timeout: 60000 },
		    (err, stdout, stderr) => {
			if (err) {
				err.message = `${file} ${args.join(' ')}: ${err.message}\n` +
				    stderr;
				reject(err);
			} else {
				resolve(stdout);
			}
		});
		if (input !== undefined) c.stdin.end(input);
	});
}

// A port the OS has free on loopback now.
function osPort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

// Does something accept connections on 127.0.0.1:p?
function listening(p) {
	return new Promise((resolve) => {
		const c = connect({ host: '127.0.0.1', port: p });
		c.once('connect', () => { c.destroy(); resolve(true); });
		c.once('error', () => resolve(false));
		c.setTimeout(5000, () => { c.destroy(); resolve(false); });
	});
}

// A new ed25519 host key: its path.
async function hostKey(name) {
	const key = join(dir, name);
	await run('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C',
		name, '-f', key]);
	return key;
}

// The SHA256 fingerprint of a public key line, as sshd logs it.
async function fingerprint(line) {
	const out = await run('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256',
		'-f', '-'], `${line}\n`);
	const m = /(SHA256:[A-Za-z0-9+/]+)/.exec(out);
	assert.ok(m, `no fingerprint in ${out}`);
	return m[1];
}

// sshd in the foreground with a configuration of its own and host key
// key, on 127.0.0.1:port; ready once it listens.
async function startSshd(key) {
	const conf = join(dir, `sshd_config-${randomBytes(3).toString('hex')}`);
	writeFileSync(conf, [
		`Port ${port}`,
		'ListenAddress 127.0.0.1',
		`HostKey ${key}`,
		'PasswordAuthentication no',
		'KbdInteractiveAuthentication no',
		'PubkeyAuthentication yes',
		`AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
		'StrictModes no',
		`PidFile ${join(dir, 'sshd.pid')}`,
		'PermitRootLogin prohibit-password',
		'UsePAM no',
		'LogLevel VERBOSE',
		'',
	].join('\n'));
	// The privilege separation directory sshd insists on.
	mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
	let text = '';
	const child = spawn(SSHD, ['-D', '-e', '-f', conf],
	    { stdio: ['ignore', 'ignore', 'pipe'] });
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (d) => { text += d; });
	const exited = new Promise((resolve) => child.once('close', resolve));
	child.once('error', (e) => { text += `spawn: ${e.message}\n`; });
	const s = { child, exited, log: () => text };
	await until(async () => {
		if (child.exitCode !== null || child.signalCode !== null)
			throw new Error(`sshd ended: ${text}`);
		if (!text.includes(`Server listening on 127.0.0.1 port ${port}`))
			return false;
		return listening(port);
	}, `sshd to listen on ${port}`, 60000, 100);
	return s;
}

async function stopSshd() {
	if (!sshd) return;
	const s = sshd;
	sshd = null;
	if (s.child.exitCode === null && s.child.signalCode === null) {
		s.child.kill('SIGTERM');
		const t = setTimeout(() => s.child.kill('SIGKILL'), 10000);
		await s.exited;
		clearTimeout(t);
	}
}

// --- builds --------------------------------------------------------------

const newProject = (team, who) => suite.newProject(team, who, 'ssh');

// A project whose source is the SSH repository (a deploy key made when
// key is true): {id, pub}.
async function sshProject(key = true) {
	const id = await newProject(T, O);
	const s = await as(O).put(`/api/projects/${id}/source`, { git_url: url,
		port: 8080, auto_deploy: false });
	assert.equal(s.status, 200, s.text);
	if (!key) return { id, pub: null };
	const k = await as(O).post(`/api/projects/${id}/source/deploy-key`);
	assert.equal(k.status, 200, k.text);
	return { id, pub: k.body.deploy_key_public };
}

async function startBuild(project) {
	const r = await as(O).post('/api/builds', { project_id: project });
	assert.equal(r.status, 202, r.text);
	assert.equal(r.body.git_url, url, 'the source URL');
	return r.body;
}

const settled = (id, ms = 600000) => suite.settled(id, O, ms);

async function logs(id) {
	const r = await as(O).get(`/api/builds/${id}/logs`);
	assert.equal(r.status, 200, r.text);
	return r.text;
}

// A build of project that failed fetching: its final answer and log.
async function failedBuild(project) {
	const b = await settled((await startBuild(project)).id);
	const text = await logs(b.id);
	assert.equal(b.status, 'failed', `${b.error}\n${text}`);
	assert.equal(typeof b.error, 'string', 'with a reason');
	assert.ok(b.error.length > 0, 'with a reason');
	assert.equal(b.image, null, 'no image');
	assert.doesNotMatch(text, /Step 1\//, `it built:\n${text}`);
	assert.ok(text.includes(`fetching ${url} at main`), text);
	return { b, text };
}

// No build of project has succeeded.
async function noneSucceeded(project) {
	const r = await as(O).get(`/api/builds?project_id=${project}&limit=100`);
	assert.equal(r.status, 200, r.text);
	assert.ok(r.body.items.length > 0);
	for (const b of r.body.items)
		assert.notEqual(b.status, 'succeeded', JSON.stringify(b));
}

// The log of a Dockerfile build shows the engine's "Step k/N : ..." for
// each instruction of the Dockerfile, in order.
function assertSteps(text, dockerfile) {
	const ours = dockerfile.split('\n').filter((l) => /^[A-Z]/.test(l));
	const m = /Step 1\/(\d+) : FROM (\S+)/.exec(text);
	assert.ok(m, `no "Step 1/N : FROM" in the log:\n${text}`);
	const n = Number(m[1]);
	assert.equal(m[2], BASE_IMAGE);
	assert.ok(n >= ours.length, `${n} steps for ${ours.length}:\n${text}`);
	for (let k = 1; k <= ours.length; k++)
		assert.ok(text.includes(`Step ${k}/${n} : ${ours[k - 1].split(' ')[0]} `),
		    `step ${k}/${n} is not ${ours[k - 1]}:\n${text}`);
}

// --- setup ---------------------------------------------------------------

let files;

before(async () => {
	admin = await adminToken();
	[O] = await newUsers(admin, 1);
	T = await newTeam(O.token, unique('ssh'), IP);
	dir = mkdtempSync(join(tmpdir(), 'op-sshd-'));
	writeFileSync(join(dir, 'authorized_keys'), '');
	port = await osPort();
	sshd = await startSshd(await hostKey('host_key_1'));
	// The repository on this machine, reached through the sshd.
	mkdirSync(join(dir, 'repos'));
	const name = unique('app');
	url = `ssh://root@127.0.0.1:${port}${join(dir, 'repos', `${name}.git`)}`;
	repo = await createRepo({ root: join(dir, 'repos'), url: () => url },
	    name);
	files = appFiles(`ssh-${NONCE}`, { steps: [`RUN echo built-${NONCE}`] });
	sha = await repo.update(files, 'the app');
});

after(async () => {
	await suite.cleanUp(admin);
	await stopSshd();
	repo?.dispose();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

// --- the key -------------------------------------------------------------

test('a deploy key is made on request and only its public half is ever '
    + 'answered', async () => {
	P = await newProject(T, O);
	const s = await as(O).put(`/api/projects/${P}/source`, { git_url: url,
		port: 8080, auto_deploy: false });
	assert.equal(s.status, 200, s.text);
	assert.equal(s.body.git_url, url, 'an ssh:// URL is a source');
	const k = await as(O).post(`/api/projects/${P}/source/deploy-key`);
	assert.equal(k.status, 200, k.text);
	pub = k.body.deploy_key_public;
	assert.match(pub, /^ssh-ed25519 [A-Za-z0-9+/]+={0,2}( \S+)?$/, pub);
	await fingerprint(pub);		// a key ssh-keygen reads
	const g = await as(O).get(`/api/projects/${P}/source`);
	assert.equal(g.status, 200, g.text);
	assert.equal(g.body.deploy_key_public, pub);
	for (const r of [k, g]) {
		for (const [k2, v] of Object.entries(r.body))
			assert.ok(k2 === 'deploy_key_public' || typeof v !== 'string' ||
			    !/^ssh-|KEY/.test(v), `${k2} holds a key: ${v}`);
		assert.doesNotMatch(r.text, /PRIVATE KEY|openssh-key-v1|b3BlbnNzaC1r/,
		    'a private key in an answer');
		assert.equal(r.body.deploy_key, undefined);
		assert.equal(r.body.deploy_key_private, undefined);
	}
});

// --- builds ----------------------------------------------------------------

test('until its key is authorised a build fails with a reason and nothing '
    + 'succeeds', async () => {
	assert.ok(P, 'the first test made the project');
	const { b, text } = await failedBuild(P);
	assert.match(text, /Permission denied \(publickey\)/,
	    `ssh's refusal is not in the log:\n${text}`);
	assert.equal(b.commit, null, 'no commit was fetched');
	await noneSucceeded(P);
	const fp = await fingerprint(pub);
	assert.ok(!sshd.log().includes(`Accepted publickey for root from ` +
	    `127.0.0.1`), sshd.log());
	assert.ok(sshd.log().includes(fp), `the deploy key was not offered:\n${
	    sshd.log()}`);
});

test('with its key authorised the build succeeds at the head, through '
    + 'that key; another project\'s key and no key at all still fail',
async () => {
	assert.ok(P, 'the first test made the project');
	appendFileSync(join(dir, 'authorized_keys'), `${pub}\n`);
	const fp = await fingerprint(pub);
	const b = await startBuild(P);
	pinned = await settled(b.id);
	const text = await logs(b.id);
	assert.equal(pinned.status, 'succeeded', `${pinned.error}\n${text}`);
	assert.equal(pinned.commit, sha, 'built at the repository\'s head');
	assert.equal(pinned.commit, await repo.head());
	assert.equal(pinned.error, null);
	assert.ok(pinned.image, 'an image');
	assert.match(text, new RegExp(`commit ${sha}`), text);
	assertSteps(text, files.Dockerfile);
	assert.ok(text.includes(`built-${NONCE}`), `the RUN step's output:\n${
	    text}`);
	assert.ok(sshd.log().split('\n').some((l) =>
	    l.includes('Accepted publickey for root from 127.0.0.1') &&
	    l.includes(fp)), `not accepted with the deploy key:\n${sshd.log()}`);
	assert.doesNotMatch(text, /PRIVATE KEY|openssh-key-v1/);

	// Another project of the same team: its own key, never authorised.
	const other = await sshProject(true);
	assert.notEqual(other.pub, pub, 'a key of its own');
	const seen = sshd.log().length;
	const o = await failedBuild(other.id);
	assert.match(o.text, /Permission denied \(publickey\)/, o.text);
	await noneSucceeded(other.id);
	const ofp = await fingerprint(other.pub);
	const since = sshd.log().slice(seen);
	assert.doesNotMatch(since, /Accepted publickey/, since);
	assert.ok(since.includes(ofp), `its key was not the one offered:\n${
	    since}`);
	assert.ok(!since.includes(fp), `P's key was offered for it:\n${since}`);

	// A project with the SSH URL and no deploy key: fails, and offers
	// the server no key at all (none of the worker's own).
	const keyless = await sshProject(false);
	const g = await as(O).get(`/api/projects/${keyless.id}/source`);
	assert.equal(g.body.deploy_key_public ?? null, null, g.text);
	const seen2 = sshd.log().length;
	await failedBuild(keyless.id);
	await noneSucceeded(keyless.id);
	const since2 = sshd.log().slice(seen2);
	assert.doesNotMatch(since2, /publickey for root/, since2);
});

test('the host key is pinned on first use: a new one on the same address '
    + 'fails the next build', async () => {
	assert.equal(pinned?.status, 'succeeded', 'the previous test built');
	const old = sshd.log();
	await stopSshd();
	sshd = await startSshd(await hostKey('host_key_2'));
	// The same repository and key, a new commit: only the host changed.
	const sha2 = await repo.update({ 'index.html': `ssh-2-${NONCE}\n` },
	    'second');
	assert.notEqual(sha2, sha);
	const { b, text } = await failedBuild(P);
	assert.match(`${text}\n${b.error}`,
	    /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/,
	    `the log does not say the host key changed:\n${text}`);
	assert.notEqual(b.commit, sha2, 'nothing was fetched');
	assert.doesNotMatch(sshd.log(), /Accepted publickey/,
	    `the client went on to authenticate:\n${sshd.log()}`);
	assert.ok(old.includes('Accepted publickey'));
	// The pin holds: a second try fails the same way.
	const again = await failedBuild(P);
	assert.match(again.text, /Host key verification failed/, again.text);
	const r = await as(O).get(`/api/builds?project_id=${P}&limit=100`);
	assert.deepEqual(r.body.items.filter((x) => x.status === 'succeeded')
	    .map((x) => x.id), [pinned.id], 'only the first host built');
});

test('the private key shows in no answer', async () => {
	assert.ok(P, 'the first test made the project');
	const r = await as(O).get(`/api/builds?project_id=${P}&limit=100`);
	assert.equal(r.status, 200, r.text);
	const paths = [`/api/projects/${P}/source`, `/api/projects/${P}`,
		`/api/builds?project_id=${P}&limit=100`,
		...r.body.items.flatMap((b) => [`/api/builds/${b.id}`,
			`/api/builds/${b.id}/logs`])];
	for (const path of paths) {
		const g = await as(O).get(path);
		assert.equal(g.status, 200, `${path}: ${g.text}`);
		assert.doesNotMatch(g.text,
		    /PRIVATE KEY|openssh-key-v1|b3BlbnNzaC1rZXktdjE/,
		    `${path} shows a private key`);
		assert.ok(!/"deploy_key"\s*:/.test(g.text), `${path}: ${g.text}`);
	}
	const s = await as(O).get(`/api/projects/${P}/source`);
	assert.equal(s.body.deploy_key_public, pub, 'the public half only');
});
