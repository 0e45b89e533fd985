// A build's output live, through the gateway's nchan channel
// /api/live/builds/:id: the team's members watch it as it is written
// (EventSource and WebSocket alike, late joiners from the channel's
// buffer), and the same lines are the build's log afterwards; another
// team's member is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api, addr, adminToken, unique } from './lib/client.mjs';
import { newUsers, newTeam } from './lib/fixtures.mjs';
import { BuildSuite } from './lib/builds.mjs';
import { startGitServer, appFiles } from './lib/git.mjs';
import { eventSource, webSocket } from './lib/live.mjs';

const IP = addr();
const NONCE = randomBytes(6).toString('hex');	// no engine cache across runs
const suite = new BuildSuite(IP);	// the project and image made
let admin, O, X, T, P, gs, repo;

before(async () => {
	admin = await adminToken();
	[O, X] = await newUsers(admin, 2);
	T = await newTeam(O.token, unique('watchers'), IP);
	await newTeam(X.token, unique('outsiders'), IP);
	P = await suite.newProject(T, O, 'live');
	gs = await startGitServer();
	repo = await gs.createRepo(unique('live'));
	// A slow step, so that watchers join while the build runs.
	await repo.update(appFiles(`live-${NONCE}`, { steps: [
		`RUN echo "first ${NONCE}" && sleep 2 && echo "second ${NONCE}"`,
	] }), 'a build worth watching');
	const s = await api('PUT', `/api/projects/${P}/source`, { token: O.token,
		ip: IP, body: { git_url: gs.url(repo.name) } });
	assert.equal(s.status, 200, s.text);
});

after(async () => {
	await suite.cleanUp(admin);
	await gs?.close();
});

test('a build streams its output live to its team, and only to its team', async () => {
	const b = await api('POST', '/api/builds', { token: O.token, ip: IP,
		body: { project_id: P } });
	assert.equal(b.status, 202, b.text);
	const path = `/api/live/builds/${b.body.id}`;

	const outsider = await eventSource(path, { token: X.token });
	assert.ok([403, 404].includes(outsider.status),
	    `another team's member: ${outsider.status}`);
	const anonymous = await eventSource(path);
	assert.equal(anonymous.status, 401);

	const es = await eventSource(path, { token: O.token });
	const ws = await webSocket(path, { token: O.token });
	assert.equal(es.status, 200);
	assert.equal(ws.status, 101);
	try {
		// The RUN step's own output, as the engine prints it.
		for (const sub of [es, ws]) {
			await sub.next((m) => m.find((l) => l.includes(`first ${NONCE}`)),
			    'the first line of the RUN step', 120000);
			await sub.next((m) => m.find((l) => l.includes(`second ${NONCE}`)),
			    'the second line of the RUN step', 120000);
			await sub.next((m) => m.find((l) => /^Step 1\/\d+ : FROM/.test(l)),
			    'the first step (from the buffer)', 5000);
		}
	} finally {
		es.close();
		ws.close();
	}
	const done = await suite.settled(b.body.id, O);
	assert.equal(done.status, 'succeeded', done.error);
	// What streamed is what the log keeps.
	const log = await api('GET', `/api/builds/${b.body.id}/logs`,
	    { token: O.token, ip: IP });
	for (const line of es.messages)
		assert.ok(log.text.includes(line), `streamed but not logged: ${line}`);
});
