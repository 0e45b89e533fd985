// Jobs with their worker killed at random: backups of a small volume to a
// local directory (a real job: the Docker archive API, gzip, SHA-256, the
// target), queued at once, while op-backups' worker is killed with
// SIGKILL mid-job and started again (systemd's Restart=, played by
// supervise.pl). Every job completes exactly once in effect: each row
// completed, its archive stored, one backup.completed event in the outbox
// and one in the trail; none lost, none done twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { api, adminToken, DATA, unique } from '../integration/lib/client.mjs';
import { removeProjectObjects } from '../integration/lib/docker.mjs';
import { alive, SOAK, sleep, sql, supervise, until } from './lib/faults.mjs';

// A volume backup takes a second or more on a busy 2-core machine: make
// test runs a few dozen, make soak the full thousand.
const JOBS = SOAK ? 1000 : 20;
const BUSYBOX = 'openpanel-test/busybox:1';

let admin, team, project, target, files, worker;

before(async () => {
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('job faults') } })).body.id;
	project = (await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('jobs') } })).body.id;
	const t = await api('POST', '/api/storage', { token: admin, body: {
		team_id: team, type: 'local', path: `${DATA}/backups/${team}` } });
	assert.equal(t.status, 201, t.text);
	target = t.body;
	const f = await api('POST', '/api/containers', { token: admin, body: {
		project_id: project, name: 'files', image: BUSYBOX,
		command: ['sh', '-c', 'echo data > /data/file; sleep 100000'],
		volumes: [{ name: 'files', path: '/data' }] } });
	assert.equal(f.status, 201, f.text);
	files = f.body.id;
	// A killed job waits out its lease before another attempt.
	process.env.OP_BACKUP_LEASE_S = '5';
	worker = await supervise('backups', 'work');
});

after(async () => {
	await worker?.stop();
	if (project)
		await removeProjectObjects(project);
});

test(`${JOBS} backups with the worker killed at random: each done ` +
    'exactly once', async () => {
	const ids = [];
	for (let i = 0; i < JOBS; i++) {
		const r = await api('POST', '/api/backups', { token: admin, body: {
			storage_id: target.id, kind: 'volume', container_id: files,
			volume: 'files' } });
		assert.equal(r.status, 202, r.text);
		ids.push(r.body.id);
	}
	const list = ids.map((id) => `'${id}'`).join(',');
	const left = () => Number(sql(`SELECT count(*) FROM backups.backups
	    WHERE id IN (${list}) AND status IN ('queued', 'running')`));
	// Kill the worker in the middle of a job, each job at most once: a
	// job killed max_attempts times would fail, rightly.
	const killed = new Set();
	let kills = 0;
	while (left() > 0) {
		await sleep(100 + Math.random() * 900);
		/* the job the live worker holds: the latest claim */
		const running = sql(`SELECT id FROM backups.backups WHERE id IN
		    (${list}) AND status = 'running' ORDER BY lease_until DESC
		    LIMIT 1`);
		const pid = worker.pid();
		if (running === '' || killed.has(running) || !alive(pid))
			continue;
		killed.add(running);
		process.kill(pid, 'SIGKILL');
		kills++;
		await until(() => worker.pid() !== pid, 'the worker again');
	}
	assert.ok(kills > 0, 'the worker was killed');

	const statuses = sql(`SELECT status, count(*) FROM backups.backups WHERE
	    id IN (${list}) GROUP BY 1`);
	assert.equal(statuses, `completed|${JOBS}`, 'every job completed');
	const keys = sql(`SELECT object_key FROM backups.backups WHERE id IN
	    (${list})`).split('\n');
	const dir = `${DATA}/backups/${team}`;
	assert.deepEqual(keys.filter((k) => !existsSync(join(dir, k))), [],
	    'every archive stored');
	const stray = readdirSync(dir, { recursive: true })
	    .filter((f) => !keys.includes(f) && /\./.test(f));
	assert.deepEqual(stray, [], 'nothing else left in the target');
	const events = sql(`SELECT event->'subject'->>'id', count(*) FROM
	    backups.outbox WHERE type = 'backup.completed' AND
	    event->'subject'->>'id' IN (${list}) GROUP BY 1`).split('\n');
	assert.equal(events.length, JOBS, 'one event each');
	assert.deepEqual(events.filter((l) => !l.endsWith('|1')), [],
	    'no event twice');
	await until(() => Number(sql(`SELECT count(*) FROM audit.entries WHERE
	    action = 'backup.completed' AND subject_id IN (${list})`)) === JOBS,
	    'each in the trail');
	assert.equal(sql(`SELECT count(DISTINCT subject_id) FROM audit.entries
	    WHERE action = 'backup.completed' AND subject_id IN (${list})`),
	    String(JOBS));
});
