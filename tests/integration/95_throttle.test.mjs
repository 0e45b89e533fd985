// Throttling of sign-in: ten failures lock an account for fifteen
// minutes whatever the address, even for the right password; and the
// gateway limits how fast one address may try. Runs last: the accounts
// and addresses it burns are its own.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode } from './lib/client.mjs';
import { newUsers, waitEvent } from './lib/fixtures.mjs';

const FAILS_PER_ACCOUNT = 10;
let admin, victim, bystander;

before(async () => {
	admin = await adminToken();
	[victim, bystander] = await newUsers(admin, 2);
});

const signIn = (email, password, ip = addr()) => api('POST',
    '/api/auth/login', { ip, body: { email, password } });

test('ten failures lock the account, even for the right password',
    async () => {
	// Each failure from an address of its own: it is the account that
	// is counted, not the address.
	for (let i = 0; i < FAILS_PER_ACCOUNT; i += 2) {
		const pair = await Promise.all([signIn(victim.email, `wrong ${i}`),
			signIn(victim.email, `wrong ${i + 1}`)]);
		for (const r of pair) {
			assert.equal(r.status, 401, `failure ${i + 1}: ${r.text}`);
			assert.equal(errorCode(r), 'invalid_credentials');
		}
	}
	const ip = addr();
	for (const [email, password] of [[victim.email, victim.password],
		[victim.email.toUpperCase(), victim.password],
		[victim.email, 'wrong again']]) {
		const r = await signIn(email, password, ip);
		assert.equal(r.status, 429, `${email}: ${r.text}`);
		assert.equal(errorCode(r), 'too_many_attempts');
		assert.equal(r.body.access_token, undefined);
		assert.equal(r.headers.getSetCookie().length, 0);
	}
	// The refusal leaves a trace.
	const r = await signIn(victim.email, victim.password);
	const rid = r.headers.get('x-request-id');
	const e = await waitEvent((x) => x.event.request_id === rid,
	    'the event of a throttled login');
	assert.equal(e.type, 'user.login_failed');
	assert.equal(e.event.data.reason, 'too_many_attempts');
	assert.equal(e.event.data.email, victim.email);
});

test('a locked account does not lock others, nor its sessions',
    async () => {
	// The same address that was refused for the victim signs in others.
	const ip = addr();
	assert.equal((await signIn(victim.email, victim.password, ip)).status,
	    429);
	const ok = await signIn(bystander.email, bystander.password, ip);
	assert.equal(ok.status, 200, ok.text);
	// Sessions opened before the lock keep working.
	const me = await api('GET', '/api/auth/me', { token: victim.token,
		ip });
	assert.equal(me.status, 200);
	assert.equal(me.body.id, victim.id);
});

test('failures below the limit are forgotten after a good sign-in',
    async () => {
	const [u] = await newUsers(admin, 1);
	for (let round = 0; round < 2; round++) {
		// 6 + 6 failures would pass the limit if they were not forgotten
		for (let i = 0; i < 6; i += 2) {
			const pair = await Promise.all([signIn(u.email, 'not it'),
				signIn(u.email, 'not it either')]);
			for (const r of pair)
				assert.equal(r.status, 401, `round ${round}: ${r.text}`);
		}
		const ok = await signIn(u.email, u.password);
		assert.equal(ok.status, 200, `round ${round}: ${ok.text}`);
	}
});

test('the gateway limits how fast one address signs in', async () => {
	// Cheap requests (refused for their body, before any hashing): the
	// gateway allows 60 a minute with a burst of 20 per address.
	const ip = addr();
	const results = [];
	for (let i = 0; i < 60; i++)
		results.push(await api('POST', '/api/auth/login', { ip,
			body: {} }));
	const limited = results.filter((r) => r.status === 429);
	const served = results.filter((r) => r.status === 422);
	assert.ok(limited.length >= 20, `${limited.length} of 60 were limited`);
	assert.ok(served.length >= 15, 'the burst went through');
	assert.equal(limited.length + served.length, 60);
	assert.equal(errorCode(served[0]), 'missing_field');
	// The limit is per address: another address is served at once.
	const other = await api('POST', '/api/auth/login', { ip: addr(),
		body: {} });
	assert.equal(other.status, 422);
	// Refresh shares the sign-in limit of the address.
	const rf = await api('POST', '/api/auth/refresh', { ip,
		body: { refresh_token: 'opr_x' } });
	assert.equal(rf.status, 429);
	// Like every error, a limited request is answered in JSON.
	for (const r of [...limited.slice(0, 2), rf]) {
		assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
		assert.match(r.headers.get('content-type') ?? '',
		    /^application\/json/, 'a limited request is answered in JSON');
		assert.equal(typeof r.body?.error?.code, 'string');
	}
});
