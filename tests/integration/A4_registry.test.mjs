// Pulls through a private registry with the team's credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, newUser, unique, errorCode } from './lib/client.mjs';
import { startRegistry } from './lib/registry.mjs';

let admin, reg, ref, team, project, dev;

before(async () => {
	admin = await adminToken();
	reg = await startRegistry();
	ref = reg.push('openpanel-test/busybox:1', `${unique('team')}/busybox:1`);
	const t = await api('POST', '/api/teams', { token: admin,
		body: { name: unique('registry team') } });
	team = t.body.id;
	const p = await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('reg') } });
	project = p.body.id;
	dev = await newUser(admin);
	await api('POST', `/api/teams/${team}/invitations`, { token: admin,
		body: { email: dev.email, role: 'developer' } }).then((inv) =>
		api('POST', `/api/invitations/${inv.body.token}/accept`,
		    { token: dev.token }));
});

after(async () => {
	if (project)
		await api('DELETE', `/api/projects/${project}`, { token: admin });
	reg?.stop();
});

const container = (name, image) => ({ project_id: project, name, image,
	command: ['sh', '-c', 'echo pulled; sleep 300'], restart: 'no' });

test('without credentials the pull is refused, clearly, leaving nothing',
    async () => {
	const r = await api('POST', '/api/containers', { token: admin,
		body: container('anon', ref) });
	assert.equal(r.status, 422, r.text);
	assert.equal(errorCode(r), 'image_pull_failed');
	assert.equal(r.body.error.field, 'image');
	const list = await api('GET', `/api/containers?project_id=${project}`,
	    { token: admin });
	assert.equal(list.body.items.length, 0);
});

test('registry credentials: validated, secret, managed by admins only',
    async () => {
	for (const [body, field] of [
		[{ team_id: team, server: 'not a host', username: 'u',
		    password: 'p' }, 'server'],
		[{ team_id: team, server: `${reg.host}:99`, username: 'u',
		    password: 'p' }, 'server'],
		[{ team_id: team, server: reg.host, username: '', password: 'p' },
		    'username'],
		[{ team_id: team, server: reg.host, username: 'u' }, 'password'],
	]) {
		const r = await api('POST', '/api/registries', { token: admin,
			body });
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field);
	}
	const byDev = await api('POST', '/api/registries', { token: dev.token,
		body: { team_id: team, server: reg.host, username: reg.user,
		    password: reg.password } });
	assert.equal(byDev.status, 403);
	const r = await api('POST', '/api/registries', { token: admin,
		body: { team_id: team, server: reg.host, username: reg.user,
		    password: reg.password } });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.password, undefined);
	const again = await api('POST', '/api/registries', { token: admin,
		body: { team_id: team, server: reg.host, username: 'x',
		    password: 'y' } });
	assert.equal(again.status, 409);
	const list = await api('GET', `/api/registries?team_id=${team}`,
	    { token: dev.token });
	assert.equal(list.status, 200);
	assert.equal(list.body.items.length, 1);
	assert.ok(!list.text.includes(reg.password));
	const other = await newUser(admin);
	const hidden = await api('GET', `/api/registries?team_id=${team}`,
	    { token: other.token });
	assert.equal(hidden.status, 404);
});

test('with the team credentials the image is pulled and runs', async () => {
	const r = await api('POST', '/api/containers', { token: dev.token,
		body: container('pulled', ref) });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.image, ref);
	const end = Date.now() + 15000;
	let logs = '';
	while (!logs.includes('pulled') && Date.now() < end) {
		logs = (await api('GET', `/api/containers/${r.body.id}/logs`,
		    { token: dev.token })).text;
		await new Promise((res) => setTimeout(res, 200));
	}
	assert.match(logs, /stdout pulled/);
});
