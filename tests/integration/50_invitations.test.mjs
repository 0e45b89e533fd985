// Invitations: an owner or team admin invites an email address to a
// role; only that account may accept, once; withdrawn ones are gone.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam } from './lib/fixtures.mjs';

const IP = addr();
let admin, owner, teamAdmin, dev, guest, other, T, TX;

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const invitations = (id = T) => `/api/teams/${id}/invitations`;
const accept = (who, token) => as(who).post(
    `/api/invitations/${encodeURIComponent(token)}/accept`);
const invite = (who, email, role, id = T) => as(who).post(invitations(id),
    { email, role });
const pending = async (id = T) => {
	const r = await as(owner).get(invitations(id));
	assert.equal(r.status, 200, r.text);
	return r.body.items;
};
const teamsOf = async (who) =>
	(await as(who).get('/api/auth/me')).body.teams;

before(async () => {
	admin = await adminToken();
	[owner, teamAdmin, dev, guest, other] = await newUsers(admin, 5);
	T = await newTeam(owner.token, unique('inv'), IP);
	TX = await newTeam(other.token, unique('other'), IP);
	await addMember(T, owner.token, teamAdmin, 'admin', IP);
	await addMember(T, owner.token, dev, 'developer', IP);
});

// --- hostile first ---------------------------------------------------------

test('invitations are validated', async () => {
	for (const [body, status, code] of [
		[{ email: 'nope', role: 'viewer' }, 422, 'invalid_email'],
		[{ email: guest.email, role: 'superuser' }, 422, 'invalid_role'],
		[{ email: guest.email }, 422, 'missing_field'],
		[{ role: 'viewer' }, 422, 'missing_field'],
		[{ email: guest.email, role: 'viewer', expires_at:
		    '2099-01-01T00:00:00Z' }, 400, 'unknown_field'],
		[{ email: guest.email, role: 'viewer', team_id: TX }, 400,
		    'unknown_field'],
	]) {
		const r = await as(owner).post(invitations(), body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code);
	}
	assert.deepEqual(await pending(), []);
});

test('who may invite: owners and admins; admins not owners', async () => {
	const e = `${unique('x')}@openpanel.test`;
	for (const [who, role, status, code] of [
		[dev, 'viewer', 403, 'forbidden'],
		[teamAdmin, 'owner', 403, 'owner_only'],
		[other, 'viewer', 404, 'not_found'],
	]) {
		const r = await invite(who, e, role);
		assert.equal(r.status, status, r.text);
		assert.equal(errorCode(r), code);
	}
	for (const who of [dev, other]) {
		const r = await as(who).get(invitations());
		assert.equal(r.status, who === dev ? 403 : 404);
	}
	assert.deepEqual(await pending(), []);
	const anon = await api('POST', invitations(), { ip: IP,
		body: { email: e, role: 'viewer' } });
	assert.equal(anon.status, 401);
});

test('only the invited account may accept', async () => {
	const inv = await invite(owner, guest.email, 'developer');
	assert.equal(inv.status, 201, inv.text);
	for (const who of [other, dev, owner]) {
		const r = await accept(who, inv.body.token);
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
	}
	assert.ok(!(await teamsOf(other)).some((t) => t.id === T));
	assert.ok((await pending()).some((i) => i.id === inv.body.id),
	    'still pending for the right account');
	const anon = await api('POST',
	    `/api/invitations/${inv.body.token}/accept`, { ip: IP });
	assert.equal(anon.status, 401);
	// A read-only token of the invited account cannot accept either.
	const t = await as(guest).post('/api/tokens', { name: 'ro',
		scope: 'read' });
	const ro = await accept(t.body.token, inv.body.token);
	const w = await as(owner).del(`${invitations()}/${inv.body.id}`);
	assert.equal(w.status, 204, 'so it was still there to withdraw');
	assert.equal(ro.status, 403);
	assert.equal(errorCode(ro), 'read_only_token');
});

test('garbage, foreign and altered tokens are 404', async () => {
	const inv = await invite(owner, guest.email, 'viewer');
	const tok = inv.body.token;
	for (const bad of ['opi_', 'opi_nothing', tok.slice(0, -1),
		tok.slice(0, -1) + (tok.endsWith('A') ? 'B' : 'A'),
		tok.replace('opi_', 'opk_'), tok.replace('opi_', ''),
		'opi_' + 'a'.repeat(100), "opi_' OR 1=1 --", 'opi_%00']) {
		const r = await accept(guest, bad);
		assert.equal(r.status, 404, `${bad}: ${r.text}`);
		assert.equal(r.headers.get('content-type'), 'application/json');
	}
	assert.ok(!(await teamsOf(guest)).some((t) => t.id === T));
	const w = await as(owner).del(`${invitations()}/${inv.body.id}`);
	assert.equal(w.status, 204);
});

test('withdrawing: by the team only, once; then it cannot be accepted',
    async () => {
	const inv = await invite(teamAdmin, guest.email, 'viewer');
	assert.equal(inv.status, 201);
	const path = `${invitations()}/${inv.body.id}`;
	for (const [who, p, status] of [
		[dev, path, 403],
		[other, path, 404],
		[other, `${invitations(TX)}/${inv.body.id}`, 404],
		[owner, `${invitations()}/00000000-0000-4000-8000-000000000000`,
		    404],
		[owner, `${invitations()}/not-a-uuid`, 404],
	]) {
		const r = await as(who).del(p);
		assert.equal(r.status, status, `${p}: ${r.text}`);
	}
	assert.ok((await pending()).some((i) => i.id === inv.body.id));
	const r = await as(teamAdmin).del(path);
	assert.equal(r.status, 204, r.text);
	assert.ok(!(await pending()).some((i) => i.id === inv.body.id));
	assert.equal((await as(owner).del(path)).status, 404);
	const late = await accept(guest, inv.body.token);
	assert.equal(late.status, 404);
	assert.ok(!(await teamsOf(guest)).some((t) => t.id === T));
});

// --- the happy paths ---------------------------------------------------------

test('invite, list, accept once; the team then shows in /me', async () => {
	const inv = await invite(owner, guest.email.toUpperCase(), 'developer');
	assert.equal(inv.status, 201, inv.text);
	const b = inv.body;
	assert.match(b.id, /^[0-9a-f-]{36}$/);
	assert.match(b.token, /^opi_[\w-]{20,}$/);
	assert.equal(b.email, guest.email, 'kept in lower case');
	assert.equal(b.role, 'developer');
	assert.equal(b.team_id, T);
	assert.equal(b.token_hash, undefined);
	const days = (Date.parse(b.expires_at) - Date.now()) / 86400e3;
	assert.ok(days > 6 && days <= 7.01, `expires in ${days} days`);

	const list = await pending();
	const item = list.find((i) => i.id === b.id);
	assert.equal(item.email, guest.email);
	assert.equal(item.role, 'developer');
	for (const i of list) {
		assert.equal(i.token, undefined, 'the list never shows tokens');
		assert.equal(i.token_hash, undefined);
	}

	const r = await accept(guest, b.token);
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { team_id: T, role: 'developer' });
	const mine = (await teamsOf(guest)).find((t) => t.id === T);
	assert.equal(mine.role, 'developer');
	assert.equal((await as(guest).get(`/api/teams/${T}`)).body.role,
	    'developer');
	assert.ok(!(await pending()).some((i) => i.id === b.id),
	    'no longer pending');

	const again = await accept(guest, b.token);
	assert.equal(again.status, 409);
	assert.equal(errorCode(again), 'invitation_used_or_expired');
	const gone = await as(owner).del(`${invitations()}/${b.id}`);
	assert.equal(gone.status, 404, 'an accepted invitation is not withdrawn');
	assert.equal((await teamsOf(guest)).find((t) => t.id === T).role,
	    'developer');
});

test('accepting twice at once: one wins, one is refused', async () => {
	const [racer] = await newUsers(admin, 1);
	const inv = await invite(owner, racer.email, 'viewer');
	const [a, b] = await Promise.all([accept(racer, inv.body.token),
		accept(racer, inv.body.token)]);
	assert.deepEqual([a.status, b.status].sort(), [200, 409],
	    `${a.text} ${b.text}`);
	const members = await as(owner).get(`/api/teams/${T}/members`);
	assert.equal(members.body.items.filter((m) => m.user_id === racer.id)
	    .length, 1);
	assert.equal((await as(owner).del(`/api/teams/${T}/members/${racer.id}`))
	    .status, 204);
});

test('a second invitation for a member is refused on accept', async () => {
	const inv = await invite(owner, dev.email, 'admin');
	assert.equal(inv.status, 201);
	const r = await accept(dev, inv.body.token);
	assert.equal(r.status, 409);
	assert.equal(errorCode(r), 'already_member');
	const t = (await teamsOf(dev)).find((x) => x.id === T);
	assert.equal(t.role, 'developer', 'the role did not change');
	await as(owner).del(`${invitations()}/${inv.body.id}`);
});

test('owners may invite owners', async () => {
	const [newcomer] = await newUsers(admin, 1);
	const inv = await invite(owner, newcomer.email, 'owner');
	assert.equal(inv.status, 201, inv.text);
	const r = await accept(newcomer, inv.body.token);
	assert.deepEqual(r.body, { team_id: T, role: 'owner' });
	const rm = await as(newcomer).del(`/api/teams/${T}/members/${owner.id}`);
	assert.equal(rm.status, 204, 'a full owner');
	await addMember(T, newcomer.token, owner, 'owner', IP);
	assert.equal((await as(owner).del(
	    `/api/teams/${T}/members/${newcomer.id}`)).status, 204);
});

test('invitations die with their team', async () => {
	const id = await newTeam(owner.token, unique('doomed'), IP);
	const inv = await invite(owner, other.email, 'viewer', id);
	assert.equal(inv.status, 201);
	assert.equal((await as(owner).del(`/api/teams/${id}`)).status, 204);
	const r = await accept(other, inv.body.token);
	assert.equal(r.status, 404);
	assert.ok(!(await teamsOf(other)).some((t) => t.id === id));
});
