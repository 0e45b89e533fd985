// Teams, members and roles: who may read, change, rename and delete, and
// that another team's things are as absent as things that never were.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam } from './lib/fixtures.mjs';

const IP = addr();
const NOWHERE = '00000000-0000-4000-8000-000000000000';
let admin;
// owner, admin, developer, viewer of team T; E and L are members that
// tests move around or let go; X is an outsider with a team of its own.
let O, A, D, V, E, L, X, T, TX, invT;

const as = (who) => {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		patch: (p, body) => api('PATCH', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const team = (id = T) => `/api/teams/${id}`;
const member = (u, id = T) => `/api/teams/${id}/members/${u.id ?? u}`;
async function roleOf(u, id = T) {
	const r = await as(O).get(`${team(id)}/members`);
	assert.equal(r.status, 200, r.text);
	return r.body.items.find((m) => m.user_id === u.id)?.role;
}

before(async () => {
	admin = await adminToken();
	[O, A, D, V, E, L, X] = await newUsers(admin, 7);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, A, 'admin', IP);
	await addMember(T, O.token, D, 'developer', IP);
	await addMember(T, O.token, V, 'viewer', IP);
	await addMember(T, O.token, E, 'developer', IP);
	await addMember(T, O.token, L, 'viewer', IP);
	const inv = await as(O).post(`${team()}/invitations`,
	    { email: `${unique('pending')}@openpanel.test`, role: 'viewer' });
	invT = inv.body.id;
});

// --- hostile first ---------------------------------------------------------

test('team names are validated', async () => {
	for (const [body, status, code] of [
		[{ name: '' }, 422, 'invalid_length'],
		[{ name: ' padded ' }, 422, 'invalid_name'],
		[{ name: 'tab\there' }, 422, 'invalid_name'],
		[{ name: 'new\nline' }, 422, 'invalid_name'],
		[{ name: '\u007f' }, 422, 'invalid_name'],
		[{ name: 'x'.repeat(101) }, 422, 'invalid_length'],
		[{ name: ['a'] }, 422, 'wrong_type'],
		[{ name: null }, 422, 'wrong_type'],
		[{}, 422, 'missing_field'],
		[{ name: 'ok', owner: X.id }, 400, 'unknown_field'],
		['"just a string"', 400, 'malformed_json'],
		[[{ name: 'ok' }], 400, 'body_not_object'],
	]) {
		const r = await as(X).post('/api/teams', body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code, JSON.stringify(body));
	}
	const mine = await as(X).get('/api/teams');
	assert.deepEqual(mine.body.items.map((t) => t.id), [TX],
	    'nothing was created');
});

test("a non-member gets 404 for everything of another team", async () => {
	const x = as(X);
	for (const r of [
		await x.get(team()),
		await x.patch(team(), { name: 'mine now' }),
		await x.del(team()),
		await x.get(`${team()}/members`),
		await x.patch(member(A), { role: 'viewer' }),
		await x.patch(member(X), { role: 'owner' }),
		await x.del(member(O)),
		await x.get(`${team()}/invitations`),
		await x.post(`${team()}/invitations`, { email: X.email,
			role: 'owner' }),
		await x.del(`${team()}/invitations/${invT}`),
	]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
		assert.ok(!r.text.includes(O.email), 'nothing leaks');
	}
	const list = await x.get('/api/teams');
	assert.ok(!list.body.items.some((t) => t.id === T));
	// T is untouched.
	const t = await as(O).get(team());
	assert.equal(t.status, 200);
	assert.equal(t.body.member_count, 6);
	assert.equal(await roleOf(A), 'admin');
	assert.equal(await roleOf(X), undefined);
	const invs = await as(O).get(`${team()}/invitations`);
	assert.ok(invs.body.items.some((i) => i.id === invT));
});

test("one team's ids do not reach into another", async () => {
	// X owns TX: its power there does not extend to T's members or
	// invitations named through TX's path.
	for (const r of [
		await as(X).patch(member(A, TX), { role: 'viewer' }),
		await as(X).del(member(O, TX)),
		await as(X).del(`${team(TX)}/invitations/${invT}`),
	]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
	}
	// and T's owner has no say in TX
	for (const r of [await as(O).get(team(TX)),
		await as(O).del(member(X, TX)),
		await as(O).patch(member(X, TX), { role: 'viewer' })]) {
		assert.equal(r.status, 404, r.text);
	}
	assert.equal(await roleOf(A), 'admin');
	const invs = await as(O).get(`${team()}/invitations`);
	assert.ok(invs.body.items.some((i) => i.id === invT));
	assert.equal((await as(X).get(team(TX))).body.role, 'owner');
});

test('malformed and unknown team and member ids are 404', async () => {
	for (const id of [NOWHERE, 'nope', `${T}0`, T.toUpperCase().slice(1),
		'..', '%2e%2e']) {
		const r = await as(O).get(`/api/teams/${id}`);
		assert.equal(r.status, 404, `${id}: ${r.text}`);
		assert.equal(r.headers.get('content-type'), 'application/json');
	}
	for (const r of [await as(O).patch(member(NOWHERE), { role: 'viewer' }),
		await as(O).patch(member('not-a-uuid'), { role: 'viewer' }),
		await as(O).del(member(NOWHERE)),
		await as(O).del(member(X))]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
	}
});

test('viewers and developers read the team but change nothing', async () => {
	for (const [who, role] of [[V, 'viewer'], [D, 'developer']]) {
		const u = as(who);
		const t = await u.get(team());
		assert.equal(t.status, 200);
		assert.equal(t.body.role, role);
		assert.equal((await u.get(`${team()}/members`)).status, 200);
		for (const r of [
			await u.patch(team(), { name: 'renamed' }),
			await u.del(team()),
			await u.patch(member(E), { role: 'viewer' }),
			await u.patch(member(who), { role: 'admin' }),
			await u.del(member(E)),
			await u.get(`${team()}/invitations`),
			await u.post(`${team()}/invitations`, {
				email: `${unique('v')}@openpanel.test`, role: 'viewer' }),
			await u.del(`${team()}/invitations/${invT}`),
		]) {
			assert.equal(r.status, 403, `${role}: ${r.text}`);
			assert.equal(errorCode(r), 'forbidden');
		}
	}
	assert.equal(await roleOf(V), 'viewer');
	assert.equal(await roleOf(D), 'developer');
	assert.equal(await roleOf(E), 'developer');
});

test('team admins manage members, but not owners nor the team', async () => {
	const a = as(A);
	for (const [r, code] of [
		[await a.patch(member(E), { role: 'owner' }), 'owner_only'],
		[await a.patch(member(A), { role: 'owner' }), 'owner_only'],
		[await a.patch(member(O), { role: 'admin' }), 'owner_only'],
		[await a.del(member(O)), 'owner_only'],
		[await a.post(`${team()}/invitations`, { email:
			`${unique('o')}@openpanel.test`, role: 'owner' }),
		    'owner_only'],
		[await a.patch(team(), { name: 'renamed' }), 'forbidden'],
		[await a.del(team()), 'forbidden'],
	]) {
		assert.equal(r.status, 403, r.text);
		assert.equal(errorCode(r), code);
	}
	assert.equal(await roleOf(O), 'owner');
	assert.equal(await roleOf(A), 'admin');
	assert.equal((await a.get(team())).body.name,
	    (await as(O).get(team())).body.name);

	const down = await a.patch(member(E), { role: 'viewer' });
	assert.equal(down.status, 200, down.text);
	assert.equal(down.body.role, 'viewer');
	assert.equal(down.body.user_id, E.id);
	const up = await a.patch(member(E), { role: 'admin' });
	assert.equal(up.status, 200);
	assert.equal(await roleOf(E), 'admin');
	const back = await a.patch(member(E), { role: 'developer' });
	assert.equal(back.status, 200);
	assert.equal((await a.get(`${team()}/invitations`)).status, 200);
});

test('member roles are validated', async () => {
	for (const [body, status, code] of [
		[{ role: 'root' }, 422, 'invalid_role'],
		[{ role: 'Owner' }, 422, 'invalid_role'],
		[{ role: '' }, 422, 'invalid_length'],
		[{ role: 3 }, 422, 'wrong_type'],
		[{}, 422, 'missing_field'],
		[{ role: 'viewer', team_id: TX }, 400, 'unknown_field'],
	]) {
		const r = await as(O).patch(member(E), body);
		assert.equal(r.status, status, JSON.stringify(body));
		assert.equal(errorCode(r), code);
	}
	assert.equal(await roleOf(E), 'developer');
});

test('a team never loses its last owner', async () => {
	const o = as(O);
	for (const r of [await o.patch(member(O), { role: 'admin' }),
		await o.del(member(O))]) {
		assert.equal(r.status, 409, r.text);
		assert.equal(errorCode(r), 'last_owner');
	}
	assert.equal(await roleOf(O), 'owner');
	// With a second owner, either may step down, and owners remove owners.
	const up = await o.patch(member(E), { role: 'owner' });
	assert.equal(up.status, 200, up.text);
	const forA = await as(A).del(member(E));
	assert.equal(forA.status, 403, 'admins do not remove owners');
	assert.equal(errorCode(forA), 'owner_only');
	const step = await as(E).patch(member(E), { role: 'developer' });
	assert.equal(step.status, 200, step.text);
	assert.equal(await roleOf(E), 'developer');
	assert.equal((await o.patch(member(E), { role: 'owner' })).status, 200);
	const rm = await as(E).del(member(O));
	assert.equal(rm.status, 204, 'an owner removes another owner');
	assert.equal((await as(O).get(team())).status, 404, 'O is out');
	const last = await as(E).del(member(E));
	assert.equal(last.status, 409);
	assert.equal(errorCode(last), 'last_owner');
	// Put things back: E invites O back as owner.
	await addMember(T, E.token, O, 'owner', IP);
	assert.equal((await o.patch(member(E), { role: 'developer' })).status,
	    200);
	assert.equal(await roleOf(O), 'owner');
});

test('two owners demoting each other at once leave one owner', async () => {
	const id = await newTeam(O.token, unique('race'), IP);
	await addMember(id, O.token, E, 'owner', IP);
	const [a, b] = await Promise.all([
		as(O).patch(member(E, id), { role: 'admin' }),
		as(E).patch(member(O, id), { role: 'admin' })]);
	// One wins. The other finds either no other owner left (409), or,
	// when the winner committed before it was even let in, that it is no
	// owner any more (403).
	assert.equal([a, b].filter((r) => r.status === 200).length, 1,
	    `${a.text} ${b.text}`);
	const lost = a.status === 200 ? b : a;
	assert.ok((lost.status === 409 && errorCode(lost) === 'last_owner') ||
	    (lost.status === 403 && errorCode(lost) === 'owner_only'), lost.text);
	const left = await as(admin).get(`${team(id)}/members`);
	const owners = left.body.items.filter((m) => m.role === 'owner');
	assert.equal(owners.length, 1);
	// and the same for leaving together
	const other = owners[0].user_id === O.id ? E : O;
	const up = await as(owners[0].user_id === O.id ? O : E)
	    .patch(member(other, id), { role: 'owner' });
	assert.equal(up.status, 200);
	const [c, d] = await Promise.all([as(O).del(member(O, id)),
		as(E).del(member(E, id))]);
	assert.deepEqual([c.status, d.status].sort(), [204, 409]);
	const after = await as(admin).get(`${team(id)}/members`);
	assert.equal(after.body.items.filter((m) => m.role === 'owner').length,
	    1);
	const last = after.body.items[0].user_id === O.id ? O : E;
	assert.equal((await as(last).del(team(id))).status, 204);
});

test('any member may leave; then the team is gone for them', async () => {
	const r = await as(L).del(member(L));
	assert.equal(r.status, 204, r.text);
	const t = await as(L).get(team());
	assert.equal(t.status, 404);
	const me = await as(L).get('/api/auth/me');
	assert.ok(!me.body.teams.some((x) => x.id === T));
	assert.equal(await roleOf(L), undefined);
	const again = await as(L).del(member(L));
	assert.equal(again.status, 404);
});

test('lists show my teams with my role; instance admins see all',
    async () => {
	const o = await as(O).get('/api/teams');
	assert.equal(o.status, 200);
	const mineT = o.body.items.find((t) => t.id === T);
	assert.equal(mineT.role, 'owner');
	const v = await as(V).get('/api/teams');
	assert.deepEqual(v.body.items.map((t) => [t.id, t.role]),
	    [[T, 'viewer']]);
	assert.equal(v.body.next, null);
	const all = [];
	let after = null;
	do {
		const r = await as(admin).get(`/api/teams?limit=200${after ?
		    `&after=${after}` : ''}`);
		assert.equal(r.status, 200);
		all.push(...r.body.items.map((t) => t.id));
		after = r.body.next;
	} while (after);
	assert.ok(all.includes(T) && all.includes(TX));
	assert.equal((await as(admin).get(team(TX))).status, 200);
	assert.equal((await as(admin).get(`${team(TX)}/members`)).status, 200);
});

test('team lists page with limit and after', async () => {
	const ids = [TX];
	for (let i = 0; i < 2; i++)
		ids.push(await newTeam(X.token, unique('page'), IP));
	const seen = [];
	let after = null;
	for (;;) {
		const r = await as(X).get(`/api/teams?limit=2${after ?
		    `&after=${after}` : ''}`);
		assert.equal(r.status, 200, r.text);
		assert.ok(r.body.items.length <= 2);
		seen.push(...r.body.items.map((t) => t.id));
		if (!r.body.next) break;
		after = r.body.next;
	}
	assert.deepEqual(seen, ids);
	for (const id of ids.slice(1))
		assert.equal((await as(X).del(team(id))).status, 204);
});

test('members list shows who holds which role', async () => {
	const r = await as(V).get(`${team()}/members`);
	assert.equal(r.status, 200);
	assert.equal(r.body.next, null);
	const roles = Object.fromEntries(r.body.items.map((m) =>
	    [m.user_id, m.role]));
	assert.deepEqual(roles, { [O.id]: 'owner', [A.id]: 'admin',
		[D.id]: 'developer', [V.id]: 'viewer', [E.id]: 'developer' });
	const m = r.body.items.find((x) => x.user_id === D.id);
	assert.equal(m.email, D.email);
	assert.ok('name' in m);
	for (const x of r.body.items) {
		assert.equal(x.password_hash, undefined);
		assert.equal(x.totp_secret, undefined);
	}
	const t = await as(V).get(team());
	assert.equal(t.body.member_count, 5);
});

test('owners rename and delete; the team is then gone for everyone',
    async () => {
	const made = await as(O).post('/api/teams', { name: 'Short Lived ✓' });
	assert.equal(made.status, 201, made.text);
	assert.equal(made.body.name, 'Short Lived ✓');
	assert.equal(made.body.role, 'owner');
	assert.match(made.body.id, /^[0-9a-f-]{36}$/);
	assert.ok(made.body.created_at);
	const id = made.body.id;
	await addMember(id, O.token, V, 'viewer', IP);
	const bad = await as(O).patch(team(id), { name: '' });
	assert.equal(bad.status, 422);
	const name = unique('renamed');
	const r = await as(O).patch(team(id), { name });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.name, name);
	assert.equal((await as(V).get(team(id))).body.name, name);
	const me = await as(V).get('/api/auth/me');
	assert.ok(me.body.teams.some((t) => t.id === id && t.name === name &&
	    t.role === 'viewer'));

	const del = await as(O).del(team(id));
	assert.equal(del.status, 204, del.text);
	for (const who of [O, V]) {
		assert.equal((await as(who).get(team(id))).status, 404);
		assert.equal((await as(who).get(`${team(id)}/members`)).status,
		    404);
		const m = await as(who).get('/api/auth/me');
		assert.ok(!m.body.teams.some((t) => t.id === id));
	}
	assert.equal((await as(admin).get(team(id))).status, 404);
	assert.equal((await as(O).del(team(id))).status, 404);
});
