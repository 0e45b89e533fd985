// Certificates from an ACME CA: Debian's Pebble (with pebble-challtestsrv
// answering DNS, every name at 127.0.0.1) as the CA, the panel's worker
// ordering over HTTP-01 answered by the gateway. A domain added to a
// running app answers over HTTPS with a certificate chaining to Pebble's
// root; HTTP is sent to HTTPS; a certificate near its expiry is renewed;
// an order that cannot succeed backs off; the key is sealed at rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { api, addr, adminToken, unique } from './lib/client.mjs';
import { newUsers, newTeam, until, readEvents } from './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';
import { viaGateway, tryGateway } from './lib/gateway.mjs';
import { startPebble, acmeSettings, DIRECTORY } from './lib/pebble.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const PG = process.env.OP_TEST_PG;

let pebble, caPem, pebbleRoot;
let admin, O, T, P, web;
const made = new Set();

const as = (who) => ({
	get: (p) => api('GET', p, { token: who.token, ip: IP }),
	post: (p, body) => api('POST', p, { token: who.token, ip: IP, body }),
	put: (p, body) => api('PUT', p, { token: who.token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token: who.token, ip: IP }),
});

// One value from the database, as the superuser (what is at rest).
function sql(q) {
	return execFileSync('psql', ['-X', '-q', '-tA', `${PG} user=postgres` +
	    ' dbname=openpanel', '-c', q], { encoding: 'utf8' }).trim();
}

const certOf = async (id) => (await as(O).get(`/api/domains/${id}`))
    .body.certificate;

// No CA configured: as a new instance starts.
const resetSettings = () => acmeSettings(admin.token, IP, null);

before(async () => {
	pebble = await startPebble();
	({ caPem, root: pebbleRoot } = pebble);
	admin = { token: await adminToken() };
	await resetSettings();
	[O] = await newUsers(admin.token, 1);
	T = await newTeam(O.token, unique('team'), IP);
	const p = await as(O).post('/api/projects', { team_id: T,
		name: unique('tls') });
	assert.equal(p.status, 201, p.text);
	P = p.body.id;
	made.add(P);
	const c = await as(O).post('/api/containers', { project_id: P,
		name: 'web', image: IMAGE, ports: [{ container: 8080 }],
		command: ['sh', '-c', 'echo secure-app > /www/index.html; ' +
		'httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait'] });
	assert.equal(c.status, 201, c.text);
	web = c.body;
});

after(async () => {
	await resetSettings();
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}`, { token: admin.token,
			ip: IP });
		await removeProjectObjects(id);
	}
	pebble?.stop();
});

// --- hostile and failing first -------------------------------------------------

test('the ACME settings are validated', async () => {
	for (const body of [{ acme_directory: 'ftp://x.test/dir' },
		{ acme_directory: 'https://x.test/\n' },
		{ acme_ca_bundle: 'not a certificate' },
		{ acme_ca_bundle: '-----BEGIN CERTIFICATE-----\nAAAA\n' },
		{ acme_ca_bundle: `${caPem}\u0007` },
		{ acme_email: 'nobody' }]) {
		const r = await as(admin).put('/api/settings', body);
		assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
	}
	const u = await as(O).put('/api/settings', { acme_email: 'a@b.test' });
	assert.equal(u.status, 403, 'instance admins only');
	const s = await as(admin).get('/api/settings');
	assert.equal(s.body.acme_directory, null);
});

test('an order without a CA fails, says why, and backs off', async () => {
	const hostname = `${unique('early')}.openpanel.test`;
	const r = await as(O).post('/api/domains', { hostname,
		container_id: web.id, port: 8080 });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.https, true);
	assert.equal(r.body.certificate.state, 'pending');
	const c = await until(async () => {
		const x = await certOf(r.body.id);
		return x.state === 'failed' ? x : null;
	}, 'the order to fail');
	assert.match(c.last_error, /acme_directory/);
	const list = await as(O).get(`/api/certificates?team_id=${T}`);
	const row = list.body.items.find((x) => x.id === r.body.id);
	assert.equal(row.attempts, 1);
	assert.ok(Date.parse(row.next_order_at) > Date.now(), 'backed off');
	const ev = readEvents(2000).find((e) => e.type ===
	    'certificate.failed' && e.event.subject.id === r.body.id);
	assert.ok(ev, 'certificate.failed was published');
	assert.equal(ev.event.team_id, T);
	assert.equal((await as(O).del(`/api/domains/${r.body.id}`)).status, 204);
});

// --- issuance ---------------------------------------------------------------------

let domain;

test('a domain of a running app gets a certificate and answers over HTTPS',
    async () => {
	await acmeSettings(admin.token, IP, pebble);
	const hostname = `${unique('secure')}.openpanel.test`;
	const r = await as(O).post('/api/domains', { hostname,
		container_id: web.id, port: 8080, redirect_https: true });
	assert.equal(r.status, 201, r.text);
	domain = r.body;
	const c = await until(async () => {
		const x = await certOf(domain.id);
		return x.state === 'valid' ? x : null;
	}, 'the certificate', 60000);
	assert.deepEqual(c.names, [hostname]);
	assert.match(c.issuer, /Pebble/);
	assert.ok(Date.parse(c.not_after) > Date.now() + 7 * 86400e3);

	// Through the gateway, over TLS, trusting only Pebble's root.
	const got = await until(() => tryGateway(hostname, '/',
	    { https: true, ca: pebbleRoot }), 'HTTPS with the new certificate');
	assert.equal(got.status, 200);
	assert.equal(got.body.trim(), 'secure-app');
	assert.ok(got.cert.subjectaltname.includes(`DNS:${hostname}`));
	// Plain HTTP is sent to HTTPS, the challenge path excepted.
	const plain = await viaGateway(hostname, '/x?y=1');
	assert.equal(plain.status, 301);
	assert.match(plain.headers.location, new RegExp(
	    `^https://${hostname.replace(/\./g, '\\.')}(:\\d+)?/x\\?y=1$`));
	const challenge = await viaGateway(hostname,
	    '/.well-known/acme-challenge/none');
	assert.equal(challenge.status, 404);

	const ev = readEvents(2000).find((e) => e.type ===
	    'certificate.issued' && e.event.subject.id === domain.id);
	assert.ok(ev, 'certificate.issued was published');
	assert.equal(ev.event.data.hostname, hostname);
});

test('the private keys are sealed at rest', async () => {
	const key = sql(`SELECT key_sealed FROM infra.certificates WHERE
	    domain_id = '${domain.id}'`);
	assert.match(key, /^v1\./);
	assert.equal(sql(`SELECT count(*) FROM infra.certificates WHERE
	    cert_pem LIKE '%PRIVATE KEY%' OR key_sealed LIKE '%PRIVATE%'`), '0');
	const acct = sql(`SELECT key_sealed FROM infra.acme_accounts WHERE
	    directory = '${DIRECTORY}'`);
	assert.match(acct, /^v1\./, 'the account key is sealed too');
	// The API never answers a key.
	const list = await as(O).get('/api/certificates');
	assert.ok(!/PRIVATE KEY|key_sealed|v1\./.test(list.text));
});

test('a certificate close to expiry is renewed and served', async () => {
	const before_ = (await as(O).get(`/api/certificates?team_id=${T}`))
	    .body.items.find((x) => x.id === domain.id);
	// Ten days left: inside the renewal window (30 days).
	sql(`UPDATE infra.certificates SET not_after = now() + interval
	    '10 days' WHERE domain_id = '${domain.id}'`);
	const after_ = await until(async () => {
		const x = (await as(O).get(`/api/certificates?team_id=${T}`))
		    .body.items.find((y) => y.id === domain.id);
		return x.renewals === 1 ? x : null;
	}, 'the renewal', 60000);
	assert.notEqual(after_.serial, before_.serial);
	assert.equal(after_.state, 'valid');
	assert.ok(Date.parse(after_.not_after) > Date.now() + 20 * 86400e3);
	const got = await until(async () => {
		const g = await tryGateway(domain.hostname, '/', { https: true,
			ca: pebbleRoot });
		return g && g.cert.serialNumber.toUpperCase().replace(/^0+/, '') ===
		    after_.serial.replace(/^0+/, '') ? g : null;
	}, 'the renewed certificate served');
	assert.equal(got.body.trim(), 'secure-app');
	assert.ok(readEvents(2000).some((e) => e.type ===
	    'certificate.renewed' && e.event.subject.id === domain.id));
	// Renewed, it is not ordered again.
	const later = (await as(O).get(`/api/certificates?team_id=${T}`))
	    .body.items.find((x) => x.id === domain.id);
	assert.equal(later.next_order_at, null);
});

test('POST /ssl orders again on demand; deleting takes the certificate',
    async () => {
	const r = await as(O).post(`/api/domains/${domain.id}/ssl`);
	assert.equal(r.status, 202, r.text);
	await until(async () => (await as(O).get(
	    `/api/certificates?team_id=${T}`)).body.items.find((x) =>
	    x.id === domain.id).renewals === 2, 'the second renewal', 60000);
	const d = await as(O).del(`/api/domains/${domain.id}`);
	assert.equal(d.status, 204);
	assert.equal(sql(`SELECT count(*) FROM infra.certificates WHERE
	    domain_id = '${domain.id}'`), '0');
	const g = await until(async () => {
		const x = await tryGateway(domain.hostname, '/', { https: true });
		return x && x.body.trim() !== 'secure-app' ? x : null;
	}, 'the domain gone');
	assert.ok(!g.cert.subjectaltname?.includes(domain.hostname),
	    'the default certificate answers now');
});
