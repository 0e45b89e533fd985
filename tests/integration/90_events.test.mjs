// Events: every change reaches the Redis stream op:events with the
// envelope {id, type, time, team_id, actor, subject, request_id, data},
// tied to the request that made it; nothing refused emits one; no event
// carries a password or a token.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, addr, adminToken, errorCode, unique, ADMIN, DATA } from
    './lib/client.mjs';
import { newUsers, readEvents, waitEvent, totp, stepNow } from
    './lib/fixtures.mjs';

const IP = addr();
const ENVELOPE = ['actor', 'data', 'id', 'request_id', 'subject', 'team_id',
	'time', 'type'];
let admin, adminId, u, v;
// Every secret this suite handles, to look for in the stream at the end.
const secrets = new Set([ADMIN.password, 'a long enough password']);
// Invitation tokens travel in a URL path, so access logs hold them; they
// are kept out of the events, and only there are they looked for.
const invitationTokens = new Set();

before(async () => {
	admin = await adminToken();
	adminId = (await api('GET', '/api/auth/me', { token: admin, ip: IP }))
	    .body.id;
	[u, v] = await newUsers(admin, 2);
	for (const x of [admin, u.token, u.refresh, v.token, v.refresh])
		secrets.add(x);
});

const rid = (r) => r.headers.get('x-request-id');
// The event of type that the request answered by r emitted.
const eventOf = (r, type) => waitEvent((e) => e.type === type &&
    e.event.request_id === rid(r), `${type} for request ${rid(r)}`);
const call = (method, path, token, body, ip = IP) => api(method, path,
    { token, body, ip });

test('a refused request changes nothing: its only trace is request.failed',
    async () => {
	const bad = [
		await call('POST', '/api/teams', u.token, { name: '' }),
		await call('POST', '/api/teams', v.token, '{"name":'),
		await call('POST', '/api/users', u.token, { email:
			`${unique('e')}@openpanel.test`, name: 'N', password:
			'a long enough password' }),
		await call('DELETE', '/api/teams/00000000-0000-4000-8000-000000000000',
		    u.token),
		await call('PUT', '/api/settings', admin, { public_url: 'nope:' }),
	];
	for (const r of bad) assert.ok(r.status >= 400, r.text);
	// The outbox is published in order: once a later change is in the
	// stream, an event of the refused requests would be there too.
	const ok = await call('POST', '/api/teams', u.token,
	    { name: unique('after') });
	assert.equal(ok.status, 201);
	await eventOf(ok, 'team.created');
	const ids = new Set(bad.map(rid));
	const traces = readEvents().filter((e) => ids.has(e.event.request_id));
	// One request.failed each (the audit trail's record of the attempt),
	// and no event of a change.
	assert.deepEqual(traces.map((e) => e.type),
	    bad.map(() => 'request.failed'));
	for (const [i, e] of traces.entries()) {
		assert.equal(e.event.data.status, bad[i].status);
		assert.equal(e.event.subject.kind, 'route');
	}
});

test('team.created: the full envelope, tied to the request', async () => {
	const name = unique('evented');
	const r = await call('POST', '/api/teams', admin, { name });
	assert.equal(r.status, 201, r.text);
	const team = r.body.id;
	const e = await eventOf(r, 'team.created');
	assert.equal(e.id, e.event.id, 'the stream id field is the event id');
	assert.equal(e.type, e.event.type);
	assert.deepEqual(Object.keys(e.event).sort(), ENVELOPE);
	assert.match(e.event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab]/);
	assert.ok(!Number.isNaN(Date.parse(e.event.time)), e.event.time);
	assert.match(e.event.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	assert.equal(e.event.team_id, team);
	assert.deepEqual(e.event.actor, { user_id: adminId, ip: IP,
		user_agent: e.event.actor.user_agent });
	assert.equal(typeof e.event.actor.user_agent, 'string');
	assert.deepEqual(e.event.subject, { kind: 'team', id: team });
	assert.equal(e.event.request_id, rid(r));
	assert.deepEqual(e.event.data, { name });
	// The same request also made its creator a member.
	const m = await eventOf(r, 'team.member_added');
	assert.equal(m.event.team_id, team);
	assert.deepEqual(m.event.subject, { kind: 'user', id: adminId });
	assert.equal(m.event.data.role, 'owner');
	assert.notEqual(m.event.id, e.event.id);
	await call('DELETE', `/api/teams/${team}`, admin);
});

test('a failed login leaves user.login_failed, without the password',
    async () => {
	const ip = addr();
	const wrong = `wrong ${unique('pw')}`;
	secrets.add(wrong);
	const r = await api('POST', '/api/auth/login', { ip,
		body: { email: u.email.toUpperCase(), password: wrong } });
	assert.equal(r.status, 401);
	const e = await eventOf(r, 'user.login_failed');
	assert.equal(e.event.actor.ip, ip);
	assert.equal(e.event.actor.user_id, null);
	assert.deepEqual(e.event.subject, { kind: 'user', id: u.id });
	assert.deepEqual(e.event.data, { email: u.email,
		reason: 'invalid_credentials' });
	assert.ok(!e.raw.includes(wrong));

	const nobody = `${unique('nobody')}@openpanel.test`;
	const n = await api('POST', '/api/auth/login', { ip,
		body: { email: nobody, password: wrong } });
	assert.equal(n.status, 401);
	const ne = await eventOf(n, 'user.login_failed');
	assert.equal(ne.event.subject.id, null);
	assert.equal(ne.event.data.email, nobody);
	assert.ok(!ne.raw.includes(wrong));
});

test('sign-in, tokens and sessions each leave their event', async () => {
	const ip = addr();
	const l = await api('POST', '/api/auth/login', { ip,
		body: { email: v.email, password: v.password } });
	assert.equal(l.status, 200);
	secrets.add(l.body.access_token).add(l.body.refresh_token);
	const login = await eventOf(l, 'user.login');
	assert.equal(login.event.subject.id, v.id);
	assert.equal(login.event.actor.ip, ip);
	assert.deepEqual(login.event.data, { totp: false });

	const t = await call('POST', '/api/tokens', v.token,
	    { name: 'evented', scope: 'read' });
	secrets.add(t.body.token);
	const created = await eventOf(t, 'token.created');
	assert.deepEqual(created.event.subject, { kind: 'token', id: t.body.id });
	assert.equal(created.event.actor.user_id, v.id);
	assert.deepEqual(created.event.data, { name: 'evented', scope: 'read' });
	const del = await call('DELETE', `/api/tokens/${t.body.id}`, v.token);
	assert.equal(del.status, 204);
	assert.equal((await eventOf(del, 'token.revoked')).event.subject.id,
	    t.body.id);

	// A refresh token presented twice: the session is revoked.
	const r1 = await api('POST', '/api/auth/refresh', { ip,
		body: { refresh_token: l.body.refresh_token } });
	secrets.add(r1.body.access_token).add(r1.body.refresh_token);
	const r2 = await api('POST', '/api/auth/refresh', { ip,
		body: { refresh_token: l.body.refresh_token } });
	assert.equal(errorCode(r2), 'refresh_token_reused');
	const revoked = await eventOf(r2, 'session.revoked');
	assert.equal(revoked.event.subject.kind, 'session');
	assert.equal(revoked.event.data.reason, 'refresh_reused');
	assert.equal(revoked.event.data.user_id, v.id);

	const out = await call('POST', '/api/auth/logout', v.token);
	assert.equal(out.status, 204);
	assert.equal((await eventOf(out, 'user.logout')).event.actor.user_id,
	    v.id);
});

test('teams, members and invitations each leave their event', async () => {
	const [w] = await newUsers(admin, 1);
	secrets.add(w.token).add(w.refresh);
	const t = await call('POST', '/api/teams', u.token,
	    { name: unique('evt') });
	const team = t.body.id;
	const ren = await call('PATCH', `/api/teams/${team}`, u.token,
	    { name: 'renamed team' });
	const upd = await eventOf(ren, 'team.updated');
	assert.equal(upd.event.team_id, team);
	assert.deepEqual(upd.event.data, { name: 'renamed team' });

	const inv = await call('POST', `/api/teams/${team}/invitations`, u.token,
	    { email: w.email, role: 'viewer' });
	invitationTokens.add(inv.body.token);
	const invited = await eventOf(inv, 'team.member_invited');
	assert.deepEqual(invited.event.subject, { kind: 'invitation',
		id: inv.body.id });
	assert.deepEqual(invited.event.data, { email: w.email, role: 'viewer' });
	assert.ok(!invited.raw.includes(inv.body.token));

	const acc = await call('POST',
	    `/api/invitations/${inv.body.token}/accept`, w.token);
	const added = await eventOf(acc, 'team.member_added');
	assert.equal(added.event.team_id, team);
	assert.deepEqual(added.event.subject, { kind: 'user', id: w.id });
	assert.equal(added.event.actor.user_id, w.id);
	assert.equal(added.event.data.role, 'viewer');
	assert.ok(!added.raw.includes(inv.body.token));

	const role = await call('PATCH', `/api/teams/${team}/members/${w.id}`,
	    u.token, { role: 'developer' });
	const changed = await eventOf(role, 'team.member_role_changed');
	assert.deepEqual(changed.event.data, { from: 'viewer', to: 'developer' });
	assert.deepEqual(changed.event.subject, { kind: 'user', id: w.id });

	const leave = await call('DELETE', `/api/teams/${team}/members/${w.id}`,
	    w.token);
	const removed = await eventOf(leave, 'team.member_removed');
	assert.deepEqual(removed.event.data, { role: 'developer', left: true });

	const inv2 = await call('POST', `/api/teams/${team}/invitations`,
	    u.token, { email: v.email, role: 'admin' });
	invitationTokens.add(inv2.body.token);
	const wd = await call('DELETE',
	    `/api/teams/${team}/invitations/${inv2.body.id}`, u.token);
	assert.equal((await eventOf(wd, 'team.invitation_revoked')).event
	    .subject.id, inv2.body.id);

	const del = await call('DELETE', `/api/teams/${team}`, u.token);
	const gone = await eventOf(del, 'team.deleted');
	assert.deepEqual(gone.event.subject, { kind: 'team', id: team });
	assert.equal(gone.event.team_id, team);
});

test('account changes each leave their event, with no secret',
    async () => {
	const email = `${unique('evt')}@openpanel.test`;
	const pw = `initial ${unique('pw')}`;
	const pw2 = `changed ${unique('pw')}`;
	const pw3 = `mine now ${unique('pw')}`;
	[pw, pw2, pw3].forEach((p) => secrets.add(p));
	const c = await call('POST', '/api/users', admin, { email,
		name: 'Evented', password: pw });
	assert.equal(c.status, 201);
	const id = c.body.id;
	const created = await eventOf(c, 'user.created');
	assert.deepEqual(created.event.subject, { kind: 'user', id });
	assert.deepEqual(created.event.data, { email, is_admin: false });

	const p = await call('PATCH', `/api/users/${id}`, admin,
	    { password: pw2, name: 'Renamed' });
	const upd = await eventOf(p, 'user.updated');
	assert.equal(upd.event.data.password, true, 'says that it changed');
	assert.equal(upd.event.data.name, true);
	assert.equal(upd.event.data.email, false);

	const l = await api('POST', '/api/auth/login', { ip: addr(),
		body: { email, password: pw2 } });
	secrets.add(l.body.access_token).add(l.body.refresh_token);
	const tok = l.body.access_token;
	const ch = await call('POST', '/api/auth/password', tok,
	    { current_password: pw2, new_password: pw3 });
	assert.equal(ch.status, 204);
	assert.equal((await eventOf(ch, 'user.password_changed')).event
	    .subject.id, id);

	const s = await call('POST', '/api/auth/totp/setup', tok);
	secrets.add(s.body.secret);
	const on = await call('POST', '/api/auth/totp/enable', tok,
	    { code: totp(s.body.secret, stepNow()) });
	assert.equal(on.status, 200);
	on.body.recovery_codes.forEach((x) => secrets.add(x));
	await eventOf(on, 'user.totp_enabled');
	const off = await call('POST', '/api/auth/totp/disable', tok,
	    { password: pw3, code: on.body.recovery_codes[0] });
	assert.equal(off.status, 204);
	await eventOf(off, 'user.totp_disabled');

	const st = await call('PUT', '/api/settings', admin,
	    { instance_name: 'Evented Panel' });
	assert.deepEqual((await eventOf(st, 'settings.updated')).event.data,
	    { instance_name: 'Evented Panel' });
	await call('PUT', '/api/settings', admin, { instance_name: 'OpenPanel' });

	const d = await call('DELETE', `/api/users/${id}`, admin);
	assert.equal(d.status, 204);
	const deleted = await eventOf(d, 'user.deleted');
	assert.deepEqual(deleted.event.data, { email });
});

test('the request id is in the log lines the request causes',
    { skip: DATA ? false : 'OP_DATA_DIR is not set' }, async () => {
	const r = await call('POST', '/api/teams', u.token,
	    { name: unique('logged') });
	assert.equal(r.status, 201);
	await eventOf(r, 'team.created');
	const lines = readFileSync(`${DATA}/log/auth.log`, 'utf8').split('\n')
	    .filter((l) => l.includes(rid(r))).map((l) => JSON.parse(l));
	assert.ok(lines.some((l) => /^POST \/api\/teams 201 /.test(l.msg)),
	    'the request is logged');
	assert.ok(lines.some((l) => /^GET \/internal\/auth\/check 204 /
	    .test(l.msg)), 'so is the gateway asking about it');
	for (const l of lines) assert.equal(l.request_id, rid(r));
});

test('the whole stream: well-formed, unique, and free of secrets',
    async () => {
	const all = readEvents(1000000);
	assert.ok(all.length > 20, `${all.length} events`);
	const ids = new Set();
	for (const e of all) {
		assert.deepEqual(Object.keys(e.event).sort(), ENVELOPE, e.raw);
		assert.equal(e.id, e.event.id);
		assert.equal(e.type, e.event.type);
		assert.match(e.event.request_id ?? '', /^[0-9a-f]{32}$/, e.raw);
		assert.ok(!ids.has(e.id), `event ${e.id} twice`);
		ids.add(e.id);
		assert.doesNotMatch(e.raw, /op[krit]_[\w-]{16,}/, e.raw);
		assert.doesNotMatch(e.raw, /eyJ[\w-]{8,}\.[\w-]{8,}\./, e.raw);
		assert.doesNotMatch(e.raw, /\$argon2|password_hash|totp_secret/,
		    e.raw);
		for (const s of [...secrets, ...invitationTokens])
			assert.ok(!e.raw.includes(s), `${e.type} carries a secret`);
	}
	// Nor do the service's logs.
	if (DATA) {
		const log = readFileSync(`${DATA}/log/auth.log`, 'utf8');
		for (const s of secrets)
			assert.ok(!log.includes(s), 'a secret is in auth.log');
		assert.doesNotMatch(log, /opr_[\w-]{16,}|eyJ[\w-]{8,}\.[\w-]{8,}\./);
	}
});
