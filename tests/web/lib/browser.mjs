// browser.mjs — Debian's Chromium, headless, driven by playwright-core
// (no browser download). Every page fails its test on a script error or
// a Content-Security-Policy violation; screenshots go under the test's
// data directory, never into the repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { relayOut } from './relay.mjs';

export const BASE = process.env.OP_TEST_URL ?? 'http://127.0.0.1:18480';
export const DATA = process.env.OP_DATA_DIR ?? '/tmp';
export const SHOTS = process.env.OP_WEB_SHOTS ?? join(DATA, 'web-screenshots');
export const HTTPS_PORT = Number(process.env.OP_TEST_HTTPS_PORT ?? 18443);

// One browser for the whole suite (starting Chromium is the slow part);
// each flow gets contexts of its own, closed by closeAll().
let browser = null;
const contexts = new Set();

export function launch() {
	browser ??= start();
	return browser;
}

const CHROMIUM = process.env.OP_CHROMIUM ?? '/usr/bin/chromium';
const NETNS = process.getuid() === 0 && process.env.OP_WEB_NETNS !== '0';
const RELAY_DIR = join(DATA, 'web-relay');
const PORTS = [Number(new URL(BASE).port || 80), HTTPS_PORT];
let relayed = null;	// the outside half, one for every browser

// start launches Chromium with extra args and environment. As root (as
// in `make test`) it runs in a network namespace of its own, shielded
// from the engine's interface changes (relay.mjs says why), reaching the
// gateway's HTTP and HTTPS ports; OP_WEB_NETNS=0 runs it in the host's.
async function start(extra = [], env = {}) {
	const args = ['--no-sandbox', '--disable-dev-shm-usage', ...extra];
	if (!NETNS)
		return chromium.launch({ executablePath: CHROMIUM, args,
			env: { ...process.env, ...env } });
	relayed ??= relayOut(RELAY_DIR, PORTS);
	await relayed;
	return chromium.launch({ args,
		executablePath: join(dirname(fileURLToPath(import.meta.url)),
		    'chromium-netns.sh'),
		env: { ...process.env, ...env, OP_RELAY_DIR: RELAY_DIR,
		    OP_RELAY_PORTS: PORTS.join(','), OP_RELAY_NODE: process.execPath,
		    OP_CHROMIUM_BIN: CHROMIUM } });
}

// A browser of its own, as an operator's: it trusts the CA whose root
// certificate is root (PEM; none when null) as it would a public CA (an
// NSS database in a home of its own, where Chromium on Linux finds the
// roots a user added), and resolves hosts to the gateway. The caller
// closes it.
export async function launchTrusting(root, hosts) {
	const home = mkdtempSync(join(DATA, 'web-home-'));
	const db = `sql:${join(home, '.pki', 'nssdb')}`;
	mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
	execFileSync('certutil', ['-N', '-d', db, '--empty-password']);
	if (root !== null) {
		writeFileSync(join(home, 'root.pem'), root);
		execFileSync('certutil', ['-A', '-d', db, '-n', 'test ACME root',
			'-t', 'C,,', '-i', join(home, 'root.pem')]);
	}
	return start([`--host-resolver-rules=${hosts.map((h) =>
	    `MAP ${h} 127.0.0.1`).join(', ')}`], { HOME: home });
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

// A fresh browser context (its own cookies) and page, in the shared
// browser or opts.browser; page.problems collects what must never happen.
export async function open(opts = {}) {
	const context = await (opts.browser ?? await launch()).newContext({
		baseURL: opts.baseURL ?? BASE,
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
