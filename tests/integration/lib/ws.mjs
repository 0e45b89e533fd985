// ws.mjs — a small WebSocket client (RFC 6455) for the tests: Node 20 has
// none built in. node:http makes the upgrade request; frames are written
// and read here by hand, so a test can also send what a browser never
// would (unmasked frames, oversized ones, bad opcodes).
import { request } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { BASE } from './client.mjs';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

// One frame: {fin, opcode, payload, mask (true: a random key; a Buffer:
// that key; false: none), rsv (bits 4-6 of the first byte)}.
export function encodeFrame(opcode, payload = Buffer.alloc(0),
    { fin = true, mask = true, rsv = 0 } = {}) {
	const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
	const len = data.length;
	const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
	const m = mask ? 0x80 : 0;
	if (len < 126)
		head.push(m | len);
	else if (len <= 0xffff)
		head.push(m | 126, len >> 8, len & 0xff);
	else {
		head.push(m | 127);
		const b = Buffer.alloc(8);
		b.writeBigUInt64BE(BigInt(len));
		head.push(...b);
	}
	if (!mask)
		return Buffer.concat([Buffer.from(head), data]);
	const key = Buffer.isBuffer(mask) ? mask : randomBytes(4);
	const body = Buffer.alloc(len);
	for (let i = 0; i < len; i++)
		body[i] = data[i] ^ key[i & 3];
	return Buffer.concat([Buffer.from(head), key, body]);
}

// A connected WebSocket: messages queue up in arrival order; the
// terminal's output (binary frames) also accumulates in .output.
export class WebSocketClient {
	constructor(socket, head, { autoPong = true } = {}) {
		this.socket = socket;
		this.buf = Buffer.alloc(0);
		this.messages = [];
		this.waiters = [];
		this.output = '';
		this.fragments = null;
		this.autoPong = autoPong;
		this.sentClose = false;
		this.closeFrame = null;		// {code, reason} from the server
		this.protocolErrors = [];
		this.ended = new Promise((resolve) => {
			socket.on('close', () => {
				this.isEnded = true;
				resolve(this.closeFrame);
				this.wake();
			});
		});
		socket.on('data', (d) => this.onData(d));
		socket.on('error', () => {});
		if (head && head.length)
			this.onData(head);
	}

	onData(d) {
		this.buf = Buffer.concat([this.buf, d]);
		for (;;) {
			const f = this.parseFrame();
			if (f === null)
				break;
			this.onFrame(f);
		}
		this.wake();
	}

	parseFrame() {
		const b = this.buf;
		if (b.length < 2)
			return null;
		const fin = (b[0] & 0x80) !== 0, opcode = b[0] & 0x0f;
		if (b[1] & 0x80)
			this.protocolErrors.push('the server masked a frame');
		let len = b[1] & 0x7f, at = 2;
		if (len === 126) {
			if (b.length < 4) return null;
			len = b.readUInt16BE(2);
			at = 4;
		} else if (len === 127) {
			if (b.length < 10) return null;
			len = Number(b.readBigUInt64BE(2));
			at = 10;
		}
		if (b.length < at + len)
			return null;
		const payload = b.subarray(at, at + len);
		this.buf = b.subarray(at + len);
		return { fin, opcode, payload: Buffer.from(payload) };
	}

	onFrame(f) {
		if (f.opcode === OP.ping) {
			this.push({ type: 'ping', data: f.payload });
			if (this.autoPong && !this.sentClose)
				this.socket.write(encodeFrame(OP.pong, f.payload));
			return;
		}
		if (f.opcode === OP.pong)
			return this.push({ type: 'pong', data: f.payload });
		if (f.opcode === OP.close) {
			const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) :
			    1005;
			const reason = f.payload.subarray(2).toString('utf8');
			this.closeFrame = { code, reason };
			if (!this.sentClose) {	// answer it, then hang up
				this.sentClose = true;
				this.socket.write(encodeFrame(OP.close,
				    f.payload.subarray(0, 2)));
			}
			this.socket.end();
			return this.push({ type: 'close', code, reason });
		}
		if (f.opcode === OP.cont) {
			if (this.fragments === null)
				return this.protocolErrors.push('stray continuation');
			this.fragments.parts.push(f.payload);
		} else
			this.fragments = { opcode: f.opcode, parts: [f.payload] };
		if (!f.fin)
			return;
		const data = Buffer.concat(this.fragments.parts);
		const opcode = this.fragments.opcode;
		this.fragments = null;
		if (opcode === OP.binary) {
			this.output += data.toString('utf8');
			this.push({ type: 'binary', data });
		} else
			this.push({ type: 'text', data, text: data.toString('utf8') });
	}

	push(m) {
		this.messages.push(m);
	}

	wake() {
		const w = this.waiters;
		this.waiters = [];
		for (const fn of w) fn();
	}

	// Resolve when check() returns something truthy (re-checked on every
	// frame and at the end of the connection), or reject after ms.
	until(check, what, ms = 10000) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(
			    `timed out waiting for ${what}; output so far: ` +
			    JSON.stringify(this.output.slice(-500)))), ms);
			const attempt = () => {
				const v = check();
				if (v) {
					clearTimeout(timer);
					resolve(v);
				} else if (this.isEnded) {
					clearTimeout(timer);
					reject(new Error(`connection ended waiting for ${what};` +
					    ` output: ${JSON.stringify(this.output.slice(-500))}`));
				} else
					this.waiters.push(attempt);
			};
			attempt();
		});
	}

	// Wait until the terminal's output matches re; the match.
	expectOutput(re, ms) {
		return this.until(() => this.output.match(re), `output ${re}`, ms);
	}

	// The first queued message of type (removed from the queue).
	nextOf(type, ms) {
		return this.until(() => {
			const i = this.messages.findIndex((m) => m.type === type);
			return i < 0 ? null : this.messages.splice(i, 1)[0];
		}, `a ${type} message`, ms);
	}

	// Keystrokes: a binary frame.
	type(s) {
		this.socket.write(encodeFrame(OP.binary, Buffer.from(s)));
	}

	// A JSON control message: a text frame.
	sendJSON(o) {
		this.socket.write(encodeFrame(OP.text, Buffer.from(
		    JSON.stringify(o))));
	}

	sendFrame(opcode, payload, opts) {
		this.socket.write(encodeFrame(opcode, payload, opts));
	}

	sendRaw(buf) {
		this.socket.write(buf);
	}

	// Close with code; resolves with the server's close frame once the
	// connection has ended.
	async close(code = 1000, reason = '') {
		if (!this.sentClose && !this.isEnded) {
			this.sentClose = true;
			const p = Buffer.alloc(2 + Buffer.byteLength(reason));
			p.writeUInt16BE(code, 0);
			p.write(reason, 2);
			this.socket.write(encodeFrame(OP.close, p));
		}
		const timer = setTimeout(() => this.socket.destroy(), 10000);
		const frame = await this.ended;
		clearTimeout(timer);
		return frame;
	}

	destroy() {
		this.socket.destroy();
	}
}

// Open path (e.g. "/api/terminal?ticket=…") through the gateway.
// opts: origin (null: none sent), headers (extra or overriding), ip (the
// X-Forwarded-For client address), key (Sec-WebSocket-Key).
// Resolves {status: 101, ws, headers} on an upgrade, else {status,
// headers, text, body (parsed JSON or null)}.
export function connect(path, opts = {}) {
	const url = new URL(path, BASE);
	const key = opts.key ?? randomBytes(16).toString('base64');
	const headers = {
		connection: 'Upgrade',
		upgrade: 'websocket',
		'sec-websocket-version': '13',
		'sec-websocket-key': key,
	};
	if (opts.origin !== null)
		headers.origin = opts.origin ?? url.origin;
	if (opts.ip)
		headers['x-forwarded-for'] = opts.ip;
	Object.assign(headers, opts.headers ?? {});
	for (const [k, v] of Object.entries(headers))
		if (v === undefined || v === null) delete headers[k];
	return new Promise((resolve, reject) => {
		const req = request({ host: url.hostname, port: url.port,
			path: url.pathname + url.search, method: opts.method ?? 'GET',
			headers });
		req.setTimeout(20000, () => req.destroy(new Error(
		    `connect ${path}: timed out`)));
		req.on('upgrade', (res, socket, head) => {
			const want = createHash('sha1').update(key + GUID)
			    .digest('base64');
			if (res.headers['sec-websocket-accept'] !== want) {
				socket.destroy();
				return reject(new Error('bad Sec-WebSocket-Accept: ' +
				    res.headers['sec-websocket-accept']));
			}
			socket.setTimeout(0);
			resolve({ status: res.statusCode, headers: res.headers,
				ws: new WebSocketClient(socket, head, opts) });
		});
		req.on('response', (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let body = null;
				try { body = text ? JSON.parse(text) : null; } catch {
					body = null;
				}
				resolve({ status: res.statusCode, headers: res.headers,
					text, body });
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}
