// Monitoring: the dashboard's counts, what is failing and the team's
// events as they happen; a container's CPU and memory live; a webhook
// channel (its secret shown once) tested for real against a receiver on
// loopback, then retargeted in its dialog (a bad URL refused beside the
// field) and tested at the new URL; an alert rule refused beside a bad threshold, then one that
// fires when the container goes down (what it fires for shown as the API
// says), turned off, and changed in its dialog (a bad duration refused
// beside the field); a certificate-expiry rule made with its days.
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
		const stats = page.getByTestId('stats');
		await until(async () => /1\s+running/.test(await stats.innerText()),
		    `1 running in ${await stats.innerText()}`);
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
		await row.getByRole('button', { name: 'What app down fires for' }).click();
		const what = page.getByRole('list', { name: 'What fires now' });
		await what.getByText(made.container.name).waitFor();
		const rules = (await apiJson(page, 'GET', `/api/alerts?team_id=${made.team.id}`))
		    .body.items;
		const one = (await apiJson(page, 'GET', `/api/alerts/${rules[0].id}`)).body;
		assert.deepEqual(one.firing.map((f) => f.subject), [made.container.id]);
		assert.equal(await what.locator('li').count(), 1);
		await shot(page, '73-alerts');
		await row.getByRole('button', { name: 'Turn off app down' }).click();
		await row.getByText('off', { exact: true }).waitFor();
		assert.deepEqual(page.problems, []);
	});

	test('the rule is changed in its dialog: a bad duration refused beside it, then saved as the API has it', async () => {
		// The rule as made, without what the evaluator finds firing (it
		// clears the rule turned off above in its own time).
		const rule = async () => {
			const { firing: _, ...kept } = (await apiJson(page, 'GET',
			    `/api/alerts?team_id=${made.team.id}`)).body.items[0];
			return kept;
		};
		const before = await rule();
		await page.getByRole('button', { name: 'Edit app down' }).click();
		const dialog = page.getByRole('dialog', { name: 'Edit the rule app down' });
		const secs = dialog.getByLabel('For how long (seconds)');
		await secs.fill('-5');
		await dialog.getByRole('button', { name: 'Save rule' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await secs.getAttribute('aria-invalid'), 'true');
		assert.deepEqual(await rule(), before, 'nothing changed');
		await secs.fill('30');
		await dialog.getByLabel('Name').fill('app gone');
		await dialog.getByLabel('ops hook (webhook)').uncheck();
		await dialog.getByRole('button', { name: 'Save rule' }).click();
		await dialog.waitFor({ state: 'hidden' });
		const row = page.getByRole('row', { name: /app gone/ });
		await row.getByText('for 30 s', { exact: false }).waitFor();
		const after = await rule();
		assert.equal(after.name, 'app gone');
		assert.equal(after.for_seconds, 30);
		assert.deepEqual(after.channel_ids, []);
		assert.equal(after.enabled, false, 'it stays off');
	});

	test("a rule on a certificate's expiry is made with its days", async () => {
		const form = page.getByRole('form', { name: 'New alert rule' });
		await form.getByLabel('Name').fill('certs soon');
		await form.getByLabel('When').selectOption('cert_expiry');
		assert.equal(await form.getByLabel('Threshold (days)').inputValue(), '14');
		await form.getByLabel('Threshold (days)').fill('21');
		await form.getByRole('button', { name: 'Create rule' }).click();
		await page.getByRole('row', { name: /certs soon/ }).waitFor();
		const rules = (await apiJson(page, 'GET', `/api/alerts?team_id=${made.team.id}`))
		    .body.items;
		const r = rules.find((x) => x.name === 'certs soon');
		assert.equal(r.kind, 'cert_expiry');
		assert.equal(r.threshold, 21);
		assert.equal(r.container_id, null);
		assert.deepEqual(page.problems, []);
	});
});
