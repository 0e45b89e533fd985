// Users: only instance admins manage accounts; validation, conflicts,
// disabling and deleting, and the instance never loses its last admin.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique, ADMIN } from
    './lib/client.mjs';
import { newUsers } from './lib/fixtures.mjs';

const IP = addr();
const PASSWORD = 'a long enough password';
let admin, adminId, plain, plainTok;
// Each test's own user, made up front in parallel (hashing is slow).
const mine = {};

before(async () => {
	admin = await adminToken();
	const names = ['plain', 'renamed', 'disabled', 'repassworded',
		'promoted', 'deleted', 'owner'];
	const users = await newUsers(admin, names.length);
	names.forEach((n, i) => { mine[n] = users[i]; });
	plain = mine.plain;
	const t = await api('POST', '/api/tokens', { token: plain.token, ip: IP,
		body: { name: 'w', scope: 'write' } });
	plainTok = t.body.token;
	adminId = (await api('GET', '/api/auth/me', { token: admin,
		ip: IP })).body.id;
});

const as = (token) => ({
	get: (p) => api('GET', p, { token, ip: IP }),
	post: (p, body) => api('POST', p, { token, ip: IP, body }),
	patch: (p, body) => api('PATCH', p, { token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token, ip: IP }),
});
const email = () => `${unique('acct')}@openpanel.test`;
const signIn = (e, p) => api('POST', '/api/auth/login', { ip: addr(),
	body: { email: e, password: p } });
// Every user, following the pages.
async function allUsers(token) {
	const out = [];
	let after = null;
	do {
		const r = await api('GET', `/api/users?limit=200${after ?
		    `&after=${after}` : ''}`, { token, ip: IP });
		assert.equal(r.status, 200, r.text);
		out.push(...r.body.items);
		after = r.body.next;
	} while (after);
	return out;
}

// --- hostile first ---------------------------------------------------------

test('non-admins get 403 admin_only on every /api/users route', async () => {
	for (const token of [plain.token, plainTok]) {
		const u = as(token);
		for (const r of [
			await u.get('/api/users'),
			await u.post('/api/users', { email: email(), name: 'X',
				password: PASSWORD, is_admin: true }),
			await u.get(`/api/users/${plain.id}`),
			await u.patch(`/api/users/${plain.id}`, { is_admin: true }),
			await u.del(`/api/users/${adminId}`),
		]) {
			assert.equal(r.status, 403, r.text);
			assert.equal(errorCode(r), 'admin_only');
		}
	}
	const me = await as(plain.token).get('/api/auth/me');
	assert.equal(me.body.is_admin, false, 'did not promote itself');
	assert.equal((await as(admin).get(`/api/users/${adminId}`)).status, 200,
	    'the admin is still there');
	const anon = await api('GET', '/api/users', { ip: IP });
	assert.equal(anon.status, 401);
	assert.equal(errorCode(anon), 'unauthenticated');
});

test('create validates every field', async () => {
	const ok = { email: email(), name: 'Valid Name', password: PASSWORD };
	for (const [patch, status, code, field] of [
		[{ email: 'nope' }, 422, 'invalid_email', 'email'],
		[{ email: 'a@b' }, 422, 'invalid_email', 'email'],
		[{ email: 'a b@openpanel.test' }, 422, 'invalid_email', 'email'],
		[{ email: `${'x'.repeat(65)}@openpanel.test` }, 422,
		    'invalid_email', 'email'],
		[{ email: `a@${'x'.repeat(260)}.test` }, 422, 'invalid_length',
		    'email'],
		[{ password: 'short' }, 422, 'invalid_length', 'password'],
		[{ password: 'ten chars \u0001!' }, 422, 'invalid_password',
		    'password'],
		[{ name: '' }, 422, 'invalid_length', 'name'],
		[{ name: ' leading' }, 422, 'invalid_name', 'name'],
		[{ name: 'a\u0000b' }, 400, 'malformed_json', undefined],
		[{ name: 'bell\u0007' }, 422, 'invalid_name', 'name'],
		[{ name: 'c1\u0085' }, 422, 'invalid_name', 'name'],
		[{ name: 'x'.repeat(101) }, 422, 'invalid_length', 'name'],
		[{ name: 7 }, 422, 'wrong_type', 'name'],
		[{ is_admin: 'yes' }, 422, 'wrong_type', 'is_admin'],
		[{ is_admin: null }, 422, 'wrong_type', 'is_admin'],
		[{ email: undefined }, 422, 'missing_field', 'email'],
		[{ password: undefined }, 422, 'missing_field', 'password'],
		[{ role: 'admin' }, 400, 'unknown_field', 'role'],
		[{ password_hash: '$argon2id$' }, 400, 'unknown_field',
		    'password_hash'],
	]) {
		const body = { ...ok, ...patch };
		const r = await as(admin).post('/api/users', body);
		assert.equal(r.status, status, JSON.stringify(patch));
		assert.equal(errorCode(r), code, JSON.stringify(patch));
		assert.equal(r.body.error.field, field, JSON.stringify(patch));
	}
	const login = await signIn(ok.email, ok.password);
	assert.equal(login.status, 401, 'none of these created the account');
});

test('an email is taken whatever its case', async () => {
	const e = email();
	const first = await as(admin).post('/api/users', { email: e,
		name: 'First', password: PASSWORD });
	assert.equal(first.status, 201, first.text);
	for (const dup of [e, e.toUpperCase(), ADMIN.email.toUpperCase()]) {
		const r = await as(admin).post('/api/users', { email: dup,
			name: 'Second', password: PASSWORD });
		assert.equal(r.status, 409, dup);
		assert.equal(errorCode(r), 'email_taken');
		assert.equal(r.body.error.field, 'email');
	}
	const ren = await as(admin).patch(`/api/users/${first.body.id}`,
	    { email: plain.email.toUpperCase() });
	assert.equal(ren.status, 409);
	assert.equal(errorCode(ren), 'email_taken');
	const got = await as(admin).get(`/api/users/${first.body.id}`);
	assert.equal(got.body.email, e, 'unchanged');
	assert.equal(got.body.name, 'First');
});

test('unknown and malformed ids are 404 everywhere', async () => {
	const ids = ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1',
		`${plain.id}x`, plain.id.replaceAll('-', ''),
		"1' OR '1'='1", '%00'];
	for (const id of ids) {
		const p = `/api/users/${encodeURIComponent(id)}`;
		for (const r of [await as(admin).get(p),
			await as(admin).patch(p, { name: 'Nobody' }),
			await as(admin).del(p)]) {
			assert.equal(r.status, 404, `${id}: ${r.text}`);
			assert.equal(errorCode(r), 'not_found');
		}
	}
});

test('update validates its fields', async () => {
	const p = `/api/users/${plain.id}`;
	for (const [body, status, code] of [
		[{ email: 'bad' }, 422, 'invalid_email'],
		[{ name: '' }, 422, 'invalid_length'],
		[{ password: 'short' }, 422, 'invalid_length'],
		[{ disabled: 'true' }, 422, 'wrong_type'],
		[{ is_admin: 1 }, 422, 'wrong_type'],
		[{ id: plain.id }, 400, 'unknown_field'],
		[{ totp_enabled: false }, 400, 'unknown_field'],
		[{ created_at: '2020-01-01T00:00:00Z' }, 400, 'unknown_field'],
	]) {
		const r = await as(admin).patch(p, body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code, JSON.stringify(body));
	}
	const r = await as(admin).get(p);
	assert.equal(r.body.email, plain.email);
	assert.equal(r.body.is_admin, false);
	assert.equal(r.body.disabled, false);
});

test('the last enabled admin cannot be demoted, disabled or deleted',
    async () => {
	const admins = (await allUsers(admin))
	    .filter((u) => u.is_admin && !u.disabled).map((u) => u.email);
	assert.deepEqual(admins, [ADMIN.email],
	    'another suite left an enabled admin behind');
	const self = `/api/users/${adminId}`;
	for (const r of [await as(admin).patch(self, { is_admin: false }),
		await as(admin).patch(self, { disabled: true }),
		await as(admin).patch(self, { is_admin: false, name: 'X' }),
		await as(admin).del(self)]) {
		assert.equal(r.status, 409, r.text);
		assert.equal(errorCode(r), 'last_admin');
	}
	// A disabled admin does not count.
	const b = await as(admin).post('/api/users', { email: email(),
		name: 'Backup', password: PASSWORD, is_admin: true });
	assert.equal(b.status, 201);
	const off = await as(admin).patch(`/api/users/${b.body.id}`,
	    { disabled: true });
	assert.equal(off.status, 200, off.text);
	const still = await as(admin).patch(self, { is_admin: false });
	assert.equal(still.status, 409);
	assert.equal(errorCode(still), 'last_admin');
	const me = await as(admin).get('/api/auth/me');
	assert.equal(me.body.is_admin, true);
	assert.equal(me.body.name, ADMIN.name, 'the refused PATCH changed nothing');
	assert.equal((await as(admin).del(`/api/users/${b.body.id}`)).status,
	    204);
});

// --- the happy paths ---------------------------------------------------------

test('create answers the public view; get and the list agree', async () => {
	const e = email();
	const r = await as(admin).post('/api/users', { email: e.toUpperCase(),
		name: 'Ada Lovelace', password: PASSWORD });
	assert.equal(r.status, 201, r.text);
	const u = r.body;
	assert.match(u.id, /^[0-9a-f-]{36}$/);
	assert.equal(u.email, e, 'stored in lower case');
	assert.equal(u.name, 'Ada Lovelace');
	assert.equal(u.is_admin, false);
	assert.equal(u.disabled, false);
	assert.equal(u.totp_enabled, false);
	assert.ok(u.created_at && u.updated_at);
	for (const k of ['password', 'password_hash', 'totp_secret'])
		assert.equal(u[k], undefined, k);
	const got = await as(admin).get(`/api/users/${u.id}`);
	assert.equal(got.status, 200);
	assert.deepEqual(got.body, u);
	const all = await allUsers(admin);
	assert.deepEqual(all.find((x) => x.id === u.id), u);
	assert.ok(all.every((x) => x.password_hash === undefined));
	assert.equal(new Set(all.map((x) => x.id)).size, all.length,
	    'no user on two pages');
	const l = await signIn(e, PASSWORD);
	assert.equal(l.status, 200, 'the new account signs in');
});

test('the user list pages with limit and after', async () => {
	const first = await as(admin).get('/api/users?limit=1');
	assert.equal(first.status, 200);
	assert.equal(first.body.items.length, 1);
	assert.equal(first.body.next, first.body.items[0].id);
	const second = await as(admin).get(
	    `/api/users?limit=1&after=${first.body.next}`);
	assert.equal(second.body.items.length, 1);
	assert.notEqual(second.body.items[0].id, first.body.items[0].id);
	for (const [q, status] of [['limit=0', 422], ['limit=201', 422],
		['limit=x', 422], ['after=nope', 422], ['sort=email', 400],
		['limit=%zz', 400]]) {
		const r = await as(admin).get(`/api/users?${q}`);
		assert.equal(r.status, status, q);
		assert.ok(errorCode(r), q);
	}
});

test('PATCH renames and re-addresses an account', async () => {
	const u = mine.renamed;
	const e = email();
	const r = await as(admin).patch(`/api/users/${u.id}`, { name: 'Renamed',
		email: e.toUpperCase() });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.name, 'Renamed');
	assert.equal(r.body.email, e);
	assert.equal((await signIn(e, u.password)).status, 200);
	assert.equal((await signIn(u.email, u.password)).status, 401);
	const me = await as(u.token).get('/api/auth/me');
	assert.equal(me.status, 200, 'a rename keeps the sessions');
	assert.equal(me.body.email, e);
});

test('disabling ends sessions and tokens; enabling lets in again',
    async () => {
	const u = mine.disabled;
	const t = await as(u.token).post('/api/tokens', { name: 'ci',
		scope: 'write' });
	assert.equal(t.status, 201);
	const r = await as(admin).patch(`/api/users/${u.id}`,
	    { disabled: true });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.disabled, true);
	for (const token of [u.token, t.body.token]) {
		const m = await as(token).get('/api/auth/me');
		assert.equal(m.status, 401, 'the account is off');
	}
	const rf = await api('POST', '/api/auth/refresh', { ip: addr(),
		body: { refresh_token: u.refresh } });
	assert.equal(rf.status, 401);
	const l = await signIn(u.email, u.password);
	assert.equal(l.status, 401);
	assert.equal(errorCode(l), 'invalid_credentials');

	const on = await as(admin).patch(`/api/users/${u.id}`,
	    { disabled: false });
	assert.equal(on.status, 200);
	assert.equal((await as(u.token).get('/api/auth/me')).status, 401,
	    'the old session stays ended');
	assert.equal((await signIn(u.email, u.password)).status, 200);
});

test('an admin-set password ends the sessions', async () => {
	const u = mine.repassworded;
	const pw = 'set by the admin 123';
	const r = await as(admin).patch(`/api/users/${u.id}`, { password: pw });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.password, undefined);
	assert.equal((await as(u.token).get('/api/auth/me')).status, 401);
	assert.equal((await signIn(u.email, u.password)).status, 401);
	assert.equal((await signIn(u.email, pw)).status, 200);
});

test('admin rights follow is_admin at once', async () => {
	const u = mine.promoted;
	const up = await as(admin).patch(`/api/users/${u.id}`,
	    { is_admin: true });
	assert.equal(up.status, 200);
	assert.equal(up.body.is_admin, true);
	assert.equal((await as(u.token).get('/api/users')).status, 200,
	    'the same session is an admin now');
	const down = await as(admin).patch(`/api/users/${u.id}`,
	    { is_admin: false });
	assert.equal(down.status, 200);
	const r = await as(u.token).get('/api/users');
	assert.equal(r.status, 403);
	assert.equal(errorCode(r), 'admin_only');
});

test('deleting a user ends everything of theirs', async () => {
	const u = mine.deleted;
	const r = await as(admin).del(`/api/users/${u.id}`);
	assert.equal(r.status, 204, r.text);
	assert.equal(r.text, '');
	assert.equal((await as(u.token).get('/api/auth/me')).status, 401);
	assert.equal((await as(admin).get(`/api/users/${u.id}`)).status, 404);
	assert.equal((await as(admin).del(`/api/users/${u.id}`)).status, 404);
	assert.equal((await signIn(u.email, u.password)).status, 401);
	// The address is free again.
	const again = await as(admin).post('/api/users', { email: u.email,
		name: 'Again', password: PASSWORD });
	assert.equal(again.status, 201);
	assert.notEqual(again.body.id, u.id);
});

test('the last owner of a team cannot be deleted', async () => {
	const u = mine.owner;
	const t = await as(u.token).post('/api/teams', { name: unique('team') });
	assert.equal(t.status, 201);
	const r = await as(admin).del(`/api/users/${u.id}`);
	assert.equal(r.status, 409);
	assert.equal(errorCode(r), 'last_owner');
	assert.equal((await as(u.token).get('/api/auth/me')).status, 200);
	assert.equal((await as(u.token).get(`/api/teams/${t.body.id}`)).status,
	    200);
	// Once the team is gone, so can the user be.
	assert.equal((await as(u.token).del(`/api/teams/${t.body.id}`)).status,
	    204);
	assert.equal((await as(admin).del(`/api/users/${u.id}`)).status, 204);
});

test('two admins demoting each other at once leave one admin', async () => {
	const admins = (await allUsers(admin))
	    .filter((u) => u.is_admin && !u.disabled);
	assert.deepEqual(admins.map((u) => u.email), [ADMIN.email],
	    'another suite left an enabled admin behind');
	const [b] = await newUsers(admin, 1, { admin: true });
	const [x, y] = await Promise.all([
		as(admin).patch(`/api/users/${b.id}`, { is_admin: false }),
		as(b.token).patch(`/api/users/${adminId}`, { is_admin: false })]);
	assert.ok(!(x.status === 200 && y.status === 200),
	    'both were demoted: the instance has no admin left');
	assert.equal([x, y].filter((r) => r.status === 200).length, 1,
	    `${x.text} ${y.text}`);
	const loser = x.status === 200 ? y : x;
	assert.ok(loser.status === 409 || loser.status === 403, loser.text);
	// Put things back: whoever is still an admin restores the other.
	if (y.status === 200) {
		const back = await as(b.token).patch(`/api/users/${adminId}`,
		    { is_admin: true });
		assert.equal(back.status, 200, back.text);
	}
	const me = await as(admin).get('/api/auth/me');
	assert.equal(me.body.is_admin, true);
	assert.equal((await as(admin).del(`/api/users/${b.id}`)).status, 204);
});
