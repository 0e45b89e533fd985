// fixtures.mjs — small helpers several suites share: team membership
// through invitations, TOTP codes (RFC 6238), cookies, the event stream
// in Redis, and SQL as the database superuser.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, DATA, newUser } from './client.mjs';

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// Poll fn until it returns something truthy (returned); fail naming what
// after ms.
export async function until(fn, what, ms = 30000, every = 100) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await sleep(every);
	}
}

// n users made by the admin (newUser), two at a time: the server hashes
// two passwords at once and answers 503 to a caller that waits over a
// second for its turn, so more in flight would only fail.
export async function newUsers(adminTok, n, opts = {}) {
	const out = new Array(n);
	let next = 0;
	const lane = async () => {
		while (next < n) {
			const i = next++;
			out[i] = await newUser(adminTok, typeof opts === 'function' ?
			    opts(i) : opts);
		}
	};
	await Promise.all([lane(), lane()]);
	return out;
}

// Put user (from newUser) into team with role: the owner (or a team
// admin) invites, the user accepts. Returns the invitation.
export async function addMember(team, inviterTok, user, role, ip) {
	const inv = await api('POST', `/api/teams/${team}/invitations`, {
		token: inviterTok, ip, body: { email: user.email, role } });
	assert.equal(inv.status, 201, inv.text);
	const acc = await api('POST',
	    `/api/invitations/${inv.body.token}/accept`, { token: user.token,
	    ip });
	assert.equal(acc.status, 200, acc.text);
	return inv.body;
}

// A team owned by ownerTok: its id.
export async function newTeam(ownerTok, name, ip) {
	const r = await api('POST', '/api/teams', { token: ownerTok, ip,
		body: { name } });
	assert.equal(r.status, 201, r.text);
	return r.body.id;
}

// --- TOTP --------------------------------------------------------------

export function base32Decode(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const ch of s.replace(/=+$/, '').toUpperCase()) {
		const i = alphabet.indexOf(ch);
		if (i < 0) throw new Error(`not base32: ${ch}`);
		value = (value << 5) | i;
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

export const STEP = 30;
export const stepNow = () => Math.floor(Date.now() / 1000 / STEP);

// The 6-digit code of a base32 secret at a time step.
export function totp(secret, step = stepNow()) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const mac = createHmac('sha1', base32Decode(secret)).update(msg)
	    .digest();
	const off = mac[19] & 0x0f;
	const bin = mac.readUInt32BE(off) & 0x7fffffff;
	return String(bin % 1e6).padStart(6, '0');
}

// The current step, waiting first when it is about to end, so that a
// code for step-1, step or step+1 is still accepted when it arrives.
export async function steadyStep() {
	const left = STEP - (Date.now() / 1000) % STEP;
	if (left < 4) await sleep(left * 1000 + 200);
	return stepNow();
}

// --- cookies -------------------------------------------------------------

// The Set-Cookie headers of a response, by cookie name: {value, attrs}.
export function setCookies(r) {
	const out = {};
	for (const c of r.headers.getSetCookie()) {
		const [pair, ...attrs] = c.split(';').map((s) => s.trim());
		const i = pair.indexOf('=');
		out[pair.slice(0, i)] = { value: pair.slice(i + 1),
			attrs: attrs.map((a) => a.toLowerCase()) };
	}
	return out;
}

// --- events ----------------------------------------------------------------

const REDIS_PORT = process.env.OP_TEST_REDIS_PORT ?? '16879';

// The last n events of op:events, oldest first: [{sid, id, type, event,
// raw}], event parsed from its JSON.
export function readEvents(n = 5000) {
	const out = execFileSync('redis-cli', ['-p', REDIS_PORT, '--json',
		'XREVRANGE', 'op:events', '+', '-', 'COUNT', String(n)],
	{ encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
	const rows = JSON.parse(out || '[]') ?? [];
	return rows.reverse().map(([sid, kv]) => {
		const f = {};
		for (let i = 0; i + 1 < kv.length; i += 2) f[kv[i]] = kv[i + 1];
		return { sid, id: f.id, type: f.type, raw: f.event,
			event: JSON.parse(f.event) };
	});
}

// Poll the stream until an event matching pred arrives (up to ~10 s).
export async function waitEvent(pred, what = 'event') {
	for (let i = 0; i < 100; i++) {
		const hit = readEvents().find(pred);
		if (hit) return hit;
		await sleep(100);
	}
	assert.fail(`no ${what} arrived in op:events`);
}

// SQL as the database superuser (the stack's own cluster, as its config
// names it), for what only an attacker would do: the output, trimmed.
export function superSql(q) {
	const conf = readFileSync(`${DATA}/openpanel.conf`, 'utf8');
	const host = /host=(\S+)/.exec(conf)[1], port = /port=(\d+)/.exec(conf)[1];
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-h', host, '-p', port, '-U', 'postgres', '-d', 'openpanel', '-c', q],
	    { encoding: 'utf8' }).trim();
}
