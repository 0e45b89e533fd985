// Certificates close to expiry: a cert_expiry rule (threshold in days)
// over the certificates op-infra publishes. A certificate issued by
// Pebble through the panel's own ACME order, with a threshold past its
// validity, fires the team's rule to a local webhook once; it resolves
// when the threshold is lowered below the days left, fires again when it
// is raised, and resolves when the domain is deleted. Another team's rule
// never sees it. The order itself shows in the job-queue metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, addr, adminToken, unique } from './lib/client.mjs';
import { newUsers, newTeam, readEvents, until } from './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';
import { freePort } from './lib/ports.mjs';
import { httpReceiver } from './lib/sinks.mjs';
import { startPebble, acmeSettings } from './lib/pebble.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
let admin, O, X, T, TX, pebble, rx, rxURL, hook, theirHook, web, domain;
let rule, theirRule, daysLeft;
const made = [];

const as = (who) => ({
	get: (p) => api('GET', p, { token: who.token, ip: IP }),
	post: (p, body) => api('POST', p, { token: who.token, ip: IP, body }),
	patch: (p, body) => api('PATCH', p, { token: who.token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token: who.token, ip: IP }),
});

// What the receiver got on path for rule id, of status s.
const got = (path, id, s) => rx.requests.filter((q) => q.path === path)
    .map((q) => JSON.parse(q.body)).filter((j) => j.rule?.id === id &&
    j.status === s);

async function channel(who, team, name, path) {
	const r = await as(who).post('/api/notification-channels', { team_id:
		team, name, kind: 'webhook', url: `${rxURL}${path}` });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

before(async () => {
	pebble = await startPebble();
	admin = { token: await adminToken() };
	[O, X] = await newUsers(admin.token, 2);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('other'), IP);
	const p = await as(O).post('/api/projects', { team_id: T,
		name: unique('certs') });
	assert.equal(p.status, 201, p.text);
	made.push(p.body.id);
	const c = await as(O).post('/api/containers', { project_id: p.body.id,
		name: 'web', image: IMAGE, ports: [{ container: 8080 }],
		command: ['sh', '-c', 'echo app > /www/index.html; ' +
		'httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait'] });
	assert.equal(c.status, 201, c.text);
	web = c.body;
	rx = await httpReceiver(await freePort());
	rxURL = `http://127.0.0.1:${rx.server.address().port}`;
	hook = await channel(O, T, 'certs', '/certs');
	theirHook = await channel(X, TX, 'theirs', '/theirs');
	await acmeSettings(admin.token, IP, pebble);
});

after(async () => {
	if (admin) await acmeSettings(admin.token, IP, null);
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}`, { token: admin.token,
			ip: IP });
		await removeProjectObjects(id);
	}
	rx?.server.close();
	pebble?.stop();
});

// --- hostile first ----------------------------------------------------------

test('a cert_expiry rule needs days from 0 to 3650, and no container',
    async () => {
	const base = { team_id: T, name: 'expiry', kind: 'cert_expiry',
		threshold: 30, channel_ids: [hook.id] };
	for (const bad of [{ threshold: undefined }, { threshold: null },
		{ threshold: -1 }, { threshold: 3651 }, { threshold: '30' },
		{ container_id: web.id }]) {
		const r = await as(O).post('/api/alerts', { ...base, ...bad });
		assert.ok([400, 422].includes(r.status), `${JSON.stringify(bad)}: ` +
		    `${r.status} ${r.text}`);
		assert.equal(r.body.error.field, bad.container_id ? 'container_id' :
		    'threshold', JSON.stringify(bad));
	}
	const x = await as(X).post('/api/alerts', base);
	assert.equal(x.status, 404, 'another team\'s');
	assert.deepEqual((await as(O).get(`/api/alerts?team_id=${T}`)).body.items,
	    []);
});

// --- firing and resolving ---------------------------------------------------------

test('a certificate issued through Pebble is published with its expiry',
    async () => {
	const hostname = `${unique('expiring')}.openpanel.test`;
	const r = await as(O).post('/api/domains', { hostname,
		container_id: web.id, port: 8080 });
	assert.equal(r.status, 201, r.text);
	domain = r.body;
	const cert = await until(async () => {
		const x = (await as(O).get(`/api/domains/${domain.id}`)).body
		    .certificate;
		return x.state === 'valid' ? x : null;
	}, 'the certificate', 60000);
	assert.match(cert.issuer, /Pebble/);
	daysLeft = (Date.parse(cert.not_after) - Date.now()) / 86400e3;
	assert.ok(daysLeft > 1 && daysLeft < 3649, `${daysLeft} days left`);
	// Its order, a job of op-infra, is timed in the metrics.
	const m = await as(admin).get('/api/metrics');
	assert.equal(m.status, 200, m.text);
	const timed = new RegExp('^openpanel_job_duration_seconds_count' +
	    '\\{queue="certificate_orders"\\} (\\d+)$', 'm').exec(m.text);
	assert.ok(Number(timed?.[1]) >= 1, 'the order timed');
});

test('a threshold past its validity fires the team\'s rule once', async () => {
	const threshold = Math.ceil(daysLeft) + 1;
	// Another team's rule, as wide: it must not see T's certificate.
	const t = await as(X).post('/api/alerts', { team_id: TX, name: 'theirs',
		kind: 'cert_expiry', threshold: 3650, for_seconds: 0,
		channel_ids: [theirHook.id] });
	assert.equal(t.status, 201, t.text);
	theirRule = t.body;
	const r = await as(O).post('/api/alerts', { team_id: T, name: 'expiry',
		kind: 'cert_expiry', threshold, for_seconds: 0,
		channel_ids: [hook.id] });
	assert.equal(r.status, 201, r.text);
	rule = r.body;
	assert.equal(rule.threshold, threshold);
	const fired = await until(() => got('/certs', rule.id, 'firing')[0],
	    'the webhook to fire', 40000);
	assert.equal(fired.team_id, T);
	assert.equal(fired.subject, domain.id);
	assert.equal(fired.subject_name, domain.hostname);
	assert.equal(fired.rule.kind, 'cert_expiry');
	assert.ok(Math.abs(fired.value - daysLeft) < 1, `${fired.value} days`);
	assert.match(fired.summary, new RegExp(
	    `^FIRING: expiry \\(cert_expiry\\) on ${domain.hostname}`));
	const g = await as(O).get(`/api/alerts/${rule.id}`);
	assert.deepEqual(g.body.firing.map((f) => f.subject), [domain.id]);
	// Evaluated in the same pass: the other team's rule saw nothing.
	const theirs = await as(X).get(`/api/alerts/${theirRule.id}`);
	assert.ok(!theirs.body.firing.some((f) => f.subject === domain.id));
	assert.equal((await as(X).get(`/api/alerts/${rule.id}`)).status, 404);
	const ev = readEvents(2000).find((e) => e.type === 'alert.fired' &&
	    e.event.subject.id === rule.id);
	assert.ok(ev, 'alert.fired in the team\'s stream');
	assert.equal(ev.event.team_id, T);
	assert.equal(ev.event.data.subject_name, domain.hostname);
});

test('lowering the threshold below the days left resolves it once',
    async () => {
	const p = await as(O).patch(`/api/alerts/${rule.id}`, { threshold: 1 });
	assert.equal(p.status, 200, p.text);
	const resolved = await until(() => got('/certs', rule.id,
	    'resolved')[0], 'the webhook to resolve', 40000);
	assert.equal(resolved.subject, domain.id);
	assert.equal(resolved.subject_name, domain.hostname);
	assert.equal(resolved.since, got('/certs', rule.id, 'firing')[0].since);
	assert.deepEqual((await as(O).get(`/api/alerts/${rule.id}`)).body.firing,
	    []);
	// Told once each, however many evaluations passed meanwhile.
	assert.equal(got('/certs', rule.id, 'firing').length, 1);
	assert.equal(got('/certs', rule.id, 'resolved').length, 1);
});

test('raised again it fires again; deleting the domain resolves it',
    async () => {
	const p = await as(O).patch(`/api/alerts/${rule.id}`, { threshold:
	    3650 });
	assert.equal(p.status, 200, p.text);
	await until(() => got('/certs', rule.id, 'firing').length === 2,
	    'the second firing', 40000);
	const d = await as(O).del(`/api/domains/${domain.id}`);
	assert.equal(d.status, 204, d.text);
	const resolved = await until(() => got('/certs', rule.id,
	    'resolved')[1], 'the resolution of a deleted domain', 40000);
	assert.equal(resolved.subject, domain.id);
	assert.equal(resolved.subject_name, domain.hostname, 'the name outlives');
	assert.deepEqual((await as(O).get(`/api/alerts/${rule.id}`)).body.firing,
	    []);
	assert.equal(rx.requests.filter((q) => q.path === '/theirs' &&
	    q.body.includes(domain.id)).length, 0, 'nothing to the other team');
});
