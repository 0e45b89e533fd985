// flows.mjs — what a person does often, as the UI offers it.
import { randomBytes } from 'node:crypto';

export const ADMIN = {
	email: 'web-admin@openpanel.test',
	password: 'web admin password 0f the test',
	name: 'Web Admin',
};

export function unique(prefix) {
	return `${prefix}-${randomBytes(4).toString('hex')}`;
}

// Sign in through the login screen; stops at the second-factor step
// when the account has one (code given: enter it too).
export async function signIn(page, email, password, code) {
	await page.goto('/#/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	if (code !== undefined) {
		await page.getByLabel('Code').fill(code);
		await page.getByRole('button', { name: 'Verify' }).click();
	}
	await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

export async function nav(page, name) {
	await page.getByRole('navigation', { name: 'Main' })
	    .getByRole('link', { name, exact: true }).click();
}
