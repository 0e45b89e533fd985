// The trail's query side: who reads which rows (instance admins all,
// team owners and admins their teams', others nothing), the filters of
// GET /api/audit/logs agreeing with each other, with the export and with
// the stats, keyset pages that miss and repeat nothing, CSV that parses
// back and neutralises formulas, and a row for every change the panel
// makes. The consumer writes rows asynchronously: the suite polls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, errorCode, unique } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, until, sleep } from
    './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';

const IP = addr();
const NOWHERE = '00000000-0000-4000-8000-000000000000';
const IMAGE = 'openpanel-test/busybox:1';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const CSV_COLUMNS = ['seq', 'event_id', 'time', 'action', 'outcome',
	'team_id', 'actor_id', 'actor_ip', 'user_agent', 'subject_kind',
	'subject_id', 'request_id', 'data', 'hash'];
// A team name a spreadsheet and a naive CSV writer would both trip on.
const NAME = `=HYPERLINK("x"), "quoted" ${unique('t')}`;
// User agents that would be formulas in a spreadsheet cell.
const FORMULAS = ['=1+2', '+SUM(A1)', '-2+3', '@cmd', 'plain, "agent"'];

let admin;
// O owns T, A administers it, D develops in it; X owns TX; N has no team.
let O, A, D, X, N, T, TX;
const projects = new Set();

const get = (token, path, headers) => api('GET', path, { token, ip: IP,
	headers });
const q = (params) => {
	const s = new URLSearchParams(params).toString();
	return s ? `?${s}` : '';
};

// Every row a query answers, page after page (newest first).
async function all(token, params = {}, limit = 200) {
	const rows = [];
	let after = null;
	for (let pages = 0; pages < 10000; pages++) {
		const r = await get(token, `/api/audit/logs${q({ ...params, limit,
			...(after ? { after } : {}) })}`);
		assert.equal(r.status, 200, r.text);
		assert.ok(r.body.items.length <= limit);
		rows.push(...r.body.items);
		if (r.body.next === null)
			return rows;
		assert.equal(r.body.next, String(r.body.items.at(-1).seq),
		    'next is the last row\'s seq');
		after = r.body.next;
	}
	assert.fail('pages never ended');
}

async function exported(token, params, format) {
	const r = await get(token, `/api/audit/export${q({ ...params,
		format })}`);
	assert.equal(r.status, 200, r.text);
	return r;
}

// The lines of a JSONL export, parsed.
async function jsonl(token, params) {
	const r = await exported(token, params, 'jsonl');
	assert.match(r.headers.get('content-type'), /^application\/x-ndjson/);
	assert.ok(r.text === '' || r.text.endsWith('\n'));
	return r.text.split('\n').filter((l) => l !== '')
	    .map((l) => JSON.parse(l));
}

// RFC 4180: records of fields, quoted fields with "" for a quote.
function parseCsv(text) {
	const records = [];
	let field = '', record = [], i = 0, quoted = false;
	while (i < text.length) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; }
			else if (c === '"') { quoted = false; i++; }
			else { field += c; i++; }
		} else if (c === '"' && field === '') { quoted = true; i++; }
		else if (c === ',') { record.push(field); field = ''; i++; }
		else if (c === '\r' && text[i + 1] === '\n') {
			record.push(field);
			records.push(record);
			field = '';
			record = [];
			i += 2;
		} else {
			assert.notEqual(c, '"', 'a bare quote inside a field');
			assert.notEqual(c, '\n', 'a bare LF ends a record');
			field += c;
			i++;
		}
	}
	assert.equal(field, '', 'the last record ends in CRLF');
	assert.equal(record.length, 0, 'the last record ends in CRLF');
	return records;
}

// CSV export as [header, objects keyed by header].
async function csv(token, params) {
	const r = await exported(token, params, 'csv');
	assert.match(r.headers.get('content-type'), /^text\/csv/);
	assert.match(r.headers.get('content-disposition'), /attachment/);
	const [header, ...rest] = parseCsv(r.text);
	return [header, rest.map((rec) => {
		assert.equal(rec.length, header.length, JSON.stringify(rec));
		return Object.fromEntries(header.map((h, k) => [h, rec[k]]));
	})];
}

const seqs = (rows) => rows.map((e) => e.seq);

// Wait until the trail holds a row matching pred among what params
// finds (as the admin): the consumer writes them asynchronously.
const rowFor = (params, pred, what) => until(async () =>
	(await all(admin, params)).find(pred), what, 30000, 200);

before(async () => {
	admin = await adminToken();
	[O, A, D, X, N] = await newUsers(admin, 5);
	T = await newTeam(O.token, unique('audited'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, A, 'admin', IP);
	await addMember(T, O.token, D, 'developer', IP);
	// Renames by O whose user agents are formulas; the last one gives T
	// its awkward name.
	for (const [k, ua] of FORMULAS.entries()) {
		const r = await api('PATCH', `/api/teams/${T}`, { token: O.token,
			ip: IP, headers: { 'user-agent': ua }, body: { name:
			k === FORMULAS.length - 1 ? NAME : unique('renamed') } });
		assert.equal(r.status, 200, r.text);
	}
	// D's refused rename: a failure in the trail, with D as its actor.
	const denied = await api('PATCH', `/api/teams/${T}`, { token: D.token,
		ip: IP, body: { name: 'not yours' } });
	assert.equal(denied.status, 403);
	await rowFor({ team_id: T }, (e) => e.action === 'team.updated' &&
	    e.data?.name === NAME, 'T\'s last rename in the trail');
	await rowFor({ actor_id: D.id, outcome: 'failure' }, () => true,
	    'D\'s refused rename in the trail');
});

after(async () => {
	for (const id of projects) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ---------------------------------------------------------

test('bad input is refused before anything is read', async () => {
	for (const [path, status, code, field] of [
		['/api/audit/logs?limit=0', 422, 'out_of_range', 'limit'],
		['/api/audit/logs?limit=201', 422, 'out_of_range', 'limit'],
		['/api/audit/logs?limit=ten', 422, 'out_of_range', 'limit'],
		['/api/audit/logs?after=abc', 422, 'out_of_range', 'after'],
		['/api/audit/logs?after=-1', 422, 'out_of_range', 'after'],
		['/api/audit/logs?after=1e3', 422, 'out_of_range', 'after'],
		['/api/audit/logs?since=yesterday', 422, 'invalid_length', 'since'],
		['/api/audit/logs?since=2026-13-01T00:00:00Z', 422,
		    'invalid_time', 'since'],
		['/api/audit/logs?until=2026-01-01T25:00:00Z', 422,
		    'invalid_time', 'until'],
		['/api/audit/logs?since=2026-02-01T00:00:00Z&until=' +
		    '2026-01-01T00:00:00Z', 422, 'invalid_range', 'until'],
		['/api/audit/logs?team_id=not-a-uuid', 422, 'invalid_length',
		    'team_id'],
		['/api/audit/logs?actor_id=zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
		    422, 'invalid_actor_id', 'actor_id'],
		['/api/audit/logs?action=Project.Created', 422, 'invalid_action',
		    'action'],
		['/api/audit/logs?action=project.*.x', 422, 'invalid_action',
		    'action'],
		['/api/audit/logs?action=a%25', 422, 'invalid_action', 'action'],
		['/api/audit/logs?outcome=unknown', 422, 'invalid_outcome',
		    'outcome'],
		['/api/audit/logs?subject_id=a%01b', 400, null, null],
		['/api/audit/logs?subject_kind=Team', 422, 'invalid_subject_kind',
		    'subject_kind'],
		['/api/audit/logs?bogus=1', 400, 'unknown_parameter', null],
		['/api/audit/logs?limit=1&limit=2', 400, 'repeated_parameter',
		    'limit'],
		['/api/audit/logs?format=csv', 400, 'unknown_parameter', null],
		['/api/audit/stats?limit=5', 400, 'unknown_parameter', null],
		['/api/audit/stats?after=5', 400, 'unknown_parameter', null],
		['/api/audit/stats?since=nope', 422, 'invalid_length', 'since'],
		['/api/audit/export?format=xml', 422, 'invalid_format', 'format'],
		['/api/audit/export', 422, 'missing_field', 'format'],
		['/api/audit/export?format=csv&limit=10', 400,
		    'unknown_parameter', null],
		['/api/audit/export?format=csv&after=10', 400,
		    'unknown_parameter', null],
		['/api/audit/export?format=jsonl&outcome=failing', 422,
		    'invalid_outcome', 'outcome'],
	]) {
		const r = await get(admin, path);
		assert.equal(r.status, status, `${path}: ${r.text}`);
		assert.match(r.headers.get('content-type'), /application\/json/,
		    path);
		if (code !== null)
			assert.equal(errorCode(r), code, path);
		if (field !== null)
			assert.equal(r.body.error.field, field, path);
	}
	const anon = await api('GET', '/api/audit/logs', { ip: IP });
	assert.equal(anon.status, 401);
});

test('who is not an owner or admin of a team reads nothing', async () => {
	for (const path of ['/api/audit/logs', '/api/audit/stats',
		'/api/audit/export?format=csv', `/api/audit/logs?team_id=${T}`,
		`/api/audit/stats?team_id=${T}`,
		`/api/audit/export?format=jsonl&team_id=${T}`]) {
		// D develops in T and owns nothing; N is in no team.
		const d = await get(D.token, path);
		assert.equal(d.status, 403, `D ${path}: ${d.text}`);
		assert.equal(errorCode(d), 'forbidden');
		assert.match(d.headers.get('content-type'), /application\/json/);
		if (!path.includes('team_id')) {
			const n = await get(N.token, path);
			assert.equal(n.status, 403, `N ${path}: ${n.text}`);
		}
	}
	// Another team's trail is no trail at all; so is a team that is not.
	for (const [who, team] of [[X, T], [N, T], [O, TX], [O, NOWHERE]]) {
		for (const path of [`/api/audit/logs?team_id=${team}`,
			`/api/audit/stats?team_id=${team}`,
			`/api/audit/export?format=csv&team_id=${team}`]) {
			const r = await get(who.token, path);
			assert.equal(r.status, 404, `${path}: ${r.text}`);
			assert.equal(errorCode(r), 'not_found');
		}
	}
});

// --- who sees what -----------------------------------------------------------

test('team owners and admins read their team\'s trail, and only it', async () => {
	const byO = await all(O.token, { team_id: T });
	assert.ok(byO.length >= 9, `T's rows: ${byO.length}`);
	assert.ok(byO.every((e) => e.team_id === T));
	const created = byO.find((e) => e.action === 'team.created');
	assert.ok(created, 'team.created is in T\'s trail');
	assert.deepEqual(created.subject, { kind: 'team', id: T });
	assert.equal(created.actor.user_id, O.id);
	assert.equal(created.actor.ip, IP);
	assert.equal(created.outcome, 'success');
	assert.match(created.event_id, /^[0-9a-f-]{36}$/);
	assert.match(created.hash, /^[0-9a-f]{64}$/);
	assert.match(created.request_id, /^[0-9a-f]{32}$/);
	assert.match(created.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	assert.equal(typeof created.seq, 'number');
	assert.equal(typeof created.data.name, 'string');
	// Without team_id: the rows of every team O owns — T's alone here.
	assert.deepEqual(seqs(await all(O.token)), seqs(byO));
	// A team admin reads the same; the instance admin too.
	assert.deepEqual(seqs(await all(A.token, { team_id: T })), seqs(byO));
	assert.deepEqual(seqs(await all(admin, { team_id: T })), seqs(byO));
	// X reads TX's rows and never T's.
	const byX = await all(X.token);
	assert.ok(byX.length >= 2);
	assert.ok(byX.every((e) => e.team_id === TX));
	// Rows of no team (sign-ins, users) are the instance admin's alone.
	assert.deepEqual(await all(O.token, { action: 'user.' }), []);
	assert.ok(byO.every((e) => !e.action.startsWith('user.')));
});

test('a read-only token of a team owner may read the trail', async () => {
	const t = await api('POST', '/api/tokens', { token: O.token, ip: IP,
		body: { name: unique('ro'), scope: 'read' } });
	assert.equal(t.status, 201, t.text);
	const r = await get(t.body.token, `/api/audit/logs?team_id=${T}`);
	assert.equal(r.status, 200, r.text);
	assert.ok(r.body.items.length > 0);
	const s = await get(t.body.token, `/api/audit/stats?team_id=${T}`);
	assert.equal(s.status, 200, s.text);
	await api('DELETE', `/api/tokens/${t.body.id}`, { token: O.token,
		ip: IP });
});

test('the instance admin sees sign-ins, failed ones with their address',
    async () => {
	const bad = addr(), good = addr();
	const f = await api('POST', '/api/auth/login', { ip: bad, body: {
		email: N.email, password: 'not the password at all' } });
	assert.equal(f.status, 401);
	const ok = await api('POST', '/api/auth/login', { ip: good, body: {
		email: N.email, password: N.password } });
	assert.equal(ok.status, 200, ok.text);
	const failed = await rowFor({ action: 'user.login_failed',
		subject_id: N.id }, (e) => e.actor.ip === bad,
	    'the failed sign-in');
	assert.equal(failed.outcome, 'failure');
	assert.equal(failed.team_id, null);
	assert.deepEqual(failed.subject, { kind: 'user', id: N.id });
	assert.equal(failed.request_id, f.headers.get('x-request-id'));
	assert.equal(failed.data.email, N.email);
	const signed = await rowFor({ action: 'user.login', subject_id: N.id },
	    (e) => e.actor.ip === good, 'the sign-in');
	assert.equal(signed.outcome, 'success');
	assert.equal(signed.actor.user_id, N.id);
	assert.equal(signed.request_id, ok.headers.get('x-request-id'));
	// The prefix finds both; outcome tells them apart.
	const both = await all(admin, { action: 'user.login', subject_id: N.id });
	assert.ok(both.every((e) => e.action === 'user.login'));
	const prefix = await all(admin, { action: 'user.', subject_id: N.id });
	for (const e of [failed, signed])
		assert.ok(prefix.some((p) => p.seq === e.seq), e.action);
	const failures = await all(admin, { subject_id: N.id,
		outcome: 'failure' });
	assert.ok(failures.some((e) => e.seq === failed.seq));
	assert.ok(failures.every((e) => e.outcome === 'failure'));
	assert.ok(!failures.some((e) => e.seq === signed.seq));
	// Nobody but the instance admin sees them.
	assert.deepEqual(await all(O.token, { subject_id: N.id }), []);
});

// --- filters, pages, export, stats -----------------------------------------

test('the filters agree with each other and with the export', async () => {
	const everything = await all(admin, { team_id: T });
	const mine = await all(admin, { actor_id: D.id });
	assert.ok(mine.some((e) => e.outcome === 'failure'), 'D was refused');
	assert.ok(mine.some((e) => e.outcome === 'success'), 'D joined T');
	const times = everything.map((e) => e.time).sort();
	const mid = times[Math.floor(times.length / 2)];
	const cases = [
		[{ team_id: T }, everything, () => true],
		[{ team_id: T, action: 'team.created' }, everything,
		    (e) => e.action === 'team.created'],
		[{ team_id: T, action: 'team.' }, everything,
		    (e) => e.action.startsWith('team.')],
		[{ team_id: T, action: 'team.*' }, everything,
		    (e) => e.action.startsWith('team.')],
		[{ team_id: T, action: 'team.member_*' }, everything,
		    (e) => e.action.startsWith('team.member_')],
		// Without '.' or '*' at its end an action is exact; '_' is
		// itself, not LIKE's any character (it would match the '.').
		[{ team_id: T, action: 'team.member_' }, everything, () => false],
		[{ team_id: T, action: 'team_*' }, everything, () => false],
		[{ team_id: T, action: 'team' }, everything, () => false],
		[{ team_id: T, actor_id: A.id }, everything,
		    (e) => e.actor.user_id === A.id],
		[{ team_id: T, subject_kind: 'user', subject_id: D.id }, everything,
		    (e) => e.subject.kind === 'user' && e.subject.id === D.id],
		[{ team_id: T, subject_kind: 'team' }, everything,
		    (e) => e.subject.kind === 'team'],
		[{ team_id: T, since: mid }, everything, (e) => e.time >= mid],
		[{ team_id: T, until: mid }, everything, (e) => e.time < mid],
		[{ team_id: T, since: mid, until: mid }, everything, () => false],
		[{ actor_id: D.id, outcome: 'failure' }, mine,
		    (e) => e.outcome === 'failure'],
		[{ actor_id: D.id, outcome: 'success' }, mine,
		    (e) => e.outcome === 'success'],
		[{ actor_id: D.id, team_id: T, outcome: 'success' }, mine,
		    (e) => e.outcome === 'success' && e.team_id === T],
	];
	for (const [params, from, pred] of cases) {
		const what = JSON.stringify(params);
		const want = seqs(from.filter(pred));
		const got = await all(admin, params);
		assert.deepEqual(seqs(got), want, `logs ${what}`);
		// The export: oldest first, the same rows, the same entries.
		const lines = await jsonl(admin, params);
		assert.deepEqual(lines, [...got].reverse(), `jsonl ${what}`);
		const [, rows] = await csv(admin, params);
		assert.deepEqual(rows.map((e) => Number(e.seq)),
		    [...want].reverse(), `csv ${what}`);
	}
	assert.ok(everything.some((e) => e.action === 'team.created'));
	assert.ok(everything.some((e) => e.time < mid));
});

test('pages of every size give every row once, newest first', async () => {
	const whole = await all(admin, { team_id: T }, 200);
	const s = seqs(whole);
	assert.ok(s.length >= 9);
	for (let k = 1; k < s.length; k++)
		assert.ok(s[k - 1] > s[k], 'newest first, no repeats');
	for (const limit of [1, 2, 3, 7, s.length, s.length + 1])
		assert.deepEqual(seqs(await all(admin, { team_id: T }, limit)), s,
		    `limit ${limit}`);
	// Exactly a page: the last one says there is no more.
	const exact = await get(admin, `/api/audit/logs?team_id=${T}` +
	    `&limit=${s.length}`);
	assert.equal(exact.body.next, null);
	const first = await get(admin, `/api/audit/logs?team_id=${T}&limit=50`);
	assert.deepEqual(seqs(first.body.items), s.slice(0, 50));
	// after is exclusive, and a cursor past the oldest row is an empty page.
	const tail = await get(admin, `/api/audit/logs?team_id=${T}` +
	    `&after=${s[0]}`);
	assert.deepEqual(seqs(tail.body.items), s.slice(1, 51));
	const none = await get(admin, `/api/audit/logs?team_id=${T}` +
	    `&after=${s.at(-1)}`);
	assert.deepEqual(none.body, { items: [], next: null });
	// The whole trail up to a moment, paged, is the export of it (once
	// the consumer has caught up with that moment).
	await sleep(1500);
	const until_ = new Date(Date.now() - 1000).toISOString();
	let paged, lines;
	await until(async () => {
		paged = seqs(await all(admin, { until: until_ }, 50));
		lines = seqs(await jsonl(admin, { until: until_ })).reverse();
		return JSON.stringify(paged) === JSON.stringify(lines);
	}, 'pages and export to agree', 10000, 500).catch(() => {});
	assert.deepEqual(paged, lines);
	assert.equal(new Set(paged).size, paged.length);
	for (let k = 1; k < paged.length; k++)
		assert.ok(paged[k - 1] > paged[k]);
});

test('the CSV export parses back, quoted and without formulas', async () => {
	const [header, rows] = await csv(O.token, { team_id: T });
	assert.deepEqual(header, CSV_COLUMNS);
	const logs = await all(O.token, { team_id: T });
	assert.deepEqual(rows.map((e) => Number(e.seq)), seqs(logs).reverse(),
	    'the same rows, oldest first');
	for (const e of rows) {
		const l = logs.find((x) => x.seq === Number(e.seq));
		assert.equal(e.event_id, l.event_id);
		assert.equal(e.action, l.action);
		assert.equal(e.time, l.time);
		assert.equal(e.team_id, T);
		assert.equal(e.actor_id, l.actor.user_id ?? '');
		assert.equal(e.request_id, l.request_id);
		assert.equal(e.hash, l.hash);
		assert.deepEqual(JSON.parse(e.data), l.data);
	}
	// The awkward name comes back whole, inside the data cell.
	const renamed = rows.filter((e) => e.action === 'team.updated');
	assert.equal(renamed.length, FORMULAS.length);
	assert.equal(JSON.parse(renamed.at(-1).data).name, NAME);
	// Formulas are neutralised with a leading '; the rest is untouched.
	assert.deepEqual(renamed.map((e) => e.user_agent), FORMULAS.map((ua) =>
	    /^[=+\-@]/.test(ua) ? `'${ua}` : ua));
	// And the raw text really is RFC 4180.
	const raw = (await exported(O.token, { team_id: T }, 'csv')).text;
	assert.ok(raw.startsWith(CSV_COLUMNS.join(',') + '\r\n'));
	assert.ok(raw.includes('"plain, ""agent"""'), 'quotes doubled');
	assert.ok(raw.includes(',\'=1+2,'), 'a formula made text');
});

test('stats count what the logs list', async () => {
	const since = new Date(Date.now() - 3600e3).toISOString();
	const until_ = new Date(Date.now() + 3600e3).toISOString();
	for (const [token, params] of [
		[O.token, { team_id: T }],
		[admin, { team_id: T }],
		[admin, { actor_id: D.id }],
		[admin, { action: 'user.', subject_id: N.id }],
		[X.token, {}],
	]) {
		const what = JSON.stringify(params);
		const rows = await all(token, { ...params, since, until: until_ });
		const r = await get(token, `/api/audit/stats${q({ ...params,
			since, until: until_ })}`);
		assert.equal(r.status, 200, r.text);
		const s = r.body;
		assert.equal(Date.parse(s.range.since), Date.parse(since), what);
		assert.equal(Date.parse(s.range.until), Date.parse(until_), what);
		const count = (key) => {
			const m = new Map();
			for (const e of rows) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
			return m;
		};
		const actions = count((e) => e.action);
		assert.deepEqual(new Map(s.by_action.map((a) => [a.action,
			a.count])), actions, `by_action ${what}`);
		assert.deepEqual(new Map(s.by_actor.map((a) => [a.user_id,
			a.count])), count((e) => e.actor.user_id), `by_actor ${what}`);
		assert.deepEqual(s.by_outcome, {
			success: rows.filter((e) => e.outcome === 'success').length,
			failure: rows.filter((e) => e.outcome === 'failure').length,
		}, `by_outcome ${what}`);
		for (let k = 1; k < s.by_action.length; k++)
			assert.ok(s.by_action[k - 1].count >= s.by_action[k].count,
			    'busiest first');
		// Everything here happened in the last day.
		const day = await all(token, { ...params, outcome: 'failure' });
		assert.equal(s.failures_24h, day.length, `failures_24h ${what}`);
	}
	// By default, the last 7 days.
	const d = await get(O.token, `/api/audit/stats?team_id=${T}`);
	assert.equal(d.status, 200, d.text);
	const span = Date.parse(d.body.range.until) -
	    Date.parse(d.body.range.since);
	assert.equal(span, 7 * 86400e3);
	assert.ok(Math.abs(Date.parse(d.body.range.until) - Date.now()) < 60e3);
	const total = d.body.by_outcome.success + d.body.by_outcome.failure;
	assert.equal(total, (await all(O.token, { team_id: T })).length);
	// A range before anything happened counts nothing.
	const empty = await get(O.token, `/api/audit/stats${q({ team_id: T,
		since: '2001-01-01T00:00:00Z', until: '2001-01-02T00:00:00Z' })}`);
	assert.deepEqual(empty.body.by_action, []);
	assert.deepEqual(empty.body.by_actor, []);
	assert.deepEqual(empty.body.by_outcome, { success: 0, failure: 0 });
});

// --- completeness ----------------------------------------------------------

test('every change the panel makes leaves its row in the trail', async () => {
	const start = new Date(Date.now() - 1000).toISOString();
	const calls = [];	// [what, request id, the action it must leave]
	// One call as who, expected to succeed with status; its request id
	// is remembered with the action its row must carry.
	const call = async (who, method, path, body, status, action) => {
		const r = await api(method, path, { token: who, ip: IP, body });
		assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
		const id = r.headers.get('x-request-id');
		assert.match(id, /^[0-9a-f]{32}$/);
		calls.push([`${method} ${path}`, id, action]);
		return r.body;
	};
	const [M, U] = await newUsers(admin, 2, { prefix: 'complete' });

	// op-auth
	const user = await call(admin, 'POST', '/api/users', {
		email: `${unique('made')}@openpanel.test`, name: 'Made',
		password: 'a long enough password' }, 201, 'user.created');
	await call(admin, 'PATCH', `/api/users/${user.id}`, { name: 'Renamed' },
	    200, 'user.updated');
	const team = await call(M.token, 'POST', '/api/teams',
	    { name: unique('complete') }, 201, 'team.created');
	await call(M.token, 'PATCH', `/api/teams/${team.id}`,
	    { name: unique('complete') }, 200, 'team.updated');
	const inv = await call(M.token, 'POST',
	    `/api/teams/${team.id}/invitations`, { email: U.email,
		role: 'developer' }, 201, 'team.member_invited');
	await call(U.token, 'POST', `/api/invitations/${inv.token}/accept`,
	    undefined, 200, 'team.member_added');
	await call(M.token, 'PATCH', `/api/teams/${team.id}/members/${U.id}`,
	    { role: 'admin' }, 200, 'team.member_role_changed');
	const inv2 = await call(M.token, 'POST',
	    `/api/teams/${team.id}/invitations`, {
		email: `${unique('never')}@openpanel.test`, role: 'viewer' }, 201,
	    'team.member_invited');
	await call(M.token, 'DELETE',
	    `/api/teams/${team.id}/invitations/${inv2.id}`, undefined, 204,
	    'team.invitation_revoked');
	const tok = await call(M.token, 'POST', '/api/tokens', {
		name: unique('tok'), scope: 'read' }, 201, 'token.created');
	await call(M.token, 'DELETE', `/api/tokens/${tok.id}`, undefined, 204,
	    'token.revoked');
	const settings = (await get(admin, '/api/settings')).body;
	await call(admin, 'PUT', '/api/settings',
	    { instance_name: settings.instance_name }, 200, 'settings.updated');
	await call(U.token, 'POST', '/api/auth/password', {
		current_password: U.password,
		new_password: 'another long enough password' }, 204,
	    'user.password_changed');

	// op-projects
	const p = await call(M.token, 'POST', '/api/projects', {
		team_id: team.id, name: unique('complete') }, 201,
	    'project.created');
	projects.add(p.id);
	await call(M.token, 'PUT', `/api/projects/${p.id}`,
	    { description: 'audited' }, 200, 'project.updated');
	await call(M.token, 'PUT', `/api/projects/${p.id}/env`,
	    { AUDITED: 'yes' }, 200, 'project.env_changed');
	const c = await call(M.token, 'POST', '/api/containers', {
		project_id: p.id, name: 'idle', image: IMAGE, command: IDLE,
		restart: 'no' }, 201, 'container.created');
	await call(M.token, 'POST', `/api/containers/${c.id}/stop`, undefined,
	    200, 'container.stopped');
	await call(M.token, 'POST', `/api/containers/${c.id}/start`, undefined,
	    200, 'container.started');
	await call(M.token, 'PUT', `/api/containers/${c.id}/env`,
	    { ONLY_HERE: 'yes' }, 200, 'project.env_changed');
	await call(M.token, 'DELETE', `/api/containers/${c.id}`, undefined, 204,
	    'container.deleted');
	await call(M.token, 'DELETE', `/api/projects/${p.id}`, undefined, 204,
	    'project.deleted');

	// And the ones that end things.
	await call(M.token, 'DELETE', `/api/teams/${team.id}/members/${U.id}`,
	    undefined, 204, 'team.member_removed');
	await call(M.token, 'DELETE', `/api/teams/${team.id}`, undefined, 204,
	    'team.deleted');
	await call(admin, 'DELETE', `/api/users/${user.id}`, undefined, 204,
	    'user.deleted');

	// Each request id is in the trail, with its action.
	const trail = await until(async () => {
		const rows = await all(admin, { since: start });
		const have = new Set(rows.map((e) => `${e.request_id} ${e.action}`));
		return calls.every(([, id, action]) => have.has(`${id} ${action}`)) &&
		    rows;
	}, 'a row for every call', 30000, 250).catch(async (err) => {
		const rows = await all(admin, { since: start });
		const have = new Set(rows.map((e) => `${e.request_id} ${e.action}`));
		const missing = calls.filter(([, id, action]) =>
		    !have.has(`${id} ${action}`)).map(([w, , a]) => `${w} (${a})`);
		assert.fail(`${err.message}; missing:\n  ${missing.join('\n  ')}`);
	});
	for (const [what, id, action] of calls) {
		const row = trail.find((e) => e.request_id === id &&
		    e.action === action);
		assert.equal(row.actor.ip, IP, what);
		assert.equal(row.outcome, 'success', what);
	}
});
