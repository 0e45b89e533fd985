// Accounts: the admin makes one, renames it and sets its password in a
// dialog (a taken email refused beside its field), the settings refuse a bad value beside
// its field, sign-up is offered while the admin keeps it open (and a
// stranger signs up), an API token is minted and revoked (and a metrics
// token for Prometheus that reads nothing else), and the new user turns
// on two-factor authentication from a QR code and signs in with a code.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot, BASE } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiJson } from '../lib/flows.mjs';
import { totp, step } from '../lib/totp.mjs';

describe('accounts, tokens and two-factor', () => {
	const USER = { name: 'Second Person', email: `${unique('second')}@openpanel.test`,
		password: 'second person password' };
	let admin, page;

	before(async () => {
		admin = await open();
		await signIn(admin, ADMIN.email, ADMIN.password);
	});
	after(async () => { await closeAll(); });

	test('the admin creates an account', async () => {
		await nav(admin, 'Users');
		const form = admin.getByRole('form', { name: 'New account' });
		await form.getByLabel('Name').fill(USER.name);
		await form.getByLabel('Email').fill(USER.email);
		await form.getByLabel('Password').fill(USER.password);
		await form.getByRole('button', { name: 'Create account' }).click();
		await admin.getByRole('cell', { name: USER.email, exact: true }).waitFor();
		await shot(admin, '20-users');
	});

	test("the admin renames the account and sets its password in a dialog, as the API then has it", async () => {
		const row = admin.getByRole('row', { name: new RegExp(USER.email) });
		await row.getByRole('button', { name: `Edit ${USER.email}` }).click();
		const dialog = admin.getByRole('dialog', { name: `Edit the account ${USER.email}` });
		await dialog.getByLabel('Email').fill(ADMIN.email);
		await dialog.getByRole('button', { name: 'Save account' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await dialog.getByLabel('Email').getAttribute('aria-invalid'), 'true');
		const users = async () => (await apiJson(admin, 'GET', '/api/users?limit=200'))
		    .body.items.find((u) => u.email === USER.email);
		assert.equal((await users()).name, USER.name, 'nothing changed');
		await dialog.getByLabel('Email').fill(USER.email);
		await dialog.getByLabel('Name').fill('Second Person Renamed');
		USER.password = 'second person password, new';
		await dialog.getByLabel(/^New password/).fill(USER.password);
		await dialog.getByRole('button', { name: 'Save account' }).click();
		await dialog.waitFor({ state: 'detached' });
		await row.getByRole('cell', { name: 'Second Person Renamed', exact: true }).waitFor();
		const u = await users();
		assert.equal(u.name, 'Second Person Renamed');
		// The new password is the one that signs in (asked from here, not
		// from the admin's page, whose session it would replace).
		const login = (password) => fetch(new URL('/api/auth/login', BASE), {
			method: 'POST', headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: USER.email, password }) });
		assert.equal((await login('second person password')).status, 401);
		const ok = await login(USER.password);
		assert.equal(ok.status, 200, await ok.text());
		assert.deepEqual(admin.problems, []);
	});

	test('a setting the API refuses is shown beside its field', async () => {
		await nav(admin, 'Settings');
		const url = admin.getByLabel('Public URL');
		await url.fill('ftp://panel.example.com');
		await admin.getByRole('button', { name: 'Save settings' }).click();
		await admin.locator('.field-error').waitFor();
		assert.equal(await url.getAttribute('aria-invalid'), 'true');
		assert.equal(await url.inputValue(), 'ftp://panel.example.com',
		    'what was typed survives the refusal');
		await shot(admin, '21-settings-error');
		await url.fill('https://panel.example.com');
		await admin.getByRole('button', { name: 'Save settings' }).click();
		await admin.getByText('Settings saved.').waitFor();
	});

	test('sign-up, offered only while the admin keeps it open', async () => {
		const NEW = { name: 'New Comer', email: `${unique('comer')}@openpanel.test`,
			password: 'new comer password' };
		const visitor = await open();
		await visitor.goto('/#/login');
		await visitor.getByRole('heading', { name: 'Sign in to OpenPanel' }).waitFor();
		assert.equal(await visitor.getByRole('link', { name: 'No account? Create one' })
		    .count(), 0, 'closed: no sign-up offered');

		await nav(admin, 'Settings');
		const box = admin.getByLabel('Anyone may sign up');
		await box.check();
		await admin.getByRole('button', { name: 'Save settings' }).click();
		await admin.getByText('Settings saved.').waitFor();
		try {
			await visitor.reload();
			await visitor.getByRole('link', { name: 'No account? Create one' }).click();
			const form = visitor.getByRole('form', { name: 'Create an account' });
			await form.getByLabel('Your name').fill(NEW.name);
			await form.getByLabel('Email').fill(ADMIN.email);
			await form.getByLabel('Password').fill(NEW.password);
			await form.getByRole('button', { name: 'Create the account' }).click();
			await form.locator('.field-error').waitFor();
			assert.equal(await form.getByLabel('Email').getAttribute('aria-invalid'),
			    'true', 'a taken email is refused beside its field');
			await form.getByLabel('Email').fill(NEW.email);
			await form.getByRole('button', { name: 'Create the account' }).click();
			await visitor.getByRole('heading', { name: 'Dashboard' }).waitFor();
			await shot(visitor, '21-signed-up');
			const me = await apiJson(visitor, 'GET', '/api/auth/me');
			assert.equal(me.body.email, NEW.email);
			assert.equal(me.body.is_admin, false);
		} finally {
			await nav(admin, 'Settings');
			await admin.getByLabel('Anyone may sign up').uncheck();
			// The first save's "Settings saved." is still shown: wait
			// for this save's answer, not for the words.
			const saved = admin.waitForResponse((r) =>
			    r.url().endsWith('/api/settings') &&
			    r.request().method() === 'PUT');
			await admin.getByRole('button', { name: 'Save settings' }).click();
			assert.equal((await saved).status(), 200);
			await admin.getByText('Settings saved.').waitFor();
		}
		const now = await apiJson(admin, 'GET', '/api/auth/signup');
		assert.equal(now.body.open, false);
	});

	test('an API token is minted, shown once, and revoked', async () => {
		await nav(admin, 'API tokens');
		const name = unique('ci');
		await admin.getByLabel('Name').fill(name);
		await admin.getByLabel('Scope').selectOption('read');
		await admin.getByRole('button', { name: 'Create token' }).click();
		const secret = await admin.locator('.reveal code').innerText();
		assert.match(secret, /^opk_/);
		const res = await fetch(new URL('/api/auth/me', admin.url()), {
			headers: { authorization: `Bearer ${secret}` } });
		assert.equal(res.status, 200, 'the token shown works');
		await shot(admin, '22-tokens');
		await admin.getByRole('button', { name: `Revoke ${name}` }).click();
		await admin.getByRole('cell', { name, exact: true })
		    .waitFor({ state: 'detached' });
		const gone = await fetch(new URL('/api/auth/me', admin.url()), {
			headers: { authorization: `Bearer ${secret}` } });
		assert.equal(gone.status, 401);
		assert.deepEqual(admin.problems, []);
	});

	test("an instance admin mints a metrics token that reads /api/metrics and nothing else", async () => {
		const name = unique('prometheus');
		await admin.getByLabel('Name').fill(name);
		await admin.getByLabel('Scope').selectOption('metrics');
		await admin.getByRole('button', { name: 'Create token' }).click();
		const shown = admin.locator('.reveal').filter({ hasText: `The token "${name}"` });
		const secret = await shown.locator('code').innerText();
		await admin.getByRole('row', { name: new RegExp(name) }).getByText('metrics').waitFor();
		const as = (path) => fetch(new URL(path, admin.url()), {
			headers: { authorization: `Bearer ${secret}` } });
		const m = await as('/api/metrics');
		assert.equal(m.status, 200);
		assert.match(await m.text(), /^openpanel_up\b/m);
		assert.equal((await as('/api/auth/me')).status, 403);
		await admin.getByRole('button', { name: `Revoke ${name}` }).click();
		await admin.getByRole('cell', { name, exact: true }).waitFor({ state: 'detached' });
		assert.equal((await as('/api/metrics')).status, 401);
		assert.deepEqual(admin.problems, []);
	});

	let secret;
	test('the new user enrols in two-factor from the QR code', async () => {
		page = await open();
		await signIn(page, USER.email, USER.password);
		await nav(page, 'Security');
		await page.getByRole('button', { name: 'Set up two-factor authentication' })
		    .click();
		await page.getByRole('img', { name: /QR code/ }).waitFor();
		secret = await page.getByTestId('totp-secret').innerText();
		assert.match(secret, /^[A-Z2-7]+=*$/);
		await page.getByLabel('Code from the app').fill('000000');
		await page.getByRole('button', { name: 'Turn on' }).click();
		await page.locator('.field-error').waitFor();	// a wrong code, beside it
		await shot(page, '23-twofactor-enrol');
		await page.getByLabel('Code from the app').fill(totp(secret));
		await page.getByRole('button', { name: 'Turn on' }).click();
		const codes = page.locator('.codes li');
		await codes.first().waitFor();
		assert.equal(await codes.count(), 10);
		await shot(page, '24-recovery-codes');
		await page.getByRole('button', { name: 'Done' }).click();
		await page.getByRole('button', { name: 'Turn off two-factor' }).waitFor();
	});

	test('signing in again asks for the code and accepts a good one', async () => {
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.getByRole('heading', { name: 'Sign in to OpenPanel' }).waitFor();
		await page.getByLabel('Email').fill(USER.email);
		await page.getByLabel('Password').fill(USER.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('heading', { name: 'Two-factor authentication' })
		    .waitFor();
		await shot(page, '25-login-code');
		// The enrolment spent this step's code: the next step's is still
		// within the one step of drift the panel accepts.
		await page.getByLabel('Code').fill(totp(secret, step() + 1));
		await page.getByRole('button', { name: 'Verify' }).click();
		await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
		assert.deepEqual(page.problems, []);
	});
});
