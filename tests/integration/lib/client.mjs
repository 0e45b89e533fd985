// client.mjs — talk to the panel over HTTP exactly as a client would.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export const BASE = process.env.OP_TEST_URL ?? 'http://127.0.0.1:18480';
export const DATA = process.env.OP_DATA_DIR;
export const ADMIN = {
	email: 'admin@openpanel.test',
	password: 'admin password 0f the test',
	name: 'Test Admin',
};

// A client address of its own for this caller (the gateway trusts
// X-Forwarded-For from loopback in tests), so per-address limits of one
// suite do not spill into another.
export function addr() {
	const b = randomBytes(3);
	return `10.${b[0]}.${b[1]}.${b[2] || 1}`;
}

// fetch, sent again once when a kept-alive connection was closed under it
// as it went out: nginx's old workers close their idle connections on a
// reload (the gateway reloads whenever routes change, e.g. as Swarm moves
// tasks), and an idle connection closed that way carried no request
// nginx read, so a POST is as safe to send again as a GET (browsers
// resend on a reused connection the same way).
async function fetchOnce(url, init) {
	try {
		return await fetch(url, init);
	} catch (e) {
		if (!['UND_ERR_SOCKET', 'ECONNRESET'].includes(e.cause?.code))
			throw e;
		return fetch(url, init);
	}
}

// One HTTP call. opts: body (object → JSON, string → sent raw), token,
// headers, ip, cookies (a jar: {name: value}, updated from Set-Cookie).
// Returns {status, headers, body (parsed JSON or null), text}.
export async function api(method, path, opts = {}) {
	const headers = { ...(opts.headers ?? {}) };
	if (opts.token) headers.authorization = `Bearer ${opts.token}`;
	if (opts.ip) headers['x-forwarded-for'] = opts.ip;
	if (opts.cookies && Object.keys(opts.cookies).length)
		headers.cookie = Object.entries(opts.cookies)
			.map(([k, v]) => `${k}=${v}`).join('; ');
	let body;
	if (opts.body !== undefined) {
		body = typeof opts.body === 'string' ? opts.body :
		    JSON.stringify(opts.body);
		headers['content-type'] ??= 'application/json';
	}
	const res = await fetchOnce(BASE + path, { method, headers, body,
		redirect: 'manual' });
	const text = await res.text();
	let json = null;
	try { json = text ? JSON.parse(text) : null; } catch { json = null; }
	if (opts.cookies) {
		for (const c of res.headers.getSetCookie()) {
			const [pair] = c.split(';');
			const i = pair.indexOf('=');
			const k = pair.slice(0, i), v = pair.slice(i + 1);
			if (v === '' || /Max-Age=0/.test(c)) delete opts.cookies[k];
			else opts.cookies[k] = v;
		}
	}
	return { status: res.status, headers: res.headers, body: json, text };
}

export function unique(prefix = 'u') {
	return `${prefix}-${randomBytes(5).toString('hex')}`;
}

// Sign in; returns the login answer (access_token, refresh_token, user).
export async function login(email, password, extra = {}) {
	const r = await api('POST', '/api/auth/login', { body: { email,
		password, ...extra }, ip: addr() });
	if (r.status !== 200)
		throw new Error(`login ${email}: ${r.status} ${r.text}`);
	return r.body;
}

export async function adminToken() {
	return (await login(ADMIN.email, ADMIN.password)).access_token;
}

// A new user made by the admin, signed in: {id, email, password, token}.
export async function newUser(adminTok, opts = {}) {
	const email = `${unique(opts.prefix ?? 'user')}@openpanel.test`;
	const password = 'a long enough password';
	const r = await api('POST', '/api/users', { token: adminTok, body: {
		email, name: opts.name ?? 'Some One', password,
		is_admin: !!opts.admin } });
	if (r.status !== 201)
		throw new Error(`create user: ${r.status} ${r.text}`);
	const l = await login(email, password);
	return { id: r.body.id, email, password, token: l.access_token,
		refresh: l.refresh_token };
}

export function setupToken() {
	return readFileSync(`${DATA}/setup-token`, 'utf8').trim();
}

// The error body every failure carries.
export function errorCode(r) {
	return r.body?.error?.code;
}
