// browser.mjs — Debian's Chromium, headless, driven by playwright-core
// (no browser download). Every page fails its test on a script error or
// a Content-Security-Policy violation; screenshots go under the test's
// data directory, never into the repository.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.OP_TEST_URL ?? 'http://127.0.0.1:18480';
export const DATA = process.env.OP_DATA_DIR ?? '/tmp';
export const SHOTS = process.env.OP_WEB_SHOTS ?? join(DATA, 'web-screenshots');

export async function launch() {
	return chromium.launch({
		executablePath: process.env.OP_CHROMIUM ?? '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-dev-shm-usage'],
	});
}

// A fresh browser context (its own cookies) and page; page.problems
// collects what must never happen.
export async function open(browser, opts = {}) {
	const context = await browser.newContext({ baseURL: BASE,
		viewport: opts.viewport ?? { width: 1280, height: 860 },
		colorScheme: opts.colorScheme ?? 'light' });
	const page = await context.newPage();
	page.setDefaultTimeout(15000);
	page.problems = [];
	page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text()))
			page.problems.push(`console: ${m.text()}`);
	});
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) =>
		    console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
	});
	return page;
}

export async function shot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
