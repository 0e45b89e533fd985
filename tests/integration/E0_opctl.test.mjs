// opctl, the command-line client, run as a person or a script would run
// the built binary, with a HOME of its own, against the real stack: it
// signs in (a password on stdin, the second factor, an API token) and
// keeps the session 0600; it creates and lists projects (--json parsed);
// it links a project to a git repository and deploys it with --follow,
// reading the build's output live to the deployment's success; it shows
// the app's container logs, kept and live; the audit trail shows what it
// did; and its exit status says what went wrong (a bad token, an unknown
// project, a bad command line, an unreachable panel, a failed build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from
    'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, addr, adminToken, unique, BASE, DATA } from
    './lib/client.mjs';
import { newUsers, newTeam, until, totp, steadyStep } from
    './lib/fixtures.mjs';
import { engine, removeProjectObjects } from './lib/docker.mjs';
import { HTTPS_PORT } from './lib/gateway.mjs';
import { startGitServer, appFiles } from './lib/git.mjs';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(TOP, process.env.OP_BUILD ?? 'build', 'bin', 'opctl');
const IP = addr();
const NONCE = randomBytes(6).toString('hex');
const HOME = mkdtempSync('/tmp/opctl-e0-');
const CONFIG = join(HOME, '.config', 'openpanel', 'config');

let admin, O, T, P, PNAME, gs, repo, storage;
const images = new Set();

// Run opctl with args: {code, stdout, stderr}. It runs in a session of
// its own (no controlling terminal, as under cron or CI), with HOME ours
// and nothing of the caller's OPENPANEL_* unless env says so.
function opctl(args, { env = {}, input = '', ms = 300000, onStdout } = {}) {
	return new Promise((resolve, reject) => {
		const e = { PATH: process.env.PATH, HOME, ...env };
		const child = spawn(BIN, args, { env: e, detached: true,
			stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '', stderr = '';
		child.stdout.setEncoding('utf8');
		child.stderr.setEncoding('utf8');
		child.stdout.on('data', (d) => {
			stdout += d;
			onStdout?.(stdout, child);
		});
		child.stderr.on('data', (d) => { stderr += d; });
		const timer = setTimeout(() => child.kill('SIGKILL'), ms);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({ code, signal, stdout, stderr });
		});
		child.stdin.end(input);
	});
}
const ok = (r, what) => assert.equal(r.code, 0,
    `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
const json = (r) => JSON.parse(r.stdout);
const session = () => {
	const c = {};
	for (const line of readFileSync(CONFIG, 'utf8').split('\n')) {
		const m = /^(\w+) = (.*)$/.exec(line);
		if (m) c[m[1]] = m[2];
	}
	return c;
};

before(async () => {
	admin = await adminToken();
	[O] = await newUsers(admin, 1);
	T = await newTeam(O.token, unique('opctl'), IP);
	gs = await startGitServer();
	repo = await gs.createRepo(unique('opctl'));
	// The app says it started, then ticks every second: log lines to read.
	// A slow step, so that the build is still running when its first
	// lines are read.
	await repo.update(appFiles(`opctl-${NONCE}`, { steps: [
		`RUN echo "slow ${NONCE}" && sleep 2`], cmd: ['sh', '-c',
		`echo started-${NONCE}; (while true; do echo tick-${NONCE};` +
		' sleep 1; done) & httpd -f -p 8080 -h /www & ' +
		'trap "kill $!; exit 0" TERM; wait'] }), 'the app');
});

after(async () => {
	if (P) {
		await until(async () => {
			const r = await api('GET', `/api/deployments?project_id=${P}`,
			    { token: admin, ip: IP });
			return !(r.body?.items ?? []).some((d) =>
				['queued', 'running'].includes(d.status));
		}, 'deployments to end', 120000, 500).catch(() => {});
		const r = await api('GET', `/api/builds?project_id=${P}&limit=100`,
		    { token: admin, ip: IP });
		for (const b of r.body?.items ?? [])
			if (b.image) images.add(b.image);
		await api('DELETE', `/api/projects/${P}/source`, { token: admin,
			ip: IP });
		await api('DELETE', `/api/projects/${P}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(P);
	}
	for (const i of images)
		await engine('DELETE', `/images/${encodeURI(i)}?force=true`);
	if (storage)
		await api('DELETE', `/api/storage/${storage}`, { token: admin,
			ip: IP });
	await gs?.close();
	rmSync(HOME, { recursive: true, force: true });
});

// --- hostile first ---------------------------------------------------------

test('exit statuses: usage 2, not signed in or a bad token 3, unknown 1, '
    + 'unreachable 4', async () => {
	for (const args of [[], ['--bogus'], ['projects'], ['projects', 'frob'],
		['projects', 'show'], ['projects', 'list', '--nope'],
		['containers', 'logs', 'x', '--tail', 'many'],
		['login', '--email']]) {
		const r = await opctl(['--url', BASE, ...args]);
		assert.equal(r.code, 2, `${args.join(' ')}: ${r.code} ${r.stderr}`);
		assert.match(r.stderr, /usage: opctl|--tail: a number/);
	}
	const none = await opctl(['--url', BASE, 'projects', 'list']);
	assert.equal(none.code, 3, none.stderr);
	assert.match(none.stderr, /not signed in/);
	const bad = await opctl(['projects', 'list'], { env: {
		OPENPANEL_URL: BASE, OPENPANEL_TOKEN: `opk_${'x'.repeat(40)}` } });
	assert.equal(bad.code, 3, bad.stderr);
	assert.match(bad.stderr, /unauthenticated; HTTP 401/);
	assert.doesNotMatch(bad.stderr + bad.stdout, /opk_x/, 'no token shown');
	const away = await opctl(['--url', 'http://127.0.0.1:1', 'projects',
		'list'], { env: { OPENPANEL_TOKEN: 'opk_whatever' } });
	assert.equal(away.code, 4, away.stderr);
	assert.match(away.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/);
	// A password from a pipe is never asked on a terminal there is not.
	const noTty = await opctl(['--url', BASE, 'login', '--email', O.email]);
	assert.equal(noTty.code, 2, noTty.stderr);
	assert.match(noTty.stderr, /--password-stdin/);
	const wrong = await opctl(['--url', BASE, 'login', '--email', O.email,
		'--password-stdin'], { input: 'not the password\n' });
	assert.equal(wrong.code, 3, wrong.stderr);
	assert.match(wrong.stderr, /invalid_credentials/);
	assert.throws(() => statSync(CONFIG), /ENOENT/, 'nothing saved');
});

// --- signing in ----------------------------------------------------------------

test('login keeps the session in ~/.config/openpanel/config, mode 0600',
    async () => {
	const r = await opctl(['--url', BASE, 'login', '--email', O.email,
		'--password-stdin'], { input: `${O.password}\n` });
	ok(r, 'login');
	assert.match(r.stderr, new RegExp(`signed in to .* as ${O.email}`));
	assert.equal(statSync(CONFIG).mode & 0o777, 0o600);
	assert.equal(statSync(dirname(CONFIG)).mode & 0o777, 0o700);
	const c = session();
	assert.equal(c.url, BASE);
	assert.match(c.refresh_token, /^opr_/);
	assert.ok(c.access_token.length > 20);
	assert.ok(!r.stdout.includes(c.access_token) &&
	    !r.stderr.includes(c.access_token), 'the token is never shown');
	const me = await opctl(['--json', 'whoami']);
	ok(me, 'whoami');
	assert.equal(json(me).email, O.email);
	assert.equal(json(me).auth.kind, 'session');
	// XDG_CONFIG_HOME wins over HOME.
	const xdg = mkdtempSync('/tmp/opctl-e0-xdg-');
	try {
		const x = await opctl(['--url', BASE, 'login', '--email', O.email,
			'--password-stdin'], { input: `${O.password}\n`,
			env: { XDG_CONFIG_HOME: xdg } });
		ok(x, 'login with XDG_CONFIG_HOME');
		assert.equal(statSync(join(xdg, 'openpanel', 'config')).mode &
		    0o777, 0o600);
	} finally {
		rmSync(xdg, { recursive: true, force: true });
	}
});

test('an expired access token is renewed once with the refresh token',
    async () => {
	const before = session();
	// A spent access token: the panel says 401; opctl renews and goes on.
	writeFileSync(CONFIG, readFileSync(CONFIG, 'utf8').replace(
	    before.access_token, `${before.access_token.slice(0, -4)}AAAA`),
	{ mode: 0o600 });
	const r = await opctl(['--json', 'whoami']);
	ok(r, 'whoami after renewal');
	const now = session();
	assert.notEqual(now.refresh_token, before.refresh_token, 'rotated');
	assert.notEqual(now.access_token, before.access_token);
	// (Presenting the spent refresh token again would end the session:
	// the panel's own suite proves that.)
	const again = await opctl(['--json', 'whoami']);
	ok(again, 'whoami with the renewed token');
	assert.equal(session().refresh_token, now.refresh_token,
	    'a good access token is not renewed');
});

test('a second factor: --totp, and none given without a terminal is exit 3',
    async () => {
	const [U] = await newUsers(admin, 1);
	const s = await api('POST', '/api/auth/totp/setup', { token: U.token,
		ip: IP });
	assert.equal(s.status, 200, s.text);
	const en = await api('POST', '/api/auth/totp/enable', { token: U.token,
		ip: IP, body: { code: totp(s.body.secret, await steadyStep()) } });
	assert.equal(en.status, 200, en.text);
	const home = mkdtempSync('/tmp/opctl-e0-2fa-');
	try {
		const env = { HOME: home, OPENPANEL_URL: BASE };
		const no = await opctl(['login', '--email', U.email,
			'--password-stdin'], { input: `${U.password}\n`, env });
		assert.equal(no.code, 3, no.stderr);
		assert.match(no.stderr, /--totp CODE/);
		// A recovery code is a second factor too, and never expires.
		const yes = await opctl(['login', '--email', U.email,
			'--password-stdin', '--totp', en.body.recovery_codes[0]],
		{ input: `${U.password}\n`, env });
		ok(yes, 'login with the second factor');
		const me = await opctl(['--json', 'whoami'], { env });
		ok(me, 'whoami');
		assert.equal(json(me).totp_enabled, true);
	} finally {
		rmSync(home, { recursive: true, force: true });
	}
});

test('an API token from stdin, or OPENPANEL_TOKEN; TLS checked, OPENPANEL_CA',
    async () => {
	const t = await api('POST', '/api/tokens', { token: O.token, ip: IP,
		body: { name: unique('cli'), scope: 'read' } });
	assert.equal(t.status, 201, t.text);
	const home = mkdtempSync('/tmp/opctl-e0-tok-');
	try {
		const r = await opctl(['--url', BASE, 'login', '--token-stdin'],
		    { input: `${t.body.token}\n`, env: { HOME: home } });
		ok(r, 'login --token-stdin');
		assert.ok(!(r.stdout + r.stderr).includes(t.body.token));
		const me = await opctl(['--json', 'whoami'], { env: { HOME: home } });
		ok(me, 'whoami');
		assert.equal(json(me).auth.kind, 'api_token');
		// A read token may not write: the API's 403, exit 1.
		const w = await opctl(['projects', 'create', unique('ro')],
		    { env: { HOME: home } });
		assert.equal(w.code, 1, w.stderr);
		assert.match(w.stderr, /read_only_token; HTTP 403/);
		const env = await opctl(['--json', 'whoami'], { env: {
			OPENPANEL_URL: BASE, OPENPANEL_TOKEN: t.body.token } });
		ok(env, 'whoami with OPENPANEL_TOKEN');
		assert.equal(json(env).email, O.email);
		// Over TLS the panel's certificate is checked: the gateway's own
		// self-signed one is trusted only when named (OPENPANEL_CA).
		const tls = { OPENPANEL_URL: `https://127.0.0.1:${HTTPS_PORT}`,
			OPENPANEL_TOKEN: t.body.token };
		const untrusted = await opctl(['whoami'], { env: tls });
		assert.equal(untrusted.code, 4, untrusted.stderr);
		assert.match(untrusted.stderr, /certificate.*OPENPANEL_CA/);
		const trusted = await opctl(['--json', 'whoami'], { env: { ...tls,
			OPENPANEL_CA: join(DATA, 'keys', 'gateway.crt') } });
		ok(trusted, 'whoami over https with OPENPANEL_CA');
		assert.equal(json(trusted).email, O.email);
	} finally {
		rmSync(home, { recursive: true, force: true });
	}
});

// --- projects --------------------------------------------------------------------

test('projects create, list (--json and a table), show by name', async () => {
	PNAME = unique('cli');
	const c = await opctl(['--json', 'projects', 'create', PNAME,
		'--description', 'made by opctl']);
	ok(c, 'projects create');
	P = json(c).id;
	assert.equal(json(c).team_id, T, 'the only team, by default');
	const list = await opctl(['--json', 'projects', 'list']);
	ok(list, 'projects list --json');
	const items = json(list).items;
	assert.deepEqual(items.map((p) => p.id), [P]);
	assert.equal(items[0].description, 'made by opctl');
	assert.equal(json(list).next, null);
	const table = await opctl(['projects', 'list']);
	ok(table, 'projects list');
	const [head, row] = table.stdout.trim().split('\n');
	assert.match(head, /^ID\s+NAME\s+CONTAINERS\s+CREATED\s+DESCRIPTION$/);
	assert.match(row, new RegExp(`^${P}\\s+${PNAME}\\s+0\\s+`));
	const show = await opctl(['projects', 'show', PNAME]);
	ok(show, 'projects show NAME');
	assert.match(show.stdout, new RegExp(`^Id:\\s+${P}$`, 'm'));
	const dup = await opctl(['projects', 'create', PNAME]);
	assert.equal(dup.code, 1);
	assert.match(dup.stderr, /name_taken, field name; HTTP 409, request /);
	const missing = await opctl(['projects', 'show',
		'00000000-0000-4000-8000-000000000000']);
	assert.equal(missing.code, 1);
	assert.match(missing.stderr, /not_found; HTTP 404/);
	const noName = await opctl(['projects', 'show', 'no-such-project']);
	assert.equal(noName.code, 1);
	assert.match(noName.stderr, /no project named "no-such-project"/);
});

// --- deploying ---------------------------------------------------------------------

test('deploy --follow: the build\'s output live, then the deployment, to '
    + 'success', async () => {
	const s = await opctl(['source', 'set', PNAME, gs.url(repo.name),
		'--port', '8080', '--health-path', '/', '--no-auto-deploy']);
	ok(s, 'source set');
	assert.match(s.stdout, /^Repository:\s+http:\/\/127\.0\.0\.1:\d+\//m);
	let firstStep = null;		// when the first build step was read
	const d = await opctl(['deploy', PNAME, '--follow'], {
		onStdout: (out) => {
			if (firstStep === null && /^Step 1\/\d+ : FROM/m.test(out))
				firstStep = new Date();
		} });
	ok(d, 'deploy --follow');
	const lines = d.stdout.split('\n');
	assert.match(lines[0], /^build [0-9a-f-]{36} queued$/);
	const bid = lines[0].split(' ')[1];
	const b = (await api('GET', `/api/builds/${bid}`, { token: O.token,
		ip: IP })).body;
	assert.ok(firstStep < new Date(b.finished_at),
	    'the build\'s lines were read while it ran (live)');
	// Every line of the build's log in order (blank ones aside: the
	// stream may not carry an empty message).
	const shown = lines.filter((l) => l !== '');
	const log = (await api('GET', `/api/builds/${bid}/logs`,
	    { token: O.token, ip: IP })).text.split('\n').filter((l) => l !== '');
	const start = shown.indexOf(log[0]);
	assert.ok(start > 0, 'the log\'s first line was shown');
	assert.deepEqual(shown.slice(start, start + log.length), log);
	assert.match(d.stdout, /^build \S+ succeeded: op-/m);
	assert.match(d.stdout, /^deployment [0-9a-f-]{36}: succeeded$/m);
	assert.match(d.stdout, /^deployed op-\S+ to app at app-/m);
	const deps = await opctl(['--json', 'deployments', 'list', '--project',
		PNAME]);
	ok(deps, 'deployments list');
	assert.equal(json(deps).items.length, 1);
	assert.equal(json(deps).items[0].status, 'succeeded');
	const builds = await opctl(['builds', 'list', '--project', P]);
	ok(builds, 'builds list');
	assert.match(builds.stdout, new RegExp(`^${bid}\\s+succeeded\\s+main\\s`,
	    'm'));
});

test('a build that fails is exit 5, with its error', async () => {
	const r = await opctl(['deploy', PNAME, '--ref', 'no-such-branch',
		'--follow']);
	assert.equal(r.code, 5, `${r.stdout}\n${r.stderr}`);
	assert.match(r.stderr, /build [0-9a-f-]{36} failed: /);
	const j = await opctl(['--json', 'builds', 'list', '--project', PNAME,
		'--status', 'failed']);
	ok(j, 'builds list --status failed');
	assert.equal(json(j).items.length, 1);
	assert.equal(json(j).items[0].git_ref, 'no-such-branch');
});

// --- containers ------------------------------------------------------------------

test('containers list, show, logs, and logs --follow live', async () => {
	const list = await opctl(['--json', 'containers', 'list', '--project',
		PNAME]);
	ok(list, 'containers list');
	const app = json(list).items.find((c) => c.name === 'app');
	assert.ok(app, 'the deployed container');
	assert.equal(app.state, 'running');
	const kept = await opctl(['containers', 'logs', app.id, '--tail',
		'1000']);
	ok(kept, 'containers logs');
	assert.match(kept.stdout, new RegExp(`^\\S+Z stdout started-${NONCE}$`,
	    'm'));
	// Live: --tail 1 prints one kept line, then only what the stream
	// brings, each later than the line before.
	let live = null;
	const f = await opctl(['containers', 'logs', app.id, '--tail', '1',
		'--follow'], { ms: 60000, onStdout: (out, child) => {
		const got = out.split('\n').filter((l) => l !== '');
		if (live === null && got.length >= 3 && out.endsWith('\n')) {
			live = got;
			process.kill(-child.pid, 'SIGTERM');
		}
	} });
	assert.ok(live, `live lines: ${f.stdout}\n${f.stderr}`);
	assert.equal(f.signal, 'SIGTERM', 'followed until stopped');
	for (let i = 1; i < live.length; i++) {
		const [t0] = live[i - 1].split(' '), [t1, stream, text] =
		    live[i].split(' ');
		assert.ok(Date.parse(t1) > Date.parse(t0), `in order: ${live.join(' | ')}`);
		assert.equal(stream, 'stdout');
		assert.equal(text, `tick-${NONCE}`);
	}
	const stop = await opctl(['containers', 'stop', 'app']);
	ok(stop, 'containers stop by name');
	assert.match(stop.stdout, /^app: (exited|stopped)$/m);
	const start = await opctl(['--json', 'containers', 'start', app.id]);
	ok(start, 'containers start');
	assert.equal(json(start).state, 'running');
});

test('deploy --image and deployments rollback, followed (--json)',
    async () => {
	const b = await opctl(['--json', 'builds', 'list', '--project', PNAME,
		'--status', 'succeeded']);
	ok(b, 'builds list');
	const image = json(b).items[0].image;
	const d = await opctl(['--json', 'deploy', PNAME, '--image', image,
		'--follow']);
	ok(d, 'deploy --image --follow');
	const dep = json(d);
	assert.equal(dep.status, 'succeeded');
	assert.equal(dep.image, image);
	assert.match(d.stderr, /^deployment \S+ queued$/m);
	const r = await opctl(['--json', 'deployments', 'rollback', dep.id,
		'--follow']);
	ok(r, 'deployments rollback --follow');
	assert.equal(json(r).kind, 'rollback');
	assert.equal(json(r).rollback_of, dep.id);
	assert.equal(json(r).status, 'succeeded');
	const show = await opctl(['--json', 'deployments', 'show', dep.id]);
	ok(show, 'deployments show');
	assert.equal(json(show).status, 'rolled_back');
	const again = await opctl(['deployments', 'rollback', dep.id]);
	assert.equal(again.code, 1, again.stderr);
	assert.match(again.stderr, /not_deployed; HTTP 409/);
});

test('backups create (a volume, as a job) and list', async () => {
	const st = await api('POST', '/api/storage', { token: admin, ip: IP,
		body: { team_id: T, type: 'local', path: `${DATA}/backups/${T}` } });
	assert.equal(st.status, 201, st.text);
	storage = st.body.id;
	const f = await api('POST', '/api/containers', { token: O.token, ip: IP,
		body: { project_id: P, name: 'files', image: 'openpanel-test/busybox:1',
			command: ['sh', '-c', 'echo kept > /data/a.txt; sleep 100000'],
			volumes: [{ name: 'files', path: '/data' }] } });
	assert.equal(f.status, 201, f.text);
	const none = await opctl(['backups', 'list']);
	ok(none, 'backups list');
	assert.equal(none.stdout, '(none)\n');
	const usage = await opctl(['backups', 'create', '--container', 'files']);
	assert.equal(usage.code, 2, usage.stderr);
	const c = await opctl(['--json', 'backups', 'create', '--storage',
		storage, '--container', 'files', '--volume', 'files']);
	ok(c, 'backups create');
	const b = json(c);
	assert.equal(b.kind, 'volume');
	assert.equal(b.container_id, f.body.id);
	const done = await until(async () => {
		const l = await opctl(['--json', 'backups', 'list', '--team', T]);
		ok(l, 'backups list --json');
		const x = json(l).items.find((i) => i.id === b.id);
		return ['completed', 'failed'].includes(x?.status) && x;
	}, 'the backup to end', 120000, 500);
	assert.equal(done.status, 'completed', JSON.stringify(done));
	const table = await opctl(['backups', 'list']);
	ok(table, 'backups list (table)');
	assert.match(table.stdout, new RegExp(`^${b.id}\\s+completed\\s+volume` +
	    `\\s+${f.body.id}\\s+files\\s+\\d`, 'm'));
});

test('backups create --panel: an admin backs up the panel itself, encrypted',
    async () => {
	const both = await opctl(['backups', 'create', '--storage', storage,
		'--container', 'files', '--panel']);
	assert.equal(both.code, 2, both.stderr);
	const member = await opctl(['backups', 'create', '--storage', storage,
		'--panel']);
	assert.equal(member.code, 1, member.stderr);
	assert.match(member.stderr, /admin/);
	const c = await opctl(['--json', 'backups', 'create', '--storage',
		storage, '--panel', '--encrypt'], { env: { OPENPANEL_TOKEN: admin } });
	ok(c, 'backups create --panel');
	const b = json(c);
	assert.equal(b.kind, 'panel');
	const done = await until(async () => {
		const g = await api('GET', `/api/backups/${b.id}`, { token: admin,
			ip: IP });
		return ['completed', 'failed'].includes(g.body?.status) && g.body;
	}, 'the panel backup to end', 120000, 500);
	assert.equal(done.status, 'completed', JSON.stringify(done));
});

// --- the audit trail ---------------------------------------------------------------

test('audit list shows what opctl did, with filters', async () => {
	const want = ['project.created', 'project.source_updated',
		'build.queued', 'deployment.succeeded'];
	const entries = await until(async () => {
		const r = await opctl(['--json', 'audit', 'list', '--team', T,
			'--limit', '200']);
		ok(r, 'audit list');
		const items = json(r).items;
		return want.every((a) => items.some((e) => e.action === a)) &&
		    items;
	}, 'the actions in the trail', 30000, 500);
	const created = entries.find((e) => e.action === 'project.created');
	assert.equal(created.subject.id, P);
	assert.equal(created.actor.user_id, O.id);
	const only = await opctl(['--json', 'audit', 'list', '--team', T,
		'--action', 'project.', '--subject-id', P]);
	ok(only, 'audit list --action --subject-id');
	assert.ok(json(only).items.length >= 2);
	assert.ok(json(only).items.every((e) => e.action.startsWith('project.')
	    && e.subject.id === P));
	const table = await opctl(['audit', 'list', '--team', T, '--action',
		'project.created']);
	ok(table, 'audit list (table)');
	assert.match(table.stdout, /^SEQ\s+TIME\s+ACTION\s+OUTCOME/);
	assert.match(table.stdout, new RegExp(`project\\.created\\s+success\\s+` +
	    `project\\s+${P}`));
	const bad = await opctl(['audit', 'list', '--outcome', 'maybe']);
	assert.equal(bad.code, 1, bad.stderr);
	assert.match(bad.stderr, /HTTP 422/);
});

// --- signing out ---------------------------------------------------------------------

test('projects delete, then logout ends the session', async () => {
	const bl = await api('GET', `/api/builds?project_id=${P}&limit=100`,
	    { token: admin, ip: IP });
	for (const x of bl.body?.items ?? [])
		if (x.image) images.add(x.image);
	const r = await opctl(['projects', 'delete', PNAME, '--volumes']);
	ok(r, 'projects delete');
	assert.equal((await api('GET', `/api/projects/${P}`, { token: admin,
		ip: IP })).status, 404);
	await removeProjectObjects(P);
	P = null;
	const before = session();
	const out = await opctl(['logout']);
	ok(out, 'logout');
	const c = session();
	assert.equal(c.url, BASE, 'the panel is remembered');
	assert.equal(c.access_token, undefined);
	assert.equal(c.refresh_token, undefined);
	const refresh = await api('POST', '/api/auth/refresh', { ip: IP,
		body: { refresh_token: before.refresh_token } });
	assert.equal(refresh.status, 401, 'the session ended on the panel');
	const after = await opctl(['projects', 'list']);
	assert.equal(after.code, 3, after.stderr);
});
