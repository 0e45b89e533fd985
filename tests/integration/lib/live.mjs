// live.mjs — subscribe to the panel's live channels as a browser would:
// EventSource (text/event-stream over fetch; Node 20 has no EventSource)
// and WebSocket (ws.mjs). Each subscriber queues the messages it receives.
import { BASE } from './client.mjs';
import { connect } from './ws.mjs';
import { sleep } from './fixtures.mjs';

// Wait until pick(messages) returns something; fail naming what after ms.
async function waitFor(sub, pick, what, ms) {
	const end = Date.now() + ms;
	for (;;) {
		const hit = pick(sub.messages);
		if (hit !== undefined && hit !== null && hit !== false) return hit;
		if (sub.ended && sub.messages.length === 0)
			throw new Error(`stream ended before ${what}`);
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
}

// An EventSource subscription: {status, messages (data strings), next,
// close}. A refusal resolves with the status and the JSON error body.
export async function eventSource(path, { token, headers = {} } = {}) {
	const ac = new AbortController();
	const res = await fetch(BASE + path, { signal: ac.signal, headers: {
		accept: 'text/event-stream', ...headers,
		...(token ? { authorization: `Bearer ${token}` } : {}) } });
	const sub = { status: res.status, headers: res.headers, messages: [],
		ended: false };
	if (res.status !== 200) {
		const text = await res.text();
		try { sub.body = JSON.parse(text); } catch { sub.body = null; }
		return sub;
	}
	(async () => {
		const dec = new TextDecoder();
		let buf = '';
		try {
			for await (const chunk of res.body) {
				buf += dec.decode(chunk, { stream: true });
				let i;
				while ((i = buf.indexOf('\n\n')) >= 0) {
					const block = buf.slice(0, i);
					buf = buf.slice(i + 2);
					const data = block.split('\n')
					    .filter((l) => l.startsWith('data:'))
					    .map((l) => l.slice(5).replace(/^ /, ''));
					if (data.length) sub.messages.push(data.join('\n'));
				}
			}
		} catch { /* aborted */ }
		sub.ended = true;
	})();
	sub.next = (pick, what, ms = 20000) => waitFor(sub, pick, what, ms);
	sub.close = () => ac.abort();
	return sub;
}

// A WebSocket subscription, the same shape as eventSource's.
export async function webSocket(path, { token } = {}) {
	const c = await connect(path, { headers: token ?
	    { authorization: `Bearer ${token}` } : {} });
	if (c.status !== 101)
		return { status: c.status, body: c.body, messages: [] };
	const sub = { status: 101, ws: c.ws, ended: false,
		get messages() {
			return c.ws.messages.filter((m) => m.type === 'text')
			    .map((m) => m.text);
		} };
	c.ws.ended.then(() => { sub.ended = true; });
	sub.next = (pick, what, ms = 20000) => waitFor(sub, pick, what, ms);
	sub.close = () => c.ws.destroy();
	return sub;
}

// The first message (JSON) satisfying pred.
export const jsonWhere = (pred) => (msgs) => {
	for (const m of msgs) {
		let j;
		try { j = JSON.parse(m); } catch { continue; }
		if (pred(j)) return j;
	}
	return undefined;
};
