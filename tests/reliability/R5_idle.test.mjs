// Idle exit on systemd's socket (OP_IDLE_EXIT_S, played by supervise.pl
// --on-demand, which holds the socket and starts the program when a
// connection waits, as a socket unit does): a pool with no request for
// that long stops, and the requests that come after it are all answered,
// the connections that wake it waiting in the socket's queue, none
// refused; requests that keep coming keep it up; requests arriving just
// as it decides to stop are answered too; the terminal bridge stops when
// it has no session and answers the next connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, adminToken, DATA } from '../integration/lib/client.mjs';
import { alive, describe, errorLog, refused, sleep, supervise, until } from
    './lib/faults.mjs';

const IDLE_S = 1;
let admin, projects, terminal;

before(async () => {
	admin = await adminToken();
	const env = { OP_IDLE_EXIT_S: String(IDLE_S) };
	projects = await supervise('projects', 'serve', { onDemand: true, env });
	terminal = await supervise('terminal', 'serve', { onDemand: true, env });
});

after(async () => {
	await projects?.stop();
	await terminal?.stop();
});

const read = () => api('GET', '/api/projects?limit=1', { token: admin });

// Until the pool has stopped: its pid file gone, its master too.
async function stopped(s, what) {
	const pid = s.pid();
	await until(() => s.pid() === 0 && (pid === 0 || !alive(pid)),
	    `${what} stopped idle`, 20000);
}

test('an idle pool stops; the requests that wake it are all answered, ' +
    'none refused', async () => {
	await stopped(projects, 'the projects pool');
	const log = errorLog();
	const answers = await Promise.all([...Array(8)].map(read));
	assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200),
	    answers.map((a) => a.text).join('\n'));
	assert.deepEqual(refused(log.lines()), []);
});

test('a pool whose requests keep coming does not stop', async () => {
	assert.equal((await read()).status, 200);
	const master = projects.pid();
	for (let i = 0; i < 20 * IDLE_S; i++) {
		assert.equal((await read()).status, 200);
		await sleep(IDLE_S * 1000 / 5);
	}
	assert.equal(projects.pid(), master, 'the same pool throughout');
});

test('requests arriving as the pool stops idle are answered', async () => {
	const log = errorLog();
	const stops = () => (readFileSync(`${DATA}/log/projects.log`, 'utf8')
	    .match(/stopping until the next/g) ?? []).length;
	const before = stops(), bad = [];
	for (let i = 0; i < 16; i++) {
		await sleep(IDLE_S * 1000 * (0.9 + Math.random() * 1.2));
		const [a, b] = await Promise.all([read(), read()]);
		for (const r of [a, b])
			if (r.status !== 200)
				bad.push({ route: '/api/projects', status: r.status,
				    text: r.text });
	}
	assert.equal(describe(bad), '');
	/* About half the pauses outlast the pool (each is 0.9 to 2.1 idle
	 * periods; it stops 1 to 2 after its last request). */
	assert.ok(stops() - before >= 2, `${stops() - before} stops in 16`);
	assert.deepEqual(refused(log.lines()), []);
});

test('the terminal bridge stops with no session and answers the next ' +
    'connection', async () => {
	await stopped(terminal, 'the terminal bridge');
	const r = await api('GET', '/api/terminal?ticket=x');
	assert.equal(r.status, 426, r.text);	/* the bridge's own answer */
	assert.equal(r.body?.error?.code, 'upgrade_required', r.text);
});
