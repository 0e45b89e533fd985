// Bad input, everywhere: every operation docs/openapi.yaml documents is
// called unauthenticated, with a malformed JSON body, an oversized body,
// each declared body field of the wrong type or holding control bytes,
// each declared query argument malformed, a malformed path id, and — as a
// member of another team — with the ids of a team's objects. The rule:
// a 4xx carrying the API's error body, never a 5xx, and nothing changed
// (the team's lists read the same afterwards, and the audit trail gained
// no successful event).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, addr, adminToken, newUser, unique } from './lib/client.mjs';
import { newTeam, until } from './lib/fixtures.mjs';
import { operations, openapi, flatSchema } from './lib/openapi.mjs';

const BODY_MAX = 1024 * 1024;
const CONTROL = ['a\u0001b', 'nul\u0000byte', 'del\u007f', 'line\nbreak'];
// Bodies no JSON object parser should take: cut short, duplicate keys, a
// bare value, a NUL, a lone surrogate, an escaped NUL, a number past any
// double, nesting deeper than the parser goes.
const MALFORMED = ['{"a":', '[1,2', '{"a":1,"a":2}', '\u0000', '"x"', '7',
	'{"name":"\\ud800"}', '{"name":"a\\u0000b"}', '{"n":1e400}',
	'['.repeat(5000) + ']'.repeat(5000)];

let admin, owner, stranger, team, ids;
const failures = [];

before(async () => {
	admin = await adminToken();
	owner = await newUser(admin, { prefix: 'walk-owner' });
	stranger = await newUser(admin, { prefix: 'walk-stranger' });
	team = await newTeam(owner.token, unique('walked'));
	await newTeam(stranger.token, unique('other'));
	ids = await objectsOf(owner, team);
});

// One object of each kind the owner's team can have without the engine.
async function objectsOf(user, teamId) {
	const mk = async (path, body) => {
		const r = await api('POST', path, { token: user.token, ip: addr(),
			body });
		assert.ok(r.status === 201 || r.status === 200,
		    `${path}: ${r.status} ${r.text}`);
		return r.body.id;
	};
	const project = await mk('/api/projects', { team_id: teamId,
		name: unique('walked') });
	const invitation = await mk(`/api/teams/${teamId}/invitations`, {
		email: `${unique('invitee')}@openpanel.test`, role: 'viewer' });
	const token = await mk('/api/tokens', { name: unique('walked'),
		scope: 'read' });
	const channel = await mk('/api/notification-channels', {
		team_id: teamId, name: unique('walked'), kind: 'webhook',
		url: 'https://hooks.example.test/walked' });
	return { teams: teamId, users: user.id, projects: project,
		invitations: invitation, tokens: token,
		'notification-channels': channel, user_id: user.id,
		invitation_id: invitation };
}

// The path with each {param} filled: the owner's object of the kind the
// segment before it names, else a UUID that names nothing.
function fill(path, value = null) {
	return path.replace(/\{(\w+)\}/g, (m, name, at) => {
		if (value !== null)
			return value;
		const kind = path.slice(0, at).split('/').filter(Boolean).pop();
		return ids[name === 'id' ? kind : name] ?? randomUUID();
	});
}

// A value of the wrong JSON type for schema s.
function wrongType(s) {
	switch (s?.type) {
	case 'string': return 42;
	case 'integer': return '7';
	case 'number': return '7.5';
	case 'boolean': return 'yes';
	case 'array': return { not: 'an array' };
	case 'object': return ['not', 'an', 'object'];
	default: return s?.nullable ? [[]] : null;
	}
}

// A plausible value for schema s (field name as a hint), for the fields
// that must be there beside the one made wrong.
function plausible(doc, name, schema) {
	const s = flatSchema(doc, schema) ?? {};
	if (s.example !== undefined) return s.example;
	if (s.enum) return s.enum[0];
	if (s.default !== undefined) return s.default;
	if (name === 'team_id') return team;
	if (name === 'project_id') return ids.projects;
	switch (s.type) {
	case 'integer': case 'number': return s.minimum ?? 1;
	case 'boolean': return false;
	case 'array': return [];
	case 'object': return {};
	}
	if (s.format === 'uuid') return randomUUID();
	if (s.format === 'email') return `${unique('walk')}@openpanel.test`;
	if (s.format === 'date-time') return new Date(Date.now() + 864e5)
	    .toISOString();
	return 'walked-value';
}

function baseBody(doc, body) {
	const out = {};
	for (const name of body.required ?? [])
		out[name] = plausible(doc, name, body.properties?.[name]);
	return out;
}

// Record (not throw) a broken rule, so one run lists them all.
function expect4xx(what, r, allowed = null) {
	const err = r.body?.error;
	if (r.status < 400 || r.status > 499)
		failures.push(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
	else if (allowed !== null && !allowed.includes(r.status))
		failures.push(`${what}: ${r.status}, wanted ${allowed.join(' or ')}`
		    + ` ${r.text.slice(0, 200)}`);
	else if (typeof err?.code !== 'string' ||
	    !/^[a-z][a-z0-9_]*$/.test(err.code) ||
	    typeof err?.message !== 'string')
		failures.push(`${what}: ${r.status} without the error body: ` +
		    r.text.slice(0, 200));
}

const call = (op, path, opts) => api(op.method, path, { ip: addr(), ...opts });
const name = (op) => `${op.method} ${op.path}`;

// What the owner and the admin can see, for "nothing changed".
async function snapshot() {
	const reads = [
		[owner, '/api/auth/me'], [owner, '/api/teams'],
		[owner, `/api/projects?team_id=${team}`], [owner, '/api/tokens'],
		[owner, `/api/teams/${team}/members`],
		[owner, `/api/teams/${team}/invitations`],
		[owner, `/api/notification-channels?team_id=${team}`],
		[owner, `/api/projects/${ids.projects}/env`],
		[{ token: admin }, '/api/users?limit=200'],
		[{ token: admin }, '/api/settings'],
	];
	const out = {};
	for (const [who, path] of reads) {
		const r = await api('GET', path, { token: who.token, ip: addr() });
		assert.equal(r.status, 200, `${path}: ${r.text}`);
		out[path] = JSON.stringify(r.body, (k, v) =>
		    /^last_(used|seen|login)_at$/.test(k) ? undefined : v);
	}
	return out;
}

// The newest audit entry's seq.
async function auditHead() {
	const r = await api('GET', '/api/audit/logs?limit=1', { token: admin,
		ip: addr() });
	assert.equal(r.status, 200, r.text);
	return r.body.items[0]?.seq ?? 0;
}

test('the document lists the operations to walk', () => {
	const ops = operations();
	assert.ok(ops.length > 100, `only ${ops.length} operations`);
	assert.ok(ops.filter((o) => o.body).length > 30);
});

test('every documented route: bad input is a 4xx with the error body, ' +
    'and changes nothing', async () => {
	const doc = openapi();
	const before = await snapshot();
	const head = await auditHead();
	for (const op of operations()) {
		await unauthenticated(op);
		await malformed(op);
		await oversized(op);
		await wrongFields(doc, op);
		await badQuery(op);
		await badPathIds(op);
		await foreignIds(doc, op);
	}
	assert.deepEqual(await snapshot(), before, 'bad input changed state');
	await noNewSuccess(head);
	assert.deepEqual(failures, [], `${failures.length} broken rules`);
});

async function unauthenticated(op) {
	if (op.public)
		return;
	const r = await call(op, fill(op.path), op.body ? { body: {} } : {});
	expect4xx(`${name(op)} unauthenticated`, r, [401]);
}

async function malformed(op) {
	if (op.method === 'GET')
		return;
	for (const text of MALFORMED) {
		const r = await call(op, fill(op.path), { token: owner.token,
			body: text });
		expect4xx(`${name(op)} body ${JSON.stringify(text)}`, r);
	}
	const r = await call(op, fill(op.path), { token: owner.token,
		body: '{}', headers: { 'content-type': 'text/plain' } });
	expect4xx(`${name(op)} text/plain body`, r);
}

async function oversized(op) {
	if (op.method === 'GET')
		return;
	const body = JSON.stringify({ name: 'x'.repeat(BODY_MAX) });
	let r;
	try {
		r = await call(op, fill(op.path), { token: owner.token, body });
	} catch (e) {	// the gateway may close before reading it all
		if (e.cause?.code === 'UND_ERR_SOCKET' ||
		    e.cause?.code === 'ECONNRESET' || e.cause?.code === 'EPIPE')
			return;
		throw e;
	}
	expect4xx(`${name(op)} oversized body`, r, [413]);
}

// Each declared field wrong (type, null, control bytes), the required
// others plausible.
async function wrongFields(doc, op) {
	if (op.body === null)
		return;
	const base = baseBody(doc, op.body);
	const r = await call(op, fill(op.path), { token: owner.token,
		body: { ...base, no_such_field: 1 } });
	expect4xx(`${name(op)} unknown field`, r);
	for (const [field, schema] of Object.entries(op.body.properties ?? {})) {
		const s = flatSchema(doc, schema) ?? {};
		const bad = [wrongType(s)];
		if (!s.nullable)
			bad.push(null);
		if (s.type === 'string' || s.type === undefined)
			bad.push(...CONTROL);
		if (s.type === 'array')
			bad.push([wrongType(flatSchema(doc, s.items))]);
		for (const v of bad) {
			if (s.nullable && v === null)
				continue;
			if (isFreeText(op, field, v))
				continue;
			const r = await call(op, fill(op.path), { token: owner.token,
				body: { ...base, [field]: v } });
			expect4xx(`${name(op)} ${field}=${JSON.stringify(v)}`, r);
		}
	}
}

// Text that may hold line breaks by design (documented so).
function isFreeText(op, field, v) {
	return v === 'line\nbreak' && /multi-line|line breaks|PEM/i.test(
	    JSON.stringify(op.body.properties?.[field] ?? ''));
}

async function badQuery(op) {
	if (op.method !== 'GET')
		return;
	const doc = openapi();
	for (const p of op.params.filter((x) => x?.in === 'query')) {
		const s = flatSchema(doc, p.schema) ?? {};
		const values = ['%01', '%zz', 'a%00b', encodeURIComponent('x'.repeat(5000))];
		if (s.type === 'integer' || s.type === 'number')
			values.push('ten', '1e999', '-99999999999999999999');
		if (s.type === 'boolean')
			values.push('maybe');
		if (s.format === 'uuid')
			values.push('not-a-uuid');
		if (s.format === 'date-time')
			values.push('yesterday');
		if (s.enum)
			values.push('not-one-of-them');
		for (const v of values) {
			const path = fill(op.path);
			const r = await call(op, `${path}?${p.name}=${v}`, {
				token: owner.token });
			expect4xx(`${name(op)} ?${p.name}=${v.slice(0, 20)}`, r);
		}
	}
}

async function badPathIds(op) {
	if (!op.path.includes('{'))
		return;
	// ("..": the client and the gateway resolve it before any route.)
	for (const v of ['not-a-uuid', '%01', '%00', '%ff%fe',
		'00000000-0000-0000-0000-00000000000g', 'x'.repeat(300)]) {
		const r = await call(op, fill(op.path, v), { token: owner.token,
			body: op.method === 'GET' ? undefined : {} });
		expect4xx(`${name(op)} path id ${v.slice(0, 20)}`, r);
	}
}

// A member of another team, with this team's ids (in the path, or as the
// body's team_id/project_id).
async function foreignIds(doc, op) {
	if (op.public)
		return;
	const inPath = /\{\w+\}/.test(op.path);
	const props = op.body?.properties ?? {};
	const inBody = 'team_id' in props || 'project_id' in props;
	if (!inPath && !inBody)
		return;
	if (!inPath && op.method === 'GET')
		return;
	const body = op.body ? baseBody(doc, op.body) : undefined;
	if (body && 'team_id' in props) body.team_id = team;
	if (body && 'project_id' in props) body.project_id = ids.projects;
	const r = await call(op, fill(op.path), { token: stranger.token,
		body: op.method === 'GET' ? undefined : body ?? {} });
	expect4xx(`${name(op)} by another team`, r);
}

// Every audit entry after head is a failure (refused attempts are
// recorded; nothing succeeded). The walk's last refusal marks the end.
async function noNewSuccess(head) {
	const mark = await api('POST', '/api/projects', { token: owner.token,
		ip: addr(), body: '{"a":' });
	const rid = mark.headers.get('x-request-id');
	await until(async () => {
		const r = await api('GET', `/api/audit/logs?limit=50`, {
			token: admin, ip: addr() });
		return r.body?.items?.some((e) => e.request_id === rid);
	}, 'the walk\'s last refusal in the audit trail');
	const fresh = [];
	let after = null;
	for (;;) {
		const r = await api('GET', `/api/audit/logs?outcome=success` +
		    `&limit=200${after ? `&after=${after}` : ''}`, { token: admin,
			ip: addr() });
		assert.equal(r.status, 200, r.text);
		const items = r.body.items.filter((e) => e.seq > head);
		fresh.push(...items);
		if (items.length < r.body.items.length || r.body.next === null)
			break;
		after = r.body.next;
	}
	assert.deepEqual(fresh.map((e) => `${e.action} ${e.request_id}`), [],
	    'bad input left successful audit events');
}
