// The first user: only with the setup token, only once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, ADMIN, setupToken, errorCode } from './lib/client.mjs';

test('health answers before anyone signs in', async () => {
	const r = await api('GET', '/api/health');
	assert.equal(r.status, 200);
	assert.equal(r.body.status, 'ok');
	assert.equal(r.body.components.postgresql, 'ok');
	assert.equal(r.body.components.redis, 'ok');
	assert.equal(r.body.components.pools.auth, 'ok');
	assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('setup refuses a wrong token and creates nothing', async () => {
	const r = await api('POST', '/api/auth/setup', { body: { ...ADMIN,
		setup_token: 'ops_wrong' } });
	assert.equal(r.status, 403);
	assert.equal(errorCode(r), 'invalid_setup_token');
	const l = await api('POST', '/api/auth/login', { body: {
		email: ADMIN.email, password: ADMIN.password } });
	assert.equal(l.status, 401);
});

test('setup validates every field', async () => {
	const t = setupToken();
	for (const [body, field] of [
		[{ ...ADMIN, email: 'not-an-email', setup_token: t }, 'email'],
		[{ ...ADMIN, password: 'short', setup_token: t }, 'password'],
		[{ ...ADMIN, name: '', setup_token: t }, 'name'],
		[{ ...ADMIN, name: 'a\u0001b', setup_token: t }, 'name'],
		[{ email: ADMIN.email, password: ADMIN.password, setup_token: t },
		    'name'],
	]) {
		const r = await api('POST', '/api/auth/setup', { body });
		assert.equal(r.status, 422, JSON.stringify(body));
		assert.equal(r.body.error.field, field);
	}
	const u = await api('POST', '/api/auth/setup', { body: { ...ADMIN,
		setup_token: t, role: 'root' } });
	assert.equal(u.status, 400);
	assert.equal(errorCode(u), 'unknown_field');
});

test('setup creates the instance admin once', async () => {
	const t = setupToken();
	const r = await api('POST', '/api/auth/setup', { body: { ...ADMIN,
		email: ADMIN.email.toUpperCase(), setup_token: t } });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.email, ADMIN.email);
	assert.equal(r.body.is_admin, true);
	assert.equal(r.body.password_hash, undefined);
	const again = await api('POST', '/api/auth/setup', { body: { ...ADMIN,
		setup_token: t } });
	assert.equal(again.status, 409);
	assert.equal(errorCode(again), 'already_set_up');
});
