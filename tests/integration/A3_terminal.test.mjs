// The web terminal: POST /api/containers/:id/terminal mints a one-time
// ticket; GET /api/terminal?ticket= (a WebSocket, through the gateway to
// op-terminal) checks Origin, then uses the ticket, then attaches to a
// Docker exec session with a TTY. Hostile cases first: who may mint,
// what is not a WebSocket, foreign origins (which must not burn the
// ticket), missing, bad and reused tickets, protocol violations; then a
// real shell in a busybox container: input, output, resize, exit, close.
//
// Tickets also expire 60 s after minting; the tests drive HTTP only and do
// not wait that long, so expiry is left to the code (ticket.c's UPDATE …
// AND expires_at > now()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { api, addr, adminToken, errorCode, unique, BASE, DATA } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, readEvents, sleep } from
    './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';
import { connect, OP } from './lib/ws.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const ORIGIN = new URL(BASE).origin;
let admin, O, D, V, X, T, TX, P;
let C;			// a running container of P
let S;			// a stopped one
const made = new Set();
const minted = [];	// every ticket, to look for in the logs

const as = (who) => ({
	post: (p, body) => api('POST', p, { token: who.token ?? who, ip: IP,
		body }),
});
const mint = (who, id, body) => as(who).post(`/api/containers/${id}/terminal`,
    body);

// A ticket for C (or id) minted by the owner: the API's answer.
async function ticket(body = {}, id = C.id) {
	const r = await mint(O, id, body);
	assert.equal(r.status, 201, r.text);
	minted.push(r.body.ticket);
	return r.body;
}

const open = (t, opts = {}) => connect(typeof t === 'string' ? t : t.url,
    { ip: IP, ...opts });

// A session on a fresh ticket: the WebSocket.
async function session(body = {}) {
	const r = await open(await ticket(body));
	assert.equal(r.status, 101, r.text);
	return r.ws;
}

before(async () => {
	admin = await adminToken();
	[O, D, V, X] = await newUsers(admin, 4);
	T = await newTeam(O.token, unique('term'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, D, 'developer', IP);
	await addMember(T, O.token, V, 'viewer', IP);
	const p = await as(O).post('/api/projects', { team_id: T,
		name: unique('term') });
	assert.equal(p.status, 201, p.text);
	P = p.body.id;
	made.add(P);
	const c = await as(O).post('/api/containers', { project_id: P,
		name: 'shell', image: IMAGE, restart: 'no',
		command: ['sh', '-c', 'exec sleep 3600'] });
	assert.equal(c.status, 201, c.text);
	C = c.body;
	const s = await as(O).post('/api/containers', { project_id: P,
		name: 'stopped', image: IMAGE, start: false,
		command: ['sh', '-c', 'exec sleep 3600'] });
	assert.equal(s.status, 201, s.text);
	S = s.body;
});

after(async () => {
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// ------------------------------------------------------------- minting

test('viewers may not open a terminal; other teams do not see the container', async () => {
	const v = await mint(V, C.id, {});
	assert.equal(v.status, 403, v.text);
	const x = await mint(X, C.id, {});
	assert.equal(x.status, 404, x.text);
	assert.equal(errorCode(x), 'not_found');
	const none = await mint(O, randomUUID(), {});
	assert.equal(none.status, 404, none.text);
	const bad = await mint(O, 'not-a-uuid', {});
	assert.equal(bad.status, 404, bad.text);
	// Nobody signed in: the gateway refuses.
	const anon = await api('POST', `/api/containers/${C.id}/terminal`,
	    { ip: IP, body: {} });
	assert.equal(anon.status, 401, anon.text);
	// A developer may.
	const d = await mint(D, C.id, {});
	assert.equal(d.status, 201, d.text);
});

test('an API token cannot open a terminal: a session is required', async () => {
	const t = await api('POST', '/api/tokens', { token: O.token, ip: IP,
		body: { name: unique('ci'), scope: 'write' } });
	assert.equal(t.status, 201, t.text);
	const r = await mint(t.body.token, C.id, {});
	assert.equal(r.status, 403, r.text);
	assert.equal(errorCode(r), 'session_required');
});

test('the body is checked: command, cols and rows', async () => {
	for (const [body, code] of [
		[{ command: [] }, 422],
		[{ command: 'sh' }, 422],
		[{ command: ['sh', 1] }, 422],
		[{ command: [''] }, 422],
		[{ command: ['sh\n'] }, 422],
		[{ command: new Array(65).fill('x') }, 422],
		[{ cols: 0 }, 422],
		[{ rows: 1001 }, 422],
		[{ cols: 'wide' }, 422],
		[{ shell: '/bin/bash' }, 400],
	]) {
		const r = await mint(O, C.id, body);
		assert.equal(r.status, code, `${JSON.stringify(body)}: ${r.text}`);
	}
	const raw = await api('POST', `/api/containers/${C.id}/terminal`,
	    { token: O.token, ip: IP, body: '[1]' });
	assert.equal(raw.status, 400, raw.text);
});

test('a container that is not running gets no ticket', async () => {
	const r = await mint(O, S.id, {});
	assert.equal(r.status, 409, r.text);
	assert.equal(errorCode(r), 'not_running');
});

test('a ticket: its shape, its lifetime, and an event that does not carry it', async () => {
	const before = Date.now();
	const t = await ticket({ command: ['/bin/sh', '-l'], cols: 100,
		rows: 30 });
	assert.match(t.ticket, /^opt_[A-Za-z0-9_-]{43}$/);
	assert.equal(t.url, `/api/terminal?ticket=${t.ticket}`);
	const ttl = Date.parse(t.expires_at) - before;
	assert.ok(ttl > 50000 && ttl < 70000, `expires in ${ttl} ms`);
	let ev;
	for (let i = 0; i < 100 && !ev; i++) {
		ev = readEvents(500).find((e) => e.type ===
		    'container.terminal_opened' && e.event.subject?.id === C.id &&
		    e.event.data?.command?.[1] === '-l');
		if (!ev) await sleep(100);
	}
	assert.ok(ev, 'no container.terminal_opened event');
	assert.equal(ev.event.team_id, T);
	assert.equal(ev.event.actor.user_id, O.id);
	assert.deepEqual(ev.event.data.command, ['/bin/sh', '-l']);
	assert.ok(!ev.raw.includes(t.ticket), 'the event carries the ticket');
	assert.ok(!ev.raw.includes(t.ticket.slice(4)),
	    'the event carries the ticket');
});

// ------------------------------------------------------------ the bridge

test('what is not a WebSocket upgrade is refused', async () => {
	const t = await ticket();
	const plain = await api('GET', t.url, { ip: IP });
	assert.equal(plain.status, 426, plain.text);
	assert.equal(errorCode(plain), 'upgrade_required');
	const post = await open(t, { method: 'POST' });
	assert.equal(post.status, 405, post.text);
	const key = await open(t, { key: 'not a key' });
	assert.equal(key.status, 400, key.text);
	assert.equal(errorCode(key), 'bad_handshake');
	const version = await open(t, { headers: {
		'sec-websocket-version': '8' } });
	assert.equal(version.status, 426, version.text);
	assert.equal(version.headers['sec-websocket-version'], '13');
	// A request head past 8 KiB (nginx lets up to 16 KiB a line by).
	const big = await open(t, { headers: { 'x-padding': 'p'.repeat(9000) } });
	assert.equal(big.status, 431, big.text);
	assert.equal(errorCode(big), 'headers_too_large');
	// None of that used the ticket.
	const ok = await open(t);
	assert.equal(ok.status, 101, ok.text);
	await ok.ws.close();
});

test('a foreign Origin is 403 and leaves the ticket unused', async () => {
	const t = await ticket();
	const host = new URL(BASE).host;
	for (const origin of [null, 'null', 'http://evil.example',
		`http://${host}.evil.example`, `http://evil.example/${host}`,
		`ftp://${host}`, host]) {
		const r = await open(t, { origin });
		assert.equal(r.status, 403, `${origin}: ${r.text}`);
		assert.equal(errorCode(r), 'origin_forbidden', String(origin));
	}
	// A Host that is not the gateway's does not make a foreign Origin
	// match either: Origin is compared with the Host the browser sent.
	const spoof = await open(t, { origin: 'http://evil.example',
		headers: { host: 'panel.example' } });
	assert.equal(spoof.status, 403, spoof.text);
	const ok = await open(t);
	assert.equal(ok.status, 101, ok.text);
	await ok.ws.close();
});

test('no ticket, a malformed one, an unknown one: 401', async () => {
	const none = await open('/api/terminal');
	assert.equal(none.status, 401, none.text);
	assert.equal(errorCode(none), 'ticket_required');
	for (const t of ['x', 'opt_short', `opk_${'a'.repeat(43)}`,
		`opt_${'a'.repeat(42)}!`, `opt_${randomBytes(32).toString('base64url')}`,
		`opt_${'a'.repeat(400)}`]) {
		const r = await open(`/api/terminal?ticket=${encodeURIComponent(t)}`);
		assert.equal(r.status, 401, `${t}: ${r.text}`);
		assert.equal(errorCode(r), 'ticket_invalid');
	}
	const t = await ticket();
	const twice = await open(`${t.url}&ticket=${t.ticket}`);
	assert.equal(twice.status, 401, twice.text);
	// Nor did that use it.
	const ok = await open(t);
	assert.equal(ok.status, 101, ok.text);
	await ok.ws.close();
});

test('a ticket works once', async () => {
	const t = await ticket();
	const first = await open(t);
	assert.equal(first.status, 101, first.text);
	const second = await open(t);
	assert.equal(second.status, 401, second.text);
	assert.equal(errorCode(second), 'ticket_invalid');
	await first.ws.close();
	const third = await open(t);
	assert.equal(third.status, 401, third.text);
});

test('two connections racing with one ticket: exactly one wins', async () => {
	const t = await ticket();
	const rs = await Promise.all([open(t), open(t), open(t)]);
	const won = rs.filter((r) => r.status === 101);
	assert.equal(won.length, 1, rs.map((r) => r.status).join(' '));
	assert.deepEqual(rs.filter((r) => r.status !== 101).map((r) => r.status),
	    [401, 401]);
	await won[0].ws.close();
});

test('a ticket for a container stopped since is 409', async () => {
	const c = await as(O).post('/api/containers', { project_id: P,
		name: unique('brief'), image: IMAGE, restart: 'no',
		command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] });
	assert.equal(c.status, 201, c.text);
	const t = await ticket({}, c.body.id);
	const stop = await as(O).post(`/api/containers/${c.body.id}/stop`);
	assert.equal(stop.status, 200, stop.text);
	const r = await open(t);
	assert.equal(r.status, 409, r.text);
	assert.equal(errorCode(r), 'not_running');
});

// ------------------------------------------------------------- a session

test('a shell: keystrokes in, output out, resize, clean close', async () => {
	const ws = await session({ cols: 120, rows: 30 });
	// The size asked for at minting is the TTY's from the start.
	ws.type('stty size\n');
	await ws.expectOutput(/\r?\n30 120\r?\n/);
	ws.type('echo hi-$((6*7))\n');
	await ws.expectOutput(/hi-42/);
	// Input as a JSON text message works the same.
	ws.sendJSON({ type: 'input', data: 'echo json-$((5*5))\n' });
	await ws.expectOutput(/json-25/);
	ws.sendJSON({ type: 'resize', cols: 100, rows: 40 });
	await sleep(200);
	ws.type('stty size\n');
	await ws.expectOutput(/\r?\n40 100\r?\n/);
	// A TTY: the shell sees a terminal, and TERM is set.
	ws.type('[ -t 0 ] && echo "tty-yes $TERM"\n');
	await ws.expectOutput(/tty-yes xterm-256color/);
	assert.deepEqual(ws.protocolErrors, []);
	const closed = await ws.close(1000, 'bye');
	assert.equal(closed?.code, 1000);
});

test('the server answers pings, and the command\'s exit ends the session with its code', async () => {
	const ws = await session({ command: ['sh', '-c',
		'read line; echo "got-$line"; exit 3'] });
	ws.sendFrame(OP.ping, Buffer.from('are you there'));
	const pong = await ws.nextOf('pong');
	assert.equal(pong.data.toString(), 'are you there');
	ws.type('abc\n');
	await ws.expectOutput(/got-abc/);
	const exit = await ws.nextOf('text');
	assert.deepEqual(JSON.parse(exit.text), { type: 'exit', code: 3 });
	const close = await ws.nextOf('close');
	assert.equal(close.code, 1000);
	await ws.ended;
});

test('closing the WebSocket ends the shell and what runs in it', async () => {
	const tag = randomBytes(4).toString('hex');
	const ws = await session();
	ws.type(`echo $$ > /tmp/sh-${tag}; echo written\n`);
	await ws.expectOutput(/\nwritten/);
	// A program in the foreground, which ignores nothing.
	ws.type(`sh -c 'echo $$ > /tmp/fg-${tag}; exec sleep 1000'\n`);
	await sleep(300);
	await ws.close();
	const check = await session({ command: ['sh', '-c',
		`sleep 1; for f in sh fg; do if kill -0 $(cat /tmp/$f-${tag}) ` +
		'2>/dev/null; then echo "$f-alive"; else echo "$f-gone"; fi; done'] });
	await check.expectOutput(/fg-(alive|gone)/);
	assert.match(check.output, /sh-gone/);
	assert.match(check.output, /fg-gone/);
	await check.ended;
});

test('protocol violations close the session with the right code', async () => {
	// A client frame without a mask.
	let ws = await session();
	ws.sendFrame(OP.binary, Buffer.from('ls\n'), { mask: false });
	let close = await ws.nextOf('close');
	assert.equal(close.code, 1002);
	await ws.ended;
	// A message past 64 KiB (refused on its header).
	ws = await session();
	ws.sendFrame(OP.binary, Buffer.alloc(65537, 0x61));
	close = await ws.nextOf('close');
	assert.equal(close.code, 1009);
	await ws.ended;
	// The same, in fragments.
	ws = await session();
	ws.sendFrame(OP.binary, Buffer.alloc(40000, 0x61), { fin: false });
	ws.sendFrame(OP.cont, Buffer.alloc(40000, 0x61));
	close = await ws.nextOf('close');
	assert.equal(close.code, 1009);
	await ws.ended;
	// A reserved bit, an unknown opcode.
	ws = await session();
	ws.sendFrame(OP.binary, Buffer.from('x'), { rsv: 4 });
	close = await ws.nextOf('close');
	assert.equal(close.code, 1002);
	await ws.ended;
	ws = await session();
	ws.sendFrame(0x3, Buffer.from('x'));
	close = await ws.nextOf('close');
	assert.equal(close.code, 1002);
	await ws.ended;
	// Text that is not UTF-8.
	ws = await session();
	ws.sendFrame(OP.text, Buffer.from([0x7b, 0xff, 0x7d]));
	close = await ws.nextOf('close');
	assert.equal(close.code, 1007);
	await ws.ended;
	// JSON the terminal does not understand.
	for (const m of ['{"type":"exec","data":"x"}', 'not json',
		'{"type":"resize","cols":0,"rows":10}',
		'{"type":"resize","cols":100,"rows":10,"extra":1}',
		'{"type":"input","data":"x","data":"y"}']) {
		ws = await session();
		ws.sendFrame(OP.text, Buffer.from(m));
		close = await ws.nextOf('close');
		assert.equal(close.code, 1003, m);
		await ws.ended;
	}
});

test('a fragmented message and pings in between are fine', async () => {
	const ws = await session();
	ws.sendFrame(OP.binary, Buffer.from('echo fr'), { fin: false });
	ws.sendFrame(OP.ping, Buffer.from('mid'));
	ws.sendFrame(OP.cont, Buffer.from('ag-$((2+2))'), { fin: false });
	ws.sendFrame(OP.cont, Buffer.from('\n'));
	await ws.expectOutput(/frag-4/);
	const pong = await ws.nextOf('pong');
	assert.equal(pong.data.toString(), 'mid');
	const closed = await ws.close();
	assert.equal(closed?.code, 1000);
});

test('no ticket is written to a log', { skip: !DATA && 'OP_DATA_DIR unset' },
    () => {
	assert.ok(minted.length > 10);
	for (const f of ['terminal.log', 'projects.log', 'nginx-access.log',
		'nginx-error.log']) {
		let log = '';
		try { log = readFileSync(`${DATA}/log/${f}`, 'utf8'); } catch {
			continue;
		}
		for (const t of minted)
			assert.ok(!log.includes(t.slice(4)), `a ticket is in ${f}`);
	}
});
