// Pools under load, killed and stopped, growing and shrinking: a pool
// grows to OP_WORKERS while every worker is busy and retires its spares
// once idle, without a failed request; op-auth's grows past OP_WORKERS
// only while sign-ins hash passwords, and sheds those workers at once
// when the hashing is over, under the same load; a worker killed with SIGKILL is
// replaced by its master and only the request it was serving may fail;
// a whole pool killed with SIGKILL comes back (systemd's Restart=, played
// by supervise.pl, which holds the socket as systemd does) and only the
// requests in flight at the kill may fail; SIGTERM lets every request in
// flight finish and nginx never finds the socket refused, whether the
// socket is systemd's or the pool's own, taken over by its successor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, adminToken } from '../integration/lib/client.mjs';
import { alive, children, detached, describe, errorLog, failures, load, pick,
	pidOf, refused, SOAK, sleep, supervise, until } from './lib/faults.mjs';

const KILLS = SOAK ? 200 : 12;
const ROUNDS = SOAK ? 40 : 3;
const WORKERS = 4;	/* OP_WORKERS in the stack's configuration */
const MIN = 1;		/* OP_WORKERS_MIN's default */

let admin, auth, routes;
const supervised = [];

before(async () => {
	admin = await adminToken();
	routes = [
		{ path: '/api/auth/me', ok: 200 },
		{ path: '/api/projects', ok: 200 },
		{ path: '/api/teams', ok: 200 },
		{ path: '/api/audit/logs?limit=5', ok: 200 },
		{ method: 'POST', path: '/api/projects', ok: 422,
		  body: { name: '' } },
	];
	auth = await supervise('auth', 'serve');
	supervised.push(auth);
});

after(async () => {
	for (const s of supervised)
		await s.stop();
});

// Wait until pool (a master's pid) has workers again: at least its
// minimum (it grows beyond while every one is busy).
const fullPool = (pid) => until(() => children(pid).length >= MIN,
    `workers under ${pid}`);

test('workers killed with SIGKILL under load: replaced, and only the ' +
    'requests they served fail', async () => {
	const masters = [pidOf('projects'), auth.pid()];
	const log = errorLog();
	const run = load(admin, routes);
	for (let i = 0; i < KILLS; i++) {
		const master = pick(masters);
		await fullPool(master);
		process.kill(pick(children(master)), 'SIGKILL');
		await sleep(50 + Math.random() * 200);
	}
	for (const m of masters)
		await fullPool(m);
	const seen = await run.stop();
	const failed = failures(seen);
	assert.ok(seen.length > KILLS, `only ${seen.length} requests`);
	assert.ok(failed.length <= KILLS,
	    `${failed.length} failed for ${KILLS} kills:\n${describe(failed)}`);
	assert.deepEqual(refused(log.lines()), []);
	for (const m of masters)
		assert.ok(alive(m), 'the master lives on');
});

test('whole pools killed with SIGKILL under load: back under their ' +
    'supervisor, only requests in flight fail, none refused', async () => {
	const log = errorLog();
	const run = load(admin, routes);
	for (let i = 0; i < ROUNDS; i++) {
		const master = auth.pid();
		await fullPool(master);
		await sleep(200 + Math.random() * 300);
		process.kill(-master, 'SIGKILL');	/* master and workers */
		await until(() => auth.pid() !== master, 'the pool started again');
	}
	await fullPool(auth.pid());
	const seen = await run.stop();
	const failed = failures(seen);
	assert.ok(failed.length <= ROUNDS * WORKERS,
	    `${failed.length} failed for ${ROUNDS} kills:\n${describe(failed)}`);
	assert.deepEqual(refused(log.lines()), []);
});

test('SIGTERM to a pool under load (systemd\'s socket): every request ' +
    'answered, nothing refused', async () => {
	const log = errorLog();
	const run = load(admin, routes);
	for (let i = 0; i < ROUNDS; i++) {
		const master = auth.pid();
		await fullPool(master);
		await sleep(200 + Math.random() * 300);
		process.kill(master, 'SIGTERM');
		await until(() => auth.pid() !== master && !alive(master),
		    'the pool stopped and started again');
	}
	await fullPool(auth.pid());
	const seen = await run.stop();
	assert.deepEqual(describe(failures(seen)), '');
	assert.deepEqual(log.lines().filter((l) => /upstream|connect\(\)/
	    .test(l)), []);
});

test('SIGTERM to a pool under load after a successor took its socket ' +
    'over: every request answered, nothing refused', async () => {
	const log = errorLog();
	const run = load(admin, routes);
	for (let i = 0; i < ROUNDS; i++) {
		const old = pidOf('projects');
		await fullPool(old);
		const next = detached('projects', 'serve');
		await fullPool(next);
		process.kill(old, 'SIGTERM');
		await until(() => !alive(old), 'the old pool gone');
	}
	const seen = await run.stop();
	assert.deepEqual(describe(failures(seen)), '');
	assert.deepEqual(log.lines().filter((l) => /upstream|connect\(\)/
	    .test(l)), []);
});

test('a pool grows to OP_WORKERS while every worker is busy, and retires ' +
    'its spares once idle, with no request failed', async () => {
	const old = pidOf('projects');
	process.env.OP_WORKERS_IDLE_S = '1';
	const next = detached('projects', 'serve');
	delete process.env.OP_WORKERS_IDLE_S;
	await until(() => children(next).length === MIN, 'the new pool');
	process.kill(old, 'SIGTERM');
	await until(() => !alive(old), 'the old pool gone');
	// Idle, it keeps its minimum.
	await sleep(1500);
	assert.equal(children(next).length, MIN);

	const run = load(admin, [{ path: '/api/projects', ok: 200 },
		{ path: '/api/teams', ok: 200 }], 8);
	await until(() => children(next).length === WORKERS,
	    `${WORKERS} workers under load`);
	const seen = await run.stop();
	assert.equal(describe(failures(seen)), '');
	await until(() => children(next).length === MIN,
	    'the spares retired', 60000);
	assert.ok(alive(next), 'the master lives on');
});

test('op-auth grows past OP_WORKERS only while sign-ins hash passwords, ' +
    'and sheds the extra workers once they are done', async () => {
	const master = auth.pid();
	const most = async (ms) => {
		let n = 0;
		for (const end = Date.now() + ms; Date.now() < end;
		    await sleep(20))
			n = Math.max(n, children(master).length);
		return n;
	};
	const reads = load(admin, [{ path: '/api/projects', ok: 200 },
		{ path: '/api/teams', ok: 200 }], 12);
	// Busy with auth checks alone, it stays at OP_WORKERS.
	await until(() => children(master).length <= WORKERS,
	    `at most ${WORKERS} workers`);
	assert.ok(await most(3000) <= WORKERS, 'reads alone');
	// Sign-ins (each lane its own address, within the login limit).
	const logins = load(null, [{ method: 'POST', path: '/api/auth/login',
		ok: 200, body: { email: ADMIN.email,
		password: ADMIN.password } }], 12, 1000);
	await until(() => children(master).length > WORKERS,
	    'workers for the hashing', 30000, 20);
	const signedIn = await logins.stop();
	await until(() => children(master).length <= WORKERS,
	    `back to ${WORKERS} workers under the reads`, 10000, 20);
	assert.ok(await most(2000) <= WORKERS, 'reads alone again');
	const seen = await reads.stop();
	assert.equal(describe(failures(seen)), '');
	// A sign-in may wait too long for a hashing slot (503), never more.
	assert.ok(signedIn.some((s) => s.ok), 'no sign-in succeeded');
	assert.equal(describe(signedIn.filter((s) => !s.ok &&
	    s.status !== 503)), '');
	assert.ok(alive(master), 'the master lives on');
});
