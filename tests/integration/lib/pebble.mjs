// pebble.mjs — an ACME CA for the suites that need certificates: Debian's
// Pebble, with pebble-challtestsrv answering DNS (every name at
// 127.0.0.1), on OP_TEST_PEBBLE_PORT and the four ports after it, HTTP-01
// answered by the gateway; and the instance's ACME settings pointed at it.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { api } from './client.mjs';
import { until } from './fixtures.mjs';
import { HTTP_PORT } from './gateway.mjs';

const BASE_PORT = Number(process.env.OP_TEST_PEBBLE_PORT ?? 48500);
const ACME = BASE_PORT, ACME_MGMT = BASE_PORT + 1, DNS = BASE_PORT + 2,
    DNS_MGMT = BASE_PORT + 3, TLS_ALPN = BASE_PORT + 4;
export const DIRECTORY = `https://127.0.0.1:${ACME}/dir`;

// A CA and the certificate Pebble serves its API with, made in dir.
function pebbleTls(dir) {
	const ssl = (...a) => execFileSync('openssl', a, { cwd: dir,
		stdio: 'pipe' });
	ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
	    'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj',
	    '/CN=OpenPanel test ACME CA', '-keyout', 'ca.key', '-out', 'ca.crt');
	ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
	    '-nodes', '-subj', '/CN=localhost', '-keyout', 'pebble.key',
	    '-out', 'pebble.csr');
	writeFileSync(`${dir}/ext`, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
	ssl('x509', '-req', '-in', 'pebble.csr', '-CA', 'ca.crt', '-CAkey',
	    'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext',
	    '-out', 'pebble.crt');
	return readFileSync(`${dir}/ca.crt`, 'utf8');
}

const listening = (port) => new Promise((res) => {
	const s = connect(port, '127.0.0.1');
	s.on('connect', () => { s.destroy(); res(true); });
	s.on('error', () => res(false));
});

// GET over HTTPS trusting ca only: {status, body}.
export const httpsGet = (url, ca) => new Promise((res, rej) => {
	const r = httpsRequest(url, { ca, agent: false }, (m) => {
		let b = '';
		m.on('data', (d) => { b += d; });
		m.on('end', () => res({ status: m.statusCode, body: b }));
	});
	r.on('error', rej);
	r.end();
});

// Start challtestsrv and Pebble. Answers {caPem (what Pebble's API is
// served with), root (Pebble's root, what it issues under), stop()}.
export async function startPebble() {
	const dir = mkdtempSync(`${tmpdir()}/op-pebble-`);
	const procs = [];
	const start = (name, argv, env = {}) => {
		const p = spawn(argv[0], argv.slice(1), { cwd: dir,
			env: { PATH: '/usr/bin:/bin', ...env },
			stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { out += d; });
		Object.assign(p, { log: () => out, name, argv, env });
		procs.push(p);
		return p;
	};
	const caPem = pebbleTls(dir);
	start('challtestsrv', ['/usr/bin/pebble-challtestsrv',
		'-dns01', `127.0.0.1:${DNS}`, '-http01', '', '-https01', '',
		'-tlsalpn01', '', '-management', `127.0.0.1:${DNS_MGMT}`,
		'-defaultIPv4', '127.0.0.1', '-defaultIPv6', '']);
	writeFileSync(`${dir}/pebble.json`, JSON.stringify({ pebble: {
		listenAddress: `127.0.0.1:${ACME}`,
		managementListenAddress: `127.0.0.1:${ACME_MGMT}`,
		certificate: `${dir}/pebble.crt`, privateKey: `${dir}/pebble.key`,
		httpPort: HTTP_PORT, tlsPort: TLS_ALPN, ocspResponderURL: '',
		externalAccountBindingRequired: false } }));
	start('pebble', ['/usr/bin/pebble', '-config', `${dir}/pebble.json`,
		'-dnsserver', `127.0.0.1:${DNS}`], { PEBBLE_VA_NOSLEEP: '1',
		PEBBLE_WFE_NONCEREJECT: '0' });
	const servers = [procs[0], procs[1]];
	for (const [port, i] of [[DNS_MGMT, 0], [ACME, 1], [ACME_MGMT, 1]]) {
		try {
			await until(() => listening(port), `${servers[i].name} on ` +
			    `${port}: ` + servers[i].log(), 30000);
		} catch {
			// Seen here: a Pebble that logs its first line and never
			// listens. The test server is started again, once.
			servers[i].kill('SIGKILL');
			servers[i] = start(servers[i].name, servers[i].argv,
			    servers[i].env);
			await until(() => listening(port), `${servers[i].name} on ` +
			    `${port} (again): ` + servers[i].log(), 60000);
		}
	}
	const root = (await httpsGet(`https://127.0.0.1:${ACME_MGMT}/roots/0`,
	    caPem)).body;
	assert.match(root, /BEGIN CERTIFICATE/);
	return {
		caPem, root,
		stop() {
			for (const p of procs) p.kill('SIGTERM');
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

// Point the instance's ACME settings at pebble (or, with null, at no CA:
// as a new instance starts), as the instance admin whose token is given.
export async function acmeSettings(token, ip, pebble) {
	const r = await api('PUT', '/api/settings', { token, ip, body: pebble ?
	    { acme_directory: DIRECTORY, acme_ca_bundle: pebble.caPem,
	    acme_email: 'ops@openpanel.test' } : { acme_directory: null,
	    acme_ca_bundle: null, acme_email: null } });
	assert.equal(r.status, 200, r.text);
}
