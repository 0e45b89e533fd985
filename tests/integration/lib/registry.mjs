// registry.mjs — a private image registry for the tests: Debian's
// docker-registry on 127.0.0.1 with an htpasswd user, holding an image
// pushed from the engine (loopback registries need no TLS).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer().listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		}).on('error', reject);
	});
}

async function until(check, ms = 15000) {
	const end = Date.now() + ms;
	for (;;) {
		try { if (await check()) return; } catch { /* not yet */ }
		if (Date.now() > end) throw new Error('registry did not start');
		await new Promise((r) => setTimeout(r, 100));
	}
}

// Start a registry with user/password; returns {host, user, password,
// image(name) → pushed reference, stop()}.
export async function startRegistry() {
	const dir = mkdtempSync(join(tmpdir(), 'op-registry-'));
	const port = await freePort();
	const user = 'pusher', password = 'registry secret 42';
	writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd',
	    ['-Bbn', user, password]));
	writeFileSync(join(dir, 'config.yml'), [
		'version: 0.1',
		'log: {level: error}',
		`storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
		`http: {addr: "127.0.0.1:${port}"}`,
		`auth: {htpasswd: {realm: openpanel-test, path: ${dir}/htpasswd}}`,
		'',
	].join('\n'));
	const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')],
	    { stdio: 'ignore' });
	const host = `127.0.0.1:${port}`;
	await until(async () => (await fetch(`http://${host}/v2/`)).status === 401);
	const docker = (...args) => execFileSync('docker', args,
	    { stdio: ['pipe', 'pipe', 'pipe'] });
	return {
		host, user, password,
		// Push a local image under host/name, then forget it locally so
		// only a pull can bring it back.
		push(local, name) {
			const ref = `${host}/${name}`;
			docker('tag', local, ref);
			execFileSync('docker', ['login', '-u', user, '--password-stdin',
			    host], { input: password, stdio: ['pipe', 'pipe', 'pipe'] });
			docker('push', ref);
			docker('logout', host);
			docker('rmi', ref);
			return ref;
		},
		stop() {
			proc.kill('SIGTERM');
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
