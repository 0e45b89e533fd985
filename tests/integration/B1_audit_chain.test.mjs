// The trail's integrity: the chain verifies; a row changed, a column
// rewritten or a row removed in PostgreSQL is reported; the internal
// entrance records, the public one refuses; a consumer killed while
// events flow loses none and writes none twice once it is back.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, adminToken, DATA, unique } from './lib/client.mjs';
import { until, superSql as sql } from './lib/fixtures.mjs';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let admin;
let consumer;	// the consumer this suite restarts, stopped at its end


// A consumer, as its supervisor would start it: the same name, and in
// the service's pid file, so the stack stops it at the end and the
// suites after this one have a consumer.
function startConsumer() {
	consumer = spawn(join(TOP, process.env.OP_BUILD ?? 'build', 'bin',
	    'op-audit'), ['work'], { env: { ...process.env,
		OP_CONFIG: `${DATA}/openpanel.conf` }, stdio: 'ignore',
		detached: true });
	consumer.unref();
	writeFileSync(`${DATA}/run/audit-worker.pid`, `${consumer.pid}\n`);
}

const verify = async () => (await api('GET', '/api/audit/verify',
    { token: admin })).body;

// Rows for the events of a new team, to work on.
async function someRows() {
	const name = unique('audited');
	const t = await api('POST', '/api/teams', { token: admin, body: { name } });
	assert.equal(t.status, 201);
	await api('PATCH', `/api/teams/${t.body.id}`, { token: admin,
		body: { name: `${name} renamed` } });
	await until(() => Number(sql(`SELECT count(*) FROM audit.entries WHERE
	    team_id = '${t.body.id}'`)) >= 3, 'the team\'s rows', 20000);
	return t.body.id;
}

before(async () => {
	admin = await adminToken();
});

// The consumer started here stays: later suites need one (see above).

test('verify is for instance admins', async () => {
	const r = await api('GET', '/api/audit/verify');
	assert.equal(r.status, 401);
	const user = await api('POST', '/api/users', { token: admin, body: {
		email: `${unique('v')}@openpanel.test`, name: 'V',
		password: 'a long enough password' } });
	const l = await api('POST', '/api/auth/login', { body: {
		email: user.body.email, password: 'a long enough password' } });
	const r2 = await api('GET', '/api/audit/verify',
	    { token: l.body.access_token });
	assert.equal(r2.status, 403);
});

test('a consumer killed while events flow loses none and doubles none',
    async () => {
	const pidFile = `${DATA}/run/audit-worker.pid`;
	const old = Number(readFileSync(pidFile, 'utf8'));
	const names = [];
	const make = async () => {
		const name = unique('flow');
		names.push(name);
		const r = await api('POST', '/api/teams', { token: admin,
			body: { name } });
		assert.equal(r.status, 201);
	};
	for (let i = 0; i < 10; i++) await make();
	process.kill(old, 'SIGKILL');
	for (let i = 0; i < 10; i++) await make();
	// Back, as its supervisor would bring it: the same consumer name.
	startConsumer();
	for (let i = 0; i < 5; i++) await make();
	const list = names.map((n) => `'${n}'`).join(',');
	await until(() => Number(sql(`SELECT count(DISTINCT
	    event::jsonb->'data'->>'name') FROM audit.entries WHERE action
	    = 'team.created' AND event::jsonb->'data'->>'name' IN
	    (${list})`)) === names.length, 'every team.created', 30000);
	assert.equal(sql(`SELECT count(*) FROM audit.entries WHERE action
	    = 'team.created' AND event::jsonb->'data'->>'name' IN
	    (${list})`), String(names.length), 'none twice');
	assert.equal((await verify()).ok, true);
});

test('retention archives and prunes the oldest rows; the chain still '
    + 'verifies from the first that remains', async () => {
	await someRows();
	assert.equal((await verify()).ok, true);
	// The five oldest rows (seq may skip numbers: a redelivery spends one).
	const first = sql('SELECT min(seq) FROM audit.entries');
	const upto = sql('SELECT seq FROM audit.entries ORDER BY seq OFFSET 4'
	    + ' LIMIT 1');
	sql(`UPDATE audit.entries SET recorded_at = now() - interval '400 days'
	    WHERE seq <= ${upto}`);
	// A consumer prunes when it starts (and hourly).
	const stopping = consumer.pid;
	consumer.kill('SIGTERM');
	await until(() => {
		try { process.kill(stopping, 0); return false; } catch { return true; }
	}, 'the consumer to stop', 15000);
	startConsumer();
	await until(() => Number(sql('SELECT min(seq) FROM audit.entries')) >
	    Number(upto), 'the oldest rows pruned', 20000);
	const file = `${DATA}/audit-archive/audit-${first}-${upto}.jsonl`;
	const lines = readFileSync(file, 'utf8').trim().split('\n');
	assert.equal(lines.length, 5);
	for (const l of lines)
		assert.ok(JSON.parse(l).id, 'each line an event');
	assert.equal(sql('SELECT anchor_seq FROM audit.head'), upto);
	const v = await verify();
	assert.equal(v.ok, true, JSON.stringify(v));
});

test('the chain verifies; each kind of tampering is reported', async () => {
	const team = await someRows();
	const ok = await verify();
	assert.equal(ok.ok, true, JSON.stringify(ok));
	assert.ok(ok.rows_checked >= 3);
	const seq = sql(`SELECT min(seq) FROM audit.entries
	    WHERE team_id = '${team}'`);
	const saved = sql(`SELECT event FROM audit.entries WHERE seq = ${seq}`);
	const ip = sql(`SELECT actor_ip FROM audit.entries WHERE seq = ${seq}`);

	// The event rewritten in place.
	sql(`UPDATE audit.entries SET event = replace(event, '"team.',
	    '"tEam.') WHERE seq = ${seq}`);
	let v = await verify();
	assert.equal(v.ok, false);
	assert.equal(v.first_bad.seq, Number(seq));
	assert.match(v.first_bad.reason, /changed/);
	sql(`UPDATE audit.entries SET event = $q$${saved}$q$ WHERE seq = ${seq}`);
	assert.equal((await verify()).ok, true, 'restored');

	// A column made to say something else.
	sql(`UPDATE audit.entries SET actor_ip = '203.0.113.9' WHERE seq = ${seq}`);
	v = await verify();
	assert.equal(v.ok, false);
	assert.equal(v.first_bad.seq, Number(seq));
	assert.match(v.first_bad.reason, /columns/);
	sql(`UPDATE audit.entries SET actor_ip = '${ip}' WHERE seq = ${seq}`);
	assert.equal((await verify()).ok, true, 'restored');

	// A row removed: the next one's link no longer holds.
	sql(`DELETE FROM audit.entries WHERE seq = ${seq}`);
	v = await verify();
	assert.equal(v.ok, false);
	assert.match(v.first_bad.reason, /before it was changed or removed/);
	assert.ok(Number(v.first_bad.seq) > Number(seq));
});

// POST through the gateway's internal socket.
function internalPost(body) {
	return new Promise((resolve, reject) => {
		const req = request({ socketPath: `${DATA}/run/internal.sock`,
			path: '/api/audit/logs', method: 'POST',
			headers: { 'content-type': 'application/json' } }, (res) => {
			let text = '';
			res.on('data', (c) => { text += c; });
			res.on('end', () => resolve({ status: res.statusCode, text }));
		});
		req.on('error', reject);
		req.end(JSON.stringify(body));
	});
}

test('services record directly inside; outside, nobody can', async () => {
	const pub = await api('POST', '/api/audit/logs', { token: admin,
		body: { type: 'backup.restored' } });
	assert.ok([403, 404, 405].includes(pub.status), `${pub.status}`);
	const bad = await internalPost({ type: 'Not An Event' });
	assert.equal(bad.status, 422, bad.text);
	const subject = unique('subject');
	const ok = await internalPost({ type: 'backup.restored',
		subject_kind: 'backup', subject_id: subject, outcome: 'failure',
		data: { reason: 'checksum mismatch' } });
	assert.equal(ok.status, 202, ok.text);
	await until(() => sql(`SELECT outcome FROM audit.entries WHERE
	    subject_id = '${subject}'`) === 'failure', 'the direct record');
});
