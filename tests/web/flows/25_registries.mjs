// Registry credentials on the team screen: added (the password never
// shown, nor answered by the API), a bad server refused beside its
// field, and deleted after a confirmation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, apiAs, apiJson, unique } from '../lib/flows.mjs';

describe('a team\'s registry credentials', () => {
	const SERVER = `${unique('registry')}.example.com:5000`;
	const PASSWORD = unique('registry-password');
	let page, team;
	const listed = async () => (await apiJson(page, 'GET',
	    `/api/registries?team_id=${team.id}`)).body.items;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		team = (await apiJson(page, 'POST', '/api/teams',
		    { name: unique('Registries') })).body;
	});
	after(async () => {
		if (team) await apiAs(page, 'DELETE', `/api/teams/${team.id}`);
		await closeAll();
	});

	test('credentials are added and listed without their password', async () => {
		await page.goto(`/#/teams/${team.id}`);
		await page.getByText('No registry credentials yet').waitFor();
		const form = page.getByRole('form', { name: 'Add a registry' });
		await form.getByLabel('Server').fill(SERVER);
		await form.getByLabel('Username').fill('deployer');
		await form.getByLabel('Password').fill(PASSWORD);
		await form.getByRole('button', { name: 'Add registry' }).click();
		const row = page.getByRole('row', { name: new RegExp(SERVER) });
		await row.waitFor();
		assert.match(await row.innerText(), /deployer/);
		assert.equal(await form.getByLabel('Password').inputValue(), '');
		assert.ok(!(await page.content()).includes(PASSWORD));
		const items = await listed();
		assert.equal(items.length, 1);
		assert.equal(items[0].server, SERVER);
		assert.equal(items[0].username, 'deployer');
		assert.ok(!JSON.stringify(items).includes(PASSWORD));
		await shot(page, '25-registries');
	});

	test('a bad server is refused beside its field', async () => {
		const form = page.getByRole('form', { name: 'Add a registry' });
		const server = form.getByLabel('Server');
		await server.fill('not a host!');
		await form.getByLabel('Username').fill('deployer');
		await form.getByLabel('Password').fill(PASSWORD);
		await form.getByRole('button', { name: 'Add registry' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await server.getAttribute('aria-invalid'), 'true');
		assert.equal(await server.inputValue(), 'not a host!');
		assert.equal((await listed()).length, 1);
	});

	test('credentials are deleted after a confirmation', async () => {
		await page.getByRole('button', { name: `Delete ${SERVER}` }).click();
		const dialog = page.getByRole('dialog',
		    { name: `Delete the credentials for ${SERVER}?` });
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'detached' });
		assert.equal((await listed()).length, 1, 'cancelled: still there');
		await page.getByRole('button', { name: `Delete ${SERVER}` }).click();
		await dialog.getByRole('button', { name: 'Delete' }).click();
		await page.getByText('No registry credentials yet').waitFor();
		assert.deepEqual(await listed(), []);
		assert.deepEqual(page.problems, []);
	});
});
