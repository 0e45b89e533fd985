// Domains and certificates: a hostname the API refuses is shown beside
// its field; a domain with HTTPS shows its certificate order in progress,
// then how it ended (this stack has no ACME CA set, so it fails, says
// why and when it is tried again); the gateway configuration generated
// for it is shown; the list is narrowed to a project's or a container's
// as the API narrows it; the domain is ordered again, its port, path and
// redirect changed in a dialog (a path the API refuses shown beside its
// field), turned to plain HTTP, and removed behind a confirmation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, apiJson, scratchTeam, watchFor,
	addDomain } from '../lib/flows.mjs';

describe('domains and certificates', () => {
	const HOST = `${unique('site')}.openpanel.test`;
	let page, made, other;	// other: a second project of the team

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Domains');
		await nav(page, 'Domains');
		await page.getByRole('heading', { name: 'Domains' }).waitFor();
	});
	after(async () => {
		if (other) await apiAs(page, 'DELETE', `/api/projects/${other.id}?volumes=true`);
		if (made) await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		await closeAll();
	});

	test('a hostname the API refuses is shown beside its field', async () => {
		await page.getByText('No domains yet').waitFor();
		const form = page.getByRole('form', { name: 'Add a domain' });
		await form.getByLabel('Hostname').fill('not a hostname!');
		await form.getByLabel('Container port').fill('8080');
		await form.getByRole('button', { name: 'Add domain' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await form.getByLabel('Hostname').getAttribute('aria-invalid'),
		    'true');
		await shot(page, '50-domain-error');
	});

	test('the certificate order is shown in progress, then how it ended', async () => {
		const { row, ordered } = await addDomain(page, HOST, 8080);
		assert.ok(await ordered(), 'the order was shown in progress');
		// No ACME CA is configured here: the order fails, says why, and
		// is tried again later.
		await row.locator('.badge', { hasText: 'failed' }).waitFor();
		assert.ok((await row.locator('.field-error').innerText()).length > 0);
		await row.getByText(/Tried again/).waitFor();
		await shot(page, '51-domain-certificate');
	});

	test("the gateway configuration shown holds the domain, as the API has it", async () => {
		const toggle = page.getByRole('button',
		    { name: 'Show the gateway configuration' });
		await toggle.click();
		const config = page.getByLabel('Generated nginx configuration');
		await config.waitFor();
		const api = await apiJson(page, 'GET',
		    `/api/proxy/config?team_id=${made.team.id}`);
		assert.equal(api.status, 200);
		assert.ok(api.body.includes(HOST), api.body);
		const shown = await config.innerText();
		assert.ok(shown.includes(HOST), shown);
		assert.match(shown, /^# The gateway's routing for 1 domain\(s\)\./);
		await shot(page, '51b-gateway-config');
		await page.getByRole('button', { name: 'Hide the gateway configuration' })
		    .click();
		await config.waitFor({ state: 'detached' });
	});

	test('ordering again shows the order in progress again', async () => {
		const row = page.getByRole('row', { name: new RegExp(HOST) });
		const ordering = await watchFor(page, 'progress[aria-label^="Ordering"]');
		await row.getByRole('button', { name: `Order the certificate of ${HOST}` })
		    .click();
		// The row showed "failed" before the click too: wait for the
		// progress itself, then for how this order ended.
		assert.ok(await ordering(15000), 'the new order was shown in progress');
		await page.waitForFunction(() => document.querySelector(
		    'progress[aria-label^="Ordering"]') === null);
		await row.locator('.badge', { hasText: 'failed' }).waitFor();
	});

	test("the list is narrowed to a project's or a container's domains, as the API narrows them", async () => {
		// A second project with a container and a domain of its own.
		const ok = (r) => { assert.ok(r.status < 300, JSON.stringify(r.body)); return r.body; };
		other = ok(await apiJson(page, 'POST', '/api/projects',
		    { team_id: made.team.id, name: unique('Other') }));
		const c = ok(await apiJson(page, 'POST', '/api/containers', {
			project_id: other.id, name: unique('c'), image: 'openpanel-test/busybox:1',
			command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"] }));
		const host2 = `${unique('other')}.openpanel.test`;
		const d2 = ok(await apiJson(page, 'POST', '/api/domains',
		    { hostname: host2, container_id: c.id, port: 8080, https: false }));
		await page.reload();
		await page.getByRole('row', { name: new RegExp(host2) }).waitFor();
		const q = `/api/domains?team_id=${made.team.id}`;
		const hosts = async (filter) => (await apiJson(page, 'GET', `${q}&${filter}`))
		    .body.items.map((d) => d.hostname);
		const shown = () => page.evaluate(() => [...document.querySelectorAll(
		    'table[aria-label="Domains"] tbody tr')].map((r) => r.cells[0].innerText.trim()));
		const showing = async (want) => {
			await page.waitForFunction((w) => {
				const r = [...document.querySelectorAll('table[aria-label="Domains"] tbody tr')];
				return r.length === w.length && w.every((h, i) => r[i]?.innerText.includes(h));
			}, want);
			return shown();
		};
		const project = page.getByRole('combobox', { name: /^Project/ });
		const container = page.getByRole('combobox', { name: /^Routed to/ });
		await project.selectOption(other.id);
		assert.deepEqual(await hosts(`project_id=${other.id}`), [host2]);
		await showing([host2]);
		await project.selectOption(made.project.id);
		assert.deepEqual(await hosts(`project_id=${made.project.id}`), [HOST]);
		await showing([HOST]);
		await project.selectOption('');
		await container.selectOption(c.id);
		assert.deepEqual(await hosts(`container_id=${c.id}`), [host2]);
		await showing([host2]);
		await container.selectOption('');
		const every = (await apiJson(page, 'GET', q)).body.items.map((d) => d.hostname);
		assert.equal(every.length, 2);
		assert.deepEqual(await showing(every), every);
		// The second project goes, its domain first.
		ok(await apiJson(page, 'DELETE', `/api/domains/${d2.id}`));
		ok(await apiJson(page, 'DELETE', `/api/projects/${other.id}?volumes=true`));
		other = null;
		await page.reload();
		await page.getByRole('row', { name: new RegExp(host2) }).waitFor({ state: 'detached' });
		assert.deepEqual(page.problems, []);
	});

	test("the domain's port, path and redirect are changed in a dialog, as the API then has them", async () => {
		const row = page.getByRole('row', { name: new RegExp(HOST) });
		await row.getByRole('button', { name: `Edit ${HOST}` }).click();
		const dialog = page.getByRole('dialog', { name: `Edit ${HOST}` });
		await dialog.getByLabel('Path').fill('no slash');
		await dialog.getByRole('button', { name: 'Save domain' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await dialog.getByLabel('Path').getAttribute('aria-invalid'), 'true');
		await dialog.getByLabel('Path').fill('/app');
		await dialog.getByLabel('Container port').fill('8081');
		await dialog.getByLabel('Redirect plain HTTP to HTTPS').check();
		await shot(page, '51c-domain-edit');
		await dialog.getByRole('button', { name: 'Save domain' }).click();
		await dialog.waitFor({ state: 'detached' });
		await row.locator('code', { hasText: '/app' }).waitFor();
		await row.getByText(':8081').waitFor();
		const list = await apiJson(page, 'GET', `/api/domains?team_id=${made.team.id}`);
		const d = list.body.items.find((x) => x.hostname === HOST);
		assert.equal(d.port, 8081);
		assert.equal(d.path_prefix, '/app');
		assert.equal(d.redirect_https, true);
		assert.equal(d.redirect_www, false);
		assert.deepEqual(page.problems, []);
	});

	test('the domain turns to plain HTTP and is removed after a confirmation', async () => {
		const row = page.getByRole('row', { name: new RegExp(HOST) });
		await row.getByRole('button', { name: `HTTP only for ${HOST}` }).click();
		await row.getByText('HTTP only', { exact: true }).waitFor();
		await row.getByRole('button', { name: `Remove ${HOST}` }).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByText(/stops answering/).waitFor();
		await shot(page, '52-domain-remove');
		await dialog.getByRole('button', { name: 'Remove' }).click();
		await page.getByText('No domains yet').waitFor();
		assert.deepEqual(page.problems, []);
	});
});
