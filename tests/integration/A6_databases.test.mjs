// One-click databases and templates: a database reaches healthy, another
// container of the project connects to it by name with the revealed
// credentials; a template deploys its containers through the same checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, newUser, unique, errorCode } from './lib/client.mjs';
import { readEvents, until } from './lib/fixtures.mjs';

let admin, team, project, dev;

before(async () => {
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('db team') } })).body.id;
	project = (await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('db') } })).body.id;
	dev = await newUser(admin);
	const inv = await api('POST', `/api/teams/${team}/invitations`,
	    { token: admin, body: { email: dev.email, role: 'developer' } });
	await api('POST', `/api/invitations/${inv.body.token}/accept`,
	    { token: dev.token });
});

after(async () => {
	if (project)
		await api('DELETE', `/api/projects/${project}?volumes=true`,
		    { token: admin });
});

test('bad database requests change nothing', async () => {
	for (const [body, field] of [
		[{ project_id: project, name: 'x', engine: 'oracle' }, 'engine'],
		[{ project_id: project, name: 'Bad_Name', engine: 'redis' }, 'name'],
		[{ project_id: project, name: 'x', engine: 'redis',
		    version: '-1' }, 'version'],
		[{ project_id: project, name: 'x', engine: 'redis',
		    image: 'UPPER' }, 'image'],
	]) {
		const r = await api('POST', '/api/databases', { token: admin,
			body });
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field);
	}
	const list = await api('GET', `/api/databases?project_id=${project}`,
	    { token: admin });
	assert.deepEqual(list.body.items, []);
});

test('a database becomes healthy; its credentials are revealed only to '
    + 'those who manage secrets, and every reveal is an event', async () => {
	const r = await api('POST', '/api/databases', { token: dev.token,
		body: { project_id: project, name: 'cache', engine: 'redis',
		    image: 'openpanel-test/redis:7' } });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.engine, 'redis');
	assert.equal(r.body.connection.host, 'cache');
	assert.equal(r.body.connection.port, 6379);
	assert.ok(!JSON.stringify(r.body).match(/password"\s*:/));
	const id = r.body.id;
	await until(async () => (await api('GET', `/api/databases/${id}`,
	    { token: dev.token })).body.health === 'healthy', 'healthy', 60000);
	// The password is sealed: neither the container's env nor the
	// database answer shows it.
	const env = await api('GET', `/api/containers/${r.body.container_id}/env`,
	    { token: admin });
	assert.ok(env.body.items.every((e) => e.value === null || !e.secret));
	const denied = await api('POST', `/api/databases/${id}/reveal`,
	    { token: dev.token });
	assert.equal(denied.status, 403);
	const shown = await api('POST', `/api/databases/${id}/reveal`,
	    { token: admin });
	assert.equal(shown.status, 200, shown.text);
	assert.ok(shown.body.password.length >= 24);
	assert.match(shown.body.url, /^redis:\/\/default:.+@cache:6379\/0$/);
	await until(() => readEvents(500).find((e) =>
	    e.type === 'database.credentials_revealed' &&
	    e.event.subject?.id === id), 'the reveal event', 15000);

	// Another container of the project reaches it by name.
	const client = await api('POST', '/api/containers', { token: dev.token,
		body: { project_id: project, name: 'client',
		    image: 'openpanel-test/redis:7', restart: 'no',
		    env: { PW: shown.body.password },
		    command: ['sh', '-c', 'redis-cli -h cache -a "$PW" ' +
			'--no-auth-warning set k from-client && redis-cli -h cache' +
			' -a "$PW" --no-auth-warning get k; sleep 300'] } });
	assert.equal(client.status, 201, client.text);
	await until(async () => (await api('GET',
	    `/api/containers/${client.body.id}/logs`, { token: dev.token }))
	    .text.includes('stdout from-client'), 'the client to connect');

	// Its container goes with it, not on its own.
	const alone = await api('DELETE', `/api/containers/${r.body.container_id}`,
	    { token: admin });
	assert.equal(alone.status, 409);
	assert.equal(errorCode(alone), 'is_database');
	const del = await api('DELETE', `/api/databases/${id}?volumes=true`,
	    { token: admin });
	assert.equal(del.status, 204);
	const gone = await api('GET', `/api/containers/${r.body.container_id}`,
	    { token: admin });
	assert.equal(gone.status, 404);
});

test('templates: listed, deployed through the same checks, secrets sealed',
    async () => {
	const list = await api('GET', '/api/templates', { token: dev.token });
	assert.equal(list.status, 200);
	const t = list.body.items.find((x) => x.id === 'static-site');
	assert.ok(t, 'the test template is listed');
	const missing = await api('GET', '/api/templates/no-such', { token:
	    dev.token });
	assert.equal(missing.status, 404);
	const unknown = await api('POST', '/api/templates/static-site/deploy',
	    { token: dev.token, body: { project_id: project,
		values: { NOPE: 'x' } } });
	assert.equal(unknown.status, 400);
	const r = await api('POST', '/api/templates/static-site/deploy',
	    { token: dev.token, body: { project_id: project,
		values: { GREETING: 'templated hello' } } });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.containers.length, 1);
	const c = r.body.containers[0];
	assert.equal(c.name, 'site');
	const port = c.published.find((p) => p.container === 8080).host;
	await until(async () => {
		try {
			return (await (await fetch(`http://127.0.0.1:${port}/`))
			    .text()).includes('templated hello');
		} catch { return false; }
	}, 'the site to serve the value');
	const env = await api('GET', `/api/containers/${c.id}/env`,
	    { token: dev.token });
	const token = env.body.items.find((e) => e.key === 'TOKEN');
	assert.equal(token.secret, true);
	assert.equal(token.value, null);
	// A second deploy into the same project clashes on the name, and
	// leaves nothing new behind.
	const again = await api('POST', '/api/templates/static-site/deploy',
	    { token: dev.token, body: { project_id: project } });
	assert.equal(again.status, 409);
	const all = await api('GET', `/api/containers?project_id=${project}`,
	    { token: dev.token });
	assert.equal(all.body.items.filter((x) => x.name === 'site').length, 1);
});

test('a PostgreSQL database named pg-… starts: its role is not one of '
    + 'the names PostgreSQL reserves', async () => {
	const r = await api('POST', '/api/databases', { token: admin,
		body: { project_id: project, name: 'pg-main', engine: 'postgresql',
		    image: 'openpanel-test/postgres:15' } });
	assert.equal(r.status, 201, r.text);
	const id = r.body.id;
	await until(async () => (await api('GET', `/api/databases/${id}`,
	    { token: admin })).body.health === 'healthy', 'healthy', 90000);
	const shown = await api('POST', `/api/databases/${id}/reveal`,
	    { token: admin });
	assert.equal(shown.status, 200, shown.text);
	assert.equal(shown.body.database, 'pg_main');
	assert.equal(shown.body.username, 'u_pg_main');
	assert.match(shown.body.url,
	    /^postgresql:\/\/u_pg_main:.+@pg-main:5432\/pg_main$/);
	const del = await api('DELETE', `/api/databases/${id}?volumes=true`,
	    { token: admin });
	assert.equal(del.status, 204);
});
