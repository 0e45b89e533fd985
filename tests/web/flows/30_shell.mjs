// The frame every screen shares: a strict CSP the app lives within, a
// phone layout with a drawer, the dark theme remembered, and the way
// through it by keyboard alone.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot, BASE } from '../lib/browser.mjs';
import { ADMIN, signIn } from '../lib/flows.mjs';

describe('the shell', () => {
	let page;
	before(async () => {
		page = await open({ viewport: { width: 390, height: 800 } });
		await signIn(page, ADMIN.email, ADMIN.password);
	});
	after(async () => { await closeAll(); });

	test('the app is served under a CSP without inline scripts or styles', async () => {
		const res = await fetch(`${BASE}/`);
		const csp = res.headers.get('content-security-policy');
		assert.match(csp, /default-src 'self'/);
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
		const html = await res.text();
		assert.doesNotMatch(html, /<script>|<style|style=/, 'nothing inline');
		assert.deepEqual(page.problems, [], 'no CSP violation so far');
	});

	test('on a phone the navigation is a drawer behind the menu button', async () => {
		const menu = page.getByRole('button', { name: 'Menu' });
		const nav = page.getByRole('navigation', { name: 'Main' });
		assert.ok(await menu.isVisible());
		assert.equal(await nav.isVisible(), false);
		await menu.click();
		assert.equal(await menu.getAttribute('aria-expanded'), 'true');
		await nav.getByRole('link', { name: 'Teams' }).waitFor();
		await shot(page, '30-mobile-menu');
		await nav.getByRole('link', { name: 'Teams' }).click();
		await page.getByRole('heading', { name: 'Teams' }).waitFor();
		assert.equal(await nav.isVisible(), false, 'the drawer closes on navigation');
		await shot(page, '31-mobile-teams');
	});

	test('the dark theme is chosen and kept across a reload', async () => {
		await page.getByRole('button', { name: 'Switch theme' }).click();
		const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
		assert.equal(await theme(), 'dark');
		await page.reload();
		await page.getByRole('heading', { name: 'Teams' }).waitFor();
		assert.equal(await theme(), 'dark');
		const bg = await page.evaluate(() => getComputedStyle(document.body)
		    .backgroundColor);
		assert.notEqual(bg, 'rgb(246, 247, 249)', 'the dark colours apply');
		await shot(page, '32-dark');
	});

	test('the keyboard reaches the content first and the screens by Tab', async () => {
		await page.setViewportSize({ width: 1280, height: 860 });
		const focused = () => page.evaluate(() => document.activeElement.id ||
		    document.activeElement.textContent);
		await page.goto('/#/teams');
		await page.getByRole('heading', { name: 'Teams' }).waitFor();
		await page.getByRole('link', { name: 'Projects', exact: true }).click();
		await page.getByRole('heading', { name: /^Projects/ }).waitFor();
		// A new screen puts the focus on its title, as a page load would.
		assert.equal(await focused(), 'page-title');
		// On a fresh load, the first stop skips to the content.
		await page.reload();
		await page.getByRole('heading', { name: /^Projects/ }).waitFor();
		await page.keyboard.press('Tab');
		assert.equal(await focused(), 'Skip to content');
		await page.keyboard.press('Enter');
		assert.equal(await focused(), 'page-title');
		// Back through the navigation to the audit trail, and Enter.
		for (let i = 0; i < 30 && await focused() !== 'Audit trail'; i++)
			await page.keyboard.press('Shift+Tab');
		await page.keyboard.press('Enter');
		await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
		assert.equal(await focused(), 'page-title');
		assert.deepEqual(page.problems, []);
	});
});
