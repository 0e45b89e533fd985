// Domains: a hostname routed by the gateway to a port of a running
// container. Hostile and malformed hostnames refused first; then the
// route answering through nginx, IDN names, path prefixes and redirects,
// a render nginx -t refuses leaving the running gateway as it was, the
// routing following the container when it is recreated, and a project's
// deletion taking its domains with it. (Certificates: I1_acme.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync,
    rmSync } from 'node:fs';
import { api, addr, adminToken, errorCode, unique, DATA } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, until } from './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';
import { viaGateway, tryGateway } from './lib/gateway.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
const ROUTES = `${DATA}/routes`;
let admin, O, V, X, T, TX, P, PX;
let web, other, outsiders;
const made = new Set();

// A web app answering "app-$WORD" at / and "prefixed-$WORD" at /app/.
const APP = ['sh', '-c', 'echo "app-$WORD" > /www/index.html; ' +
    'mkdir -p /www/app; echo "prefixed-$WORD" > /www/app/index.html; ' +
    'httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait'];

const as = (who) => {
	const token = who.token;
	return {
		get: (p) => api('GET', p, { token, ip: IP }),
		post: (p, body) => api('POST', p, { token, ip: IP, body }),
		put: (p, body) => api('PUT', p, { token, ip: IP, body }),
		del: (p) => api('DELETE', p, { token, ip: IP }),
	};
};
const host = (word = 'app') => `${unique(word)}.openpanel.test`;
const sites = () => readdirSync(`${ROUTES}/sites`).sort();

async function newProject(team, who) {
	const r = await as(who).post('/api/projects', { team_id: team,
		name: unique('dom') });
	assert.equal(r.status, 201, r.text);
	made.add(r.body.id);
	return r.body.id;
}

async function app(project, word, who = O) {
	const r = await as(who).post('/api/containers', { project_id: project,
		name: unique('web'), image: IMAGE, command: APP,
		env: { WORD: word }, ports: [{ container: 8080 }] });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

// What the app answers through the gateway on hostname (null: not it).
const served = async (hostname, path = '/') => {
	const r = await tryGateway(hostname, path);
	return r && r.status === 200 ? r.body.trim() : null;
};
// Wait until the gateway answers want for hostname: a reload reaches
// nginx's workers a moment after it is signalled.
const serves = (hostname, want, path = '/') => until(async () =>
    await served(hostname, path) === want, `${hostname}${path}: ${want}`);
// Wait until it no longer does.
const stops = (hostname, was, path = '/') => until(async () =>
    await served(hostname, path) !== was, `${hostname}${path} not ${was}`);

before(async () => {
	admin = { token: await adminToken() };
	[O, V, X] = await newUsers(admin.token, 3);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('outsider'), IP);
	await addMember(T, O.token, V, 'viewer', IP);
	P = await newProject(T, O);
	PX = await newProject(TX, X);
	// One at a time: a project's first containers create its network.
	web = await app(P, 'one');
	other = await app(P, 'two');
	outsiders = await app(PX, 'x', X);
});

after(async () => {
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}`, { token: admin.token,
			ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ------------------------------------------------------------

test('hostile and malformed hostnames are refused, nothing rendered',
    async () => {
	const before_ = sites();
	const bad = ['evil.test;', 'a.test;include /etc/passwd',
		'x.test { }', 'x.test\nserver_name y', 'x.test\r', "x'.test",
		'x".test', 'x.test$host', 'x.test#', 'x\\.test', 'x .test',
		'x.test\u0000', '*.openpanel.test', 'openpanel.*',
		'localhost', '127.0.0.1', '-bad.test', 'bad-.test', 'a..test',
		'.test', `${'a'.repeat(64)}.test`,
		`${'abcdefghi.'.repeat(26)}test`, 'x_y.test', 'x/y.test',
		'http://x.test', 'x.test:80', '', 'é\u0301\u0007.test'];
	for (const h of bad) {
		const r = await as(O).post('/api/domains', { hostname: h,
			container_id: web.id, port: 8080 });
		if (h.includes('\u0000')) {	// refused by the JSON parser
			assert.equal(r.status, 400, r.text);
			continue;
		}
		assert.equal(r.status, 422, `${JSON.stringify(h)}: ${r.text}`);
		assert.equal(r.body.error.field, 'hostname', r.text);
	}
	const list = await as(O).get(`/api/domains?team_id=${T}`);
	assert.deepEqual(list.body.items, []);
	assert.deepEqual(sites(), before_, 'no server block was written');
});

test('a wildcard names the challenge it would need', async () => {
	const r = await as(O).post('/api/domains', { hostname: '*.x.test',
		container_id: web.id, port: 8080 });
	assert.equal(r.status, 422);
	assert.match(r.body.error.message, /DNS-01/);
});

test('other fields: types, bounds, prefixes, strangers', async () => {
	const base = { hostname: host(), container_id: web.id, port: 8080 };
	const cases = [
		[{ ...base, port: 0 }, 422, 'port'],
		[{ ...base, port: 65536 }, 422, 'port'],
		[{ ...base, port: '8080' }, 422, 'port'],
		[{ ...base, path_prefix: 'app' }, 422, 'path_prefix'],
		[{ ...base, path_prefix: '/../etc' }, 422, 'path_prefix'],
		[{ ...base, path_prefix: '/a;b' }, 422, 'path_prefix'],
		[{ ...base, path_prefix: '/a b' }, 422, 'path_prefix'],
		[{ ...base, container_id: 'nope' }, 422, 'container_id'],
		[{ ...base, container_id: outsiders.id }, 422, 'container_id'],
		[{ ...base, https: 'yes' }, 422, 'https'],
	];
	for (const [body, status, field] of cases) {
		const r = await as(O).post('/api/domains', body);
		assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	const unknown = await as(O).post('/api/domains', { ...base,
		server_name: 'x' });
	assert.ok([400, 422].includes(unknown.status), unknown.text);
	const viewer = await as(V).post('/api/domains', base);
	assert.equal(viewer.status, 403, viewer.text);
	const list = await as(O).get(`/api/domains?team_id=${T}`);
	assert.deepEqual(list.body.items, []);
});

// --- routing -------------------------------------------------------------------

let main;	// the first domain of web

test('a domain routes its hostname to the container through nginx',
    async () => {
	const hostname = host();
	const r = await as(O).post('/api/domains', { hostname,
		container_id: web.id, port: 8080, https: false });
	assert.equal(r.status, 201, r.text);
	main = r.body;
	assert.match(main.id, /^[0-9a-f-]{36}$/);
	assert.equal(main.hostname, hostname);
	assert.equal(main.team_id, T);
	assert.equal(main.project_id, P);
	assert.equal(main.container_id, web.id);
	assert.equal(main.port, 8080);
	assert.equal(main.path_prefix, '/');
	assert.equal(main.https, false);
	assert.equal(main.certificate, null);
	await serves(hostname, 'app-one');
	assert.ok(sites().includes(`domain-${main.id}.conf`));
	assert.ok(existsSync(`${ROUTES}/upstreams/${web.id}.conf`));
	// Another hostname still reaches the panel, not the app.
	assert.notEqual(await served(host('nobody')), 'app-one');

	const g = await as(O).get(`/api/domains/${main.id}`);
	assert.equal(g.status, 200);
	assert.equal(g.body.hostname, hostname);
	const cfg = await as(O).get('/api/proxy/config');
	assert.equal(cfg.status, 200);
	assert.match(cfg.headers.get('content-type'), /^text\/plain/);
	assert.ok(cfg.text.includes(`server_name ${hostname};`), cfg.text);
	assert.ok(cfg.text.includes('upstream op_ct_'), cfg.text);
});

test("another team's domain is a 404, and absent from its lists",
    async () => {
	for (const r of [await as(X).get(`/api/domains/${main.id}`),
		await as(X).put(`/api/domains/${main.id}`, { port: 80 }),
		await as(X).del(`/api/domains/${main.id}`),
		await as(X).post(`/api/domains/${main.id}/ssl`)]) {
		assert.equal(r.status, 404, r.text);
		assert.equal(errorCode(r), 'not_found');
	}
	const list = await as(X).get('/api/domains');
	assert.ok(!list.body.items.some((d) => d.id === main.id));
	const cfg = await as(X).get('/api/proxy/config');
	assert.ok(!cfg.text.includes(main.hostname), 'not in their config');
	const certs = await as(X).get('/api/certificates');
	assert.equal(certs.status, 200);
	assert.ok(!certs.body.items.some((c) => c.id === main.id));
	const vd = await as(V).del(`/api/domains/${main.id}`);
	assert.equal(vd.status, 403, 'viewers read, they do not delete');
	assert.equal(await served(main.hostname), 'app-one');
});

test('hostnames are unique on the instance, whatever their case',
    async () => {
	const r = await as(O).post('/api/domains', { hostname:
		main.hostname.toUpperCase(), container_id: other.id, port: 8080,
		https: false });
	assert.equal(r.status, 409, r.text);
	assert.equal(errorCode(r), 'hostname_taken');
	const x = await as(X).post('/api/domains', { hostname: main.hostname,
		container_id: outsiders.id, port: 8080, https: false });
	assert.equal(x.status, 409, 'another team cannot take it either');
	assert.equal(await served(main.hostname), 'app-one');
});

test('an internationalised name is routed by its punycode', async () => {
	const label = unique('bücher').replace(/-/g, '');
	const r = await as(O).post('/api/domains', {
		hostname: `${label}.openpanel.test`, container_id: other.id,
		port: 8080, https: false });
	assert.equal(r.status, 201, r.text);
	assert.match(r.body.hostname, /^xn--[a-z0-9-]+\.openpanel\.test$/);
	await serves(r.body.hostname, 'app-two');
	assert.equal((await as(O).del(`/api/domains/${r.body.id}`)).status, 204);
});

test('a path prefix, and www sent to the apex', async () => {
	const hostname = host('pre');
	const r = await as(O).post('/api/domains', { hostname,
		container_id: other.id, port: 8080, https: false,
		path_prefix: '/app/', redirect_www: true });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.path_prefix, '/app/');
	assert.equal(r.body.redirect_www, true);
	await serves(hostname, 'prefixed-two', '/app/');
	const www = await viaGateway(`www.${hostname}`, '/app/?q=1');
	assert.equal(www.status, 301);
	assert.match(www.headers.location,
	    new RegExp(`^http://${hostname.replace(/\./g, '\\.')}(:\\d+)?/app/\\?q=1$`));
	// The prefix changes; the route follows.
	const u = await as(O).put(`/api/domains/${r.body.id}`,
	    { path_prefix: '/', redirect_www: false });
	assert.equal(u.status, 200, u.text);
	assert.equal(u.body.path_prefix, '/');
	await serves(hostname, 'app-two');
	await until(async () => (await viaGateway(`www.${hostname}`)).status !==
	    301, 'www no longer redirected');
	assert.equal((await as(O).del(`/api/domains/${r.body.id}`)).status, 204);
});

test('a render nginx -t refuses changes nothing', async () => {
	// Something else already defines the upstream this domain needs: the
	// whole configuration fails the check with it.
	const hex = other.id.replace(/-/g, '');
	const clash = `${ROUTES}/upstreams/zz-clash-${hex}.conf`;
	writeFileSync(clash, `upstream op_ct_${hex}_8080 {\n` +
	    '\tserver 127.0.0.1:9;\n}\n');
	const before_ = sites();
	try {
		const hostname = host('refused');
		const r = await as(O).post('/api/domains', { hostname,
			container_id: other.id, port: 8080, https: false });
		assert.equal(r.status, 422, r.text);
		assert.equal(errorCode(r), 'gateway_refused');
		assert.deepEqual(sites(), before_, 'its block was taken back');
		assert.ok(!existsSync(`${ROUTES}/upstreams/${other.id}.conf`));
		const list = await as(O).get(`/api/domains?team_id=${T}`);
		assert.ok(!list.body.items.some((d) => d.hostname === hostname),
		    'nor is it in the database');
		// The running gateway still serves what it served.
		assert.equal(await served(main.hostname), 'app-one');
		assert.notEqual(await served(hostname), 'app-two');
	} finally {
		rmSync(clash, { force: true });
	}
});

// A change the gateway could not take: a 503, and nothing of it stays.
async function unavailable(what) {
	const before_ = sites();
	const hostname = host(what);
	const r = await as(O).post('/api/domains', { hostname,
		container_id: other.id, port: 8080, https: false });
	assert.equal(r.status, 503, r.text);
	assert.equal(errorCode(r), 'unavailable');
	assert.deepEqual(sites(), before_, 'its block was taken back');
	const list = await as(O).get(`/api/domains?team_id=${T}`);
	assert.ok(!list.body.items.some((d) => d.hostname === hostname),
	    'nor is it in the database');
}

test('a gateway that cannot be asked is a 503 that changes nothing',
    async () => {
	// The control door's socket moved away: no one to ask (not a refusal).
	const door = `${DATA}/run/gateway-control.sock`;
	renameSync(door, `${door}.away`);
	try {
		await unavailable('no-door');
	} finally {
		renameSync(`${door}.away`, door);
	}
	assert.equal(await served(main.hostname), 'app-one');
});

test('a reload the gateway does not take is a 503 that changes nothing',
    async () => {
	// The pid file names no nginx master: the door will not signal it,
	// and says the reload failed, after the check passed.
	const pidFile = `${DATA}/state/nginx.pid`;
	const pid = readFileSync(pidFile, 'utf8');
	writeFileSync(pidFile, `${process.pid}\n`);
	try {
		await unavailable('no-reload');
	} finally {
		writeFileSync(pidFile, pid);
	}
	assert.equal(await served(main.hostname), 'app-one');
});

test('the routing follows the container when it is recreated', async () => {
	const u = await as(O).put(`/api/containers/${web.id}`,
	    { env: { WORD: 'again' } });
	assert.equal(u.status, 200, u.text);
	// A new container, on a new host port: the worker rewrote the
	// upstreams on container.updated.
	await serves(main.hostname, 'app-again');
});

test('deleting a domain removes its server block', async () => {
	const hostname = host('gone');
	const r = await as(O).post('/api/domains', { hostname,
		container_id: other.id, port: 8080, https: false });
	assert.equal(r.status, 201, r.text);
	await serves(hostname, 'app-two');
	const d = await as(O).del(`/api/domains/${r.body.id}`);
	assert.equal(d.status, 204, d.text);
	assert.ok(!sites().includes(`domain-${r.body.id}.conf`));
	assert.ok(!existsSync(`${ROUTES}/upstreams/${other.id}.conf`),
	    'no site uses its upstreams any more');
	await stops(hostname, 'app-two');
	assert.equal((await as(O).get(`/api/domains/${r.body.id}`)).status,
	    404);
	// The other container's domain is untouched.
	assert.equal(await served(main.hostname), 'app-again');
});

test('deleting the project removes its domains', async () => {
	const p = await newProject(T, O);
	const c = await app(p, 'doomed');
	const hostname = host('doomed');
	const r = await as(O).post('/api/domains', { hostname,
		container_id: c.id, port: 8080, https: false });
	assert.equal(r.status, 201, r.text);
	await serves(hostname, 'app-doomed');
	const d = await as(O).del(`/api/projects/${p}`);
	assert.equal(d.status, 204, d.text);
	await until(async () => (await as(O).get(
	    `/api/domains/${r.body.id}`)).status === 404, 'domain removed');
	await until(() => !sites().includes(`domain-${r.body.id}.conf`),
	    'server block removed');
	await stops(hostname, 'app-doomed');
});
