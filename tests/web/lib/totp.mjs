// totp.mjs — RFC 6238 codes (SHA-1, 6 digits, 30 s) for a base32 secret,
// as an authenticator app computes them.
import { createHmac } from 'node:crypto';

function base32(s) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const ch of s.replace(/=+$/, '').toUpperCase())
		bits += abc.indexOf(ch).toString(2).padStart(5, '0');
	const out = [];
	for (let i = 0; i + 8 <= bits.length; i += 8)
		out.push(parseInt(bits.slice(i, i + 8), 2));
	return Buffer.from(out);
}

export function totp(secret, step = Math.floor(Date.now() / 30000)) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = createHmac('sha1', base32(secret)).update(msg).digest();
	const o = h[h.length - 1] & 15;
	const n = (h.readUInt32BE(o) & 0x7fffffff) % 1000000;
	return String(n).padStart(6, '0');
}

export function step() {
	return Math.floor(Date.now() / 30000);
}
