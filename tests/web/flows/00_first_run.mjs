// The first run as a new operator meets it: the login screen, the setup
// screen refusing a wrong token beside its field, the first account
// made with the real token, and the first sign-in.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, closeAll, shot, DATA } from '../lib/browser.mjs';
import { ADMIN, signIn } from '../lib/flows.mjs';

describe('first run', () => {
	let page;
	before(async () => { page = await open(); });
	after(async () => { await closeAll(); });

	test('a visitor who is not signed in meets the login screen', async () => {
		await page.goto('/');
		await page.getByRole('heading', { name: 'Sign in to OpenPanel' }).waitFor();
		await shot(page, '01-login');
	});

	test('setup shows the API refusing a wrong token beside its field', async () => {
		await page.getByRole('link', { name: /Set up the panel/ }).click();
		await page.getByLabel('Setup token').fill('ops_wrong');
		await page.getByLabel('Your name').fill(ADMIN.name);
		await page.getByLabel('Email').fill(ADMIN.email);
		await page.getByLabel('Password').fill(ADMIN.password);
		await page.getByRole('button', { name: 'Create the admin account' }).click();
		const field = page.getByLabel('Setup token');
		await page.locator('.field-error').waitFor();
		assert.equal(await field.getAttribute('aria-invalid'), 'true');
		const described = await field.getAttribute('aria-describedby');
		const msg = await page.locator(`#${described.split(' ').pop()}`).innerText();
		assert.match(msg, /setup token/i);
		assert.ok(await field.evaluate((el) => el === document.activeElement),
		    'the field in error has the focus');
		await shot(page, '02-setup-error');
	});

	test('setup with the real token creates the instance admin', async () => {
		const token = readFileSync(join(DATA, 'setup-token'), 'utf8').trim();
		await page.getByLabel('Setup token').fill(token);
		await page.getByRole('button', { name: 'Create the admin account' }).click();
		await page.getByRole('heading', { name: 'OpenPanel is set up' }).waitFor();
		assert.match(await page.getByRole('status').innerText(), /web-admin@/);
	});

	test('the admin signs in and sees the dashboard and the admin screens', async () => {
		await signIn(page, ADMIN.email, ADMIN.password);
		const nav = page.getByRole('navigation', { name: 'Main' });
		assert.ok(await nav.getByRole('link', { name: 'Users' }).isVisible());
		await shot(page, '03-dashboard');
		assert.deepEqual(page.problems, []);
	});

	test('a signed-in session survives a reload, and the cookies hold no readable token', async () => {
		await page.reload();
		await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
		const readable = await page.evaluate(() => document.cookie);
		assert.doesNotMatch(readable, /op_access|op_refresh/);
		assert.match(readable, /op_csrf=/);
		const stored = await page.evaluate(() => JSON.stringify(localStorage) +
		    JSON.stringify(sessionStorage));
		assert.doesNotMatch(stored, /ey[A-Za-z0-9_-]{10,}\./, 'no JWT in storage');
	});
});
