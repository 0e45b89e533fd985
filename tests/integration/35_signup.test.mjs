// Open sign-up: closed unless an instance admin opens it; open, anyone
// may create an account of their own (never an admin, in no team), and
// nothing a client adds to the body changes that; closed again, it is
// refused again. The suite puts the settings back after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, login, unique } from
    './lib/client.mjs';

const IP = addr();
let admin, original;

const settings = (body) => api(body ? 'PUT' : 'GET', '/api/settings',
    { token: admin, ip: IP, body });
const status = async () => {
	const r = await api('GET', '/api/auth/signup', { ip: addr() });
	assert.equal(r.status, 200, r.text);
	return r.body.open;
};
const signup = (body) => api('POST', '/api/auth/signup', { ip: addr(),
    body });
const account = (over = {}) => ({ email: `${unique('signup')}@openpanel.test`,
    name: 'New Comer', password: 'a long enough password', ...over });

before(async () => {
	admin = await adminToken();
	original = (await settings()).body;
	assert.equal((await settings({ signup_open: false })).status, 200);
});

after(async () => {
	if (original) await settings(original);
});

test('closed: refused, and no account is made', async () => {
	assert.equal(await status(), false);
	const a = account();
	const r = await signup(a);
	assert.equal(r.status, 403, r.text);
	assert.equal(errorCode(r), 'signup_closed');
	const l = await api('POST', '/api/auth/login', { ip: addr(),
		body: { email: a.email, password: a.password } });
	assert.equal(l.status, 401, l.text);
});

test('open: bad fields are refused beside the field, nothing made',
    async () => {
	assert.equal((await settings({ signup_open: true })).status, 200);
	assert.equal(await status(), true);
	for (const [body, status, code, field] of [
		[account({ email: 'not-an-email' }), 422, 'invalid_email',
		    'email'],
		[account({ password: 'short' }), 422, 'invalid_length',
		    'password'],
		[account({ name: '' }), 422, 'invalid_length', 'name'],
		[account({ is_admin: true }), 400, 'unknown_field', 'is_admin'],
		[{ email: `${unique('signup')}@openpanel.test` }, 422,
		    'missing_field', 'name'],
	]) {
		const r = await signup(body);
		assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(errorCode(r), code, r.text);
		assert.equal(r.body.error.field, field, r.text);
		const l = await api('POST', '/api/auth/login', { ip: addr(),
			body: { email: body.email, password: body.password ??
			    'a long enough password' } });
		assert.notEqual(l.status, 200, 'an account was made');
	}
});

test('open: an account of one\'s own, not an admin, in no team',
    async () => {
	const a = account();
	const r = await signup(a);
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.email, a.email);
	assert.equal(r.body.is_admin, false);
	assert.equal(r.body.password_hash, undefined);
	const s = await login(a.email, a.password);
	const me = await api('GET', '/api/auth/me', { token: s.access_token,
		ip: IP });
	assert.equal(me.status, 200, me.text);
	assert.equal(me.body.is_admin, false);
	assert.deepEqual(me.body.teams, []);
	const users = await api('GET', '/api/users', { token: s.access_token,
		ip: IP });
	assert.equal(users.status, 403, users.text);
	const team = await api('POST', '/api/teams', { token: s.access_token,
		ip: IP, body: { name: unique('Own team') } });
	assert.equal(team.status, 201, team.text);

	const again = await signup({ ...a, email: a.email.toUpperCase() });
	assert.equal(again.status, 409, again.text);
	assert.equal(errorCode(again), 'email_taken');
});

test('closed again: refused again', async () => {
	assert.equal((await settings({ signup_open: false })).status, 200);
	assert.equal(await status(), false);
	const r = await signup(account());
	assert.equal(r.status, 403, r.text);
	assert.equal(errorCode(r), 'signup_closed');
});
