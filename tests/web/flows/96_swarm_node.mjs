// A second server on the Swarm screen, removed once it has left: a real
// second Docker engine (../../integration/lib/swarm_node.mjs, as S1
// uses) joins the panel's swarm with the worker token from the API and
// shows on the screen; it is promoted to manager from its row (behind
// the confirmation: the API, the engine and the node's own engine then
// say manager, reachable) and demoted back to a worker, so that it can
// leave as a worker; Remove while it is still up shows the API's 409
// word for word and changes nothing; after `docker swarm leave` it shows
// down, and Remove, once confirmed, takes it off the screen, the API and
// the engine. A manager is offered no Remove. Everything made for the
// node, and the swarm if made here, goes whatever failed (swarm lock).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, apiJson } from '../lib/flows.mjs';
import { engine, engineAt } from '../../integration/lib/docker.mjs';
import { until } from '../../integration/lib/fixtures.mjs';
import { swarmNode } from '../../integration/lib/swarm_node.mjs';

describe('a second node on the Swarm screen', () => {
	const second = swarmNode(`web-${process.pid}`);
	let page, self, started;

	const ok = async (method, path, body) => {
		const r = await apiJson(page, method, path, body);
		assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body;
	};
	const row = () => page.getByRole('row', { name: new RegExp(second.hostname) });
	const dialog = () => page.getByRole('dialog', { name: `Remove ${second.hostname}?` });
	// The summary's count of what (Nodes, Managers) reading n.
	const counted = (what, n) => page.locator(`dl.details dt:text-is("${what}") + dd:text-is("${n}")`);
	const refresh = () => page.getByRole('button', { name: 'Refresh', exact: true }).click();
	const nodeInfo = async () => (await engineAt(second.sock, 'GET', '/info')).body.Swarm;

	before(async () => {
		started = Date.now();
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		await second.start();
		await second.manage({ diagnostic: (m) => console.log(`# ${m}`) });
	});
	after(async () => {
		await second.cleanup();
		await closeAll();
		console.log(`# 96_swarm_node: ${((Date.now() - started) / 1000)
		    .toFixed(1)} s with the second node`);
	});

	test('the node joined with the worker token shows as a ready worker', async () => {
		const sw = await ok('GET', '/api/swarm');
		self = sw.node_id;
		const tokens = await ok('GET', '/api/swarm/tokens');
		await second.join(tokens.worker, tokens.managers);
		await until(async () => (await apiJson(page, 'GET',
		    `/api/swarm/nodes/${second.id}`)).body?.status === 'ready',
		'the node ready', 60000, 250);
		await nav(page, 'Swarm');
		await row().getByText('ready', { exact: true }).waitFor();
		assert.ok((await row().innerText()).includes('worker'));
		await row().getByRole('button', { name: `Remove ${second.hostname}` }).waitFor();
		const manager = (await ok('GET', '/api/swarm/nodes')).items
		    .find((n) => n.id === self);
		const managerRow = page.getByRole('row', { name: new RegExp(manager.hostname) });
		await managerRow.getByRole('button', { name: `Demote ${manager.hostname}` }).waitFor();
		assert.equal(await managerRow.getByRole('button', { name: /^Remove / }).count(), 0,
		    'a manager is offered no Remove');
	});

	test('the node is promoted to manager once confirmed, and demoted back', async () => {
		const promote = row().getByRole('button', { name: `Promote ${second.hostname}` });
		const confirm = page.getByRole('dialog',
		    { name: `Promote ${second.hostname} to manager?` });
		await promote.click();
		assert.match(await confirm.innerText(), /odd number of managers/);
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await confirm.waitFor({ state: 'hidden' });
		assert.equal((await ok('GET', `/api/swarm/nodes/${second.id}`)).role, 'worker',
		    'nothing changes before the confirmation');
		await promote.click();
		await confirm.getByRole('button', { name: 'Promote', exact: true }).click();
		await confirm.waitFor({ state: 'hidden' });
		await row().getByRole('cell', { name: 'manager', exact: true }).waitFor();
		// The swarm's second manager: in the Raft quorum, reachable from
		// the leader, and its own engine answers the swarm API.
		const promoted = await until(async () => {
			const n = await ok('GET', `/api/swarm/nodes/${second.id}`);
			return n.reachability === 'reachable' ? n : null;
		}, 'the new manager reachable', 60000, 250);
		assert.equal(promoted.role, 'manager');
		assert.equal(promoted.leader, false);
		const e = (await engine('GET', `/nodes/${second.id}`)).body;
		assert.equal(e.Spec.Role, 'manager');
		assert.equal(e.ManagerStatus.Reachability, 'reachable');
		await until(async () => (await nodeInfo()).ControlAvailable === true,
		    'the node\'s engine a manager', 60000, 250);
		await until(async () => (await ok('GET', '/api/swarm')).managers === 2,
		    'two managers', 30000, 250);
		// Raft counts the new manager once it has joined the quorum.
		await refresh();
		await counted('Managers', 2).waitFor();
		await shot(page, '96-swarm-node-promoted');
		assert.equal(await row().getByRole('button', { name: `Remove ${second.hostname}` })
		    .count(), 0, 'a manager is offered no Remove');

		await row().getByRole('button', { name: `Demote ${second.hostname}` }).click();
		const back = page.getByRole('dialog', { name: `Demote ${second.hostname} to worker?` });
		await back.getByRole('button', { name: 'Demote', exact: true }).click();
		await back.waitFor({ state: 'hidden' });
		await row().getByRole('cell', { name: 'worker', exact: true }).waitFor();
		assert.equal((await ok('GET', `/api/swarm/nodes/${second.id}`)).role, 'worker');
		await until(async () => (await ok('GET', `/api/swarm/nodes/${second.id}`))
		    .reachability === null && (await engine('GET', `/nodes/${second.id}`))
		    .body.ManagerStatus === undefined, 'out of the managers\' quorum', 60000, 250);
		await until(async () => (await nodeInfo()).ControlAvailable === false,
		    'the node\'s engine a worker again', 60000, 250);
		await until(async () => (await ok('GET', '/api/swarm')).managers === 1,
		    'one manager', 30000, 250);
		await refresh();
		await counted('Managers', 1).waitFor();
		await row().getByRole('button', { name: `Remove ${second.hostname}` }).waitFor();
	});

	test("removing the node while it is up shows the API's refusal and changes nothing", async () => {
		await row().getByRole('button', { name: `Remove ${second.hostname}` }).click();
		assert.match(await dialog().innerText(), /docker swarm leave/);
		await dialog().getByRole('button', { name: 'Remove', exact: true }).click();
		const shown = (await dialog().getByRole('alert').innerText()).trim();
		const api = await apiJson(page, 'DELETE', `/api/swarm/nodes/${second.id}`);
		assert.equal(api.status, 409, JSON.stringify(api.body));
		assert.equal(api.body.error.code, 'node_up');
		assert.equal(shown, api.body.error.message);
		await shot(page, '96-swarm-node-remove-refused');
		await dialog().getByRole('button', { name: 'Cancel' }).click();
		await dialog().waitFor({ state: 'hidden' });
		assert.equal((await engine('GET', `/nodes/${second.id}`)).status, 200);
		await row().waitFor();
	});

	test('once it has left and shows down, Remove takes it off the screen and the API', async () => {
		await second.leave(async () => (await ok('GET',
		    `/api/swarm/nodes/${second.id}`)).status);
		await refresh();
		await row().getByText('down', { exact: true }).waitFor();
		await counted('Nodes', 2).waitFor();
		await row().getByRole('button', { name: `Remove ${second.hostname}` }).click();
		await dialog().getByRole('button', { name: 'Remove', exact: true }).click();
		await dialog().waitFor({ state: 'hidden' });
		await row().waitFor({ state: 'detached' });
		await counted('Nodes', 1).waitFor();	// the summary follows
		const ids = (await ok('GET', '/api/swarm/nodes')).items.map((n) => n.id);
		assert.ok(!ids.includes(second.id), `${second.id} in ${ids}`);
		assert.ok(ids.includes(self));
		assert.equal((await engine('GET', `/nodes/${second.id}`)).status, 404);
		second.id = null;	// nothing left for cleanup to remove
		assert.deepEqual(page.problems, [], 'no CSP violation, no script error');
	});
});
