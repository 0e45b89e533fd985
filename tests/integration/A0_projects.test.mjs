// Projects: a team's projects, who may read, create, change and delete
// them, another team's projects as absent as projects that never were,
// and a project's environment (secrets never answered).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam } from './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';

const IP = addr();
const NOWHERE = '00000000-0000-4000-8000-000000000000';
let admin;
// owner, admin, developer, viewer of team T; X an outsider owning TX.
let O, A, D, V, X, T, TX;
// P: a project of T the tests share; PX: X's project in TX.
let P, PX;
const made = new Set();	// every project id made here, for cleanup

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		put: (p, body) => api('PUT', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const proj = (id = P) => `/api/projects/${id}`;

async function newProject(who, team, name = unique('proj'), extra = {}) {
	const r = await as(who).post('/api/projects', { team_id: team, name,
		...extra });
	assert.equal(r.status, 201, r.text);
	made.add(r.body.id);
	return r.body;
}
async function listIds(who, query = '') {
	const r = await as(who).get(`/api/projects${query}`);
	assert.equal(r.status, 200, r.text);
	return r.body.items.map((p) => p.id);
}
async function envOf(who, id = P) {
	const r = await as(who).get(`${proj(id)}/env`);
	assert.equal(r.status, 200, r.text);
	return Object.fromEntries(r.body.items.map((e) => [e.key, e]));
}

before(async () => {
	admin = await adminToken();
	[O, A, D, V, X] = await newUsers(admin, 5);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, A, 'admin', IP);
	await addMember(T, O.token, D, 'developer', IP);
	await addMember(T, O.token, V, 'viewer', IP);
	P = (await newProject(O, T, unique('shared'), { description: 'd' })).id;
	PX = (await newProject(X, TX, unique('theirs'))).id;
});

after(async () => {
	// Whatever a failed test left: through the API, then the engine.
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ---------------------------------------------------------

test('project fields are validated and nothing is created', async () => {
	const name = unique('v');
	for (const [body, status, code, field] of [
		[{ team_id: T }, 422, 'missing_field', 'name'],
		[{ name }, 422, 'missing_field', 'team_id'],
		[{ team_id: T, name: '' }, 422, 'invalid_length', 'name'],
		[{ team_id: T, name: 'x'.repeat(101) }, 422, 'invalid_length',
		    'name'],
		[{ team_id: T, name: ' padded' }, 422, 'invalid_name', 'name'],
		[{ team_id: T, name: 'new\nline' }, 422, 'invalid_name', 'name'],
		[{ team_id: T, name: 'del\u007f' }, 422, 'invalid_name', 'name'],
		[{ team_id: T, name: 7 }, 422, 'wrong_type', 'name'],
		[{ team_id: T, name: null }, 422, 'wrong_type', 'name'],
		[{ team_id: 'not-a-team', name }, 422, 'invalid_length',
		    'team_id'],
		[{ team_id: T.replace(/-/g, 'x'), name }, 422, 'invalid_team_id',
		    'team_id'],
		[{ team_id: NOWHERE, name }, 422, 'invalid_team_id', 'team_id'],
		[{ team_id: TX, name }, 422, 'invalid_team_id', 'team_id'],
		[{ team_id: T, name, description: 'd'.repeat(2001) }, 422,
		    'invalid_length', 'description'],
		[{ team_id: T, name, description: 'bell\u0007' }, 422,
		    'invalid_description', 'description'],
		[{ team_id: T, name, description: 3 }, 422, 'wrong_type',
		    'description'],
		[{ team_id: T, name, owner: O.id }, 400, 'unknown_field', 'owner'],
		[{ team_id: T, name, id: NOWHERE }, 400, 'unknown_field', 'id'],
	]) {
		const r = await as(O).post('/api/projects', body);
		assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(errorCode(r), code, JSON.stringify(body));
		assert.equal(r.body.error.field, field, JSON.stringify(body));
	}
	for (const [raw, code] of [['"a string"', 'malformed_json'],
		['[]', 'body_not_object'], ['{"name":', 'malformed_json']]) {
		const r = await as(O).post('/api/projects', raw);
		assert.equal(r.status, 400, raw);
		assert.equal(errorCode(r), code, raw);
	}
	const r = await as(O).post('/api/projects');
	assert.equal(r.status, 400, 'no body');
	assert.equal(errorCode(r), 'body_required');
	assert.deepEqual(await listIds(O, `?team_id=${T}`), [P],
	    'nothing was created');
	assert.deepEqual(await listIds(X, `?team_id=${TX}`), [PX],
	    "nothing reached the other team either");
});

test('a duplicate name in a team is 409; the same name elsewhere is fine',
    async () => {
	const name = unique('dup');
	const first = await newProject(O, T, name);
	const again = await as(A).post('/api/projects', { team_id: T, name });
	assert.equal(again.status, 409, again.text);
	assert.equal(errorCode(again), 'name_taken');
	assert.equal(again.body.error.field, 'name');
	// The refused insert left the connection usable: the next call works.
	const other = await newProject(X, TX, name);
	assert.equal(other.name, name);
	const next = await newProject(O, T, unique('after-dup'));
	assert.equal(next.team_id, T);
	// Renaming onto a taken name is a conflict too, and changes nothing.
	const ren = await as(O).put(proj(next.id), { name });
	assert.equal(ren.status, 409, ren.text);
	assert.equal(errorCode(ren), 'name_taken');
	assert.equal((await as(O).get(proj(next.id))).body.name, next.name);
	assert.equal((await as(O).get(proj(first.id))).body.name, name);
	for (const [who, id] of [[O, first.id], [O, next.id], [X, other.id]]) {
		assert.equal((await as(who).del(proj(id))).status, 204);
		made.delete(id);
	}
});

test("another team's project is 404 everywhere and never listed",
    async () => {
	const x = as(X);
	for (const r of [
		await x.get(proj()),
		await x.put(proj(), { name: 'mine now' }),
		await x.del(proj()),
		await x.get(`${proj()}/env`),
		await x.put(`${proj()}/env`, { STOLEN: 'yes' }),
		await x.get(`/api/containers?project_id=${P}`),
		await x.post('/api/containers', { project_id: P, name: 'intruder',
			image: 'openpanel-test/busybox:1' }),
	]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
		assert.ok(!r.text.includes(T), 'the team id does not leak');
	}
	assert.ok(!(await listIds(X)).includes(P));
	assert.deepEqual(await listIds(X, `?team_id=${T}`), [],
	    'filtering by a team one is not in shows nothing');
	assert.ok(!(await listIds(O)).includes(PX));
	for (const r of [await as(O).get(proj(PX)),
		await as(O).put(proj(PX), { name: 'x' }),
		await as(O).del(proj(PX))])
		assert.equal(r.status, 404, r.text);
	// P is untouched.
	const p = await as(O).get(proj());
	assert.equal(p.status, 200);
	assert.notEqual(p.body.name, 'mine now');
	assert.equal((await envOf(O)).STOLEN, undefined);
	assert.equal((await as(X).get(proj(PX))).status, 200);
});

test('malformed and unknown project ids are 404', async () => {
	for (const id of [NOWHERE, 'nope', `${P}0`, P.slice(1), '..',
		'%2e%2e', `${P.slice(0, 35)}g`]) {
		for (const r of [await as(O).get(proj(id)),
			await as(O).put(proj(id), { name: 'x' }),
			await as(O).del(proj(id)),
			await as(O).get(`${proj(id)}/env`)]) {
			assert.equal(r.status, 404, `${id}: ${r.text}`);
			assert.equal(r.headers.get('content-type'), 'application/json');
		}
	}
});

test('a viewer reads projects but creates, changes and deletes nothing',
    async () => {
	const v = as(V);
	assert.equal((await v.get(proj())).status, 200);
	assert.ok((await listIds(V)).includes(P));
	assert.equal((await v.get(`${proj()}/env`)).status, 200);
	const before = (await as(O).get(proj())).body;
	for (const r of [
		await v.post('/api/projects', { team_id: T, name: unique('v') }),
		await v.put(proj(), { name: 'viewer was here' }),
		await v.put(proj(), { description: 'viewer was here' }),
		await v.del(proj()),
		await v.put(`${proj()}/env`, { VIEWER: 'x' }),
	]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'forbidden');
	}
	const now = (await as(O).get(proj())).body;
	assert.equal(now.name, before.name);
	assert.equal(now.description, before.description);
	assert.equal(now.updated_at, before.updated_at);
	assert.deepEqual(await listIds(O, `?team_id=${T}`), [P]);
	assert.equal((await envOf(O)).VIEWER, undefined);
});

test('a developer creates and edits projects but does not delete them',
    async () => {
	const d = as(D);
	const mine = await newProject(D, T, unique('dev'));
	const ed = await d.put(proj(mine.id), { description: 'by a developer' });
	assert.equal(ed.status, 200, ed.text);
	assert.equal(ed.body.description, 'by a developer');
	for (const id of [mine.id, P]) {
		const r = await d.del(proj(id));
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'forbidden');
		assert.equal((await d.get(proj(id))).status, 200, 'still there');
	}
	// A team admin deletes what the developer made.
	const del = await as(A).del(proj(mine.id));
	assert.equal(del.status, 204, del.text);
	assert.equal(del.text, '');
	made.delete(mine.id);
	assert.equal((await d.get(proj(mine.id))).status, 404);
	assert.ok(!(await listIds(D)).includes(mine.id));
});

test('a read-scope API token reads projects and writes nothing', async () => {
	const m = await as(O).post('/api/tokens', { name: unique('ro'),
		scope: 'read' });
	assert.equal(m.status, 201, m.text);
	const t = as(m.body.token);
	assert.equal((await t.get(proj())).status, 200);
	assert.ok((await listIds(m.body.token)).includes(P));
	assert.equal((await t.get(`${proj()}/env`)).status, 200);
	for (const r of [
		await t.post('/api/projects', { team_id: T, name: unique('ro') }),
		await t.put(proj(), { name: 'read only?' }),
		await t.del(proj()),
		await t.put(`${proj()}/env`, { TOKEN: 'x' }),
		await t.post('/api/containers', { project_id: P, name: 'ro',
			image: 'openpanel-test/busybox:1' }),
	]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'read_only_token');
	}
	assert.deepEqual(await listIds(O, `?team_id=${T}`), [P]);
	assert.notEqual((await as(O).get(proj())).body.name, 'read only?');
	assert.equal((await envOf(O)).TOKEN, undefined);
	// Without any token at all: 401.
	const anon = await api('GET', proj(), { ip: IP });
	assert.equal(anon.status, 401);
});

test('project updates are validated', async () => {
	const before = (await as(O).get(proj())).body;
	for (const [body, status, code, field] of [
		[{ name: '' }, 422, 'invalid_length', 'name'],
		[{ name: 'trailing ' }, 422, 'invalid_name', 'name'],
		[{ name: null }, 422, 'wrong_type', 'name'],
		[{ description: 'd'.repeat(2001) }, 422, 'invalid_length',
		    'description'],
		[{ team_id: TX }, 400, 'unknown_field', 'team_id'],
		[{ name: 'ok', id: NOWHERE }, 400, 'unknown_field', 'id'],
	]) {
		const r = await as(O).put(proj(), body);
		assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(errorCode(r), code, JSON.stringify(body));
		assert.equal(r.body.error.field, field);
	}
	const now = (await as(O).get(proj())).body;
	assert.deepEqual(now, before, 'nothing changed');
});

test('list query parameters are validated', async () => {
	for (const [q, status, code] of [
		['?team_id=nope', 422, 'invalid_length'],
		[`?team_id=${NOWHERE.replace(/0/g, 'z')}`, 422, 'invalid_team_id'],
		['?limit=0', 422, 'out_of_range'],
		['?limit=201', 422, 'out_of_range'],
		['?limit=ten', 422, 'out_of_range'],
		['?owner=me', 400, 'unknown_parameter'],
	]) {
		const r = await as(O).get(`/api/projects${q}`);
		assert.equal(r.status, status, `${q}: ${r.text}`);
		assert.equal(errorCode(r), code, q);
	}
});

// --- the ordinary path ---------------------------------------------------

test('create, read, list, update and delete a project', async () => {
	const name = unique('crud');
	const c = await as(O).post('/api/projects', { team_id: T, name,
		description: 'first' });
	assert.equal(c.status, 201, c.text);
	made.add(c.body.id);
	assert.match(c.body.id, /^[0-9a-f-]{36}$/);
	assert.equal(c.body.team_id, T);
	assert.equal(c.body.name, name);
	assert.equal(c.body.description, 'first');
	assert.equal(c.body.container_count, 0);
	assert.ok(c.body.created_at);
	const id = c.body.id;

	const g = await as(V).get(proj(id));
	assert.equal(g.status, 200);
	assert.deepEqual(g.body, c.body);

	// The list has it, for every member, and ?team_id= narrows.
	for (const who of [O, A, D, V])
		assert.ok((await listIds(who)).includes(id));
	assert.deepEqual(await listIds(O, `?team_id=${T}`), [P, id]);
	assert.deepEqual(await listIds(X, `?team_id=${TX}`), [PX]);
	// Pages: limit 1 and next.
	const p1 = await as(O).get(`/api/projects?team_id=${T}&limit=1`);
	assert.equal(p1.body.items.length, 1);
	assert.ok(p1.body.next);
	const p2 = await as(O).get(`/api/projects?team_id=${T}&limit=1` +
	    `&after=${p1.body.next}`);
	assert.deepEqual(p2.body.items.map((p) => p.id), [id]);
	assert.equal(p2.body.next, null);

	const renamed = unique('renamed');
	const u = await as(D).put(proj(id), { name: renamed });
	assert.equal(u.status, 200, u.text);
	assert.equal(u.body.name, renamed);
	assert.equal(u.body.description, 'first', 'untouched when absent');
	assert.ok(u.body.updated_at >= c.body.updated_at);
	const d = await as(O).put(proj(id), { description: null });
	assert.equal(d.status, 200);
	assert.equal(d.body.description, '');
	assert.equal(d.body.name, renamed);
	const noop = await as(O).put(proj(id), {});
	assert.equal(noop.status, 200);
	assert.equal(noop.body.name, renamed);

	const del = await as(O).del(proj(id));
	assert.equal(del.status, 204, del.text);
	made.delete(id);
	assert.equal((await as(O).get(proj(id))).status, 404);
	assert.equal((await as(O).del(proj(id))).status, 404, 'gone is gone');
	assert.ok(!(await listIds(O)).includes(id));
	// The name is free again.
	const again = await newProject(O, T, renamed);
	assert.notEqual(again.id, id);
	assert.equal((await as(O).del(proj(again.id))).status, 204);
	made.delete(again.id);
});

// --- environment -----------------------------------------------------------

test('environment keys and values are validated; a bad entry applies none',
    async () => {
	const before = await envOf(O);
	for (const [body, status, code, field] of [
		[{ '1X': 'v' }, 422, 'invalid_key', '1X'],
		[{ 'A-B': 'v' }, 422, 'invalid_key', 'A-B'],
		[{ 'A B': 'v' }, 422, 'invalid_key', 'A B'],
		[{ '': 'v' }, 422, 'invalid_key', ''],
		[{ ['K'.repeat(129)]: 'v' }, 422, 'invalid_key', 'K'.repeat(64)],
		[{ OK_FIRST: 'v', '9LIVES': 'v' }, 422, 'invalid_key', '9LIVES'],
		[{ NUM: 5 }, 422, 'invalid_value', 'NUM'],
		[{ ARR: ['v'] }, 422, 'invalid_value', 'ARR'],
		[{ BOOL: true }, 422, 'invalid_value', 'BOOL'],
		[{ CTRL: 'a\u0001b' }, 422, 'invalid_value', 'CTRL'],
		[{ BIG: 'v'.repeat(32769) }, 422, 'invalid_value', 'BIG'],
		[{ OBJ: { value: 'v', secret: 'yes' } }, 422, 'invalid_value',
		    'OBJ'],
		[{ OBJ: { value: 'v', secret: false, extra: 1 } }, 422,
		    'invalid_value', 'OBJ'],
		[{ OBJ: { secret: true } }, 422, 'invalid_value', 'OBJ'],
		[{ OBJ: { value: 3 } }, 422, 'invalid_value', 'OBJ'],
		[{ OK_SECOND: 'v', LAST: { value: 'x', sealed: true } }, 422,
		    'invalid_value', 'LAST'],
	]) {
		const r = await as(O).put(`${proj()}/env`, body);
		assert.equal(r.status, status, `${JSON.stringify(body)
		    .slice(0, 80)}: ${r.text}`);
		assert.equal(errorCode(r), code, JSON.stringify(body).slice(0, 80));
		assert.equal(r.body.error.field, field);
	}
	for (const raw of ['["A"]', '"A=1"', '3']) {
		const r = await as(O).put(`${proj()}/env`, raw);
		assert.equal(r.status, 400, raw);
	}
	const many = Object.fromEntries(Array.from({ length: 257 },
	    (_, i) => [`K${i}`, 'v']));
	const tm = await as(O).put(`${proj()}/env`, many);
	assert.equal(tm.status, 422);
	assert.equal(errorCode(tm), 'too_many_variables');
	assert.deepEqual(await envOf(O), before, 'nothing was applied');
});

test('secrets are set by admins only and never answered', async () => {
	const hidden = `s3cr3t-${unique('value')}`;
	// A developer sets plain values but not secrets; a body that mixes
	// them applies nothing.
	const dev = await as(D).put(`${proj()}/env`, { DEV_PLAIN: 'p',
		DEV_SECRET: { value: hidden, secret: true } });
	assert.equal(dev.status, 403, dev.text);
	assert.equal(errorCode(dev), 'forbidden');
	assert.equal((await envOf(O)).DEV_PLAIN, undefined);
	assert.equal((await envOf(O)).DEV_SECRET, undefined);

	const r = await as(A).put(`${proj()}/env`, {
		PLAIN: 'plain value', DB_PASSWORD: { value: hidden, secret: true },
		NOT_SECRET: { value: 'shown', secret: false },
		ALSO_PLAIN: { value: 'shown too' } });
	assert.equal(r.status, 200, r.text);
	assert.ok(!r.text.includes(hidden), 'the secret is not answered');
	const byKey = Object.fromEntries(r.body.items.map((e) => [e.key, e]));
	assert.equal(byKey.PLAIN.value, 'plain value');
	assert.equal(byKey.PLAIN.secret, false);
	assert.equal(byKey.DB_PASSWORD.value, null);
	assert.equal(byKey.DB_PASSWORD.secret, true);
	assert.equal(byKey.NOT_SECRET.value, 'shown');
	assert.equal(byKey.NOT_SECRET.secret, false);
	assert.equal(byKey.ALSO_PLAIN.value, 'shown too');
	assert.deepEqual(r.body.items.map((e) => e.key),
	    [...r.body.items.map((e) => e.key)].sort(), 'sorted by key');
	// Nobody reads it back: not the admin, the owner, nor a viewer.
	for (const who of [A, O, V, D]) {
		const g = await as(who).get(`${proj()}/env`);
		assert.equal(g.status, 200);
		assert.ok(!g.text.includes(hidden));
		const e = g.body.items.find((i) => i.key === 'DB_PASSWORD');
		assert.equal(e.value, null);
		assert.equal(e.secret, true);
	}
	// A developer still changes plain values next to the secret.
	const plain = await as(D).put(`${proj()}/env`, { PLAIN: 'changed' });
	assert.equal(plain.status, 200, plain.text);
	assert.equal((await envOf(O)).PLAIN.value, 'changed');
	assert.equal((await envOf(O)).DB_PASSWORD.secret, true);
});

test('a developer can neither unseal, replace nor delete a secret',
    async () => {
	const hidden = `keep-${unique('secret')}`;
	const s = await as(O).put(`${proj()}/env`, { API_KEY: { value: hidden,
		secret: true } });
	assert.equal(s.status, 200, s.text);
	// Managing a secret takes the secrets permission: turning it into a
	// plain value, or deleting it, is managing it.
	for (const body of [{ API_KEY: 'overwritten' },
		{ API_KEY: { value: 'overwritten', secret: false } },
		{ API_KEY: null }]) {
		const r = await as(D).put(`${proj()}/env`, body);
		assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(errorCode(r), 'forbidden');
	}
	const e = (await envOf(O)).API_KEY;
	assert.ok(e, 'the secret is still there');
	assert.equal(e.secret, true);
	assert.equal(e.value, null);
	// The admin deletes it.
	const del = await as(A).put(`${proj()}/env`, { API_KEY: null });
	assert.equal(del.status, 200, del.text);
	assert.equal((await envOf(O)).API_KEY, undefined);
});

test('environment variables are set, replaced and deleted', async () => {
	const r1 = await as(D).put(`${proj()}/env`, { APP_MODE: 'prod',
		LOG_LEVEL: 'info', EMPTY: '', UNICODE: 'héllo wörld \t tab' });
	assert.equal(r1.status, 200, r1.text);
	let env = await envOf(V);
	assert.equal(env.APP_MODE.value, 'prod');
	assert.equal(env.EMPTY.value, '');
	assert.equal(env.UNICODE.value, 'héllo wörld \t tab');
	const r2 = await as(D).put(`${proj()}/env`, { APP_MODE: 'dev',
		LOG_LEVEL: null, NEVER_SET: null });
	assert.equal(r2.status, 200, r2.text);
	env = await envOf(V);
	assert.equal(env.APP_MODE.value, 'dev');
	assert.equal(env.LOG_LEVEL, undefined);
	assert.equal(env.NEVER_SET, undefined);
	assert.equal(env.EMPTY.value, '', 'keys not named are kept');
	// Another project's environment is its own.
	const other = await newProject(O, T, unique('env-other'));
	assert.deepEqual((await as(O).get(`${proj(other.id)}/env`)).body.items,
	    []);
	assert.equal((await as(O).del(proj(other.id))).status, 204);
	made.delete(other.id);
});

test("deleting a project deletes its environment", async () => {
	const p = await newProject(O, T, unique('env-del'));
	const s = await as(O).put(`${proj(p.id)}/env`, { A: '1',
		S: { value: 'x', secret: true } });
	assert.equal(s.status, 200);
	assert.equal((await as(O).del(proj(p.id))).status, 204);
	made.delete(p.id);
	assert.equal((await as(O).get(`${proj(p.id)}/env`)).status, 404);
	assert.equal((await as(O).put(`${proj(p.id)}/env`, { A: '2' })).status,
	    404);
});
