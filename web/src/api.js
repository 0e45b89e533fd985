// api.js — the one way the UI talks to the panel: the same REST API as
// every client. The browser's session lives in cookies the API sets
// (op_access and op_refresh are HttpOnly; no token ever reaches script
// storage). Writes echo the readable op_csrf cookie in X-CSRF-Token, as
// the gateway's auth check demands. An expired access cookie is renewed
// once through POST /api/auth/refresh and the request retried.

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message);
		this.status = status;
		this.code = code;
		this.field = field ?? null;
	}
}

function cookie(name) {
	for (const part of document.cookie.split(';')) {
		const [k, ...v] = part.trim().split('=');
		if (k === name) return decodeURIComponent(v.join('='));
	}
	return null;
}

function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params ?? {}))
		if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
	const s = q.toString();
	return s ? `?${s}` : '';
}

async function send(method, path, body, params) {
	const headers = { accept: 'application/json' };
	const init = { method, headers, credentials: 'same-origin' };
	if (method !== 'GET' && method !== 'HEAD') {
		const csrf = cookie('op_csrf');
		if (csrf) headers['x-csrf-token'] = csrf;
	}
	if (body !== undefined) {
		headers['content-type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	return fetch(path + query(params), init);
}

async function failure(res) {
	let e = null;
	try { e = (await res.json()).error; } catch { /* not JSON */ }
	return new ApiError(res.status, e?.code ?? `http_${res.status}`,
	    e?.message ?? `the server answered ${res.status}`, e?.field);
}

// One refresh at a time: a refresh token is single-use, and presenting a
// spent one again ends the whole session.
let refreshing = null;
export function refresh() {
	refreshing ??= send('POST', '/api/auth/refresh')
	    .then((r) => r.ok)
	    .catch(() => false)
	    .finally(() => { setTimeout(() => { refreshing = null; }, 0); });
	return refreshing;
}

let onSignedOut = () => {};
export function whenSignedOut(fn) { onSignedOut = fn; }

const PUBLIC = /^\/api\/(auth\/(login|setup|refresh|signup)|health)$/;

// Raw call: the Response, renewed once on 401. Throws ApiError otherwise.
export async function call(method, path, { body, params } = {}) {
	let res = await send(method, path, body, params);
	if (res.status === 401 && !PUBLIC.test(path) && cookie('op_csrf')) {
		if (await refresh())
			res = await send(method, path, body, params);
	}
	if (res.status === 401 && !PUBLIC.test(path))
		onSignedOut();
	if (!res.ok) throw await failure(res);
	return res;
}

// JSON call: the parsed body, or null for 204.
export async function api(method, path, opts) {
	const res = await call(method, path, opts);
	if (res.status === 204) return null;
	const type = res.headers.get('content-type') ?? '';
	return type.includes('json') ? res.json() : res.text();
}

export const get = (path, params) => api('GET', path, { params });
export const post = (path, body) => api('POST', path, { body });
export const put = (path, body) => api('PUT', path, { body });
export const patch = (path, body) => api('PATCH', path, { body });
export const del = (path) => api('DELETE', path);

// Every page of a list, following `next` (bounded: lists in the UI are
// for people, not for bulk export).
export async function all(path, params = {}, max = 1000) {
	const items = [];
	let after;
	do {
		const page = await get(path, { ...params, limit: 200, after });
		items.push(...page.items);
		after = page.next;
	} while (after && items.length < max);
	return items;
}
