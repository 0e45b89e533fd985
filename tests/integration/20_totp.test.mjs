// Two-factor sign-in: TOTP enrolment, login with a code, replays,
// recovery codes, and turning it off.
//
// The tests run in order on one user: each step leaves the account in
// the state the next one expects (pending secret → enabled → disabled).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, newUser, errorCode } from
    './lib/client.mjs';
import { totp, steadyStep, stepNow, base32Decode } from './lib/fixtures.mjs';

const IP = addr();
let admin, u, secret, recovery, enabledAt;

before(async () => {
	admin = await adminToken();
	u = await newUser(admin);
});

const post = (path, body, token = u.token) => api('POST', path,
    { token, ip: IP, body });
const signIn = (extra = {}) => api('POST', '/api/auth/login', { ip: addr(),
	body: { email: u.email, password: u.password, ...extra } });
const me = (token = u.token) => api('GET', '/api/auth/me',
    { token, ip: IP });

// --- hostile first ---------------------------------------------------------

test('enable before setup, and disable while off, are refused', async () => {
	const e = await post('/api/auth/totp/enable', { code: '123456' });
	assert.equal(e.status, 409);
	assert.equal(errorCode(e), 'totp_not_set_up');
	const d = await post('/api/auth/totp/disable', { password: u.password,
		code: '123456' });
	assert.equal(d.status, 409);
	assert.equal(errorCode(d), 'totp_not_enabled');
	const anon = await api('POST', '/api/auth/totp/setup', { ip: IP });
	assert.equal(anon.status, 401);
});

test('setup gives a base32 secret and an otpauth URI', async () => {
	const r = await post('/api/auth/totp/setup');
	assert.equal(r.status, 200, r.text);
	secret = r.body.secret;
	assert.match(secret, /^[A-Z2-7]+=*$/);
	assert.equal(base32Decode(secret).length, 20, 'a 160-bit seed');
	const uri = new URL(r.body.otpauth_uri);
	assert.equal(uri.protocol, 'otpauth:');
	assert.equal(uri.searchParams.get('secret'), secret);
	assert.equal(uri.searchParams.get('issuer'), 'OpenPanel');
	assert.equal(uri.searchParams.get('digits'), '6');
	assert.equal(uri.searchParams.get('period'), '30');
	assert.ok(decodeURIComponent(uri.pathname).includes(u.email));
	// A second setup replaces the pending secret.
	const again = await post('/api/auth/totp/setup');
	assert.equal(again.status, 200);
	assert.notEqual(again.body.secret, secret);
	const stale = await post('/api/auth/totp/enable', { code:
		totp(secret, stepNow()) });
	assert.equal(stale.status, 422, 'the replaced secret is dead');
	assert.equal(errorCode(stale), 'invalid_totp');
	secret = again.body.secret;
});

test('a pending secret changes nothing yet', async () => {
	const m = await me();
	assert.equal(m.body.totp_enabled, false);
	assert.equal(m.body.totp_secret, undefined);
	const l = await signIn();
	assert.equal(l.status, 200, 'no code needed before enabling');
});

test('enable refuses wrong and malformed codes', async () => {
	const step = stepNow();
	const wrong = String((Number(totp(secret, step)) + 1) % 1e6)
	    .padStart(6, '0');
	for (const [code, status, ecode] of [
		[wrong, 422, 'invalid_totp'],
		[totp(secret, step - 5), 422, 'invalid_totp'],
		[totp(secret, step + 5), 422, 'invalid_totp'],
		['12345', 422, 'invalid_length'],
		['12345a', 422, 'invalid_code'],
		['abcde-fghij', 422, 'invalid_length'],
		[123456, 422, 'wrong_type'],
	]) {
		const r = await post('/api/auth/totp/enable', { code });
		assert.equal(r.status, status, String(code));
		assert.equal(errorCode(r), ecode, String(code));
	}
	assert.equal((await me()).body.totp_enabled, false);
});

test('a good code enables 2FA and yields ten recovery codes', async () => {
	const step = await steadyStep();
	enabledAt = step - 1;		/* the previous step: still accepted */
	const r = await post('/api/auth/totp/enable',
	    { code: totp(secret, enabledAt) });
	assert.equal(r.status, 200, r.text);
	recovery = r.body.recovery_codes;
	assert.equal(recovery.length, 10);
	for (const c of recovery) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
	assert.equal(new Set(recovery).size, 10);
	assert.equal((await me()).body.totp_enabled, true);

	const twice = await post('/api/auth/totp/enable',
	    { code: totp(secret, step) });
	assert.equal(twice.status, 409);
	assert.equal(errorCode(twice), 'totp_already_enabled');
	const setup = await post('/api/auth/totp/setup');
	assert.equal(setup.status, 409, 'no new secret while it is on');
	assert.equal(errorCode(setup), 'totp_already_enabled');
});

test('login now needs a code; wrong or replayed codes fail', async () => {
	const none = await signIn();
	assert.equal(none.status, 401);
	assert.equal(errorCode(none), 'totp_required');
	assert.equal(none.body.error.field, 'totp_code');
	assert.equal(none.body.access_token, undefined);
	assert.equal(none.headers.getSetCookie().length, 0);

	const step = stepNow();
	const bad = String((Number(totp(secret, step)) + 7) % 1e6)
	    .padStart(6, '0');
	for (const code of [bad, totp(secret, enabledAt),	/* replay */
		totp(secret, step - 3), 'aaaaa-bbbbb']) {
		const r = await signIn({ totp_code: code });
		assert.equal(r.status, 401, code);
		assert.equal(errorCode(r), 'invalid_totp', code);
		assert.equal(r.body.access_token, undefined);
	}
	// The right code with the wrong password is still a wrong password.
	const pw = await api('POST', '/api/auth/login', { ip: addr(), body: {
		email: u.email, password: 'not my password',
		totp_code: totp(secret, step) } });
	assert.equal(pw.status, 401);
	assert.equal(errorCode(pw), 'invalid_credentials');
});

test('a code logs in once; the next step logs in again', async () => {
	const step = stepNow();
	const code = totp(secret, step);
	// Two sign-ins racing with one code: only one gets in.
	const pair = await Promise.all([signIn({ totp_code: code }),
		signIn({ totp_code: code })]);
	assert.deepEqual(pair.map((x) => x.status).sort(), [200, 401],
	    pair.map((x) => x.text).join(' '));
	const r = pair.find((x) => x.status === 200);
	assert.equal(errorCode(pair.find((x) => x.status === 401)),
	    'invalid_totp');
	assert.equal(r.body.user.totp_enabled, true);
	assert.equal((await me(r.body.access_token)).status, 200);

	const replay = await signIn({ totp_code: code });
	assert.equal(replay.status, 401, 'a code is good once');
	assert.equal(errorCode(replay), 'invalid_totp');
	const older = await signIn({ totp_code: totp(secret, step - 1) });
	assert.equal(older.status, 401, 'nor is an older one after it');

	const next = await signIn({ totp_code: totp(secret, step + 1) });
	assert.equal(next.status, 200, next.text);
});

test('recovery codes log in once each, in any case', async () => {
	const r = await signIn({ totp_code: recovery[0] });
	assert.equal(r.status, 200, r.text);
	const again = await signIn({ totp_code: recovery[0] });
	assert.equal(again.status, 401);
	assert.equal(errorCode(again), 'invalid_totp');
	const upper = await signIn({ totp_code: recovery[1].toUpperCase() });
	assert.equal(upper.status, 200, upper.text);
	const spent = await signIn({ totp_code: recovery[1] });
	assert.equal(spent.status, 401);
	const race = await Promise.all([signIn({ totp_code: recovery[5] }),
		signIn({ totp_code: recovery[5] })]);
	assert.deepEqual(race.map((x) => x.status).sort(), [200, 401],
	    'a recovery code is good once, even for two at once');
});

test('another user cannot use these recovery codes', async () => {
	const other = await newUser(admin);
	const s = await api('POST', '/api/auth/totp/setup', { token: other.token,
		ip: IP });
	const step = stepNow();
	const on = await api('POST', '/api/auth/totp/enable', { token:
		other.token, ip: IP, body: { code: totp(s.body.secret, step) } });
	assert.equal(on.status, 200);
	const r = await api('POST', '/api/auth/login', { ip: addr(), body: {
		email: other.email, password: other.password,
		totp_code: recovery[2] } });
	assert.equal(r.status, 401);
	assert.equal(errorCode(r), 'invalid_totp');
	// and the code is still good for its owner
	assert.equal((await signIn({ totp_code: recovery[2] })).status, 200);
});

test('disable needs the password and a code', async () => {
	for (const [body, status, code] of [
		[{ password: 'not my password', code: recovery[3] }, 403,
		    'wrong_password'],
		[{ password: u.password, code: 'zzzzz-zzzzz' }, 403,
		    'invalid_totp'],
		[{ password: u.password }, 422, 'missing_field'],
		[{ code: recovery[3] }, 422, 'missing_field'],
		[{ password: u.password, code: recovery[3], force: true }, 400,
		    'unknown_field'],
	]) {
		const r = await post('/api/auth/totp/disable', body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code);
	}
	assert.equal((await me()).body.totp_enabled, true, 'still on');
	// A read-only token may not turn it off.
	const t = await post('/api/tokens', { name: 'ro', scope: 'read' });
	const ro = await post('/api/auth/totp/disable', { password: u.password,
		code: recovery[3] }, t.body.token);
	assert.equal(ro.status, 403);
	assert.equal(errorCode(ro), 'read_only_token');
});

test('disabling turns it off and voids the recovery codes', async () => {
	const r = await post('/api/auth/totp/disable', { password: u.password,
		code: recovery[3] });
	assert.equal(r.status, 204, r.text);
	assert.equal((await me()).body.totp_enabled, false);
	const l = await signIn();
	assert.equal(l.status, 200, 'no code needed any more');
	assert.equal(l.body.user.totp_enabled, false);

	// Turned on again with a new secret, the old recovery codes are gone.
	const s = await post('/api/auth/totp/setup');
	assert.equal(s.status, 200);
	assert.notEqual(s.body.secret, secret);
	const step = stepNow();
	const on = await post('/api/auth/totp/enable',
	    { code: totp(s.body.secret, step) });
	assert.equal(on.status, 200);
	assert.ok(!on.body.recovery_codes.includes(recovery[4]));
	const old = await signIn({ totp_code: recovery[4] });
	assert.equal(old.status, 401);
	assert.equal(errorCode(old), 'invalid_totp');
	// A 6-digit code turns it off too: the next step, as this one was
	// spent on enabling.
	const off = await post('/api/auth/totp/disable', { password: u.password,
		code: totp(s.body.secret, step + 1) });
	assert.equal(off.status, 204, off.text);
	assert.equal((await me()).body.totp_enabled, false);
});
