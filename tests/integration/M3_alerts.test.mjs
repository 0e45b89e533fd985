// Alert rules and notification channels: a container killed behind the
// panel's back fires its team's rule to a webhook (signed), a Slack-style
// incoming webhook and an email (to a loopback SMTP server), each once,
// and resolves when the container runs again; the test button; and who
// may do what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, addr, adminToken, errorCode, unique, DATA } from
    './lib/client.mjs';
import { newUsers, addMember, newTeam, readEvents, until } from
    './lib/fixtures.mjs';
import { killContainer, removeProjectObjects } from './lib/docker.mjs';
import { freePort } from './lib/ports.mjs';
import { httpReceiver, smtpSink } from './lib/sinks.mjs';
import { eventSource, jsonWhere } from './lib/live.mjs';

const IP = addr();
const REDIS_PORT = process.env.OP_TEST_REDIS_PORT ?? '16879';
const IMAGE = 'openpanel-test/busybox:1';
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];
let admin, O, V, X, T, TX, P, PX, web, other, rx, smtp, rxURL;
let hook, slack, mail, rule;
const made = [];

// The SMTP server the stack sends to (OP_SMTP_URL, environment first).
function smtpPort() {
	const url = process.env.OP_SMTP_URL ?? /^OP_SMTP_URL = (.*)$/m.exec(
	    readFileSync(`${DATA}/openpanel.conf`, 'utf8'))?.[1];
	return Number(new URL(url).port);
}

const as = (who) => ({
	get: (p) => api('GET', p, { token: who.token, ip: IP }),
	post: (p, body) => api('POST', p, { token: who.token, ip: IP, body }),
	patch: (p, body) => api('PATCH', p, { token: who.token, ip: IP, body }),
	del: (p) => api('DELETE', p, { token: who.token, ip: IP }),
});

async function project(team, who) {
	const r = await as(who).post('/api/projects', { team_id: team,
		name: unique('alert') });
	assert.equal(r.status, 201, r.text);
	made.push(r.body.id);
	return r.body.id;
}

async function container(p, who) {
	const r = await as(who).post('/api/containers', { project_id: p,
		name: unique('w'), image: IMAGE, command: IDLE, restart: 'no' });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

const bodies = (path, status) => rx.requests.filter((q) => q.path === path)
    .map((q) => ({ ...q, json: JSON.parse(q.body) }))
    .filter((q) => status === undefined || (q.json.status ??
    (q.json.text ?? '').split(':')[0].toLowerCase()) === status);

before(async () => {
	admin = await adminToken();
	[O, V, X] = await newUsers(admin, 3);
	T = await newTeam(O.token, unique('team'), IP);
	TX = await newTeam(X.token, unique('other'), IP);
	await addMember(T, O.token, V, 'viewer', IP);
	P = await project(T, O);
	PX = await project(TX, X);
	web = await container(P, O);
	other = await container(PX, X);
	smtp = await smtpSink(smtpPort());	/* first: its port is fixed */
	rx = await httpReceiver(await freePort());
	rxURL = `http://127.0.0.1:${rx.server.address().port}`;
});

after(async () => {
	rx?.server.close();
	smtp?.server.close();
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ----------------------------------------------------------

test('channels: only the team\'s admins make them, with a valid target',
    async () => {
	const body = { team_id: T, name: 'ops', kind: 'webhook',
		url: `${rxURL}/hook` };
	const v = await as(V).post('/api/notification-channels', body);
	assert.equal(v.status, 403, v.text);
	const x = await as(X).post('/api/notification-channels', body);
	assert.equal(x.status, 404, x.text);
	for (const [bad, field] of [
		[{ kind: 'pager' }, 'kind'],
		[{ url: 'ftp://example.com/x' }, 'url'],
		[{ url: undefined }, 'url'],
		[{ kind: 'email', url: undefined, email: 'not an address' },
		    'email'],
		[{ kind: 'email' }, 'email'],
		[{ email: 'ops@example.com' }, 'url'],
		[{ name: '' }, 'name'],
		[{ secret: 'mine' }, 'secret']]) {
		const r = await as(O).post('/api/notification-channels',
		    { ...body, ...bad });
		assert.ok([400, 422].includes(r.status), `${JSON.stringify(bad)}: ` +
		    `${r.status} ${r.text}`);
		assert.equal(r.body.error.field, field, JSON.stringify(bad));
	}
	const list = await as(O).get(`/api/notification-channels?team_id=${T}`);
	assert.deepEqual(list.body.items, []);
});

test('channels: the target is never answered, a webhook\'s secret once',
    async () => {
	const h = await as(O).post('/api/notification-channels', { team_id: T,
		name: 'hook', kind: 'webhook', url: `${rxURL}/hook?key=s3cret` });
	assert.equal(h.status, 201, h.text);
	assert.match(h.body.secret, /^whsec_[A-Za-z0-9_-]{40,}$/);
	assert.equal(h.body.secret_set, true);
	assert.equal(h.body.target_hint, `${rxURL}/…`);
	hook = h.body;
	const s = await as(O).post('/api/notification-channels', { team_id: T,
		name: 'chat', kind: 'slack', url: `${rxURL}/slack` });
	assert.equal(s.status, 201, s.text);
	assert.equal(s.body.secret, undefined);
	assert.equal(s.body.secret_set, false);
	slack = s.body;
	const m = await as(O).post('/api/notification-channels', { team_id: T,
		name: 'mail', kind: 'email', email: 'ops@example.test' });
	assert.equal(m.status, 201, m.text);
	assert.equal(m.body.target_hint, 'ops@example.test');
	mail = m.body;
	const g = await as(V).get(`/api/notification-channels/${hook.id}`);
	assert.equal(g.status, 200, 'a viewer sees the channel');
	assert.ok(!g.text.includes('s3cret') && !g.text.includes(hook.secret));
	assert.equal(g.body.secret, undefined);
	const dup = await as(O).post('/api/notification-channels', { team_id: T,
		name: 'hook', kind: 'discord', url: `${rxURL}/d` });
	assert.equal(dup.status, 409);
	const xg = await as(X).get(`/api/notification-channels/${hook.id}`);
	assert.equal(xg.status, 404);
	const xd = await as(X).del(`/api/notification-channels/${hook.id}`);
	assert.equal(xd.status, 404);
	const vp = await as(V).patch(`/api/notification-channels/${hook.id}`,
	    { name: 'mine' });
	assert.equal(vp.status, 403);
});

test('rules: checked against their kind and the team\'s own objects',
    async () => {
	const base = { team_id: T, name: 'r', kind: 'container_down',
		channel_ids: [hook.id] };
	const xc = await as(X).post('/api/notification-channels', { team_id: TX,
		name: 'theirs', kind: 'webhook', url: `${rxURL}/x` });
	assert.equal(xc.status, 201);
	for (const [bad, field] of [
		[{ kind: 'moon_phase' }, 'kind'],
		[{ threshold: 5 }, 'threshold'],
		[{ kind: 'cpu_above' }, 'threshold'],
		[{ kind: 'memory_above', threshold: 101 }, 'threshold'],
		[{ for_seconds: -1 }, 'for_seconds'],
		[{ for_seconds: 86401 }, 'for_seconds'],
		[{ channel_ids: [xc.body.id] }, 'channel_ids'],
		[{ channel_ids: ['nope'] }, 'channel_ids'],
		[{ channel_ids: 'x' }, 'channel_ids'],
		[{ container_id: other.id }, 'container_id'],
		[{ kind: 'disk_above', threshold: 90, container_id: web.id },
		    'container_id']]) {
		const r = await as(O).post('/api/alerts', { ...base, ...bad });
		assert.ok([400, 422].includes(r.status), `${JSON.stringify(bad)}: ` +
		    `${r.status} ${r.text}`);
		assert.equal(r.body.error.field, field, JSON.stringify(bad));
	}
	const v = await as(V).post('/api/alerts', base);
	assert.equal(v.status, 403);
	const x = await as(X).post('/api/alerts', base);
	assert.equal(x.status, 404);
	const list = await as(O).get(`/api/alerts?team_id=${T}`);
	assert.deepEqual(list.body.items, []);
});

// --- delivering -----------------------------------------------------------------

test('the test button reaches the webhook, signed with its secret',
    async () => {
	const t = await as(O).post(`/api/notification-channels/${hook.id}/test`);
	assert.equal(t.status, 202, t.text);
	const got = await until(() => bodies('/hook?key=s3cret', 'test')[0],
	    'the test notification');
	assert.equal(got.method, 'POST');
	assert.equal(got.headers['content-type'], 'application/json');
	const ts = got.headers['x-openpanel-timestamp'];
	const want = createHmac('sha256', hook.secret).update(`${ts}.${got.body}`)
	    .digest('hex');
	assert.equal(got.headers['x-openpanel-signature'], `sha256=${want}`);
	assert.equal(got.json.team_id, T);
	const d = await until(async () => {
		const r = await as(V).get(
		    `/api/notification-channels/${hook.id}/deliveries`);
		return r.body.items.find((i) => i.id === t.body.id && i.sent_at);
	}, 'the delivery marked sent');
	assert.equal(d.status, 'test');
	assert.equal(d.last_error, null);
	const x = await as(X).post(`/api/notification-channels/${hook.id}/test`);
	assert.equal(x.status, 404);
});

test('a container down fires once to every channel, and resolves once',
    async () => {
	const r = await as(O).post('/api/alerts', { team_id: T, name: 'web down',
		kind: 'container_down', container_id: web.id, for_seconds: 0,
		channel_ids: [hook.id, slack.id, mail.id] });
	assert.equal(r.status, 201, r.text);
	rule = r.body;
	assert.deepEqual(rule.firing, []);
	assert.equal(rule.kind, 'container_down');

	await killContainer(web.docker_id);
	const fired = await until(() => bodies('/hook?key=s3cret', 'firing')
	    .find((q) => q.json.rule.id === rule.id), 'the webhook to fire',
	    40000);
	assert.equal(fired.json.subject, web.id);
	assert.equal(fired.json.subject_name, web.name);
	assert.equal(fired.json.rule.name, 'web down');
	assert.equal(fired.headers['x-openpanel-event'], 'alert.firing');
	const chat = await until(() => bodies('/slack').find((q) =>
	    /^FIRING: web down/.test(q.json.text)), 'the Slack-style message');
	assert.match(chat.json.text, new RegExp(web.name));
	const email = await until(() => smtp.messages.find((m) =>
	    /Subject: \[OpenPanel\] FIRING: web down/.test(m.data)),
	    'the email', 40000);
	assert.deepEqual(email.to, ['ops@example.test']);
	const g = await as(V).get(`/api/alerts/${rule.id}`);
	assert.equal(g.body.firing.length, 1);
	assert.equal(g.body.firing[0].subject, web.id);
	assert.equal(g.body.firing[0].name, web.name, 'the subject named');

	const start = await as(O).post(`/api/containers/${web.id}/start`);
	assert.equal(start.status, 200, start.text);
	const resolved = await until(() => bodies('/hook?key=s3cret',
	    'resolved').find((q) => q.json.rule.id === rule.id),
	    'the webhook to resolve', 40000);
	assert.equal(resolved.json.since, fired.json.since);
	await until(() => smtp.messages.find((m) =>
	    /Subject: \[OpenPanel\] RESOLVED: web down/.test(m.data)),
	    'the resolved email', 40000);
	await until(() => bodies('/slack').find((q) =>
	    /^RESOLVED: web down/.test(q.json.text)), 'the resolved chat');
	// Once each, however many evaluations passed meanwhile.
	const mine = (s) => bodies('/hook?key=s3cret', s).filter((q) =>
	    q.json.rule.id === rule.id);
	assert.equal(mine('firing').length, 1);
	assert.equal(mine('resolved').length, 1);
	assert.equal(smtp.messages.filter((m) => /FIRING: web down/
	    .test(m.data)).length, 1);
	const after_ = await as(O).get(`/api/alerts/${rule.id}`);
	assert.deepEqual(after_.body.firing, []);
	// The team's stream heard both; the other team's channel nothing.
	const evs = readEvents(2000).filter((e) =>
	    e.event.subject?.id === rule.id);
	assert.ok(evs.some((e) => e.type === 'alert.fired'));
	assert.ok(evs.some((e) => e.type === 'alert.resolved'));
	assert.ok(evs.every((e) => e.event.team_id === T));
});

test('a build.failed event fires the team\'s build_failed rules once',
    async () => {
	const r = await as(O).post('/api/alerts', { team_id: T, name: 'builds',
		kind: 'build_failed', channel_ids: [hook.id] });
	assert.equal(r.status, 201, r.text);
	// As op-builds publishes it: the event envelope on op:events.
	const ev = { id: randomUUID(), type: 'build.failed',
		time: new Date().toISOString(), team_id: T,
		actor: { user_id: null, ip: null }, request_id: null,
		subject: { kind: 'build', id: randomUUID() }, data: {} };
	const xadd = () => execFileSync('redis-cli', ['-p', REDIS_PORT, 'XADD',
	    'op:events', '*', 'id', ev.id, 'type', ev.type, 'event',
	    JSON.stringify(ev)]);
	// The team's live stream says when the relay has read past them all.
	const live = await eventSource(`/api/live/events/${T}`,
	    { token: O.token });
	assert.equal(live.status, 200);
	xadd();
	const got = await until(() => bodies('/hook?key=s3cret', 'firing')
	    .find((q) => q.json.rule.id === r.body.id), 'the build alert');
	assert.equal(got.json.subject, ev.subject.id);
	assert.equal(got.json.event.id, ev.id);
	assert.match(got.json.summary, /^FIRING: builds \(build_failed\)/);
	// Another team's failure fires nothing of T's.
	const theirs = { ...ev, id: randomUUID(), team_id: TX };
	execFileSync('redis-cli', ['-p', REDIS_PORT, 'XADD', 'op:events', '*',
	    'id', theirs.id, 'type', theirs.type, 'event',
	    JSON.stringify(theirs)]);
	xadd();		/* the same event again: told once */
	const mark = { ...ev, id: randomUUID(), type: 'project.updated' };
	execFileSync('redis-cli', ['-p', REDIS_PORT, 'XADD', 'op:events', '*',
	    'id', mark.id, 'type', mark.type, 'event', JSON.stringify(mark)]);
	await live.next(jsonWhere((e) => e.id === mark.id), 'the last event');
	live.close();
	await until(async () => {
		const d = await as(O).get(
		    `/api/notification-channels/${hook.id}/deliveries?limit=200`);
		return d.body.items.every((i) => i.rule_id !== r.body.id ||
		    i.sent_at) && d;
	}, 'the deliveries sent');
	const mine = bodies('/hook?key=s3cret', 'firing').filter((q) =>
	    q.json.rule.id === r.body.id);
	assert.equal(mine.length, 1, 'once, and not for the other team');
	assert.equal((await as(O).del(`/api/alerts/${r.body.id}`)).status, 204);
});

test('rules are changed and deleted by the team only', async () => {
	const x = await as(X).patch(`/api/alerts/${rule.id}`, { enabled: false });
	assert.equal(x.status, 404);
	const v = await as(V).patch(`/api/alerts/${rule.id}`, { enabled: false });
	assert.equal(v.status, 403);
	const p = await as(O).patch(`/api/alerts/${rule.id}`, { enabled: false,
		for_seconds: 30, channel_ids: [hook.id] });
	assert.equal(p.status, 200, p.text);
	assert.equal(p.body.enabled, false);
	assert.equal(p.body.for_seconds, 30);
	assert.deepEqual(p.body.channel_ids, [hook.id]);
	const bad = await as(O).patch(`/api/alerts/${rule.id}`, { threshold: 3 });
	assert.equal(bad.status, 422);
	const del = await as(O).del(`/api/notification-channels/${hook.id}`);
	assert.equal(del.status, 204);
	const g = await as(O).get(`/api/alerts/${rule.id}`);
	assert.deepEqual(g.body.channel_ids, [], 'a deleted channel leaves rules');
	assert.equal((await as(O).del(`/api/alerts/${rule.id}`)).status, 204);
	assert.equal((await as(O).get(`/api/alerts/${rule.id}`)).status, 404);
	assert.equal((await as(O).get('/api/alerts/not-a-uuid')).status, 404);
	void errorCode;
});
