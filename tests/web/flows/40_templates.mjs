// A project's life beyond the first container: a template (what it makes
// shown as the API has it) deployed into it, a container's definition changed, its health check and engine
// labels set from the form (a bad interval and a reserved label refused
// beside them; the container turns healthy, the engine has the label),
// the project renamed, and the project deleted behind a typed
// confirmation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, apiJson, projectId } from '../lib/flows.mjs';
import { inspectContainer } from '../../integration/lib/docker.mjs';

describe('templates, definitions and deletion', () => {
	const PROJECT = unique('Template project');
	let page, project;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		await nav(page, 'Projects');
		await page.getByLabel('Name').fill(PROJECT);
		await page.getByRole('button', { name: 'Create project' }).click();
		await page.getByRole('heading', { name: PROJECT }).waitFor();
		project = projectId(page);
	});
	after(async () => {	// the UI deletes it; this is for when it failed to
		if (project) await apiAs(page, 'DELETE',
		    `/api/projects/${project}?volumes=true`);
		await closeAll();
	});

	test('a template is deployed into the project with its variables', async () => {
		await nav(page, 'Templates');
		const card = page.getByRole('listitem').filter({ hasText: 'Static site (test)' });
		await card.getByRole('button', { name: 'Deploy…' }).click();
		// What it makes, as the API has it.
		const t = (await apiJson(page, 'GET', '/api/templates')).body.items
		    .find((x) => x.name === 'Static site (test)');
		const full = (await apiJson(page, 'GET', `/api/templates/${t.id}`)).body;
		const makes = card.getByRole('list', { name: 'What Static site (test) makes' });
		await makes.locator('li').first().waitFor();
		assert.deepEqual(await makes.locator('li').allInnerTexts(),
		    full.containers.map((c) => `${c.name} ${c.image}`));
		await card.getByLabel('Project').selectOption({ label: PROJECT });
		assert.equal(await card.getByLabel('GREETING').inputValue(),
		    'hello from a template', 'the default is offered');
		await card.getByLabel('GREETING').fill('hello from the web suite');
		await shot(page, '40-templates');
		await card.getByRole('button', { name: /^Deploy Static site/ }).click();
		await page.getByRole('heading', { name: PROJECT }).waitFor();
		const row = page.getByRole('row', { name: /site/ });
		await row.waitFor();
		assert.match(await row.innerText(), /running/);
	});

	test("a container's environment is shown and its definition changed", async () => {
		await page.getByRole('tab', { name: 'Containers' }).click();
		await page.getByRole('link', { name: 'site', exact: true }).click();
		await page.getByRole('heading', { name: 'site' }).waitFor();
		await page.getByTestId('log').getByText(/token=\d+/).waitFor();
		// The variables landed in its own environment, the generated one
		// write-only.
		await page.getByRole('tab', { name: 'Environment' }).click();
		await page.getByRole('cell', { name: 'TOKEN', exact: true }).waitFor();
		assert.match(await page.getByRole('row', { name: /TOKEN/ }).innerText(),
		    /secret · set/);
		assert.match(await page.getByRole('row', { name: /GREETING/ })
		    .innerText(), /hello from the web suite/);
		await page.getByRole('tab', { name: 'Definition' }).click();
		const form = page.getByRole('form', { name: 'Definition' });
		await form.getByLabel('Restart policy').selectOption('always');
		await form.getByLabel('Memory in MB').fill('1');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await form.locator('.field-error').waitFor();	// below the minimum
		assert.equal(await form.getByLabel('Memory in MB').getAttribute(
		    'aria-invalid'), 'true');
		await form.getByLabel('Memory in MB').fill('64');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await page.getByText(/Saved; the container was recreated/).waitFor();
		const details = page.locator('.details');
		await details.getByText('always').waitFor();
		await shot(page, '41-definition');
	});

	test("a container's health check and labels are refused beside their fields, then set; it turns healthy", async () => {
		const form = page.getByRole('form', { name: 'Definition' });
		const id = page.url().match(/#\/containers\/([0-9a-f-]{36})/)[1];
		await form.getByLabel(/^Health check command/).fill('true');
		const every = form.getByLabel('Every (seconds)');
		await every.fill('0');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await every.getAttribute('aria-invalid'), 'true');
		assert.equal((await apiJson(page, 'GET', `/api/containers/${id}`)).body
		    .healthcheck, null, 'nothing changed');
		const labels = form.getByLabel(/^Engine labels/);
		await labels.fill('io.openpanel.mine=x');	// the panel's own prefix
		await every.fill('1');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await form.locator('[name="labels"][aria-invalid="true"]').waitFor();
		assert.equal(await every.getAttribute('aria-invalid'), null);
		await labels.fill('tier=web');
		await form.getByRole('button', { name: 'Save definition' }).click();
		await form.locator('.field-error').waitFor({ state: 'detached' });
		let c;
		for (let tries = 0; tries < 120; tries++) {
			c = (await apiJson(page, 'GET', `/api/containers/${id}`)).body;
			if (c.health === 'healthy') break;
			await page.waitForTimeout(250);
		}
		assert.deepEqual(c.healthcheck, { test: ['true'], interval_s: 1, timeout_s: 5,
			retries: 3, start_period_s: 0 });
		assert.equal(c.health, 'healthy');
		assert.deepEqual(c.labels, { tier: 'web' });
		assert.equal((await inspectContainer(c.docker_id)).Config.Labels.tier, 'web');
		await page.reload();
		await page.locator('.details').getByText('healthy').waitFor();
		await page.getByRole('tab', { name: 'Definition' }).click();
		assert.equal(await form.getByLabel(/^Health check command/).inputValue(), 'true');
		assert.equal(await every.inputValue(), '1');
	});

	test('the project is renamed, then deleted only once its name is typed', async () => {
		await page.getByRole('link', { name: '← Project' }).click();
		await page.getByRole('tab', { name: 'Settings' }).click();
		const renamed = `${PROJECT} renamed`;
		await page.getByLabel('Name').fill(renamed);
		await page.getByRole('button', { name: 'Save' }).click();
		await page.getByRole('heading', { name: renamed }).waitFor();
		await page.getByRole('tab', { name: 'Settings' }).click();
		await page.getByRole('button', { name: 'Delete project' }).click();
		const dialog = page.getByRole('dialog');
		const confirm = dialog.getByRole('button', { name: 'Delete' });
		assert.ok(await confirm.isDisabled(), 'not before the name is typed');
		await dialog.getByLabel(/Type .* to confirm/).fill(renamed);
		await dialog.getByLabel(/Also delete its named volumes/).check();
		await shot(page, '42-delete-project');
		await confirm.click();
		await page.getByRole('heading', { name: /^Projects of/ }).waitFor();
		await page.getByRole('table').or(page.getByText('No projects yet')).first()
		    .waitFor();
		assert.doesNotMatch(await page.locator('main').innerText(),
		    new RegExp(renamed));
		assert.deepEqual(page.problems, []);
	});
});
