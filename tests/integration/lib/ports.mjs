// ports.mjs — a free loopback port for a server a test starts (a
// Prometheus, a webhook receiver, an SMTP sink), from the range this
// test run owns: OP_TEST_EXTRA_PORTS ("first-last", default 38500-38599).
import { createServer } from 'node:net';

const [FIRST, LAST] = (process.env.OP_TEST_EXTRA_PORTS ?? '38500-38599')
    .split('-').map(Number);
let next = FIRST;

function tryListen(port) {
	return new Promise((resolve) => {
		const s = createServer();
		s.once('error', () => resolve(false));
		s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
	});
}

// The next port of the range nothing listens on.
export async function freePort() {
	for (let i = 0; i <= LAST - FIRST; i++) {
		const port = next;
		next = next >= LAST ? FIRST : next + 1;
		if (await tryListen(port)) return port;
	}
	throw new Error(`no free port in ${FIRST}-${LAST}`);
}
