// Sessions: login, refresh rotation and reuse detection, logout, /me,
// password change, browser cookies and CSRF.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique, ADMIN } from
    './lib/client.mjs';
import { setCookies, newUsers } from './lib/fixtures.mjs';

const IP = addr();
let admin;
// Users made up front, in parallel (password hashing is the slow part):
// U is shared by tests that leave its sessions alone; the others are
// each one test's own.
let U, disabled, reuse, leaver, whoami, changer, crowd;

before(async () => {
	admin = await adminToken();
	[U, disabled, reuse, leaver, whoami, changer, crowd] = await newUsers(
	    admin, 7, (i) => ({ name: i === 4 ? 'Me Myself' : 'Some One' }));
});

// A login from an address of its own (logins are rate-limited per
// address), returning the whole response.
const signIn = (body, opts = {}) => api('POST', '/api/auth/login',
    { body, ip: addr(), ...opts });
const refresh = (token, opts = {}) => api('POST', '/api/auth/refresh',
    { body: token === undefined ? undefined : { refresh_token: token },
    ip: addr(), ...opts });
const me = (token, opts = {}) => api('GET', '/api/auth/me',
    { token, ip: IP, ...opts });

// --- hostile first ---------------------------------------------------------

test('wrong password, unknown email and disabled user look alike', async () => {
	const u = U, other = disabled;
	const off = await api('PATCH', `/api/users/${other.id}`, { token: admin,
		ip: IP, body: { disabled: true } });
	assert.equal(off.status, 200, off.text);
	const answers = [];
	for (const body of [
		{ email: u.email, password: 'not the password' },
		{ email: `nobody-${u.id}@openpanel.test`, password: u.password },
		{ email: other.email, password: other.password },
	]) {
		const r = await signIn(body);
		assert.equal(r.status, 401, JSON.stringify(body));
		assert.equal(errorCode(r), 'invalid_credentials');
		assert.equal(r.body.access_token, undefined);
		assert.equal(r.headers.getSetCookie().length, 0,
		    'no cookies for a failed login');
		answers.push(r.body.error.message);
	}
	assert.equal(new Set(answers).size, 1, 'one message for all three');
});

test('login validates its body before anything else', async () => {
	for (const [body, status, code] of [
		[{ email: ADMIN.email }, 422, 'missing_field'],
		[{ password: ADMIN.password }, 422, 'missing_field'],
		[{ email: 'no-at-sign', password: 'x' }, 422, 'invalid_email'],
		[{ email: ADMIN.email, password: '' }, 422, 'invalid_length'],
		[{ email: ADMIN.email, password: 42 }, 422, 'wrong_type'],
		[{ email: ADMIN.email, password: 'a\u0007b' }, 422,
		    'invalid_password'],
		[{ email: ADMIN.email, password: ADMIN.password, remember: true },
		    400, 'unknown_field'],
		[{ email: ADMIN.email, password: ADMIN.password,
		    totp_code: 'nope' }, 422, 'invalid_length'],
		[[ADMIN.email, ADMIN.password], 400, 'body_not_object'],
	]) {
		const r = await signIn(body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code, JSON.stringify(body));
		assert.equal(r.body.access_token, undefined);
	}
	const none = await api('POST', '/api/auth/login', { ip: addr() });
	assert.equal(none.status, 400);
	assert.equal(errorCode(none), 'body_required');
});

test('refresh refuses garbage, missing and access tokens', async () => {
	for (const t of ['opr_nothing', 'x', 'opr_' + 'A'.repeat(43),
		U.refresh.slice(0, -1), U.refresh + 'x']) {
		const r = await refresh(t);
		assert.equal(r.status, 401, t);
		assert.equal(errorCode(r), 'invalid_refresh_token');
	}
	// An access token is no refresh token (and too long for one).
	for (const t of [U.token, 'opr_' + 'a'.repeat(300)]) {
		const r = await refresh(t);
		assert.equal(r.status, 422);
		assert.equal(errorCode(r), 'invalid_length');
	}
	const empty = await refresh(undefined);
	assert.equal(empty.status, 401);
	assert.equal(errorCode(empty), 'invalid_refresh_token');
	const wrongType = await refresh(null);
	assert.equal(wrongType.status, 422);
	assert.equal(errorCode(wrongType), 'wrong_type');
});

test('a spent refresh token ends the whole session', async () => {
	const u = reuse;
	const first = await refresh(u.refresh);
	assert.equal(first.status, 200, first.text);
	const pair = first.body;
	assert.notEqual(pair.refresh_token, u.refresh);
	assert.notEqual(pair.access_token, u.token);
	assert.equal((await me(pair.access_token)).status, 200);

	const again = await refresh(u.refresh);		/* the thief */
	assert.equal(again.status, 401);
	assert.equal(errorCode(again), 'refresh_token_reused');
	assert.equal(again.body.access_token, undefined);

	for (const t of [pair.access_token, u.token]) {
		const r = await me(t);
		assert.equal(r.status, 401, 'the session is over');
		assert.equal(errorCode(r), 'unauthenticated');
	}
	const next = await refresh(pair.refresh_token);	/* the owner */
	assert.equal(next.status, 401);
	assert.notEqual(errorCode(next), undefined);
	// Other sessions of the same user are untouched.
	const l = await signIn({ email: u.email, password: u.password });
	assert.equal(l.status, 200);
	assert.equal((await me(l.body.access_token)).status, 200);
});

test('two refreshes racing with one token: one wins, the session ends',
    async () => {
	const l = await signIn({ email: U.email, password: U.password });
	const tok = l.body.refresh_token;
	const [a, b] = await Promise.all([refresh(tok), refresh(tok)]);
	const codes = [a, b].map((r) => r.status).sort();
	assert.deepEqual(codes, [200, 401], `${a.text} ${b.text}`);
	const lost = a.status === 401 ? a : b, won = a.status === 200 ? a : b;
	assert.equal(errorCode(lost), 'refresh_token_reused');
	assert.equal((await me(won.body.access_token)).status, 401,
	    'the pair the race handed out is dead too');
	assert.equal((await refresh(won.body.refresh_token)).status, 401);
	assert.equal((await me(U.token)).status, 200, 'other sessions live on');
});

test('logout ends the session: its access and refresh tokens', async () => {
	const u = leaver;
	const second = await signIn({ email: u.email, password: u.password });
	const out = await api('POST', '/api/auth/logout', { token: u.token,
		ip: IP });
	assert.equal(out.status, 204, out.text);
	const cleared = setCookies(out);
	for (const name of ['op_access', 'op_refresh', 'op_csrf'])
		assert.ok(cleared[name]?.attrs.includes('max-age=0'), name);
	const r = await me(u.token);
	assert.equal(r.status, 401);
	const rf = await refresh(u.refresh);
	assert.equal(rf.status, 401);
	const again = await api('POST', '/api/auth/logout', { token: u.token,
		ip: IP });
	assert.equal(again.status, 401);
	// Only that session: the other one still works.
	assert.equal((await me(second.body.access_token)).status, 200);
});

test('logout holds at once in every worker of the check, whatever they kept',
    async () => {
	// Checks at once, so that several of op-auth's workers find the
	// session good (and keep what they found for a moment).
	const u = crowd, ip = addr();
	const many = () => Promise.all(Array.from({ length: 24 },
	    () => me(u.token, { ip })));
	for (const r of await many())
		assert.equal(r.status, 200, r.text);
	const out = await api('POST', '/api/auth/logout', { token: u.token, ip });
	assert.equal(out.status, 204, out.text);
	for (const r of await many()) {
		assert.equal(r.status, 401, 'the session ended');
		assert.equal(errorCode(r), 'unauthenticated');
	}
});

test('logout needs a session, not an API token', async () => {
	const u = U;
	const t = await api('POST', '/api/tokens', { token: u.token, ip: IP,
		body: { name: 'ci', scope: 'write' } });
	assert.equal(t.status, 201, t.text);
	const r = await api('POST', '/api/auth/logout', { token: t.body.token,
		ip: IP });
	assert.equal(r.status, 400);
	assert.equal(errorCode(r), 'not_a_session');
	assert.equal((await me(t.body.token)).status, 200);
	const none = await api('POST', '/api/auth/logout', { ip: IP });
	assert.equal(none.status, 401);
	assert.equal(errorCode(none), 'unauthenticated');
});

test('password change: wrong current, too short, missing', async () => {
	const u = U;
	for (const [body, status, code, field] of [
		[{ current_password: 'wrong password!', new_password:
		    'a brand new password' }, 403, 'wrong_password',
		    'current_password'],
		[{ current_password: u.password, new_password: 'short' }, 422,
		    'invalid_length', 'new_password'],
		[{ current_password: u.password }, 422, 'missing_field',
		    'new_password'],
		[{ current_password: u.password, new_password: 'x'.repeat(513) },
		    422, 'invalid_length', 'new_password'],
		[{ current_password: u.password, new_password:
		    'ten chars\u0001 and more' }, 422, 'invalid_new_password',
		    'new_password'],
		[{ current_password: u.password, new_password: 'long enough one',
		    logout_others: false }, 400, 'unknown_field', 'logout_others'],
	]) {
		const r = await api('POST', '/api/auth/password', { token: u.token,
			ip: IP, body });
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code);
		assert.equal(r.body.error.field, field);
	}
	// None of that changed anything.
	const l = await signIn({ email: u.email, password: u.password });
	assert.equal(l.status, 200);
});

// --- the happy paths ---------------------------------------------------------

test('login answers a token pair, the user, and the cookies', async () => {
	const r = await signIn({ email: ADMIN.email.toUpperCase(),
		password: ADMIN.password });
	assert.equal(r.status, 200, r.text);
	const b = r.body;
	assert.equal(b.token_type, 'Bearer');
	assert.ok(Number.isInteger(b.expires_in) && b.expires_in > 0);
	assert.match(b.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
	assert.match(b.refresh_token, /^opr_/);
	assert.equal(b.user.email, ADMIN.email);
	assert.equal(b.user.is_admin, true);
	for (const k of ['password_hash', 'totp_secret', 'totp_last_step'])
		assert.equal(b.user[k], undefined, k);
	assert.equal(r.headers.get('cache-control'), 'no-store');

	const c = setCookies(r);
	assert.equal(c.op_access.value, b.access_token);
	assert.equal(c.op_refresh.value, b.refresh_token);
	assert.ok(c.op_csrf.value.length >= 16);
	for (const name of ['op_access', 'op_refresh', 'op_csrf'])
		assert.ok(c[name].attrs.includes('samesite=strict'), name);
	assert.ok(c.op_access.attrs.includes('httponly'));
	assert.ok(c.op_access.attrs.includes('path=/'));
	assert.ok(c.op_refresh.attrs.includes('httponly'));
	assert.ok(c.op_refresh.attrs.includes('path=/api/auth'));
	assert.ok(!c.op_csrf.attrs.includes('httponly'),
	    'the page must read op_csrf');
});

test('/me tells who, 2FA state, teams and how the caller signed in',
    async () => {
	const u = whoami;
	const team = await api('POST', '/api/teams', { token: u.token, ip: IP,
		body: { name: 'mine' } });
	assert.equal(team.status, 201);
	const r = await me(u.token);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.id, u.id);
	assert.equal(r.body.email, u.email);
	assert.equal(r.body.name, 'Me Myself');
	assert.equal(r.body.is_admin, false);
	assert.equal(r.body.totp_enabled, false);
	assert.deepEqual(r.body.teams, [{ id: team.body.id, name: 'mine',
		role: 'owner' }]);
	assert.deepEqual(r.body.auth, { kind: 'session', scope: 'write' });
	assert.equal(r.body.password_hash, undefined);
	assert.equal(r.body.totp_secret, undefined);

	const t = await api('POST', '/api/tokens', { token: u.token, ip: IP,
		body: { name: 'reader', scope: 'read' } });
	const viaToken = await me(t.body.token);
	assert.equal(viaToken.status, 200);
	assert.equal(viaToken.body.id, u.id);
	assert.deepEqual(viaToken.body.auth, { kind: 'api_token',
		scope: 'read' });
	const anon = await me(undefined);
	assert.equal(anon.status, 401);
});

test('refresh rotates the pair; the new one works', async () => {
	const u = U;
	let pair = (await signIn({ email: u.email, password: u.password })).body;
	const seen = new Set([pair.refresh_token]);
	for (let i = 0; i < 3; i++) {
		const r = await refresh(pair.refresh_token);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.token_type, 'Bearer');
		assert.equal(r.body.user, undefined, 'a refresh answers no user');
		assert.equal(setCookies(r).op_refresh.value, r.body.refresh_token);
		assert.ok(!seen.has(r.body.refresh_token), 'a fresh token');
		seen.add(r.body.refresh_token);
		pair = r.body;
		const m = await me(pair.access_token);
		assert.equal(m.status, 200);
		assert.equal(m.body.id, u.id);
	}
});

test('password change ends the other sessions, keeps this one', async () => {
	const u = changer;
	const other = (await signIn({ email: u.email,
		password: u.password })).body;
	const newPassword = 'another long password';
	const r = await api('POST', '/api/auth/password', { token: u.token,
		ip: IP, body: { current_password: u.password,
		new_password: newPassword } });
	assert.equal(r.status, 204, r.text);
	assert.equal((await me(u.token)).status, 200, 'this session stays');
	assert.equal((await me(other.access_token)).status, 401);
	const rf = await refresh(other.refresh_token);
	assert.equal(rf.status, 401, 'its refresh token is dead too');
	assert.equal((await refresh(u.refresh)).status, 200,
	    "this session's refresh token still works");
	const old = await signIn({ email: u.email, password: u.password });
	assert.equal(old.status, 401);
	assert.equal(errorCode(old), 'invalid_credentials');
	const now = await signIn({ email: u.email, password: newPassword });
	assert.equal(now.status, 200);
});

// --- cookies and CSRF ---------------------------------------------------------

test('cookie sessions: reads work, writes need the CSRF header', async () => {
	const u = U;
	const jar = {};
	const l = await api('POST', '/api/auth/login', { ip: addr(),
		cookies: jar, body: { email: u.email, password: u.password } });
	assert.equal(l.status, 200);
	assert.ok(jar.op_access && jar.op_csrf && jar.op_refresh);

	const r = await me(undefined, { cookies: jar });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.id, u.id);

	const name = unique('via-cookie');
	for (const headers of [{}, { 'x-csrf-token': 'wrong'.repeat(8) },
		{ 'x-csrf-token': jar.op_csrf.slice(0, -1) },
		{ 'x-csrf-token': '' }]) {
		const w = await api('POST', '/api/teams', { cookies: jar, ip: IP,
			headers, body: { name } });
		assert.equal(w.status, 403, JSON.stringify(headers));
		assert.equal(errorCode(w), 'csrf_failed');
	}
	const teams = await api('GET', '/api/teams', { cookies: jar, ip: IP });
	assert.equal(teams.status, 200);
	assert.ok(!teams.body.items.some((t) => t.name === name),
	    'nothing was created');

	const ok = await api('POST', '/api/teams', { cookies: jar, ip: IP,
		headers: { 'x-csrf-token': jar.op_csrf }, body: { name } });
	assert.equal(ok.status, 201, ok.text);
	const patch = await api('PATCH', `/api/teams/${ok.body.id}`,
	    { cookies: jar, ip: IP, body: { name: 'renamed' } });
	assert.equal(patch.status, 403);
	assert.equal(errorCode(patch), 'csrf_failed');
	const del = await api('DELETE', `/api/teams/${ok.body.id}`,
	    { cookies: jar, ip: IP });
	assert.equal(del.status, 403);
	assert.equal(errorCode(del), 'csrf_failed');
	const still = await api('GET', `/api/teams/${ok.body.id}`,
	    { cookies: jar, ip: IP });
	assert.equal(still.body.name, name, 'neither write happened');
	const renamed = await api('PATCH', `/api/teams/${ok.body.id}`,
	    { cookies: jar, ip: IP, headers: { 'x-csrf-token': jar.op_csrf },
	    body: { name: 'renamed' } });
	assert.equal(renamed.status, 200, renamed.text);
	const out = await api('POST', '/api/auth/logout', { cookies: jar,
		ip: IP });
	assert.equal(out.status, 403, 'logout is a write too');
	assert.equal((await me(undefined, { cookies: jar })).status, 200);
});

test('a forged op_csrf cookie does not help without the real one',
    async () => {
	const u = U;
	const forged = 'f'.repeat(32);
	const r = await api('POST', '/api/teams', { ip: IP,
		cookies: { op_access: u.token, op_csrf: forged },
		headers: { 'x-csrf-token': forged.toUpperCase() },
		body: { name: 'x' } });
	assert.equal(r.status, 403);
	assert.equal(errorCode(r), 'csrf_failed');
	// A short token pair is refused even when both sides match.
	const short = await api('POST', '/api/teams', { ip: IP,
		cookies: { op_access: u.token, op_csrf: 'abc' },
		headers: { 'x-csrf-token': 'abc' }, body: { name: 'x' } });
	assert.equal(short.status, 403);
	assert.equal(errorCode(short), 'csrf_failed');
});

test('cookie refresh needs the CSRF header, then rotates the cookies',
    async () => {
	const u = U;
	const jar = {};
	await api('POST', '/api/auth/login', { ip: addr(), cookies: jar,
		body: { email: u.email, password: u.password } });
	const before = { ...jar };
	const bad = await api('POST', '/api/auth/refresh', { ip: addr(),
		cookies: jar });
	assert.equal(bad.status, 403);
	assert.equal(errorCode(bad), 'csrf_failed');
	const wrong = await api('POST', '/api/auth/refresh', { ip: addr(),
		cookies: jar, headers: { 'x-csrf-token': 'z'.repeat(32) } });
	assert.equal(wrong.status, 403);
	assert.deepEqual(jar, before, 'a refused refresh sets no cookie');

	const ok = await api('POST', '/api/auth/refresh', { ip: addr(),
		cookies: jar, headers: { 'x-csrf-token': jar.op_csrf } });
	assert.equal(ok.status, 200, ok.text);
	assert.notEqual(jar.op_refresh, before.op_refresh);
	assert.notEqual(jar.op_access, before.op_access);
	assert.equal((await me(undefined, { cookies: jar })).status, 200);
	// A browser may send {} instead of no body.
	const mid = { ...jar };
	const empty = await api('POST', '/api/auth/refresh', { ip: addr(),
		cookies: jar, headers: { 'x-csrf-token': jar.op_csrf }, body: {} });
	assert.equal(empty.status, 200, empty.text);
	assert.notEqual(jar.op_refresh, mid.op_refresh);
	// The old cookie pair, replayed, ends the session.
	const replay = await api('POST', '/api/auth/refresh', { ip: addr(),
		cookies: { ...before }, headers: { 'x-csrf-token':
		before.op_csrf } });
	assert.equal(replay.status, 401);
	assert.equal(errorCode(replay), 'refresh_token_reused');
	assert.equal((await me(undefined, { cookies: jar })).status, 401);
});

test('cookie logout with the CSRF header clears the cookies', async () => {
	const u = U;
	const jar = {};
	await api('POST', '/api/auth/login', { ip: addr(), cookies: jar,
		body: { email: u.email, password: u.password } });
	const access = jar.op_access;
	const out = await api('POST', '/api/auth/logout', { ip: IP,
		cookies: jar, headers: { 'x-csrf-token': jar.op_csrf } });
	assert.equal(out.status, 204, out.text);
	assert.deepEqual(jar, {}, 'every cookie expired');
	assert.equal((await me(access)).status, 401);
});

test('a bad bearer token is not rescued by a good cookie', async () => {
	const jar = {};
	await api('POST', '/api/auth/login', { ip: addr(), cookies: jar,
		body: { email: U.email, password: U.password } });
	for (const token of ['garbage', `${U.token}x`]) {
		const r = await me(token, { cookies: jar });
		assert.equal(r.status, 401, token);
		assert.equal(errorCode(r), 'unauthenticated');
	}
	assert.equal((await me(undefined, { cookies: jar })).status, 200);
});

test('a bearer token wins over a cookie', async () => {
	const a = U, b = whoami;
	const r = await me(a.token, { cookies: { op_access: b.token } });
	assert.equal(r.status, 200);
	assert.equal(r.body.id, a.id);
	// and a bearer write needs no CSRF header even with cookies around
	const w = await api('POST', '/api/teams', { token: a.token, ip: IP,
		cookies: { op_access: b.token, op_csrf: 'c'.repeat(32) },
		body: { name: 'bearer' } });
	assert.equal(w.status, 201, w.text);
});
