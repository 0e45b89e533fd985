// relay.mjs — carries the browser's TCP connections across the boundary
// of the network namespace it runs in (see chromium-netns.sh).
//
// Chromium aborts its requests in flight with net::ERR_NETWORK_CHANGED
// whenever an address appears or goes on the host, and the Docker engine
// the tests drive adds and removes bridges all the time. In a namespace
// of its own the browser sees only its loopback, which never changes.
// Unix sockets live in the file system, not in a network namespace, so
// they cross: inside, a relay listens on 127.0.0.1:<port> and dials
// <dir>/<port>.sock; outside, the test process listens there and dials
// the real 127.0.0.1:<port>.
//
// Imported: relayOut() is the outside half. Run as a program
// (node relay.mjs <dir> <ports> <chromium> [args…]): the inside half,
// which listens, then starts Chromium with fds 0–4 passed through
// (Playwright talks to it over fds 3 and 4) and exits as it exits.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// pipe joins two sockets both ways; either side's end or error ends both.
function pipe(a, b) {
	a.pipe(b);
	b.pipe(a);
	const end = () => { a.destroy(); b.destroy(); };
	a.on('error', end).on('close', end);
	b.on('error', end).on('close', end);
}

function listen(server, where) {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(where, () => { server.off('error', reject); resolve(server); });
	});
}

// relayOut listens on <dir>/<port>.sock for each port and carries every
// connection to 127.0.0.1:<port>. Returns the servers (unref'd, so they
// never keep the test process alive).
export async function relayOut(dir, ports) {
	mkdirSync(dir, { recursive: true });
	const servers = [];
	for (const port of ports) {
		const path = join(dir, `${port}.sock`);
		rmSync(path, { force: true });
		const server = createServer((c) =>
		    pipe(c, createConnection({ host: '127.0.0.1', port })));
		servers.push(await listen(server, path));
		server.unref();
	}
	return servers;
}

async function relayIn(dir, ports, argv) {
	for (const port of ports) {
		const server = createServer((c) =>
		    pipe(c, createConnection(join(dir, `${port}.sock`))));
		await listen(server, { host: '127.0.0.1', port });
	}
	const child = spawn(argv[0], argv.slice(1), { stdio: [0, 1, 2, 3, 4] });
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
	for (const sig of ['SIGTERM', 'SIGINT'])
		process.on(sig, () => child.kill(sig));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const [dir, ports, ...argv] = process.argv.slice(2);
	relayIn(dir, ports.split(',').map(Number), argv).catch((e) => {
		console.error(`relay: ${e.message}`);
		process.exit(1);
	});
}
