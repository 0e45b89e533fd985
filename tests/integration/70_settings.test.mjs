// Instance settings: admins only; a PUT merges the keys it names;
// nothing invalid is stored. The suite puts the settings back after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, ADMIN } from './lib/client.mjs';
import { newUsers } from './lib/fixtures.mjs';

const IP = addr();
let admin, user, original;

const get = (token = admin) => api('GET', '/api/settings', { token, ip: IP });
const put = (body, token = admin) => api('PUT', '/api/settings',
    { token, ip: IP, body });

before(async () => {
	admin = await adminToken();
	[user] = await newUsers(admin, 1);
	original = (await get()).body;
});

after(async () => {
	if (original) await put(original);
});

// --- hostile first ---------------------------------------------------------

test('non-admins may neither read nor change settings', async () => {
	for (const r of [await get(user.token),
		await put({ signup_open: true }, user.token)]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), 'admin_only');
	}
	const anon = await api('GET', '/api/settings', { ip: IP });
	assert.equal(anon.status, 401);
	assert.equal((await get()).body.signup_open, original.signup_open);
});

test('invalid values are refused and nothing is stored', async () => {
	const before = (await get()).body;
	for (const [body, status, code, field] of [
		[{ public_url: 'ftp://panel.example.com' }, 422,
		    'invalid_public_url', 'public_url'],
		[{ public_url: 'javascript:alert(1)//x' }, 422,
		    'invalid_public_url', 'public_url'],
		[{ public_url: 'https://exa mple.com' }, 422,
		    'invalid_public_url', 'public_url'],
		[{ public_url: 'https://' }, 422, 'invalid_public_url',
		    'public_url'],
		[{ public_url: 'https://:8080/' }, 422, 'invalid_public_url',
		    'public_url'],
		[{ public_url: 'https://bad_host.example/' }, 422,
		    'invalid_public_url', 'public_url'],
		[{ public_url: 'https://x.example/\u0000' }, 400, 'malformed_json',
		    undefined],
		[{ public_url: `https://x.example/${'a'.repeat(2048)}` }, 422,
		    'invalid_length', 'public_url'],
		[{ public_url: 42 }, 422, 'wrong_type', 'public_url'],
		[{ signup_open: 'true' }, 422, 'wrong_type', 'signup_open'],
		[{ signup_open: null }, 422, 'wrong_type', 'signup_open'],
		[{ instance_name: '' }, 422, 'invalid_length', 'instance_name'],
		[{ instance_name: 'a\u0001' }, 422, 'invalid_instance_name',
		    'instance_name'],
		[{ instance_name: 'x'.repeat(101) }, 422, 'invalid_length',
		    'instance_name'],
		[{ instance_name: 'ok', theme: 'dark' }, 400, 'unknown_field',
		    'theme'],
		[{ signup_open: true, public_url: 'not a url' }, 422,
		    'invalid_public_url', 'public_url'],
	]) {
		const r = await put(body);
		assert.equal(r.status, status, JSON.stringify(body).slice(0, 80));
		assert.equal(errorCode(r), code, JSON.stringify(body).slice(0, 80));
		assert.equal(r.body.error.field, field);
	}
	assert.deepEqual((await get()).body, before, 'nothing changed');
	const arr = await put([{ signup_open: true }]);
	assert.equal(arr.status, 400);
	assert.equal(errorCode(arr), 'body_not_object');
	const none = await api('PUT', '/api/settings', { token: admin, ip: IP });
	assert.equal(none.status, 400);
	assert.equal(errorCode(none), 'body_required');
});

test('a cookie session must echo the CSRF cookie to change them',
    async () => {
	const jar = {};
	const l = await api('POST', '/api/auth/login', { ip: addr(), cookies: jar,
		body: { email: ADMIN.email, password: ADMIN.password } });
	assert.equal(l.status, 200);
	const before = (await get()).body;
	const r = await api('PUT', '/api/settings', { ip: IP, cookies: jar,
		body: { signup_open: !before.signup_open } });
	assert.equal(r.status, 403);
	assert.equal(errorCode(r), 'csrf_failed');
	assert.deepEqual((await get()).body, before);
	const ok = await api('PUT', '/api/settings', { ip: IP, cookies: jar,
		headers: { 'x-csrf-token': jar.op_csrf },
		body: { signup_open: before.signup_open } });
	assert.equal(ok.status, 200, ok.text);
});

// --- the happy paths ---------------------------------------------------------

test('the defaults: sign-up closed', async () => {
	const r = await get();
	assert.equal(r.status, 200);
	assert.deepEqual(Object.keys(r.body).sort(),
	    ['acme_ca_bundle', 'acme_directory', 'acme_email',
	    'bind_mount_allowlist', 'instance_name', 'public_url',
	    'signup_open']);
	assert.equal(r.body.acme_directory, null);
	assert.deepEqual(r.body.bind_mount_allowlist, []);
	assert.equal(typeof r.body.instance_name, 'string');
	assert.equal(r.body.signup_open, false);
});

test('PUT merges the keys given and answers the whole', async () => {
	const a = await put({ instance_name: 'Acme Panel' });
	assert.equal(a.status, 200, a.text);
	assert.deepEqual(a.body, { ...original, instance_name: 'Acme Panel' });
	const b = await put({ public_url: 'https://panel.acme.example:8443/x',
		signup_open: true });
	assert.equal(b.status, 200, b.text);
	assert.deepEqual(b.body, { instance_name: 'Acme Panel',
		public_url: 'https://panel.acme.example:8443/x',
		signup_open: true, bind_mount_allowlist: [],
		acme_directory: null, acme_ca_bundle: null, acme_email: null });
	assert.deepEqual((await get()).body, b.body, 'stored');
	const c = await put({});
	assert.equal(c.status, 200);
	assert.deepEqual(c.body, b.body, 'an empty PUT changes nothing');
	const d = await put({ public_url: null, signup_open: false });
	assert.equal(d.status, 200);
	assert.equal(d.body.public_url, null);
	assert.equal(d.body.signup_open, false);
	assert.equal(d.body.instance_name, 'Acme Panel');
	const e = await put({ instance_name: 'Ünïcödé ✓ panel' });
	assert.equal(e.status, 200);
	assert.equal((await get()).body.instance_name, 'Ünïcödé ✓ panel');
});
