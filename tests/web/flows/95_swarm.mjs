// The Swarm screen (instance admins): the engine in no swarm says how
// to make it a manager; the flow then makes it a single-node swarm on
// loopback (as S0 does, under the swarm lock) and works the node from
// the screen: a label refused then set, a drain cancelled then done and
// undone, a pause done and undone, a demotion of the only manager
// refused by the engine with the API's words and nothing changed, the
// worker join token rotated; a container run from the
// project's form as a Swarm service of two replicas placed by that
// label, a terminal opened in its second replica, then scaled to one. Every step is checked in the API and the
// engine, not only on the screen. The engine is left as it was found:
// the swarm this flow made is left, whatever failed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, apiJson } from '../lib/flows.mjs';
import { engine, removeProjectObjects, initSwarm, leaveSwarm, managesSwarm }
    from '../../integration/lib/docker.mjs';
import { until } from '../../integration/lib/fixtures.mjs';

const IMAGE = 'openpanel-test/busybox:1';
const LABEL = 'op-web-zone';

describe('the Swarm screen', () => {
	let page, node, project, initialised = false;

	// The API's answer, failing the test on an error status.
	const ok = async (method, path, body) => {
		const r = await apiJson(page, method, path, body);
		assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body;
	};
	const engineNode = async () => (await engine('GET', `/nodes/${node.id}`)).body;
	const row = () => page.getByRole('row', { name: new RegExp(node.hostname) });

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
	});
	after(async () => {	// the engine as it was, whatever failed
		if (project) {
			await apiAs(page, 'DELETE', `/api/projects/${project.id}?volumes=true`);
			await removeProjectObjects(project.id);
		}
		if (node && !initialised)	// someone else's swarm: the node as it was
			await apiJson(page, 'PUT', `/api/swarm/nodes/${node.id}`,
			    { availability: node.availability, labels: node.labels });
		if (initialised) await leaveSwarm();
		await closeAll();
	});

	test('outside a swarm, the screen says how to make the engine a manager', async (t) => {
		await nav(page, 'Swarm');
		await page.getByRole('heading', { name: 'Swarm' }).waitFor();
		if (await managesSwarm(t)) return;
		assert.equal((await ok('GET', '/api/swarm')).manager, false);
		await page.getByRole('heading', { name: 'The engine is not a swarm manager' })
		    .waitFor();
		assert.match(await page.getByRole('group',
		    { name: 'Make the engine a swarm manager' }).innerText(),
		/docker swarm init --advertise-addr /);
		assert.match(await page.locator('.howto').innerText(), /docs\/swarm\.md/);
		assert.equal(await page.getByRole('table').count(), 0, 'no nodes shown');
		assert.equal(await page.getByRole('button',
		    { name: 'Show the join commands' }).count(), 0);
		await shot(page, '95-swarm-inactive');
		await initSwarm();
		initialised = true;
	});

	test('as a manager, the screen lists the node', async () => {
		const sw = await ok('GET', '/api/swarm');
		assert.equal(sw.manager, true);
		node = (await ok('GET', '/api/swarm/nodes')).items
		    .find((n) => n.id === sw.node_id);
		assert.ok(node, 'the API lists the engine\'s node');
		const check = page.getByRole('button', { name: 'Check again' });
		if (await check.count()) await check.click();
		await row().waitFor();
		const text = await row().innerText();
		for (const want of ['this panel', 'manager', node.availability, 'ready',
			node.address, node.engine_version])
			assert.ok(text.includes(want), `${want} in ${text}`);
	});

	test('a label is refused beside the field, then set and kept', async () => {
		await row().getByRole('button', { name: `Edit the labels of ${node.hostname}` })
		    .click();
		const dialog = page.getByRole('dialog', { name: `Labels of ${node.hostname}` });
		const field = dialog.getByLabel('Labels (key=value, one per line)');
		await field.fill('Bad Key=x');
		await dialog.getByRole('button', { name: 'Save labels' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await field.getAttribute('aria-invalid'), 'true');
		assert.equal((await engineNode()).Spec.Labels?.['Bad Key'], undefined);
		const labels = Object.entries({ ...node.labels, [LABEL]: 'a' })
		    .map(([k, v]) => `${k}=${v}`).join('\n');
		await field.fill(labels);
		await dialog.getByRole('button', { name: 'Save labels' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await row().getByText(`${LABEL}=a`).waitFor();
		assert.equal((await ok('GET', `/api/swarm/nodes/${node.id}`)).labels[LABEL], 'a');
		assert.equal((await engineNode()).Spec.Labels[LABEL], 'a');
	});

	test('a drain waits for its confirmation; the node is drained and activated', async () => {
		const drain = row().getByRole('button', { name: `Drain ${node.hostname}` });
		await drain.click();
		const dialog = page.getByRole('dialog', { name: `Drain ${node.hostname}?` });
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		assert.equal((await engineNode()).Spec.Availability, 'active',
		    'a cancelled drain drains nothing');
		await drain.click();
		await dialog.getByRole('button', { name: 'Drain', exact: true }).click();
		await row().getByText('drain', { exact: true }).waitFor();
		assert.equal((await ok('GET', `/api/swarm/nodes/${node.id}`)).availability, 'drain');
		assert.equal((await engineNode()).Spec.Availability, 'drain');
		await row().getByRole('button', { name: `Activate ${node.hostname}` }).click();
		await row().getByText('active', { exact: true }).waitFor();
		assert.equal((await engineNode()).Spec.Availability, 'active');
	});

	test('a node is paused beside drain and activate, and activated again', async () => {
		await row().getByRole('button', { name: `Pause ${node.hostname}` }).click();
		await row().getByText('pause', { exact: true }).waitFor();
		assert.equal((await ok('GET', `/api/swarm/nodes/${node.id}`)).availability, 'pause');
		assert.equal((await engineNode()).Spec.Availability, 'pause');
		assert.equal(await row().getByRole('button', { name: `Pause ${node.hostname}` })
		    .count(), 0, 'a paused node is not paused again');
		await row().getByRole('button', { name: `Drain ${node.hostname}` }).waitFor();
		await row().getByRole('button', { name: `Activate ${node.hostname}` }).click();
		await row().getByText('active', { exact: true }).waitFor();
		assert.equal((await engineNode()).Spec.Availability, 'active');
	});

	test("demoting the only manager waits for its confirmation, shows the API's refusal and changes nothing", async () => {
		const demote = row().getByRole('button', { name: `Demote ${node.hostname}` });
		await demote.click();
		const dialog = page.getByRole('dialog',
		    { name: `Demote ${node.hostname} to worker?` });
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await demote.click();
		await dialog.getByRole('button', { name: 'Demote', exact: true }).click();
		const shown = (await dialog.getByRole('alert').innerText()).trim();
		// The API's own answer to the same request (refused again).
		const api = await apiJson(page, 'PUT', `/api/swarm/nodes/${node.id}`,
		    { role: 'worker' });
		assert.equal(api.status, 409, JSON.stringify(api.body));
		assert.match(api.body.error.message, /last manager/);
		assert.equal(shown, api.body.error.message);
		await shot(page, '95b-swarm-demote-refused');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		assert.equal((await engineNode()).Spec.Role, 'manager');
		assert.equal((await ok('GET', `/api/swarm/nodes/${node.id}`)).role, 'manager');
		assert.ok((await row().innerText()).includes('manager'));
		await row().getByRole('button', { name: `Demote ${node.hostname}` }).waitFor();
	});

	test('the join commands are shown, and the worker token rotated', async () => {
		const before = (await engine('GET', '/swarm')).body.JoinTokens;
		await page.getByRole('button', { name: 'Show the join commands' }).click();
		const worker = page.getByRole('group', { name: 'Join as a worker' });
		const manager = page.getByRole('group', { name: 'Join as a manager' });
		await worker.waitFor();
		assert.match(await worker.innerText(), new RegExp(
		    `docker swarm join --token ${before.Worker} \\S+:2377`));
		assert.match(await manager.innerText(), new RegExp(before.Manager));
		await shot(page, '95-swarm');
		await page.getByRole('button', { name: 'Rotate the worker token' }).click();
		await page.getByRole('dialog', { name: 'Rotate the worker join token?' })
		    .getByRole('button', { name: 'Rotate' }).click();
		await page.getByText('The worker token was rotated').waitFor();
		const now = (await engine('GET', '/swarm')).body.JoinTokens;
		assert.notEqual(now.Worker, before.Worker, 'the engine has a new token');
		assert.equal(now.Manager, before.Manager, 'the manager token stays');
		const shown = await worker.innerText();
		assert.ok(shown.includes(now.Worker), shown);
		assert.ok(!shown.includes(before.Worker), 'the old token is gone');
		await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
		await page.getByRole('button', { name: 'Copy: Join as a worker' }).click();
		await worker.getByText('Copied').waitFor();
		assert.equal(await page.evaluate(() => navigator.clipboard.readText()),
		    `docker swarm join --token ${now.Worker} ${
		    (await ok('GET', '/api/swarm/tokens')).managers[0]}`);
		assert.match(await manager.innerText(), new RegExp(before.Manager));
	});

	test('on a phone, in the dark, the screen fits its width', async () => {
		const phone = await open({ viewport: { width: 390, height: 800 },
			colorScheme: 'dark' });
		await signIn(phone, ADMIN.email, ADMIN.password);
		await phone.goto('/#/admin/swarm');
		await phone.getByRole('row', { name: new RegExp(node.hostname) }).waitFor();
		assert.equal(await phone.evaluate(() => document.documentElement.dataset.theme),
		    'dark');
		assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <=
		    window.innerWidth), 'nothing wider than the phone');
		await shot(phone, '95-swarm-phone-dark');
		assert.deepEqual(phone.problems, []);
	});

	test('a container runs from the form as a Swarm service of two replicas', async () => {
		const team = await ok('POST', '/api/teams', { name: unique('Swarm') });
		project = await ok('POST', '/api/projects', { team_id: team.id,
			name: unique('swarm') });
		await page.reload();
		await page.getByRole('combobox', { name: 'Team' }).selectOption(team.id);
		await page.goto(`/#/projects/${project.id}`);
		const form = page.getByRole('form', { name: 'Run a container' });
		const name = unique('svc');
		await form.getByLabel('Name', { exact: true }).fill(name);
		await form.getByLabel('Image', { exact: true }).fill(IMAGE);
		await form.getByLabel(/^Command/).fill(['sh', '-c',
			"trap 'exit 0' TERM; while :; do sleep 1; done"].join('\n'));
		await form.getByLabel('Run as').selectOption('swarm');
		await form.getByLabel('Replicas').fill('2');
		const placement = form.getByLabel('Placement constraints (one per line)');
		await placement.fill('node.role');	// no operator: refused
		await form.getByRole('button', { name: 'Create container' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await placement.getAttribute('aria-invalid'), 'true');
		assert.deepEqual((await ok('GET', `/api/containers?project_id=${project.id}`))
		    .items, [], 'nothing was made');
		await placement.fill(`node.labels.${LABEL}==a`);
		await form.getByRole('button', { name: 'Create container' }).click();
		await page.getByRole('heading', { name }).waitFor();
		await page.getByText('2 running of 2 wanted').waitFor();
		const id = page.url().match(/#\/containers\/([0-9a-f-]{36})/)[1];
		const c = await ok('GET', `/api/containers/${id}`);
		assert.equal(c.mode, 'swarm');
		assert.equal(c.replicas, 2);
		assert.deepEqual(c.placement, [`node.labels.${LABEL}==a`]);
		assert.equal(c.swarm.running, 2);
		const svc = (await engine('GET', `/services/${c.swarm.service_id}`)).body;
		assert.equal(svc.Spec.Mode.Replicated.Replicas, 2);
		assert.deepEqual(svc.Spec.TaskTemplate.Placement.Constraints,
		    [`node.labels.${LABEL}==a`]);
		await shot(page, '96-swarm-container');

		// The terminal opens in the replica asked for.
		const filters = encodeURIComponent(JSON.stringify({ label: [
			`com.docker.swarm.service.id=${c.swarm.service_id}`] }));
		const second = (await engine('GET', `/containers/json?filters=${filters}`))
		    .body.find((t) => t.Labels['com.docker.swarm.task.name']
		    .split('.').at(-2) === '2');
		await page.getByRole('tab', { name: 'Terminal' }).click();
		const termForm = page.getByRole('form', { name: 'Open a terminal' });
		await termForm.getByLabel('Replica').fill('2');
		await termForm.getByRole('button', { name: 'Open a terminal' }).click();
		await page.getByTestId('terminal-state').getByText('Connected to replica 2')
		    .waitFor();
		await page.keyboard.type('echo "on-$(hostname)"');
		await page.keyboard.press('Enter');
		await page.getByTestId('terminal').locator('.xterm-rows')
		    .getByText(`on-${second.Id.slice(0, 12)}`, { exact: true }).waitFor();
		await page.getByRole('button', { name: 'Close the terminal' }).click();
		await page.getByRole('tab', { name: 'Logs' }).click();

		await page.getByRole('link', { name: '← Project' }).click();
		await page.getByRole('row', { name: new RegExp(name) })
		    .getByText('2/2 tasks').waitFor();
	});

	test("a swarm container's replicas are changed in its definition", async () => {
		const name = (await ok('GET', `/api/containers?project_id=${project.id}`))
		    .items[0].name;
		await page.getByRole('link', { name, exact: true }).click();
		await page.getByRole('tab', { name: 'Definition' }).click();
		const form = page.getByRole('form', { name: 'Definition' });
		assert.equal(await form.getByLabel('Replicas').inputValue(), '2');
		await form.getByLabel('Replicas').fill('1');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await page.getByText(/Swarm rolls the service/).waitFor();
		await page.getByRole('tab', { name: 'Logs' }).click();	// kept fresh there
		await page.getByText('1 running of 1 wanted').waitFor();
		const c = (await ok('GET', `/api/containers?project_id=${project.id}`)).items[0];
		assert.equal(c.replicas, 1);
		await until(async () => (await engine('GET', `/services/${c.swarm.service_id}`))
		    .body.Spec.Mode.Replicated.Replicas === 1, 'the service scaled to 1');
		assert.deepEqual(page.problems, [], 'no CSP violation, no script error');
	});
});
