// browser.mjs — Debian's Chromium, headless, driven by playwright-core
// (no browser download). Every page fails its test on a script error or
// a Content-Security-Policy violation; screenshots go under the test's
// data directory, never into the repository.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { relayOut } from './relay.mjs';

export const BASE = process.env.OP_TEST_URL ?? 'http://127.0.0.1:18480';
export const DATA = process.env.OP_DATA_DIR ?? '/tmp';
export const SHOTS = process.env.OP_WEB_SHOTS ?? join(DATA, 'web-screenshots');

// One browser for the whole suite (starting Chromium is the slow part);
// each flow gets contexts of its own, closed by closeAll().
let browser = null;
const contexts = new Set();

export function launch() {
	browser ??= start();
	return browser;
}

const CHROMIUM = process.env.OP_CHROMIUM ?? '/usr/bin/chromium';

// start launches Chromium. As root (as in `make test`) it runs in a
// network namespace of its own, shielded from the engine's interface
// changes (relay.mjs says why); OP_WEB_NETNS=0 runs it in the host's.
async function start() {
	const args = ['--no-sandbox', '--disable-dev-shm-usage'];
	if (process.getuid() !== 0 || process.env.OP_WEB_NETNS === '0')
		return chromium.launch({ executablePath: CHROMIUM, args });
	const dir = join(DATA, 'web-relay');
	const port = Number(new URL(BASE).port || 80);
	await relayOut(dir, [port]);
	return chromium.launch({ args,
		executablePath: join(dirname(fileURLToPath(import.meta.url)),
		    'chromium-netns.sh'),
		env: { ...process.env, OP_RELAY_DIR: dir, OP_RELAY_PORTS: `${port}`,
		    OP_RELAY_NODE: process.execPath, OP_CHROMIUM_BIN: CHROMIUM } });
}

export async function closeAll() {
	for (const c of contexts) await c.close();
	contexts.clear();
}

export async function closeBrowser() {
	await closeAll();
	if (browser) await (await browser).close();
	browser = null;
}

// A fresh browser context (its own cookies) and page; page.problems
// collects what must never happen.
export async function open(opts = {}) {
	const context = await (await launch()).newContext({ baseURL: BASE,
		viewport: opts.viewport ?? { width: 1280, height: 860 },
		colorScheme: opts.colorScheme ?? 'light' });
	contexts.add(context);
	const page = await context.newPage();
	page.setDefaultTimeout(60000);	// a bound on a loaded machine, not a timing
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
