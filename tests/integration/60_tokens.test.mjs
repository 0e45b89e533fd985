// API tokens: minted from a session, shown once, scoped read or write,
// optionally expiring, revoked at once.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, newTeam, sleep } from './lib/fixtures.mjs';

const IP = addr();
let admin, u, v;

before(async () => {
	admin = await adminToken();
	[u, v] = await newUsers(admin, 2);
});

const as = (token) => ({
	get: (p) => api('GET', p, { token, ip: IP }),
	post: (p, body) => api('POST', p, { token, ip: IP, body }),
	put: (p, body) => api('PUT', p, { token, ip: IP, body }),
	patch: (p, body) => api('PATCH', p, { token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token, ip: IP }),
});
async function mint(who, body) {
	const r = await as(who.token ?? who).post('/api/tokens', body);
	assert.equal(r.status, 201, r.text);
	return r.body;
}
const iso = (ms) => new Date(Date.now() + ms).toISOString();

// --- hostile first ---------------------------------------------------------

test('minting validates name, scope and expiry', async () => {
	for (const [body, status, code] of [
		[{ name: 'x' }, 422, 'missing_field'],
		[{ scope: 'read' }, 422, 'missing_field'],
		[{ name: 'x', scope: 'admin' }, 422, 'invalid_scope'],
		[{ name: 'x', scope: 'READ' }, 422, 'invalid_scope'],
		[{ name: '', scope: 'read' }, 422, 'invalid_length'],
		[{ name: 'a\u001bb', scope: 'read' }, 422, 'invalid_name'],
		[{ name: 'x', scope: 'read', expires_at: '2001-01-01T00:00:00Z' },
		    422, 'invalid_expires_at'],
		[{ name: 'x', scope: 'read', expires_at: iso(-60e3) }, 422,
		    'invalid_expires_at'],
		[{ name: 'x', scope: 'read', expires_at: 'tomorrow at noon ok' },
		    422, 'invalid_length'],
		[{ name: 'x', scope: 'read', expires_at: '2099-02-30T00:00:00Z' },
		    422, 'invalid_time'],
		[{ name: 'x', scope: 'read', expires_at: '2099-01-01 00:00:00' },
		    422, 'invalid_length'],
		[{ name: 'x', scope: 'read', expires_at: '2099-13-01T00:00:00Z' },
		    422, 'invalid_time'],
		[{ name: 'x', scope: 'read', expires_at: 4102444800 }, 422,
		    'wrong_type'],
		[{ name: 'x', scope: 'read', user_id: v.id }, 400, 'unknown_field'],
		[{ name: 'x', scope: 'read', token: 'opk_mine' }, 400,
		    'unknown_field'],
	]) {
		const r = await as(u.token).post('/api/tokens', body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code, JSON.stringify(body));
		assert.equal(r.body.token, undefined);
	}
	const list = await as(u.token).get('/api/tokens');
	assert.deepEqual(list.body.items, [], 'nothing was minted');
});

test('an expiry is answered as an RFC 3339 time, or refused', async () => {
	const [w] = await newUsers(admin, 1);
	const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
	for (const exp of ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59-23:59',
		'9999-12-31T12:00:00-12:00', '2099-06-01T12:00:00+14:00',
		'2099-06-01t12:00:00z', '2099-06-01 12:00:00.25Z']) {
		const r = await as(w.token).post('/api/tokens', { name: 'far',
			scope: 'read', expires_at: exp });
		assert.ok(r.status === 201 || r.status === 422, `${exp}: ${r.text}`);
		if (r.status === 422) {
			assert.equal(r.body.error.field, 'expires_at');
			continue;
		}
		assert.match(r.body.expires_at, rfc3339, `${exp} came back as ` +
		    r.body.expires_at);
		assert.equal(Date.parse(r.body.expires_at), Date.parse(exp
		    .replace(' ', 'T').toUpperCase()), exp);
	}
	const list = await as(w.token).get('/api/tokens');
	for (const t of list.body.items)
		assert.match(t.expires_at, rfc3339, 'listed as ' + t.expires_at);
});

test('a read token reads, and every write is 403 read_only_token',
    async () => {
	const ro = (await mint(u, { name: 'reader', scope: 'read' })).token;
	const team = await newTeam(u.token, unique('ro'), IP);
	const t = as(ro);
	assert.equal((await t.get('/api/auth/me')).status, 200);
	assert.equal((await t.get('/api/teams')).status, 200);
	assert.equal((await t.get(`/api/teams/${team}`)).status, 200);
	assert.equal((await t.get('/api/tokens')).status, 200);
	const own = (await t.get('/api/tokens')).body.items[0].id;
	for (const r of [
		await t.post('/api/teams', { name: 'nope' }),
		await t.patch(`/api/teams/${team}`, { name: 'nope' }),
		await t.del(`/api/teams/${team}`),
		await t.del(`/api/teams/${team}/members/${u.id}`),
		await t.post(`/api/teams/${team}/invitations`,
		    { email: v.email, role: 'viewer' }),
		await t.post('/api/tokens', { name: 'more', scope: 'write' }),
		await t.del(`/api/tokens/${own}`),
		await t.post('/api/auth/password', { current_password: u.password,
			new_password: 'read tokens cannot' }),
		await t.post('/api/auth/totp/setup'),
		await t.post('/api/auth/logout'),
		await t.put('/api/settings', { signup_open: true }),
	]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'read_only_token');
	}
	const after = await as(u.token).get(`/api/teams/${team}`);
	assert.equal(after.status, 200, 'the team is still there');
	assert.notEqual(after.body.name, 'nope');
	assert.equal((await t.get('/api/tokens')).body.items.length, 1,
	    'the token is still there, and no new one');
});

test('an API token cannot mint tokens: a session is required', async () => {
	const w = (await mint(u, { name: 'writer', scope: 'write' })).token;
	const r = await as(w).post('/api/tokens', { name: 'child',
		scope: 'write' });
	assert.equal(r.status, 403);
	assert.equal(errorCode(r), 'session_required');
	const list = await as(u.token).get('/api/tokens');
	assert.ok(!list.body.items.some((x) => x.name === 'child'));
	// Nor change the password or second factor of its owner.
	for (const [path, body] of [
		['/api/auth/password', { current_password: u.password,
			new_password: 'locked out by a token' }],
		['/api/auth/totp/setup', undefined],
		['/api/auth/totp/enable', { code: '123456' }],
		['/api/auth/totp/disable', { password: u.password,
			code: '123456' }],
	]) {
		const x = await as(w).post(path, body);
		assert.equal(x.status, 403, `${path}: ${x.text}`);
		assert.equal(errorCode(x), 'session_required', path);
	}
	const l = await api('POST', '/api/auth/login', { ip: addr(),
		body: { email: u.email, password: u.password } });
	assert.equal(l.status, 200, 'the password is unchanged');
	assert.equal(l.body.user.totp_enabled, false);
});

test("another user's token cannot be seen or revoked", async () => {
	const mineT = await mint(u, { name: 'private', scope: 'read' });
	const theirs = await as(v.token).get('/api/tokens');
	assert.ok(!theirs.body.items.some((x) => x.id === mineT.id));
	for (const token of [v.token, admin]) {
		const r = await as(token).del(`/api/tokens/${mineT.id}`);
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
	}
	assert.equal((await as(mineT.token).get('/api/auth/me')).status, 200);
	for (const id of ['nope', '00000000-0000-4000-8000-000000000000']) {
		const r = await as(u.token).del(`/api/tokens/${id}`);
		assert.equal(r.status, 404);
	}
});

test('forged and unknown tokens are 401', async () => {
	const real = (await mint(u, { name: 'real', scope: 'write' })).token;
	for (const bad of ['opk_', 'opk_nothing', real.slice(0, -1),
		real + 'x', real.toUpperCase(), `opk_${'a'.repeat(5000)}`]) {
		const r = await as(bad).get('/api/auth/me');
		assert.equal(r.status, 401, bad.slice(0, 20));
		assert.equal(errorCode(r), 'unauthenticated');
	}
});

test('an expired token is refused', async () => {
	const t = await mint(u, { name: 'brief', scope: 'read',
		expires_at: iso(2000) });
	assert.ok(Date.parse(t.expires_at) > Date.now() - 1000);
	assert.equal((await as(t.token).get('/api/auth/me')).status, 200);
	let r;
	for (let i = 0; i < 60; i++) {		/* it has at most 3 s to live */
		r = await as(t.token).get('/api/auth/me');
		if (r.status !== 200) break;
		await sleep(100);
	}
	assert.equal(r.status, 401);
	assert.equal(errorCode(r), 'unauthenticated');
	// still listed (the owner sees it expired), not usable
	const list = await as(u.token).get('/api/tokens');
	assert.ok(list.body.items.some((x) => x.id === t.id));
});

// --- the happy paths ---------------------------------------------------------

test('mint shows the secret once; the list never does', async () => {
	const exp = '2099-06-01T12:00:00+02:00';
	const t = await mint(u, { name: 'deploy bot', scope: 'write',
		expires_at: exp });
	assert.match(t.id, /^[0-9a-f-]{36}$/);
	assert.match(t.token, /^opk_[\w-]{20,}$/);
	assert.equal(t.name, 'deploy bot');
	assert.equal(t.scope, 'write');
	assert.equal(Date.parse(t.expires_at), Date.parse(exp));
	assert.equal(t.hash, undefined);
	assert.ok(t.token.startsWith(t.prefix ?? 'opk_'));

	const list = await as(u.token).get('/api/tokens');
	assert.equal(list.status, 200);
	const item = list.body.items.find((x) => x.id === t.id);
	assert.equal(item.name, 'deploy bot');
	assert.equal(item.scope, 'write');
	assert.ok(!list.text.includes(t.token), 'no secret in the list');
	for (const x of list.body.items) {
		assert.equal(x.token, undefined);
		assert.equal(x.hash, undefined);
	}
	assert.ok(list.body.items.every((x) => x.id !== undefined));
});

test('a write token works as a bearer everywhere its user may go',
    async () => {
	const t = await mint(u, { name: 'writer2', scope: 'write' });
	const me = await as(t.token).get('/api/auth/me');
	assert.equal(me.body.id, u.id);
	assert.deepEqual(me.body.auth, { kind: 'api_token', scope: 'write' });
	const team = await as(t.token).post('/api/teams', { name: 'by token' });
	assert.equal(team.status, 201);
	assert.equal((await as(t.token).get('/api/users')).status, 403,
	    'no more than its user');
	const at = await mint(admin, { name: 'admin ci', scope: 'write' });
	assert.equal((await as(at.token).get('/api/users')).status, 200);
	assert.equal((await as(admin).del(`/api/tokens/${at.id}`)).status, 204);
	const list = await as(u.token).get('/api/tokens');
	assert.ok(list.body.items.find((x) => x.id === t.id).last_used_at,
	    'use is recorded');
});

test('revoking a token stops it at once', async () => {
	const t = await mint(u, { name: 'short', scope: 'write' });
	assert.equal((await as(t.token).get('/api/auth/me')).status, 200);
	const r = await as(u.token).del(`/api/tokens/${t.id}`);
	assert.equal(r.status, 204, r.text);
	assert.equal((await as(t.token).get('/api/auth/me')).status, 401);
	assert.equal((await as(u.token).del(`/api/tokens/${t.id}`)).status,
	    404);
	const list = await as(u.token).get('/api/tokens');
	assert.ok(!list.body.items.some((x) => x.id === t.id));
	// A write token may revoke itself.
	const s = await mint(u, { name: 'self', scope: 'write' });
	assert.equal((await as(s.token).del(`/api/tokens/${s.id}`)).status, 204);
	assert.equal((await as(s.token).get('/api/auth/me')).status, 401);
});

test('token lists page with limit and after', async () => {
	const [w] = await newUsers(admin, 1);
	const ids = [];
	for (let i = 0; i < 3; i++)
		ids.push((await mint(w, { name: `t${i}`, scope: 'read' })).id);
	const seen = [];
	let after = null;
	do {
		const r = await as(w.token).get(`/api/tokens?limit=2${after ?
		    `&after=${after}` : ''}`);
		assert.equal(r.status, 200);
		seen.push(...r.body.items.map((x) => x.id));
		after = r.body.next;
	} while (after);
	assert.deepEqual(seen, ids);
});
