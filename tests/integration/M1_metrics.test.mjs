// GET /api/metrics: Prometheus text for a metrics-scoped API token, valid
// by promtool, scraped by a real Prometheus; the container metrics move
// when a container burns CPU; the panel's own requests are counted; the
// job queues (builds, deployments, backups, restores, certificate orders)
// are counted, and move when a build waits, then fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, addr, adminToken, errorCode, unique, BASE, DATA } from
    './lib/client.mjs';
import { newUsers, newTeam, until } from './lib/fixtures.mjs';
import { removeProjectObjects } from './lib/docker.mjs';
import { freePort } from './lib/ports.mjs';

const IP = addr();
const IMAGE = 'openpanel-test/busybox:1';
let admin, U, T, P, metricsToken, burner, idler, prom, promDir, promURL;
const made = [];

// The samples of a family as [{labels, value}], from exposition text.
function samples(text, name) {
	const out = [];
	const re = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm');
	for (const m of text.matchAll(re)) {
		const labels = {};
		for (const l of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
			labels[l[1]] = l[2];
		out.push({ labels, value: Number(m[2]) });
	}
	return out;
}

async function scrape(token = metricsToken) {
	const r = await api('GET', '/api/metrics', { token, ip: IP });
	assert.equal(r.status, 200, r.text);
	return r;
}

const QUEUES = ['backups', 'builds', 'certificate_orders', 'deployments',
	'restores'];
// The value of a job family's sample for queue (and more labels).
const jobOf = (text, name, queue, more = {}) => samples(text, name).find((s) =>
    s.labels.queue === queue && Object.entries(more).every(([k, v]) =>
    s.labels[k] === v))?.value;

const cpuOf = (text, id) => samples(text,
    'openpanel_container_cpu_seconds_total').find((s) =>
    s.labels.container_id === id)?.value;

async function container(body) {
	const r = await api('POST', '/api/containers', { token: U.token, ip: IP,
		body: { project_id: P, name: unique('m'), image: IMAGE,
			restart: 'no', ...body } });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

async function promQuery(q) {
	const r = await fetch(`${promURL}/api/v1/query?query=${
	    encodeURIComponent(q)}`);
	const j = await r.json();
	assert.equal(j.status, 'success', JSON.stringify(j));
	return j.data.result;
}

before(async () => {
	admin = await adminToken();
	[U] = await newUsers(admin, 1);
	T = await newTeam(U.token, unique('team'), IP);
	const p = await api('POST', '/api/projects', { token: U.token, ip: IP,
		body: { team_id: T, name: unique('metrics') } });
	assert.equal(p.status, 201, p.text);
	P = p.body.id;
	made.push(P);
	const t = await api('POST', '/api/tokens', { token: admin, ip: IP,
		body: { name: 'prometheus', scope: 'metrics' } });
	assert.equal(t.status, 201, t.text);
	assert.equal(t.body.scope, 'metrics');
	metricsToken = t.body.token;
});

after(async () => {
	if (prom) {
		prom.kill('SIGTERM');
		await new Promise((res) => prom.once('exit', res));
	}
	if (promDir) rmSync(promDir, { recursive: true, force: true });
	for (const id of made) {
		await api('DELETE', `/api/projects/${id}?volumes=true`,
		    { token: admin, ip: IP });
		await removeProjectObjects(id);
	}
});

// --- hostile first ----------------------------------------------------------

test('the metrics are for metrics tokens and instance admins only',
    async () => {
	const anon = await api('GET', '/api/metrics', { ip: IP });
	assert.equal(anon.status, 401);
	const user = await api('GET', '/api/metrics', { token: U.token, ip: IP });
	assert.equal(user.status, 403, user.text);
	assert.equal(errorCode(user), 'forbidden');
	const rt = await api('POST', '/api/tokens', { token: U.token, ip: IP,
		body: { name: 'read', scope: 'read' } });
	assert.equal(rt.status, 201);
	const read = await api('GET', '/api/metrics', { token: rt.body.token,
		ip: IP });
	assert.equal(read.status, 403, 'a read token is not a metrics token');
	const mine = await api('POST', '/api/tokens', { token: U.token, ip: IP,
		body: { name: 'mine', scope: 'metrics' } });
	assert.equal(mine.status, 403, 'only instance admins mint them');
	assert.equal(mine.body.error.field, 'scope');
	const bad = await api('POST', '/api/tokens', { token: admin, ip: IP,
		body: { name: 'x', scope: 'metrics,write' } });
	assert.equal(bad.status, 422);
});

test('a metrics token reads the metrics and nothing else', async () => {
	for (const [method, path] of [['GET', '/api/teams'],
		['GET', '/api/stats'], ['GET', '/api/auth/me'],
		['GET', '/api/metrics/history?host=true&metric=load1'],
		['GET', '/api/metricsx'], ['POST', '/api/teams'],
		['GET', `/api/live/events/${T}`]]) {
		const r = await api(method, path, { token: metricsToken, ip: IP,
			body: method === 'POST' ? { name: 'x' } : undefined });
		assert.ok(r.status === 403 || r.status === 404, `${path} ${r.status}`);
		if (r.status === 403)
			assert.equal(errorCode(r), 'metrics_only_token', path);
	}
	const ok = await scrape();
	assert.match(ok.headers.get('content-type'),
	    /^text\/plain; version=0\.0\.4/);
});

// --- what it says -----------------------------------------------------------------

test('the exposition passes promtool and covers host, containers, events ' +
    'and requests', async () => {
	burner = await container({ command: ['sh', '-c',
		'trap "exit 0" TERM; while :; do :; done'] });
	idler = await container({ command: ['sh', '-c',
		'trap "exit 0" TERM; while :; do sleep 1; done'] });
	const r = await until(async () => {
		const s = await scrape();
		return cpuOf(s.text, burner.id) !== undefined &&
		    cpuOf(s.text, idler.id) !== undefined ? s : null;
	}, 'both containers in the metrics');
	const lint = execFileSync('promtool', ['check', 'metrics'],
	    { input: r.text, encoding: 'utf8' });
	assert.equal(lint.trim(), '', 'promtool has nothing to say');
	assert.equal(samples(r.text, 'openpanel_up')[0].value, 1);
	assert.ok(samples(r.text, 'openpanel_host_cpus')[0].value >= 1);
	const mem = samples(r.text, 'openpanel_host_memory_bytes');
	assert.ok(mem.find((s) => s.labels.kind === 'total').value > 0);
	const running = samples(r.text, 'openpanel_containers')
	    .find((s) => s.labels.state === 'running');
	assert.ok(running.value >= 2);
	const pids = samples(r.text, 'openpanel_container_pids')
	    .find((s) => s.labels.container_id === burner.id);
	assert.ok(pids.value >= 1);
	assert.equal(pids.labels.team_id, T);
	assert.equal(pids.labels.project_id, P);
	assert.ok(samples(r.text, 'openpanel_events_pending')
	    .some((s) => s.labels.group === 'audit'));
	// Requests, counted by route pattern (never by id) and status.
	const reqs = samples(r.text, 'openpanel_http_requests_total');
	assert.ok(reqs.some((s) => s.labels.service === 'projects' &&
	    s.labels.route === '/api/containers' && s.labels.method === 'POST' &&
	    s.labels.status === '201' && s.value >= 2), 'the creations');
	assert.ok(reqs.some((s) => s.labels.service === 'monitor' &&
	    s.labels.route === '/api/metrics'));
	assert.ok(!reqs.some((s) => /[0-9a-f]{8}-/.test(s.labels.route)));
	const hist = samples(r.text,
	    'openpanel_http_request_duration_seconds_bucket').filter((s) =>
	    s.labels.service === 'projects' && s.labels.route ===
	    '/api/containers' && s.labels.method === 'POST');
	assert.equal(hist.at(-1).labels.le, '+Inf');
	for (let i = 1; i < hist.length; i++)
		assert.ok(hist[i].value >= hist[i - 1].value, 'cumulative');
});

test('every job queue is counted, and its durations are a histogram',
    async () => {
	const r = await scrape();
	for (const q of QUEUES) {
		for (const f of ['openpanel_jobs_queued', 'openpanel_jobs_running',
			'openpanel_jobs_failed', 'openpanel_jobs_oldest_queued_seconds'])
			assert.ok(jobOf(r.text, f, q) >= 0, `${f} of ${q}`);
		const b = samples(r.text, 'openpanel_job_duration_seconds_bucket')
		    .filter((s) => s.labels.queue === q);
		assert.equal(b.at(-1).labels.le, '+Inf', q);
		for (let i = 1; i < b.length; i++)
			assert.ok(b[i].value >= b[i - 1].value, `${q}: cumulative`);
		assert.equal(b.at(-1).value, jobOf(r.text,
		    'openpanel_job_duration_seconds_count', q), q);
	}
	const ready = await api('GET', '/api/health/ready', { ip: IP });
	assert.deepEqual(Object.keys(ready.body.components.queues).sort(), QUEUES);
});

test('a build waiting deepens the queue; failed, it is counted and timed',
    async () => {
	const base = (await scrape()).text;
	const failed0 = jobOf(base, 'openpanel_jobs_failed', 'builds');
	const timed0 = jobOf(base, 'openpanel_job_duration_seconds_count',
	    'builds');
	// No worker to claim it: the builds worker is stopped meanwhile.
	const worker = Number(readFileSync(`${DATA}/run/builds-worker.pid`,
	    'utf8').trim());
	const nowhere = `http://127.0.0.1:${await freePort()}/none.git`;
	process.kill(worker, 'SIGSTOP');
	let build;
	try {
		const b = await api('POST', '/api/builds', { token: U.token, ip: IP,
			body: { project_id: P, git_url: nowhere } });
		assert.equal(b.status, 202, b.text);
		build = b.body;
		const deep = await scrape();
		assert.ok(jobOf(deep.text, 'openpanel_jobs_queued', 'builds') >= 1);
		const ready = await api('GET', '/api/health/ready', { ip: IP });
		assert.ok(ready.body.components.queues.builds.queued >= 1,
		    ready.text);
		await until(async () => jobOf((await scrape()).text,
		    'openpanel_jobs_oldest_queued_seconds', 'builds') > 0,
		    'the wait measured');
	} finally {
		process.kill(worker, 'SIGCONT');
	}
	await until(async () => (await api('GET', `/api/builds/${build.id}`,
	    { token: U.token, ip: IP })).body.status === 'failed',
	    'the build to fail', 60000);
	const after_ = (await scrape()).text;
	assert.ok(jobOf(after_, 'openpanel_jobs_failed', 'builds') >= failed0 + 1);
	assert.ok(jobOf(after_, 'openpanel_job_duration_seconds_count', 'builds') >=
	    timed0 + 1);
	const lint = execFileSync('promtool', ['check', 'metrics'],
	    { input: after_, encoding: 'utf8' });
	assert.equal(lint.trim(), '', 'promtool has nothing to say');
});

test('a container burning CPU shows it; an idle one does not', async () => {
	const first = await scrape();
	const b0 = cpuOf(first.text, burner.id), i0 = cpuOf(first.text, idler.id);
	const later = await until(async () => {
		const s = await scrape();
		return cpuOf(s.text, burner.id) >= b0 + 1 ? s : null;
	}, 'the burner to use a second of CPU', 60000, 500);
	const burned = cpuOf(later.text, burner.id) - b0;
	const idled = cpuOf(later.text, idler.id) - i0;
	assert.ok(idled < burned / 4, `idle used ${idled}s, burner ${burned}s`);
});

test('a real Prometheus scrapes the panel with the token', async () => {
	const port = await freePort();
	promDir = mkdtempSync(join(tmpdir(), 'mon-prom-'));
	const url = new URL(BASE);
	writeFileSync(join(promDir, 'prometheus.yml'), [
		'global: { scrape_interval: 1s, scrape_timeout: 1s }',
		'scrape_configs:',
		'  - job_name: openpanel',
		'    metrics_path: /api/metrics',
		'    authorization: { type: Bearer, credentials_file: ' +
		    `${join(promDir, 'token')} }`,
		`    static_configs: [ { targets: ['${url.host}'] } ]`, ''].join('\n'));
	writeFileSync(join(promDir, 'token'), metricsToken, { mode: 0o600 });
	prom = spawn('prometheus', [`--config.file=${promDir}/prometheus.yml`,
		`--storage.tsdb.path=${promDir}/data`,
		`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
	promURL = `http://127.0.0.1:${port}`;
	const up = await until(async () => {
		try {
			const r = await promQuery('up{job="openpanel"}');
			return r.length === 1 && r[0].value[1] === '1' ? r : null;
		} catch { return null; }
	}, 'Prometheus to scrape the panel', 60000, 500);
	assert.equal(up[0].metric.instance, url.host);
	const cpu = await until(async () => {
		const r = await promQuery('openpanel_container_cpu_seconds_total' +
		    `{container_id="${burner.id}"}`);
		return r.length === 1 ? r : null;
	}, 'the burner in Prometheus', 30000, 500);
	assert.ok(Number(cpu[0].value[1]) > 0);
	assert.equal(cpu[0].metric.team_id, T);
});
