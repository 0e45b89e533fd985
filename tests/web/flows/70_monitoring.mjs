// Monitoring: the dashboard's counts, what is failing and the team's
// events as they happen; a container's CPU and memory live; a webhook
// channel (its secret shown once) tested for real against a receiver on
// loopback, then retargeted in its dialog (a bad URL refused beside the
// field) and tested at the new URL; an alert rule refused beside a bad threshold, then one that
// fires when the container goes down, turned off.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, apiAs, apiJson, scratchTeam } from '../lib/flows.mjs';
import { httpReceiver } from '../../integration/lib/sinks.mjs';
import { freePort } from '../../integration/lib/ports.mjs';
import { until } from '../../integration/lib/fixtures.mjs';

describe('monitoring, alerts and the live dashboard', () => {
	let page, made, rx;

	before(async () => {
		rx = await httpReceiver(await freePort());
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Monitoring');
	});
	after(async () => {
		if (made) await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		rx?.server.close();
		await closeAll();
	});

	test("a container's CPU and memory are charted live", async () => {
		await page.goto(`/#/containers/${made.container.id}`);
		await page.getByRole('tab', { name: 'Metrics' }).click();
		await page.getByTestId('metrics-mode').getByText('live').waitFor();
		await page.getByTestId('metrics-now').getByText(/^CPU \d+\.\d % · memory \d/)
		    .waitFor();
		assert.equal(await page.locator('.chart canvas').count() >= 2, true);
		await page.getByRole('heading', { name: 'History' }).waitFor();
		await shot(page, '70-container-metrics');
	});

	test('the dashboard shows the counts, and events and failures as they happen', async () => {
		await nav(page, 'Dashboard');
		await page.getByTestId('events-mode').getByText('live').waitFor();
		await page.getByText('Nothing is failing.').waitFor();
		assert.match(await page.getByTestId('stats').innerText(), /1\s+running/);
		const r = await apiJson(page, 'POST', `/api/containers/${made.container.id}/stop`);
		assert.equal(r.status < 300, true, JSON.stringify(r.body));
		await page.getByTestId('events').getByText('container.stopped').waitFor();
		await page.getByRole('heading', { name: 'What is failing' }).waitFor();
		await page.locator('.failing').getByText(made.container.name).waitFor();
		assert.match(await page.getByTestId('stats').innerText(), /1\s+not running/);
		await shot(page, '71-dashboard-live');
	});

	test('a webhook channel is made, its secret shown once, and tested for real', async () => {
		await nav(page, 'Monitoring');
		await page.getByRole('tab', { name: 'Channels' }).click();
		await page.getByText('No notification channels yet').waitFor();
		const form = page.getByRole('form', { name: 'New channel' });
		await form.getByLabel('Name').fill('ops hook');
		await form.getByLabel('URL').fill(`http://127.0.0.1:${rx.server.address().port}/hook`);
		await form.getByRole('button', { name: 'Add channel' }).click();
		assert.match(await page.locator('.reveal code').innerText(), /^whsec_/);
		await page.getByRole('button', { name: 'Test ops hook' }).click();
		await page.getByRole('list', { name: 'Deliveries to ops hook' })
		    .getByText('delivered').waitFor();
		const hook = rx.requests.find((q) => q.path === '/hook');
		assert.ok(hook, 'the receiver got the test');
		assert.match(hook.headers['x-openpanel-signature'], /^sha256=[0-9a-f]{64}$/);
		await shot(page, '72-channels');
	});

	test('the channel is retargeted in its dialog: a bad URL refused beside it, then the new one told', async () => {
		const chan = async () => (await apiJson(page, 'GET',
		    `/api/notification-channels?team_id=${made.team.id}`)).body.items[0];
		const before = await chan();
		await page.getByRole('button', { name: 'Edit ops hook' }).click();
		const dialog = page.getByRole('dialog', { name: 'Edit the channel ops hook' });
		const url = dialog.getByLabel(/^New URL/);
		await url.fill('ftp://127.0.0.1/hook');
		await dialog.getByRole('button', { name: 'Save channel' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await url.getAttribute('aria-invalid'), 'true');
		assert.deepEqual(await chan(), before, 'nothing changed');
		await url.fill(`http://127.0.0.1:${rx.server.address().port}/hook2`);
		await dialog.getByRole('button', { name: 'Save channel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		const after = await chan();
		assert.equal(after.name, 'ops hook', 'the name stays');
		await page.getByRole('button', { name: 'Test ops hook' }).click();
		await until(() => rx.requests.some((q) => q.path === '/hook2'), 'the test at the new URL');
	});

	test('an alert rule is refused beside a bad threshold, then fires and is turned off', async () => {
		await page.getByRole('tab', { name: 'Alerts' }).click();
		await page.getByText('No alert rules yet').waitFor();
		const form = page.getByRole('form', { name: 'New alert rule' });
		await form.getByLabel('Name').fill('too hot');
		await form.getByLabel('When').selectOption('cpu_above');
		await form.getByLabel(/^Threshold/).fill('99999');
		await form.getByRole('button', { name: 'Create rule' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await form.getByLabel(/^Threshold/).getAttribute('aria-invalid'), 'true');
		await form.getByLabel('When').selectOption('container_down');
		await form.getByLabel('Name').fill('app down');
		await form.getByLabel('For how long (seconds)').fill('0');
		await form.getByLabel('ops hook (webhook)').check();
		await form.getByRole('button', { name: 'Create rule' }).click();
		const row = page.getByRole('row', { name: /app down/ });
		await row.waitFor();
		assert.match(await row.innerText(), /ops hook/);
		// The container was stopped above: the rule fires.
		await row.getByText(/firing/).waitFor();
		await shot(page, '73-alerts');
		await row.getByRole('button', { name: 'Turn off app down' }).click();
		await row.getByText('off', { exact: true }).waitFor();
		assert.deepEqual(page.problems, []);
	});
});
