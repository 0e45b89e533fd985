// The gateway and the request pipeline: bad input of every kind, forged
// credentials, unknown paths and methods, headers. Whatever a client
// sends, the answer is a JSON 4xx, never a 5xx.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { api as rawApi, addr, adminToken, unique, BASE, DATA } from
    './lib/client.mjs';
import { newUsers } from './lib/fixtures.mjs';

const IP = addr();
let admin, user;
const statuses = [];

// Every call of this suite goes through here, so that the suite can
// check at the end that nothing answered a 5xx.
async function api(method, path, opts = {}) {
	const r = await rawApi(method, path, { ip: IP, ...opts });
	statuses.push([r.status, method, path]);
	return r;
}

before(async () => {
	admin = await adminToken();
	[user] = await newUsers(admin, 1);
});

// Bytes exactly as given (api() would JSON-encode a Buffer and add a
// content type): {status, headers, body, text}.
async function send(method, path, { headers = {}, body, token } = {}) {
	const h = { 'x-forwarded-for': IP, ...headers };
	if (token) h.authorization = `Bearer ${token}`;
	const res = await fetch(BASE + path, { method, headers: h, body });
	const text = await res.text();
	let json = null;
	try { json = JSON.parse(text); } catch { json = null; }
	statuses.push([res.status, method, path]);
	return { status: res.status, headers: res.headers, body: json, text };
}

// A JSON error answer with this status and (when given) this code.
function isError(r, status, code, what = '') {
	assert.equal(r.status, status, `${what} ${r.text.slice(0, 200)}`);
	assert.match(r.headers.get('content-type') ?? '', /^application\/json/,
	    `${what}: the error is JSON`);
	assert.equal(typeof r.body?.error?.code, 'string', what);
	assert.equal(typeof r.body.error.message, 'string', what);
	if (code) assert.equal(r.body.error.code, code, what);
}

// --- JWTs, made here with the instance's own key when it is readable ----

let KEY = null;
try {
	KEY = Buffer.from(readFileSync(`${DATA}/keys/jwt.key`, 'utf8').trim(),
	    'hex');
} catch { KEY = null; }
const b64 = (o) => Buffer.from(typeof o === 'string' ? o :
    JSON.stringify(o)).toString('base64url');
function jwt(claims, { alg = 'HS256', key = KEY, hash = 'sha256',
    header = {} } = {}) {
	const head = b64({ alg, typ: 'JWT', ...header });
	const body = b64(claims);
	const sig = createHmac(hash, key).update(`${head}.${body}`)
	    .digest('base64url');
	return `${head}.${body}.${sig}`;
}
const decode = (t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url'));
const now = () => Math.floor(Date.now() / 1000);

// --- hostile first ---------------------------------------------------------

test('every protected route wants credentials: JSON 401', async () => {
	const id = '00000000-0000-4000-8000-000000000000';
	for (const [method, path] of [
		['POST', '/api/auth/logout'], ['GET', '/api/auth/me'],
		['POST', '/api/auth/password'], ['POST', '/api/auth/totp/setup'],
		['POST', '/api/auth/totp/enable'], ['POST', '/api/auth/totp/disable'],
		['GET', '/api/users'], ['POST', '/api/users'],
		['GET', `/api/users/${id}`], ['PATCH', `/api/users/${id}`],
		['DELETE', `/api/users/${id}`], ['GET', '/api/teams'],
		['POST', '/api/teams'], ['GET', `/api/teams/${id}`],
		['PATCH', `/api/teams/${id}`], ['DELETE', `/api/teams/${id}`],
		['GET', `/api/teams/${id}/members`],
		['PATCH', `/api/teams/${id}/members/${id}`],
		['DELETE', `/api/teams/${id}/members/${id}`],
		['GET', `/api/teams/${id}/invitations`],
		['POST', `/api/teams/${id}/invitations`],
		['DELETE', `/api/teams/${id}/invitations/${id}`],
		['POST', '/api/invitations/opi_x/accept'],
		['GET', '/api/tokens'], ['POST', '/api/tokens'],
		['DELETE', `/api/tokens/${id}`], ['GET', '/api/settings'],
		['PUT', '/api/settings'], ['GET', '/api/auth/nowhere'],
	]) {
		const r = await api(method, path, { body: method === 'GET' ||
		    method === 'DELETE' ? undefined : '{"not json' });
		isError(r, 401, 'unauthenticated', `${method} ${path}`);
	}
});

test('garbage credentials are 401, never 5xx', async () => {
	const long = 'A'.repeat(10000);
	for (const authz of ['Bearer', 'Bearer ', 'Bearer  ', 'Basic YTpi',
		'Token abc', 'Bearer null', 'Bearer undefined', 'Bearer a.b.c',
		'Bearer ..', 'Bearer a..c', 'Bearer a.b.c.d', 'Bearer ' + long,
		'Bearer é.é.é',
		'Bearer opr_abc', 'Bearer opi_abc', 'Bearer ops_abc',
		`Bearer ${user.refresh}`, 'Bearer eyJhbGciOiJub25lIn0.e30.']) {
		const r = await api('GET', '/api/auth/me', { headers:
			{ authorization: authz } });
		isError(r, 401, 'unauthenticated', authz.slice(0, 30));
	}
	for (const cookie of ['op_access=', 'op_access=x', `op_access=${long}`,
		`op_access=${user.token}x`, `junk=${'j'.repeat(9000)}`,
		'op_access', ';;;=;']) {
		const r = await api('GET', '/api/auth/me', { headers: { cookie } });
		isError(r, 401, 'unauthenticated', cookie.slice(0, 30));
	}
	// The scheme is case-insensitive; the token is not.
	const ok = await api('GET', '/api/auth/me', { headers:
		{ authorization: `bEaReR ${user.token}` } });
	assert.equal(ok.status, 200);
});

test('altered and alg-none access tokens are 401', async () => {
	const [h, p, s] = user.token.split('.');
	const claims = decode(user.token);
	const admins = { ...claims, sub: (await api('GET', '/api/auth/me',
		{ token: admin })).body.id };
	const flip = (x) => x.slice(0, -2) + (x.at(-2) === 'A' ? 'B' : 'A') +
	    x.at(-1);
	for (const [what, t] of [
		['another subject', `${h}.${b64(admins)}.${s}`],
		['a later expiry', `${h}.${b64({ ...claims,
			exp: claims.exp + 86400 })}.${s}`],
		['a flipped signature', `${h}.${p}.${flip(s)}`],
		['no signature', `${h}.${p}.`],
		['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`],
		['alg none, a signature', `${b64({ alg: 'none' })}.${p}.${s}`],
		['alg HS512 header', `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${s}`],
		['alg RS256 header', `${b64({ alg: 'RS256', typ: 'JWT' })}.${p}.${s}`],
		['signed with a guessed key', jwt(claims, { key: Buffer.alloc(32) })],
		['signed with the empty key', jwt(claims, { key: Buffer.alloc(0) })],
		['payload not JSON', `${h}.${b64('not json')}.${s}`],
		['payload an array', `${h}.${b64([claims])}.${s}`],
	]) {
		const r = await api('GET', '/api/auth/me', { token: t });
		isError(r, 401, 'unauthenticated', what);
	}
	assert.equal((await api('GET', '/api/auth/me', { token: user.token }))
	    .status, 200, 'the real one still works');
});

test('tokens signed with the real key but wrong claims are 401',
    { skip: KEY ? false : 'the jwt key is not readable here' }, async () => {
	const good = decode(user.token);
	// The control: a token made here with the real key and good claims
	// is accepted, so the refusals below are about the claims.
	const fresh = { ...good, iat: now(), nbf: now(), exp: now() + 300 };
	const ctl = await api('GET', '/api/auth/me', { token: jwt(fresh) });
	assert.equal(ctl.status, 200, 'the control token works');
	assert.equal(ctl.body.id, user.id);

	const other = await api('GET', '/api/auth/me', { token: admin });
	const { sub: adminSub, sid: adminSid } = decode(admin);
	for (const [what, t] of [
		['expired', jwt({ ...fresh, iat: now() - 1000, nbf: now() - 1000,
			exp: now() - 10 })],
		['not yet valid', jwt({ ...fresh, nbf: now() + 3600 })],
		['issued in the future', jwt({ ...fresh, iat: now() + 3600 })],
		['wrong issuer', jwt({ ...fresh, iss: 'evil' })],
		['wrong audience', jwt({ ...fresh, aud: 'other-api' })],
		['audience as a list', jwt({ ...fresh, aud: [good.aud] })],
		['not an access token', jwt({ ...fresh, typ: 'refresh' })],
		['no exp', jwt({ ...fresh, exp: undefined })],
		['exp as a string', jwt({ ...fresh, exp: String(now() + 300) })],
		['exp as a float', jwt({ ...fresh, exp: now() + 300.5 })],
		['no sid', jwt({ ...fresh, sid: undefined })],
		['an unknown session', jwt({ ...fresh,
			sid: '00000000-0000-4000-8000-000000000000' })],
		["someone else's session", jwt({ ...fresh, sid: adminSid })],
		['the admin as subject of my session', jwt({ ...fresh,
			sub: adminSub })],
		['subject not a UUID', jwt({ ...fresh, sub: "' OR 1=1 --" })],
		['sid not a UUID', jwt({ ...fresh, sid: 'x'.repeat(36) })],
		['lower-case alg', jwt(fresh, { alg: 'hs256' })],
		['HS512 with the real key', jwt(fresh, { alg: 'HS512',
			hash: 'sha512' })],
		['HS384 with the real key', jwt(fresh, { alg: 'HS384',
			hash: 'sha384' })],
	]) {
		const r = await api('GET', '/api/auth/me', { token: t });
		isError(r, 401, 'unauthenticated', what);
	}
	assert.equal(other.status, 200);
	// A forged-claims token made with the real key still needs a live
	// session: after logout the same token stops working.
	const [victim] = await newUsers(admin, 1);
	const v = { ...decode(victim.token), exp: now() + 300 };
	assert.equal((await api('GET', '/api/auth/me', { token: jwt(v) }))
	    .status, 200);
	await api('POST', '/api/auth/logout', { token: victim.token });
	isError(await api('GET', '/api/auth/me', { token: jwt(v) }), 401);
});

test('identity headers sent by a client are ignored', async () => {
	const adminId = (await api('GET', '/api/auth/me', { token: admin }))
	    .body.id;
	const forged = { 'x-op-user': adminId, 'x-op-admin': '1',
		'x-op-scope': 'write', 'x-op-session': adminId,
		'op-user-id': adminId, 'x-op-error': 'none' };
	isError(await api('GET', '/api/users', { headers: forged }), 401,
	    'unauthenticated');
	isError(await api('GET', '/api/users', { token: user.token,
		headers: forged }), 403, 'admin_only');
	const me = await api('GET', '/api/auth/me', { token: user.token,
		headers: forged });
	assert.equal(me.body.id, user.id);
	assert.equal(me.body.is_admin, false);
	const q = await api('GET', `/api/users?OP_ADMIN=1&OP_USER_ID=${adminId}`,
	    { token: user.token });
	isError(q, 403, 'admin_only');
	const ro = await api('POST', '/api/tokens', { token: user.token,
		body: { name: 'ro', scope: 'read' } });
	const w = await api('POST', '/api/teams', { token: ro.body.token,
		headers: forged, body: { name: 'x' } });
	isError(w, 403, 'read_only_token');
});

test('bodies: too large is 413', async () => {
	const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024) });
	for (const [path, token] of [['/api/teams', user.token],
		['/api/auth/login', undefined], ['/api/teams', undefined]]) {
		const r = await api('POST', path, { token, body: huge });
		isError(r, 413, undefined, path);
		assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
	}
	// Just under the limit, it is read, and refused for its content.
	const big = JSON.stringify({ name: 'y'.repeat(1024 * 1024 - 20) });
	assert.ok(big.length <= 1024 * 1024);
	isError(await api('POST', '/api/teams', { token: user.token, body: big }),
	    422, 'invalid_length');
});

test('bodies: a large one refused unread still gets its answer', async () => {
	// A pool's worker reads what is left of a body it refused before it
	// closes; closing with the body still coming would be a 502 (nginx's
	// write to the worker fails) in the place of the worker's 415.
	const body = 'z'.repeat(900 * 1024);
	for (let i = 0; i < 20; i++) {
		const r = await api('POST', '/api/teams', { token: user.token,
			headers: { 'content-type': 'text/plain' }, body });
		isError(r, 415, 'unsupported_media_type', `try ${i}`);
	}
});

test('bodies: a type other than JSON is 415', async () => {
	for (const type of ['text/plain', 'application/x-www-form-urlencoded',
		'multipart/form-data; boundary=x', 'application/jsonx',
		'application/json-patch+json', 'text/json', 'json',
		'application/xml']) {
		const r = await api('POST', '/api/teams', { token: user.token,
			headers: { 'content-type': type }, body: '{"name":"typed"}' });
		isError(r, 415, 'unsupported_media_type', type);
	}
	const raw = await send('POST', '/api/teams', { token: user.token,
		body: Buffer.from('{"name":"untyped"}') });
	isError(raw, 415, 'unsupported_media_type', 'no content type');
	const login = await api('POST', '/api/auth/login', { headers:
		{ 'content-type': 'text/plain' }, body: '{}' });
	isError(login, 415, 'unsupported_media_type');
	const ok = await api('POST', '/api/teams', { token: user.token, headers:
		{ 'content-type': 'Application/JSON; charset=utf-8' },
		body: { name: unique('typed') } });
	assert.equal(ok.status, 201, 'parameters and case are fine');
	const mine = await api('GET', '/api/teams', { token: user.token });
	assert.ok(!mine.body.items.some((t) => /^(un)?typed$/.test(t.name)));
});

test('bodies: malformed JSON is 400 malformed_json', async () => {
	for (const body of ['{', '}', '{"name":}', "{'name':'x'}",
		'{"name":"x"} trailing', '{"name":"x",}', '{name:"x"}',
		'{"name":"a","name":"b"}', '[', '"str"', 'null', '1', 'true',
		'{"name":"\\ud800"}', '{"name":"\\x41"}', '{"name":"\\u0000"}',
		'['.repeat(100000), '{"a":'.repeat(50000),
		'{"name": 1e999999}', '\ufeff{"name":"bom"}', ' ',
		'{"name":"x"}\u0000']) {
		const r = await api('POST', '/api/teams', { token: user.token,
			body });
		isError(r, 400, 'malformed_json', body.slice(0, 30));
	}
	for (const bytes of [[0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc0, 0xaf,
		0x22, 0x7d], [0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22,
		0x7d], [0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]]) {
		const r = await send('POST', '/api/teams', { token: user.token,
			headers: { 'content-type': 'application/json' },
			body: Buffer.from(bytes) });
		isError(r, 400, 'malformed_json', 'invalid UTF-8');
	}
});

test('every route that reads a body refuses a malformed one first',
    async () => {
	const team = (await api('POST', '/api/teams', { token: user.token,
		body: { name: unique('target') } })).body.id;
	const tok = (await api('POST', '/api/tokens', { token: user.token,
		body: { name: 'target', scope: 'write' } })).body;
	const id = '00000000-0000-4000-8000-000000000000';
	const routes = [
		['POST', '/api/auth/login'], ['POST', '/api/auth/refresh'],
		['POST', '/api/auth/setup'], ['POST', '/api/auth/logout', user.token],
		['POST', '/api/auth/password', user.token],
		['POST', '/api/auth/totp/setup', user.token],
		['POST', '/api/auth/totp/enable', user.token],
		['POST', '/api/auth/totp/disable', user.token],
		['POST', '/api/users', admin], ['PATCH', `/api/users/${user.id}`, admin],
		['DELETE', `/api/users/${user.id}`, admin],
		['POST', '/api/teams', user.token],
		['PATCH', `/api/teams/${team}`, user.token],
		['DELETE', `/api/teams/${team}`, user.token],
		['PATCH', `/api/teams/${team}/members/${user.id}`, user.token],
		['DELETE', `/api/teams/${team}/members/${user.id}`, user.token],
		['POST', `/api/teams/${team}/invitations`, user.token],
		['DELETE', `/api/teams/${team}/invitations/${id}`, user.token],
		['POST', '/api/invitations/opi_x/accept', user.token],
		['POST', '/api/tokens', user.token],
		['DELETE', `/api/tokens/${tok.id}`, user.token],
		['PUT', '/api/settings', admin],
	];
	for (const [method, path, token] of routes) {
		const what = `${method} ${path}`;
		isError(await api(method, path, { token, body: '{"a":' }), 400,
		    'malformed_json', what);
		isError(await api(method, path, { token, body: '{"a":1,"a":1}' }),
		    400, 'malformed_json', what);
		isError(await api(method, path, { token, body: '{}', headers:
			{ 'content-type': 'text/plain' } }), 415,
		    'unsupported_media_type', what);
	}
	// None of those deletions, logouts or changes happened.
	assert.equal((await api('GET', `/api/teams/${team}`,
	    { token: user.token })).status, 200);
	assert.equal((await api('GET', '/api/auth/me', { token: tok.token }))
	    .status, 200);
	const me = await api('GET', '/api/auth/me', { token: user.token });
	assert.equal(me.status, 200);
	assert.ok(me.body.teams.some((t) => t.id === team && t.role === 'owner'));
	assert.equal((await api('DELETE', `/api/teams/${team}`,
	    { token: user.token })).status, 204);
	assert.equal((await api('DELETE', `/api/tokens/${tok.id}`,
	    { token: user.token })).status, 204);
});

test('bodies: a non-object, unknown fields, control bytes', async () => {
	for (const [body, status, code, field] of [
		['[{"name":"x"}]', 400, 'body_not_object'],
		['{"name":"x","extra":1}', 400, 'unknown_field', 'extra'],
		['{"Name":"x"}', 400, 'unknown_field', 'Name'],
		['{"name ":"x"}', 400, 'unknown_field', 'name '],
		['{"na\\u0001me":"x"}', 400, 'unknown_field', '?'],
		[`{"${'k'.repeat(1000)}":"x"}`, 400, 'unknown_field', '?'],
		['{"":"x"}', 400, 'unknown_field', ''],
		['{"__proto__":{"name":"x"}}', 400, 'unknown_field', '__proto__'],
		['{"name":"a\\u0000b"}', 400, 'malformed_json'],
		['{"name":"a\\u0008b"}', 422, 'invalid_name', 'name'],
		['{"name":"a\\u001fb"}', 422, 'invalid_name', 'name'],
		['{"name":"a\\u009fb"}', 422, 'invalid_name', 'name'],
		['{"name":"a\\r\\nX-Injected: 1"}', 422, 'invalid_name', 'name'],
		['{"name":{"$ne":null}}', 422, 'wrong_type', 'name'],
		['{"name":1}', 422, 'wrong_type', 'name'],
		['{"name":true}', 422, 'wrong_type', 'name'],
		['{"name":"\\u202e\\u0000"}', 400, 'malformed_json'],
		['{}', 422, 'missing_field', 'name'],
	]) {
		const r = await api('POST', '/api/teams', { token: user.token,
			body });
		isError(r, status, code, body.slice(0, 40));
		if (field !== undefined)
			assert.equal(r.body.error.field, field, body.slice(0, 40));
		assert.equal(r.headers.get('x-injected'), null);
	}
	const teams = await api('GET', '/api/teams', { token: user.token });
	assert.equal(teams.body.items.length, 1, 'only the typed team exists');
});

test('a URI or header too large for the gateway: a JSON 4xx', async () => {
	const long = 'A'.repeat(10000);
	for (const [what, r] of [
		['a 30 KiB bearer', await api('GET', '/api/auth/me', { headers:
			{ authorization: `Bearer ${long}.${long}.${long}` } })],
		['a 20 KiB cookie', await api('GET', '/api/auth/me', { headers:
			{ cookie: `op_access=${long}${long}` } })],
		['a 20 KiB query', await api('GET', `/api/teams?x=${long}${long}`,
		    { token: user.token })],
		['a 20 KiB path', await api('GET', `/api/teams/${long}${long}`,
		    { token: user.token })],
	]) {
		assert.ok([400, 414, 431].includes(r.status), `${what}: ${r.status}`);
		isError(r, r.status, undefined, what);
	}
});

test('a chunked body is read like any other', async () => {
	const name = unique('chunked');
	const res = await new Promise((resolve, reject) => {
		const req = request(`${BASE}/api/teams`, { method: 'POST',
			headers: { authorization: `Bearer ${user.token}`,
				'content-type': 'application/json',
				'x-forwarded-for': IP } }, (r) => {
			let text = '';
			r.on('data', (c) => { text += c; });
			r.on('end', () => resolve({ status: r.statusCode, text }));
		});
		req.on('error', reject);
		req.write(`{"name":`);
		req.write(JSON.stringify(name));
		req.end('}');
	});
	assert.equal(res.status, 201, res.text);
	assert.equal(JSON.parse(res.text).name, name);
	await api('DELETE', `/api/teams/${JSON.parse(res.text).id}`,
	    { token: user.token });
});

test('query strings are checked like bodies', async () => {
	for (const [q, status, code] of [
		['limit=0', 422, 'out_of_range'], ['limit=201', 422, 'out_of_range'],
		['limit=-1', 422, 'out_of_range'], ['limit=1.5', 422, 'out_of_range'],
		['limit=abc', 422, 'out_of_range'], ['limit=', 422, 'out_of_range'],
		['limit=99999999999999999999999', 422, 'out_of_range'],
		['limit= 1', 422, 'out_of_range'],
		['after=nope', 422, 'invalid_length'],
		['after=zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', 422, 'invalid_after'],
		['after=%ZZ', 400, 'bad_query'], ['limit=%00', 400, 'bad_query'],
		['limit=1%', 400, 'bad_query'],
		['owner=me', 400, 'unknown_parameter'],
		[`x${'y'.repeat(5000)}=1`, 400, undefined],
	]) {
		const r = await api('GET', `/api/teams?${q}`, { token: user.token });
		isError(r, status, code, q.slice(0, 40));
	}
	const ok = await api('GET', '/api/teams?limit=1&', { token: user.token });
	assert.equal(ok.status, 200);
});

test('unknown paths are JSON 404; wrong methods JSON 405', async () => {
	for (const path of ['/api/nope', '/api/', '/api/v2/teams',
		'/api/healthz', '/api/../api/nope', '/api/users/../nope']) {
		const r = await api('GET', path);
		isError(r, 404, 'not_found', path);
	}
	for (const path of ['/api/auth/nope', '/api/teams/', '/api/tokens/a/b',
		'/api/teams/x/y/z/w', `/api/teams/${'a'.repeat(2000)}`,
		'/api/invitations/x', '/api/settingsx']) {
		const r = await api('GET', path, { token: user.token });
		isError(r, 404, 'not_found', path);
	}
	for (const [method, path] of [['PUT', '/api/teams'],
		['DELETE', '/api/auth/me'], ['GET', '/api/auth/logout'],
		['PATCH', '/api/tokens'], ['POST', '/api/settings'],
		['OPTIONS', '/api/teams'], ['GET', '/api/auth/login'],
		['PUT', '/api/auth/refresh'], ['DELETE', '/api/health']]) {
		const r = await api(method, path, { token: user.token });
		isError(r, 405, 'method_not_allowed', `${method} ${path}`);
	}
	const head = await api('HEAD', '/api/auth/me', { token: user.token });
	assert.equal(head.status, 200);
	assert.equal(head.text, '');
});

test('headers: request ids, no caching, no sniffing, no framing', async () => {
	const ids = new Set();
	const answers = [
		await api('GET', '/api/health'),
		await api('GET', '/api/auth/me', { token: user.token }),
		await api('GET', '/api/auth/me'),
		await api('GET', '/api/nope'),
		await api('POST', '/api/teams', { token: user.token, body: '{' }),
		await api('PUT', '/api/teams', { token: user.token }),
		await api('POST', '/api/auth/login', { body: {} }),
		await api('POST', '/api/teams', { cookies: { op_access: user.token },
			body: { name: 'no csrf' } }),
		await api('POST', '/api/teams', { token: user.token,
			body: 'x'.repeat(1024 * 1024 + 1) }),
		await api('GET', '/'),
	];
	for (const r of answers) {
		const id = r.headers.get('x-request-id');
		assert.match(id ?? '', /^[0-9a-f]{32}$/, `${r.status}`);
		ids.add(id);
		assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
		assert.equal(r.headers.get('x-frame-options'), 'DENY');
		assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
		assert.ok(r.headers.get('content-security-policy'));
		assert.equal(r.headers.get('server'), 'nginx', 'no version');
	}
	assert.equal(ids.size, answers.length, 'one id per request');
	// Every API answer, the gateway's own refusals included, is not to
	// be cached: it may hold a user's data or a credential's fate.
	for (const r of answers.slice(0, -1))
		assert.match(r.headers.get('cache-control') ?? '',
		    /^no-store(, no-store)?$/, `${r.status} ${r.text.slice(0, 60)}`);
	// A client's own X-Request-Id does not replace the gateway's.
	const mine = await api('GET', '/api/health', { headers:
		{ 'x-request-id': 'chosen-by-client' } });
	assert.match(mine.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('health says how the parts are, and nothing private', async () => {
	const r = await api('GET', '/api/health');
	assert.equal(r.status, 200);
	assert.deepEqual(Object.keys(r.body).sort(), ['components', 'status']);
	assert.ok(!/password|secret|host=|dbname/i.test(r.text));
});

test('nothing in this suite answered a 5xx', () => {
	const bad = statuses.filter(([st]) => st >= 500);
	assert.deepEqual(bad, [], 'a client caused a server error');
	assert.ok(statuses.length > 200);
});
