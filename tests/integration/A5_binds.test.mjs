// Host paths: only inside the allow-list an instance admin sets, with
// links resolved so none leads out of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync,
    chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, adminToken, newUser, unique, errorCode } from './lib/client.mjs';

let admin, dir, team, project;

before(async () => {
	admin = await adminToken();
	dir = mkdtempSync(join(tmpdir(), 'op-binds-'));
	chmodSync(dir, 0o755);
	mkdirSync(join(dir, 'site'));
	writeFileSync(join(dir, 'site', 'index.html'), 'from the host\n');
	symlinkSync('/etc', join(dir, 'escape'));
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('binds') } })).body.id;
	project = (await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('binds') } })).body.id;
});

after(async () => {
	await api('PUT', '/api/settings', { token: admin,
		body: { bind_mount_allowlist: [] } });
	if (project)
		await api('DELETE', `/api/projects/${project}`, { token: admin });
	rmSync(dir, { recursive: true, force: true });
});

const reader = (name, host_path) => ({ project_id: project, name,
	image: 'openpanel-test/busybox:1', restart: 'no',
	command: ['sh', '-c', 'cat /site/index.html; sleep 300'],
	volumes: [{ host_path, path: '/site', read_only: true }] });

test('no host path is allowed until an admin allows one', async () => {
	const r = await api('POST', '/api/containers', { token: admin,
		body: reader('early', join(dir, 'site')) });
	assert.equal(r.status, 422, r.text);
	assert.equal(errorCode(r), 'policy_violation');
	assert.equal(r.body.error.field, 'volumes[0].host_path');
});

test('only instance admins set the allow-list, with clean paths', async () => {
	const user = await newUser(admin);
	const r = await api('PUT', '/api/settings', { token: user.token,
		body: { bind_mount_allowlist: [dir] } });
	assert.equal(r.status, 403);
	for (const bad of [['/'], ['relative'], ['/a/../etc'], [1]]) {
		const b = await api('PUT', '/api/settings', { token: admin,
			body: { bind_mount_allowlist: bad } });
		assert.equal(b.status, 422, JSON.stringify(bad));
		assert.equal(b.body.error.field, 'bind_mount_allowlist');
	}
	const ok = await api('PUT', '/api/settings', { token: admin,
		body: { bind_mount_allowlist: [dir] } });
	assert.equal(ok.status, 200, ok.text);
	assert.deepEqual(ok.body.bind_mount_allowlist, [dir]);
});

test('outside the list, or out through a link: refused', async () => {
	for (const [host, name] of [['/etc', 'etc'], [join(dir, 'escape'), 'link'],
	    [join(dir, 'site', '..', '..'), 'dots']]) {
		const r = await api('POST', '/api/containers', { token: admin,
			body: reader(name, host) });
		assert.equal(r.status, 422, `${host}: ${r.text}`);
		assert.ok(['policy_violation', 'invalid_definition'].includes(
		    errorCode(r)), r.text);
	}
	const list = await api('GET', `/api/containers?project_id=${project}`,
	    { token: admin });
	assert.equal(list.body.items.length, 0);
});

test('inside the list: mounted, read-only as asked', async () => {
	const r = await api('POST', '/api/containers', { token: admin,
		body: reader('site', join(dir, 'site')) });
	assert.equal(r.status, 201, r.text);
	const end = Date.now() + 15000;
	let logs = '';
	while (!logs.includes('from the host') && Date.now() < end) {
		logs = (await api('GET', `/api/containers/${r.body.id}/logs`,
		    { token: admin })).text;
		await new Promise((res) => setTimeout(res, 200));
	}
	assert.match(logs, /stdout from the host/);
});
