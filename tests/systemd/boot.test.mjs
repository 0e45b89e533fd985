// boot.test.mjs — the panel installed under systemd (tests/systemd/boot.sh
// boots it), driven from outside as a client would, through its gateway
// on port 80: the first admin with the one-time setup token, a team, a
// project, a container on this machine's engine and its log line, and the
// trail of it all, the metrics, and a backup of the panel. The auth
// subrequest, the projects pool and worker, Redis events, the audit
// consumer, op-monitor and the backups worker all take part.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { api, ADMIN, login, setupToken, unique } from
    '../integration/lib/client.mjs';
import { until } from '../integration/lib/fixtures.mjs';

const IMAGE = 'openpanel-test/busybox:1';
let tok, team, project, container;

const as = (method, path, body) => api(method, path, { token: tok, body });

after(async () => {
	if (container)
		await as('DELETE', `/api/containers/${container}`);
});

test('the setup token makes the first admin, once', async () => {
	const body = { ...ADMIN, setup_token: setupToken() };
	const r = await api('POST', '/api/auth/setup', { body });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.is_admin, true);
	const again = await api('POST', '/api/auth/setup', { body });
	assert.equal(again.status, 409, again.text);
	tok = (await login(ADMIN.email, ADMIN.password)).access_token;
});

test('a team and a project are made; without a session, a 401',
    async () => {
	const t = await as('POST', '/api/teams', { name: 'kept team' });
	assert.equal(t.status, 201, t.text);
	team = t.body.id;
	const name = unique('boot');
	const p = await as('POST', '/api/projects', { team_id: team, name });
	assert.equal(p.status, 201, p.text);
	project = p.body.id;
	writeFileSync(`${process.env.OP_DATA_DIR}/project-name`, name);
	const anon = await api('GET', `/api/projects/${project}`);
	assert.equal(anon.status, 401, anon.text);
});

test('a container runs on the engine and its log line is read back',
    async () => {
	const marker = unique('booted');
	const c = await as('POST', '/api/containers', { project_id: project,
		name: 'hello', image: IMAGE, command: ['sh', '-c',
		`echo ${marker}; exec sleep 600`] });
	assert.equal(c.status, 201, c.text);
	container = c.body.id;
	await until(async () => {
		const r = await as('GET', `/api/containers/${container}`);
		return r.body?.state === 'running';
	}, 'the container running');
	await until(async () => {
		const r = await as('GET', `/api/containers/${container}/logs`);
		return r.status === 200 && r.text.includes(marker);
	}, 'its log line');
});

test('the audit trail holds every step, in an intact chain', async () => {
	const want = ['user.created', 'team.created', 'project.created',
		'container.created'];
	await until(async () => {
		const r = await as('GET', '/api/audit/logs?limit=100');
		const seen = new Set((r.body?.items ?? []).map((e) => e.action));
		return want.every((a) => seen.has(a));
	}, `audit entries ${want}`);
	const v = await as('GET', '/api/audit/verify');
	assert.equal(v.status, 200, v.text);
	assert.equal(v.body.ok, true, v.text);
});

test('the metrics show the host and every pool\'s requests', async () => {
	const r = await as('GET', '/api/metrics');
	assert.equal(r.status, 200, r.text);
	assert.match(r.text, /^openpanel_host_cpus \d+$/m);
	assert.match(r.text, /^openpanel_host_disk_bytes\{kind="free"\} \d+/m);
	for (const s of ['auth', 'projects', 'audit', 'monitor'])
		assert.match(r.text, new RegExp(
		    `^openpanel_http_requests_total\\{service="${s}",`, 'm'), s);
});

// The panel backed up before an upgrade (docs/install.md, step 5): an
// instance admin's encrypted panel backup to a local target, in the
// directory the installed configuration allows. boot.sh then rebuilds the
// panel from it as docs/backups.md says; a team made after the backup
// must not come back.
test('an encrypted panel backup completes, with the master key in it',
    async () => {
	const st = await as('POST', '/api/storage', { team_id: team,
		type: 'local', path: '/var/lib/openpanel-backups/boot' });
	assert.equal(st.status, 201, st.text);
	const b = await as('POST', '/api/backups', { storage_id: st.body.id,
		kind: 'panel', encrypt: true });
	assert.equal(b.status, 202, b.text);
	let done;
	await until(async () => {
		done = (await as('GET', `/api/backups/${b.body.id}`)).body;
		return ['completed', 'failed'].includes(done?.status);
	}, 'the panel backup', 60000);
	assert.equal(done.status, 'completed', JSON.stringify(done));
	assert.match(done.log, /key keys\/secret\.key included/);
	const later = await as('POST', '/api/teams', { name: 'later team' });
	assert.equal(later.status, 201, later.text);
	writeFileSync(`${process.env.OP_DATA_DIR}/panel-backup`,
	    `/var/lib/openpanel-backups/boot/${done.object_key}\n`);
});
