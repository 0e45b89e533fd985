// Domains and certificates: a hostname the API refuses is shown beside
// its field; a domain with HTTPS shows its certificate order in progress,
// then how it ended (this stack has no ACME CA set, so it fails, says
// why and when it is tried again); the gateway configuration generated
// for it is shown; it is ordered again, turned to plain
// HTTP, and removed behind a confirmation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, apiJson, scratchTeam, watchFor,
	addDomain } from '../lib/flows.mjs';

describe('domains and certificates', () => {
	const HOST = `${unique('site')}.openpanel.test`;
	let page, made;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Domains');
		await nav(page, 'Domains');
		await page.getByRole('heading', { name: 'Domains' }).waitFor();
	});
	after(async () => {
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
		await page.waitForFunction(() => document.querySelector(
		    'progress[aria-label^="Ordering"]') === null);
		assert.ok(await ordering(), 'the new order was shown in progress');
		await row.locator('.badge', { hasText: 'failed' }).waitFor();
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
