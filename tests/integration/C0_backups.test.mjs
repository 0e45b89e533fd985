// Backups that really restore: a PostgreSQL database (built from the
// host's binaries) and a named volume go to a real S3-compatible server
// on loopback (s3rver, pinned in tests/s3) and to a local directory, and
// come back; a corrupted archive is refused; a schedule fires on time and
// retention deletes exactly the older generations; a worker killed
// mid-upload leaves nothing marked completed and the next run succeeds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync,
	readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, adminToken, DATA, newUser, unique } from './lib/client.mjs';
import { SOCKET } from './lib/docker.mjs';
import { readEvents, sleep, until, addMember } from './lib/fixtures.mjs';

const TOP = fileURLToPath(new URL('../../', import.meta.url));
const S3RVER = join(TOP, 'tests/s3/node_modules/s3rver/bin/s3rver.js');
const PG_IMAGE = 'openpanel-test/postgres:15';
const BUSYBOX = 'openpanel-test/busybox:1';
const MARIADB_IMAGE = 'openpanel-test/mariadb:10';
const REDIS_IMAGE = 'openpanel-test/redis:7';
const BUCKET = 'backups';

let admin, team, project, s3, s3dir, s3port, s3target, localTarget;
let pg;			// the database: {id, container_id, docker}
let pgBackup;		// its encrypted backup on S3, with 2000 rows
let files;		// the container with the volume: {id, docker}

// --- helpers -----------------------------------------------------------

function docker(...args) {
	return execFileSync('docker', args, { encoding: 'utf8',
		env: { ...process.env, DOCKER_HOST: `unix://${SOCKET}` },
		maxBuffer: 64 * 1024 * 1024 });
}

function sql(q) {
	const conf = readFileSync(`${DATA}/openpanel.conf`, 'utf8');
	const host = /host=(\S+)/.exec(conf)[1], port = /port=(\d+)/.exec(conf)[1];
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-h', host, '-p', port, '-U', 'postgres', '-d', 'openpanel', '-c', q],
	    { encoding: 'utf8' }).trim();
}

// psql inside the database container, as its owner.
const psql = (q) => docker('exec', pg.docker, 'psql', '-X', '-At', '-U', 'pg',
    '-d', 'pg', '-v', 'ON_ERROR_STOP=1', '-c', q);
// A dump of the data, without the random \restrict key pg_dump adds.
const dump = () => docker('exec', pg.docker, 'pg_dump', '-U', 'pg', 'pg')
    .split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');

// Wait for a job (backup or restore) to reach an end: its last answer.
async function settled(path, ms = 300000) {
	let last;
	await until(async () => {
		last = await api('GET', path, { token: admin });
		return ['completed', 'failed'].includes(last.body?.status);
	}, `${path} to finish`, ms, 200);
	return last.body;
}

// A one-click database of the project, once healthy: {id, container_id,
// docker}.
async function database(name, engine, image) {
	const body = { project_id: project, name, engine, image };
	let db;
	try {
		db = await api('POST', '/api/databases', { token: admin, body });
	} catch (e) {
		// A gateway reload (routes rewritten) closed the kept-alive
		// connection as the request went out: it never arrived.
		if (!['UND_ERR_SOCKET', 'ECONNRESET'].includes(e.cause?.code))
			throw e;
		db = await api('POST', '/api/databases', { token: admin, body });
	}
	assert.equal(db.status, 201, db.text);
	await until(async () => (await api('GET', `/api/databases/${db.body.id}`,
	    { token: admin })).body.health === 'healthy', `the ${engine} database`,
	    180000);
	const c = await api('GET', `/api/containers/${db.body.container_id}`,
	    { token: admin });
	return { id: db.body.id, container_id: db.body.container_id,
		docker: c.body.docker_id };
}

async function backup(body) {
	const r = await api('POST', '/api/backups', { token: admin, body });
	assert.equal(r.status, 202, r.text);
	// The answer reads the row back after the commit: a worker may
	// already have claimed it.
	assert.ok(['queued', 'running'].includes(r.body.status), r.text);
	return settled(`/api/backups/${r.body.id}`);
}

async function restore(id, body) {
	const r = await api('POST', `/api/backups/${id}/restore`, { token: admin,
		body });
	assert.equal(r.status, 202, r.text);
	return settled(`/api/backups/${id}/restores/${r.body.id}`);
}

// The file s3rver keeps an object's bytes in.
const s3file = (key) => join(s3dir, BUCKET, `${key}._S3rver_object`);
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// The stack's backups worker, or one started here in its place (its pid
// in the service's pid file, so the stack stops it at the end).
const workerPidFile = () => `${DATA}/run/backups-worker.pid`;
function startWorker(env = {}) {
	const log = openSync(`${DATA}/log/backups-worker.log`, 'a');
	const w = spawn(join(TOP, process.env.OP_BUILD ?? 'build', 'bin',
	    'op-backups'), ['work'], { env: { ...process.env,
		OP_CONFIG: `${DATA}/openpanel.conf`, ...env },
		stdio: ['ignore', log, log], detached: true });
	w.unref();
	closeSync(log);
	writeFileSync(workerPidFile(), `${w.pid}\n`);
	return w.pid;
}
async function stopWorker(signal = 'SIGTERM') {
	const pid = Number(readFileSync(workerPidFile(), 'utf8'));
	try { process.kill(pid, signal); } catch { return; }
	await until(() => {
		try { process.kill(pid, 0); return false; } catch { return true; }
	}, 'the worker to stop', 20000);
}

async function startS3() {
	s3dir = mkdtempSync(join(tmpdir(), 'op-s3-'));
	s3 = spawn(process.execPath, [S3RVER, '-d', s3dir, '-a', '127.0.0.1',
		'-p', process.env.OP_TEST_S3_PORT ?? '0', '--configure-bucket',
		BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
	s3port = await new Promise((res, rej) => {
		let out = '';
		s3.stdout.on('data', (d) => {
			out += d;
			const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
			if (m) res(Number(m[1]));
		});
		s3.on('exit', (c) => rej(new Error(`s3rver exited ${c}`)));
	});
	s3.stdout.resume();
}

// --- set-up ------------------------------------------------------------

before(async () => {
	assert.ok(existsSync(S3RVER), 'scripts/deps.sh installs s3rver');
	await startS3();
	admin = await adminToken();
	team = (await api('POST', '/api/teams', { token: admin,
		body: { name: unique('backup team') } })).body.id;
	project = (await api('POST', '/api/projects', { token: admin,
		body: { team_id: team, name: unique('bk') } })).body.id;
	const st = await api('POST', '/api/storage', { token: admin, body: {
		team_id: team, type: 's3', endpoint: `http://127.0.0.1:${s3port}`,
		region: 'us-east-1', bucket: BUCKET, prefix: 'panel/',
		access_key: 'S3RVER', secret_key: 'S3RVER' } });
	assert.equal(st.status, 201, st.text);
	s3target = st.body;
	const lt = await api('POST', '/api/storage', { token: admin, body: {
		team_id: team, type: 'local', path: `${DATA}/backups/${team}` } });
	assert.equal(lt.status, 201, lt.text);
	localTarget = lt.body;

	pg = await database('pg', 'postgresql', PG_IMAGE);

	const f = await api('POST', '/api/containers', { token: admin, body: {
		project_id: project, name: 'files', image: BUSYBOX,
		command: ['sh', '-c', 'sleep 100000'],
		volumes: [{ name: 'files', path: '/data' }] } });
	assert.equal(f.status, 201, f.text);
	files = { id: f.body.id, docker: f.body.docker_id };
});

after(async () => {
	if (project)
		await api('DELETE', `/api/projects/${project}?volumes=true`,
		    { token: admin });
	if (s3) s3.kill('SIGKILL');
	if (s3dir) rmSync(s3dir, { recursive: true, force: true });
});

// --- tests -------------------------------------------------------------

test('bad storage, backup and schedule requests are refused and change '
    + 'nothing', async () => {
	const s3 = { team_id: team, type: 's3', endpoint:
		`http://127.0.0.1:${s3port}`, region: 'us-east-1', bucket: BUCKET,
		access_key: 'S3RVER', secret_key: 'S3RVER' };
	for (const [body, field] of [
		[{ ...s3, bucket: 'Bad_Bucket' }, 'bucket'],
		[{ ...s3, bucket: '192.168.1.1' }, 'bucket'],
		[{ ...s3, prefix: '../escape' }, 'prefix'],
		[{ ...s3, prefix: '/abs' }, 'prefix'],
		[{ ...s3, endpoint: 'ftp://127.0.0.1' }, 'endpoint'],
		[{ ...s3, endpoint: `http://127.0.0.1:${s3port}/path` }, 'endpoint'],
		[{ ...s3, region: 'US EAST' }, 'region'],
		[{ ...s3, bucket: 'no-such-bucket' }, 'endpoint'],
		[{ ...s3, secret_key: undefined }, 'secret_key'],
		[{ team_id: team, type: 'local', path: '/etc' }, 'path'],
		[{ team_id: team, type: 'local', path: `${DATA}/backups/../keys` },
		    'path'],
		[{ team_id: team, type: 'local', path: 'relative/dir' }, 'path'],
		[{ team_id: team, type: 'ftp', path: '/tmp' }, 'type'],
	]) {
		const r = await api('POST', '/api/storage', { token: admin, body });
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	const sched = { storage_id: localTarget.id, kind: 'volume',
		container_id: files.id, volume: 'files', cron: '0 3 * * *' };
	for (const [body, field] of [
		[{ ...sched, cron: '61 * * * *' }, 'cron'],
		[{ ...sched, cron: '* * * *' }, 'cron'],
		[{ ...sched, cron: '0 0 30 2 *' }, 'cron'],
		[{ ...sched, timezone: 'Mars/Olympus' }, 'timezone'],
		[{ ...sched, timezone: '../../etc/passwd' }, 'timezone'],
		[{ ...sched, retention: { keep_last: 0 } }, 'retention'],
		[{ ...sched, retention: { yearly: 2 } }, 'retention'],
		[{ ...sched, volume: 'nope' }, 'volume'],
		[{ ...sched, kind: 'database' }, 'volume'],
	]) {
		const r = await api('POST', '/api/backup-schedules', { token: admin,
			body });
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	for (const [body, field] of [
		[{ storage_id: s3target.id, kind: 'database',
		    container_id: files.id }, 'container_id'],
		[{ storage_id: s3target.id, kind: 'tape' }, 'kind'],
		[{ storage_id: s3target.id, kind: 'volume',
		    container_id: files.id, volume: '../x' }, 'volume'],
	]) {
		const r = await api('POST', '/api/backups', { token: admin, body });
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	const list = await api('GET', `/api/backups?team_id=${team}`,
	    { token: admin });
	assert.deepEqual(list.body.items, []);
	const targets = await api('GET', `/api/storage?team_id=${team}`,
	    { token: admin });
	assert.equal(targets.body.items.length, 2);
	assert.ok(!targets.text.includes('S3RVER"') ||
	    !/secret_key"\s*:\s*"/.test(targets.text), 'no secret answered');
	assert.ok(targets.body.items.every((t) => !('secret_key' in t)));
});

test('a PostgreSQL database round-trips through S3, encrypted: the rows '
    + 'come back, byte-identical in a dump', async () => {
	psql('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL,'
	    + ' price numeric(10,2)); INSERT INTO items SELECT g, \'item \' || g,'
	    + ' g * 1.25 FROM generate_series(1, 2000) g;');
	const before = dump();
	assert.match(before, /COPY public\.items/);
	const b = await backup({ storage_id: s3target.id, kind: 'database',
		container_id: pg.container_id, encrypt: true });
	assert.equal(b.status, 'completed', JSON.stringify(b));
	assert.equal(b.engine, 'postgresql');
	assert.equal(b.encrypted, true);
	assert.match(b.object_key, /^panel\/openpanel\/.+\.sql\.gz\.enc$/);
	assert.ok(b.duration_ms >= 0 && b.log.includes('stored'));
	// What s3rver holds is what the panel checksummed, and it is sealed.
	const stored = readFileSync(s3file(b.object_key));
	assert.equal(stored.length, b.size);
	assert.equal(sha256(stored), b.checksum);
	assert.equal(stored.subarray(0, 5).toString(), 'OPBK1');
	assert.ok(!stored.includes(Buffer.from('item 1999')));
	pgBackup = b;

	psql('DROP TABLE items;');
	assert.notEqual(dump(), before);
	const r = await restore(b.id);
	assert.equal(r.status, 'completed', JSON.stringify(r));
	assert.match(r.log, /checked \d+ bytes: sha256 [0-9a-f]{64}/);
	assert.equal(psql('SELECT count(*), sum(price) FROM items').trim(),
	    '2000|2501250.00');
	assert.equal(dump(), before, 'byte-identical dump after the restore');
	await until(() => {
		const ev = readEvents(2000);
		return ['backup.created', 'backup.completed'].every((t) =>
		    ev.some((e) => e.type === t && e.event.subject?.id === b.id))
		    && ev.some((e) => e.type === 'restore.completed' &&
		    e.event.subject?.id === r.id);
	}, 'backup.created, backup.completed and restore.completed', 15000);
});

test('a PostgreSQL backup restores into a new container of the same '
    + 'project, and bad new-container restores are refused', async () => {
	const uuid = /^[0-9a-f-]{36}$/;
	for (const [body, status, field] of [
		[{ target: 'new', container_id: pg.container_id }, 422,
		    'container_id'],
		[{ target: 'elsewhere' }, 422, 'target'],
		[{ name: 'copy-of-pg' }, 422, 'name'],
		[{ target: 'new', name: 'Not A Slug' }, 422, 'name'],
		[{ target: 'new', name: 'pg' }, 409, 'name'],
	]) {
		const r = await api('POST', `/api/backups/${pgBackup.id}/restore`,
		    { token: admin, body });
		assert.equal(r.status, status, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	const r = await restore(pgBackup.id, { target: 'new', name: 'copy-of-pg' });
	assert.equal(r.status, 'completed', JSON.stringify(r));
	assert.equal(r.new_container, true);
	assert.equal(r.new_container_name, 'copy-of-pg');
	assert.match(r.container_id, uuid);
	assert.match(r.log, /made the database container copy-of-pg/);
	const c = await api('GET', `/api/containers/${r.container_id}`,
	    { token: admin });
	assert.equal(c.status, 200, c.text);
	assert.equal(c.body.project_id, project);
	assert.equal(c.body.image, PG_IMAGE);
	const dbs = (await api('GET', `/api/databases?project_id=${project}`,
	    { token: admin })).body.items;
	assert.ok(dbs.some((d) => d.container_id === r.container_id &&
	    d.engine === 'postgresql' && d.name === 'copy-of-pg'), 'listed');
	assert.equal(docker('exec', c.body.docker_id, 'psql', '-X', '-At',
	    '-U', 'copy_of_pg', '-d', 'copy_of_pg', '-c',
	    'SELECT count(*), sum(price) FROM items').trim(), '2000|2501250.00');
	await until(() => readEvents(2000).some((e) => e.type ===
	    'restore.completed' && e.event.subject?.id === r.id &&
	    e.event.data.container_id === r.container_id),
	    'restore.completed naming the new container', 15000);
	assert.equal((await api('DELETE', `/api/databases/${dbs.find((d) =>
	    d.container_id === r.container_id).id}?volumes=true`,
	    { token: admin })).status, 204);
});

test('a MariaDB database round-trips: mariadb-dump streamed out, the rows '
    + 'back', async () => {
	const m = await database('maria', 'mariadb', MARIADB_IMAGE);
	const q = (sql) => docker('exec', m.docker, 'sh', '-c', 'exec mariadb'
	    + ' -uroot -p"$MARIADB_ROOT_PASSWORD" -N -B "$MARIADB_DATABASE"'
	    + ' -e "$0"', sql).trim();
	q('CREATE TABLE items (id int PRIMARY KEY, name varchar(40));'
	    + ' INSERT INTO items WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL'
	    + ' SELECT n + 1 FROM s WHERE n < 500) SELECT n, CONCAT(\'item \', n)'
	    + ' FROM s');
	const b = await backup({ storage_id: localTarget.id, kind: 'database',
		container_id: m.container_id });
	assert.equal(b.status, 'completed', JSON.stringify(b));
	assert.equal(b.engine, 'mariadb');
	const text = gunzipSync(readFileSync(join(`${DATA}/backups/${team}`,
	    b.object_key))).toString();
	assert.match(text, /INSERT INTO `items`/);
	q('DROP TABLE items');
	const r = await restore(b.id);
	assert.equal(r.status, 'completed', JSON.stringify(r));
	assert.equal(q('SELECT count(*), max(name) FROM items'), '500\titem 99');
});

test('a volume round-trips through a local directory', async () => {
	docker('exec', files.docker, 'sh', '-c', 'mkdir -p /data/sub &&'
	    + ' echo hello > /data/a.txt && echo world > /data/sub/b.txt &&'
	    + ' ln -s a.txt /data/link');
	const b = await backup({ storage_id: localTarget.id, kind: 'volume',
		container_id: files.id, volume: 'files' });
	assert.equal(b.status, 'completed', JSON.stringify(b));
	const file = join(`${DATA}/backups/${team}`, b.object_key);
	assert.equal(sha256(readFileSync(file)), b.checksum);
	assert.equal(statSync(file).mode & 0o777, 0o600);

	docker('exec', files.docker, 'sh', '-c', 'echo changed > /data/a.txt &&'
	    + ' rm -rf /data/sub /data/link');
	const r = await restore(b.id);
	assert.equal(r.status, 'completed', JSON.stringify(r));
	assert.equal(docker('exec', files.docker, 'cat', '/data/a.txt',
	    '/data/sub/b.txt', '/data/link'), 'hello\nworld\nhello\n');
});

test('a corrupted archive is refused before anything is touched',
    async () => {
	docker('exec', files.docker, 'sh', '-c', 'echo original > /data/c.txt');
	const b = await backup({ storage_id: localTarget.id, kind: 'volume',
		container_id: files.id, volume: 'files' });
	assert.equal(b.status, 'completed', JSON.stringify(b));
	docker('exec', files.docker, 'sh', '-c', 'echo later > /data/c.txt');
	const file = join(`${DATA}/backups/${team}`, b.object_key);
	const bytes = readFileSync(file);
	bytes[Math.floor(bytes.length / 2)] ^= 0x55;
	writeFileSync(file, bytes);
	const r = await restore(b.id);
	assert.equal(r.status, 'failed', JSON.stringify(r));
	assert.match(r.error, /checksum/);
	assert.equal(r.attempts, 1, 'refused, not retried');
	assert.equal(docker('exec', files.docker, 'cat', '/data/c.txt'),
	    'later\n', 'nothing restored');
	await until(() => readEvents(2000).some((e) => e.type ===
	    'restore.failed' && e.event.subject?.id === r.id),
	    'restore.failed', 15000);
});

test('another team\'s storage, backups and schedules are a 404',
    async () => {
	const other = await newUser(admin);
	const theirs = await api('GET', `/api/backups?team_id=${team}`,
	    { token: other.token });
	assert.equal(theirs.status, 404);
	const b = (await api('GET', `/api/backups?team_id=${team}`,
	    { token: admin })).body.items[0];
	for (const path of [`/api/backups/${b.id}`, `/api/storage/${s3target.id}`,
		`/api/backups/${b.id}/restores/${b.id}`])
		assert.equal((await api('GET', path, { token: other.token }))
		    .status, 404, path);
	const del = await api('DELETE', `/api/backups/${b.id}`,
	    { token: other.token });
	assert.equal(del.status, 404);
	const res = await api('POST', `/api/backups/${b.id}/restore`,
	    { token: other.token });
	assert.equal(res.status, 404);
	// A viewer of the team may look, not act.
	const viewer = await newUser(admin);
	await addMember(team, admin, viewer, 'viewer');
	assert.equal((await api('GET', `/api/backups/${b.id}`,
	    { token: viewer.token })).status, 200);
	assert.equal((await api('POST', `/api/backups/${b.id}/restore`,
	    { token: viewer.token })).status, 403);
});

test('a schedule fires on time; retention deletes exactly the older '
    + 'generations', async () => {
	const s = await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'volume',
		    container_id: files.id, volume: 'files', cron: '* * * * *',
		    timezone: 'Europe/Lisbon', retention: { keep_last: 2 } } });
	assert.equal(s.status, 201, s.text);
	assert.deepEqual(s.body.retention, { keep_last: 2, daily: null,
		weekly: null, monthly: null });
	const due = Date.parse(s.body.next_run_at);
	assert.equal(due % 60000, 0, 'on a minute');
	const mine = async () => (await api('GET',
	    `/api/backups?team_id=${team}&schedule_id=${s.body.id}`,
	    { token: admin })).body.items;
	// The cron fires: a backup of the schedule, created at its time.
	const first = await until(async () => (await mine())[0], 'the '
	    + 'scheduled backup', 150000, 500);
	assert.ok(Date.parse(first.created_at) >= due, 'not before its time');
	assert.equal((await settled(`/api/backups/${first.id}`)).status,
	    'completed');
	const after1 = await api('GET', `/api/backup-schedules/${s.body.id}`,
	    { token: admin });
	assert.ok(Date.parse(after1.body.next_run_at) > due, 'moved on');
	// Stop it firing by itself, then two more generations by hand.
	sql(`UPDATE backups.schedules SET next_run_at = now() + interval
	    '1 day' WHERE id = '${s.body.id}'`);
	const ids = [first.id];
	for (let i = 0; i < 2; i++) {
		const r = await api('POST', `/api/backup-schedules/${s.body.id}/run`,
		    { token: admin });
		assert.equal(r.status, 202, r.text);
		assert.equal((await settled(`/api/backups/${r.body.id}`)).status,
		    'completed');
		ids.push(r.body.id);
	}
	// keep_last 2: the first generation went, archive and row.
	await until(async () => (await mine()).length === 2, 'retention');
	const kept = (await mine()).map((b) => b.id).sort();
	assert.deepEqual(kept, ids.slice(1).sort());
	assert.equal((await api('GET', `/api/backups/${first.id}`,
	    { token: admin })).status, 404);
	assert.ok(!existsSync(join(`${DATA}/backups/${team}`, first.object_key)),
	    'its archive deleted');
	for (const id of ids.slice(1)) {
		const b = (await api('GET', `/api/backups/${id}`, { token: admin }))
		    .body;
		assert.ok(existsSync(join(`${DATA}/backups/${team}`,
		    b.object_key)), 'the kept archives stay');
	}
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup.deleted' && e.event.subject?.id === first.id &&
	    e.event.data.reason === 'retention'), 'backup.deleted', 15000);
	assert.equal((await api('DELETE', `/api/backup-schedules/${s.body.id}`,
	    { token: admin })).status, 204);
});

test('a worker killed mid-upload leaves no completed backup, and the next '
    + 'run completes it; a backup that cannot run is reported', async () => {
	// A worker of short leases and small parts in place of the stack's.
	await stopWorker();
	startWorker({ OP_BACKUP_LEASE_S: '5', OP_BACKUP_PART_MB: '5' });
	docker('exec', files.docker, 'sh', '-c',
	    'head -c 60000000 /dev/urandom > /data/big');
	const r = await api('POST', '/api/backups', { token: admin, body: {
		storage_id: s3target.id, kind: 'volume', container_id: files.id,
		volume: 'files' } });
	assert.equal(r.status, 202, r.text);
	// Once its multipart upload exists, freeze the S3 server so the
	// upload hangs, and kill the worker in the middle of it.
	await until(async () => (await api('GET', `/api/backups/${r.body.id}`,
	    { token: admin })).body.uploading, 'the upload to start', 30000, 20);
	s3.kill('SIGSTOP');
	try {
		await sleep(500);
		await stopWorker('SIGKILL');
		const mid = (await api('GET', `/api/backups/${r.body.id}`,
		    { token: admin })).body;
		assert.equal(mid.status, 'running', JSON.stringify(mid));
		assert.equal(mid.checksum, null);
	} finally {
		s3.kill('SIGCONT');
	}
	// No completed backup in the meantime: its lease must lapse first.
	await sleep(1000);
	assert.notEqual((await api('GET', `/api/backups/${r.body.id}`,
	    { token: admin })).body.status, 'completed');

	// While no worker runs: a backup whose database is gone by then.
	const gone = await api('POST', '/api/databases', { token: admin, body: {
		project_id: project, name: 'gone', engine: 'postgresql',
		image: PG_IMAGE } });
	assert.equal(gone.status, 201, gone.text);
	const doomed = await api('POST', '/api/backups', { token: admin, body: {
		storage_id: s3target.id, kind: 'database',
		container_id: gone.body.container_id } });
	assert.equal(doomed.status, 202, doomed.text);
	assert.equal((await api('DELETE', `/api/databases/${gone.body.id}`,
	    { token: admin })).status, 204);

	startWorker({ OP_BACKUP_LEASE_S: '5', OP_BACKUP_PART_MB: '5' });
	const done = await settled(`/api/backups/${r.body.id}`);
	assert.equal(done.status, 'completed', JSON.stringify(done));
	assert.equal(done.attempts, 2);
	assert.match(done.log, /removing what an interrupted attempt left/);
	assert.equal(sha256(readFileSync(s3file(done.object_key))),
	    done.checksum);
	// The interrupted upload left no object and no pending parts.
	const objects = readdirSync(join(s3dir, BUCKET), { recursive: true })
	    .filter((f) => String(f).endsWith('._S3rver_object'));
	assert.ok(objects.every((f) => !String(f).includes(r.body.id) ||
	    join(s3dir, BUCKET, String(f)) === s3file(done.object_key)));

	const failed = await settled(`/api/backups/${doomed.body.id}`);
	assert.equal(failed.status, 'failed');
	assert.match(failed.error, /no longer exists/);
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup.failed' && e.event.subject?.id === doomed.body.id),
	    'backup.failed', 15000);
	// The stack's own settings again for the suites after this one.
	await stopWorker();
	startWorker();
});

test('a backup whose worker died in its last attempt is failed by the '
    + 'lease sweep, and the partial archive it left is removed', async () => {
	await stopWorker();
	const r = await api('POST', '/api/backups', { token: admin, body: {
		storage_id: localTarget.id, kind: 'volume', container_id: files.id,
		volume: 'files' } });
	assert.equal(r.status, 202, r.text);
	// What a worker killed in its last attempt leaves behind: the row
	// running under a lapsed lease with no attempt left, and the partial
	// archive it was writing.
	const key = `openpanel/${team}/20260101T000000Z-${r.body.id}.tar.gz`;
	const partial = join(`${DATA}/backups/${team}`, `${key}.partial`);
	mkdirSync(dirname(partial), { recursive: true });
	writeFileSync(partial, 'half an archive');
	sql(`UPDATE backups.backups SET status = 'running',
	    attempts = max_attempts, lease_token = 'a dead worker',
	    lease_until = now() - interval '1 second', started_at = now(),
	    object_key = '${key}' WHERE id = '${r.body.id}'`);
	startWorker();
	const failed = await settled(`/api/backups/${r.body.id}`);
	assert.equal(failed.status, 'failed', JSON.stringify(failed));
	assert.match(failed.error, /stopped answering/);
	await until(async () => (await api('GET', `/api/backups/${r.body.id}`,
	    { token: admin })).body.object_key === null,
	    'what it left to be removed', 15000);
	assert.ok(!existsSync(partial), 'the partial archive is gone');
});

test('the panel is backed up by instance admins only, its keys only when '
    + 'encrypted, and restore-panel rebuilds it in a fresh database',
    async () => {
	const teamAdmin = await newUser(admin);
	await addMember(team, admin, teamAdmin, 'admin');
	const refused = await api('POST', '/api/backups', { token:
	    teamAdmin.token, body: { storage_id: localTarget.id, kind: 'panel' } });
	assert.equal(refused.status, 403, refused.text);
	assert.equal(refused.body.error.code, 'admin_only');
	const named = await api('POST', '/api/backups', { token: admin, body: {
		storage_id: localTarget.id, kind: 'panel',
		container_id: pg.container_id } });
	assert.equal(named.status, 422, named.text);

	const before = unique('kept team');
	assert.equal((await api('POST', '/api/teams', { token: admin,
		body: { name: before } })).status, 201);
	const plain = await backup({ storage_id: localTarget.id, kind: 'panel' });
	assert.equal(plain.status, 'completed', JSON.stringify(plain));
	assert.match(plain.log, /keys left out: the archive is not encrypted/);
	const sealed = await backup({ storage_id: localTarget.id, kind: 'panel',
		encrypt: true });
	assert.equal(sealed.status, 'completed', JSON.stringify(sealed));
	assert.match(sealed.log, /key keys\/secret\.key included/);
	assert.equal((await api('POST', `/api/backups/${sealed.id}/restore`,
	    { token: admin })).body.error.code, 'not_restorable');
	// After the backup: a team that the restored panel must not have.
	const after = unique('later team');
	assert.equal((await api('POST', '/api/teams', { token: admin,
		body: { name: after } })).status, 201);

	const conf = readFileSync(`${DATA}/openpanel.conf`, 'utf8');
	const host = /host=(\S+)/.exec(conf)[1], port = /port=(\d+)/.exec(conf)[1];
	const fresh = `openpanel_restore_${process.pid}`;
	const pgAdmin = (db, q) => execFileSync('psql', ['-X', '-q', '-At',
	    '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', port, '-U', 'postgres',
	    '-d', db, '-c', q], { encoding: 'utf8' }).trim();
	const out = mkdtempSync(join(tmpdir(), 'op-panel-'));
	const restorePanel = (b, dir, ...db) => execFileSync(join(TOP,
	    process.env.OP_BUILD ?? 'build', 'bin', 'op-backups'),
	    ['restore-panel', join(`${DATA}/backups/${team}`, b.object_key),
	    dir, ...db], { encoding: 'utf8', env: { ...process.env,
	    OP_CONFIG: `${DATA}/openpanel.conf` }, stdio: ['ignore', 'pipe',
	    'pipe'] });
	try {
		pgAdmin('postgres', `CREATE DATABASE ${fresh}`);
		restorePanel(sealed, join(out, 'sealed'),
		    `host=${host} port=${port} user=postgres dbname=${fresh}`);
		assert.equal(pgAdmin(fresh, `SELECT count(*) FROM auth.teams
		    WHERE name = '${before}'`), '1');
		assert.equal(pgAdmin(fresh, `SELECT count(*) FROM auth.teams
		    WHERE name = '${after}'`), '0');
		assert.equal(readFileSync(join(out, 'sealed', 'openpanel.conf'),
		    'utf8'), conf);
		assert.deepEqual(readFileSync(join(out, 'sealed', 'keys',
		    'secret.key')), readFileSync(`${DATA}/keys/secret.key`));
		assert.equal(statSync(join(out, 'sealed', 'keys', 'secret.key'))
		    .mode & 0o777, 0o600);
		restorePanel(plain, join(out, 'plain'));
		assert.ok(existsSync(join(out, 'plain', 'database.sql')));
		assert.ok(!existsSync(join(out, 'plain', 'keys')), 'no keys');
		// A damaged archive is refused.
		const file = join(`${DATA}/backups/${team}`, sealed.object_key);
		const bytes = readFileSync(file);
		bytes[Math.floor(bytes.length / 2)] ^= 0x55;
		writeFileSync(join(out, 'damaged'), bytes);
		assert.throws(() => execFileSync(join(TOP, process.env.OP_BUILD ??
		    'build', 'bin', 'op-backups'), ['restore-panel',
		    join(out, 'damaged'), join(out, 'x')], { env: { ...process.env,
		    OP_CONFIG: `${DATA}/openpanel.conf` }, stdio: 'pipe' }),
		    /damaged/);
	} finally {
		pgAdmin('postgres', `DROP DATABASE IF EXISTS ${fresh}`);
		rmSync(out, { recursive: true, force: true });
	}
});

test('a restore drill restores the latest scheduled backup into a scratch '
    + 'container, checks it, records the result and removes it', async () => {
	const bad = await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'volume',
		    container_id: files.id, volume: 'files', cron: '0 3 * * *',
		    drill_cron: '0 4 * * *' } });
	assert.equal(bad.status, 422, bad.text);
	assert.equal(bad.body.error.field, 'drill_cron');
	const s = await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'database',
		    container_id: pg.container_id, cron: '0 3 1 1 *',
		    drill_cron: '0 4 1 1 *' } });
	assert.equal(s.status, 201, s.text);
	assert.equal(s.body.drill_cron, '0 4 1 1 *');
	const run = await api('POST', `/api/backup-schedules/${s.body.id}/run`,
	    { token: admin });
	assert.equal(run.status, 202, run.text);
	assert.equal((await settled(`/api/backups/${run.body.id}`)).status,
	    'completed');
	// Its time comes.
	sql(`UPDATE backups.schedules SET next_drill_at = now() WHERE id =
	    '${s.body.id}'`);
	const drills = async () => (await api('GET',
	    `/api/backup-schedules/${s.body.id}/drills`, { token: admin }))
	    .body.items;
	const drill = await until(async () => {
		const d = (await drills())[0];
		return d && d.check_ok !== null ? d : null;
	}, 'the drill', 300000, 500);
	assert.equal(drill.status, 'completed', JSON.stringify(drill));
	assert.equal(drill.backup_id, run.body.id);
	assert.equal(drill.check_ok, true, JSON.stringify(drill));
	assert.equal(drill.check_result, '1', 'one table: items');
	assert.match(drill.log, /the scratch container was removed/);
	assert.equal((await api('GET', `/api/containers/${drill.container_id}`,
	    { token: admin })).status, 404, 'the scratch container is gone');
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup.drill_completed' && e.event.subject?.id === drill.id &&
	    e.event.data.container_removed === true),
	    'backup.drill_completed', 15000);
	const after = await api('GET', `/api/backup-schedules/${s.body.id}`,
	    { token: admin });
	assert.ok(Date.parse(after.body.next_drill_at) > Date.now(), 'moved on');
	assert.equal((await drills()).length, 1);
	assert.equal((await api('DELETE', `/api/backup-schedules/${s.body.id}`,
	    { token: admin })).status, 204);
});

test('a schedule is edited: its drill set, moved and stopped, its zone and '
    + 'retention changed; what the API refuses changes nothing', async () => {
	const s = (await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'database',
		    container_id: pg.container_id, cron: '0 3 * * *',
		    retention: { keep_last: 2 } } })).body;
	assert.equal(s.drill_cron, null);
	const patch = (id, body, token = admin) => api('PATCH',
	    `/api/backup-schedules/${id}`, { token, body });
	const now = async () => (await api('GET', `/api/backup-schedules/${s.id}`,
	    { token: admin })).body;

	let r = await patch(s.id, { drill_cron: '0 5 * * 0' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.drill_cron, '0 5 * * 0');
	const drillAt = new Date(r.body.next_drill_at);
	assert.equal(drillAt.getUTCDay(), 0);
	assert.equal(drillAt.getUTCHours(), 5);
	assert.equal(r.body.next_run_at, s.next_run_at, 'the run stays');
	const before = await now();
	for (const [body, field] of [
		[{ drill_cron: '61 * * * *' }, 'drill_cron'],
		[{ drill_cron: '0 0 30 2 *' }, 'drill_cron'],
		[{ cron: '* * * *' }, 'cron'],
		[{ timezone: 'Mars/Olympus' }, 'timezone'],
		[{ retention: { keep_last: 0 } }, 'retention'],
	]) {
		r = await patch(s.id, body);
		assert.equal(r.status, 422, `${JSON.stringify(body)} ${r.text}`);
		assert.equal(r.body.error.field, field, r.text);
	}
	r = await patch(s.id, { storage_id: localTarget.id });	// fixed
	assert.equal(r.status, 400, r.text);
	assert.equal(r.body.error.field, 'storage_id');
	assert.deepEqual(await now(), before, 'nothing changed');

	// A volume schedule has no drills.
	const vol = (await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'volume',
		    container_id: files.id, volume: 'files',
		    cron: '0 3 * * *' } })).body;
	r = await patch(vol.id, { drill_cron: '0 4 * * *' });
	assert.equal(r.status, 422, r.text);
	assert.equal(r.body.error.field, 'drill_cron');

	// Another zone moves the run and the drill; retention is replaced.
	r = await patch(s.id, { timezone: 'Asia/Tokyo',
		retention: { daily: 7, weekly: null } });
	assert.equal(r.status, 200, r.text);
	assert.equal(new Date(r.body.next_run_at).getUTCHours(), 18, '03:00 JST');
	assert.equal(new Date(r.body.next_drill_at).getUTCHours(), 20, '05:00 JST');
	assert.deepEqual(r.body.retention, { keep_last: null, daily: 7,
		weekly: null, monthly: null });
	r = await patch(s.id, { drill_cron: null, retention: {} });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.drill_cron, null);
	assert.equal(r.body.next_drill_at, null);
	assert.deepEqual(r.body.retention, { keep_last: null, daily: null,
		weekly: null, monthly: null });
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup_schedule.updated' && e.event.subject?.id === s.id &&
	    e.event.data.drill_cron === null), 'backup_schedule.updated', 15000);

	// A viewer may not; another team's is no schedule.
	const viewer = await newUser(admin);
	await addMember(team, admin, viewer, 'viewer');
	assert.equal((await patch(s.id, { cron: '0 1 * * *' }, viewer.token))
	    .status, 403);
	const other = await newUser(admin);
	assert.equal((await patch(s.id, { cron: '0 1 * * *' }, other.token))
	    .status, 404);
	assert.equal((await now()).cron, '0 3 * * *');
	for (const id of [s.id, vol.id])
		assert.equal((await api('DELETE', `/api/backup-schedules/${id}`,
		    { token: admin })).status, 204);
});

test('a paused schedule (paused later, or made paused) neither runs nor '
    + 'drills when due; resumed, it fires next from now; a bad enabled '
    + 'changes or makes nothing', async () => {
	const patch = (id, body) => api('PATCH', `/api/backup-schedules/${id}`,
	    { token: admin, body });
	const get = async (id) => (await api('GET', `/api/backup-schedules/${id}`,
	    { token: admin })).body;
	const made = async (id) => (await api('GET',
	    `/api/backups?team_id=${team}&schedule_id=${id}`, { token: admin }))
	    .body.items;
	const p = (await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'database',
		    container_id: pg.container_id, cron: '0 3 1 1 *',
		    drill_cron: '0 4 1 1 *' } })).body;
	assert.equal(p.enabled, true);
	let r = await patch(p.id, { enabled: false });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.enabled, false);
	assert.equal(r.body.next_run_at, p.next_run_at, 'a pause moves nothing');
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup_schedule.updated' && e.event.subject?.id === p.id &&
	    e.event.data.enabled === false), 'backup_schedule.updated', 15000);

	// A bad value is refused and changes nothing.
	const before = await get(p.id);
	for (const enabled of ['yes', 1, null, {}]) {
		r = await patch(p.id, { enabled, cron: '0 2 1 1 *' });
		assert.equal(r.status, 422, `${JSON.stringify(enabled)} ${r.text}`);
		assert.equal(r.body.error.field, 'enabled', r.text);
	}
	assert.deepEqual(await get(p.id), before, 'nothing changed');
	// Another cron keeps it paused.
	r = await patch(p.id, { cron: '0 2 1 1 *' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.enabled, false, 'still paused');

	// Both due, the paused one the longer overdue: the worker's round
	// runs the other, and passes the paused one by.
	const c = (await api('POST', '/api/backup-schedules', { token: admin,
		body: { storage_id: localTarget.id, kind: 'volume',
		    container_id: files.id, volume: 'files',
		    cron: '0 3 1 1 *' } })).body;
	// One made paused: a bad enabled makes none; false, it starts paused.
	const volume = { storage_id: localTarget.id, kind: 'volume',
		container_id: files.id, volume: 'files', cron: '0 3 1 1 *' };
	const count = async () => (await api('GET',
	    `/api/backup-schedules?team_id=${team}`, { token: admin })).body.items.length;
	const n = await count();
	for (const enabled of ['no', 0, null, []]) {
		r = await api('POST', '/api/backup-schedules', { token: admin,
			body: { ...volume, enabled } });
		assert.equal(r.status, 422, `${JSON.stringify(enabled)} ${r.text}`);
		assert.equal(r.body.error.field, 'enabled', r.text);
	}
	assert.equal(await count(), n, 'none made');
	r = await api('POST', '/api/backup-schedules', { token: admin,
		body: { ...volume, enabled: false } });
	assert.equal(r.status, 201, r.text);
	const q = r.body;
	assert.equal(q.enabled, false);
	assert.ok(q.next_run_at, r.text);
	assert.equal((await get(q.id)).enabled, false);
	sql(`UPDATE backups.schedules SET next_run_at = now() - CASE WHEN
	    id IN ('${p.id}', '${q.id}') THEN interval '2 hours' ELSE
	    interval '1 hour' END, next_drill_at = CASE WHEN id = '${p.id}'
	    THEN now() - interval '2 hours' END WHERE id IN ('${p.id}',
	    '${c.id}', '${q.id}')`);
	const due = await get(p.id);
	const other = await until(async () => (await made(c.id))[0],
	    'the other schedule\'s backup', 150000, 500);
	// Settled, the backup was drained after that round's drills too.
	assert.equal((await settled(`/api/backups/${other.id}`)).status,
	    'completed');
	assert.deepEqual(await made(p.id), [], 'no backup of the paused one');
	assert.deepEqual(await made(q.id), [], 'nor of the one made paused');
	assert.deepEqual((await api('GET', `/api/backup-schedules/${p.id}/drills`,
	    { token: admin })).body.items, [], 'nor a drill');
	assert.deepEqual(await get(p.id), due, 'its times untouched');

	// Resumed: the next run and drill from now, not the missed ones.
	r = await patch(p.id, { enabled: true });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.enabled, true);
	assert.ok(Date.parse(r.body.next_run_at) > Date.now(), r.text);
	assert.ok(Date.parse(r.body.next_drill_at) > Date.now(), r.text);
	assert.equal(new Date(r.body.next_run_at).getUTCHours(), 2, '0 2 1 1 *');
	assert.equal(new Date(r.body.next_drill_at).getUTCHours(), 4);
	assert.deepEqual(await made(p.id), []);
	await until(() => readEvents(2000).some((e) => e.type ===
	    'backup_schedule.updated' && e.event.subject?.id === p.id &&
	    e.event.data.enabled === true), 'backup_schedule.updated', 15000);
	for (const id of [p.id, c.id, q.id])
		assert.equal((await api('DELETE', `/api/backup-schedules/${id}`,
		    { token: admin })).status, 204);
});

test('a Redis database round-trips through its RDB, and keeps it across a '
    + 'restart', async () => {
	const rd = await database('cache', 'redis', REDIS_IMAGE);
	const cli = (...args) => docker('exec', rd.docker, 'sh', '-c', 'exec'
	    + ' redis-cli -a "$REDIS_PASSWORD" --no-auth-warning "$@"', 'cli',
	    ...args).trim();
	cli('MSET', ...Array.from({ length: 50 }, (_, i) => [`key:${i}`,
	    `value-${i}`]).flat());
	const b = await backup({ storage_id: localTarget.id, kind: 'database',
		container_id: rd.container_id });
	assert.equal(b.status, 'completed', JSON.stringify(b));
	assert.match(b.object_key, /\.rdb\.gz$/);
	assert.equal(gunzipSync(readFileSync(join(`${DATA}/backups/${team}`,
	    b.object_key))).subarray(0, 5).toString(), 'REDIS');
	cli('FLUSHALL');
	cli('SET', 'later', 'x');
	const r = await restore(b.id);
	assert.equal(r.status, 'completed', JSON.stringify(r));
	assert.equal(cli('DBSIZE'), '50');
	assert.equal(cli('GET', 'key:7'), 'value-7');
	assert.equal(cli('EXISTS', 'later'), '0');
	await until(() => /\baof_rewrite_in_progress:0\b/.test(cli('INFO',
	    'persistence')), 'the append-only file rewritten', 30000);
	// Last in the file: a restart makes op-projects rewrite routes, and
	// the gateway's reload may drop a POST of the next test.
	docker('restart', rd.docker);
	await until(() => { try { return cli('DBSIZE') === '50'; }
	    catch { return false; } }, 'the restored keys after a restart',
	    60000);
});
