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

// Clean-up through the API as the page's signed-in user (the CSRF header
// echoes the cookie, as the app does): status of the call.
export async function apiAs(page, method, path) {
	return page.evaluate(async ([m, p]) => {
		const csrf = document.cookie.match(/(?:^|; )op_csrf=([^;]*)/)?.[1];
		const r = await fetch(p, { method: m,
			headers: csrf ? { 'x-csrf-token': csrf } : {} });
		return r.status;
	}, [method, path]);
}

// The project id in the page's address (#/projects/<id>), or null.
export function projectId(page) {
	return page.url().match(/#\/projects\/([0-9a-f-]{36})/)?.[1] ?? null;
}

// Watch the page for an element matching selector, however briefly it
// is shown (work that ends fast is still shown in progress first); the
// returned function answers whether one was ever there, waiting up to
// `within` ms for it (for a check whose end state was on the screen
// before the action too, so nothing else shows the action was seen).
export async function watchFor(page, selector) {
	const key = `seen${Math.random().toString(36).slice(2)}`;
	await page.evaluate(([k, sel]) => {
		window[k] = !!document.querySelector(sel);
		const o = new MutationObserver(() => {
			if (document.querySelector(sel)) { window[k] = true; o.disconnect(); }
		});
		o.observe(document.body, { childList: true, subtree: true });
	}, [key, selector]);
	return async (within = 0) => {
		if (within > 0) await page.waitForFunction((k) => window[k], key,
		    { timeout: within }).catch(() => {});
		return page.evaluate((k) => window[k], key);
	};
}

// A JSON call through the API as the page's signed-in user, for what a
// flow needs in place before the screen it is about: {status, body}.
export async function apiJson(page, method, path, body) {
	return page.evaluate(async ([m, p, b]) => {
		const csrf = document.cookie.match(/(?:^|; )op_csrf=([^;]*)/)?.[1];
		const headers = { 'content-type': 'application/json' };
		if (csrf) headers['x-csrf-token'] = csrf;
		const r = await fetch(p, { method: m, headers,
			body: b === undefined ? undefined : JSON.stringify(b) });
		const text = await r.text();
		let json = null;
		try { json = JSON.parse(text); } catch { /* not JSON */ }
		return { status: r.status, body: json ?? text };
	}, [method, path, body]);
}

// A team of its own for a flow, with a project and a running busybox
// container (a named volume "data" at /data), chosen in the team picker:
// {team, project, container}. The flow deletes the project after.
export async function scratchTeam(page, prefix, container = {}) {
	const ok = (r) => {
		if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
		return r.body;
	};
	const team = ok(await apiJson(page, 'POST', '/api/teams',
	    { name: unique(prefix) }));
	const project = ok(await apiJson(page, 'POST', '/api/projects',
	    { team_id: team.id, name: unique(prefix) }));
	const c = ok(await apiJson(page, 'POST', '/api/containers', {
		project_id: project.id, name: unique('c'),
		image: 'openpanel-test/busybox:1', volumes: [{ name: 'data', path: '/data' }],
		command: ['sh', '-c', "trap 'exit 0' TERM; echo ready; while :; do sleep 1; done"],
		...container }));
	await page.reload();
	await page.getByRole('combobox', { name: 'Team' }).selectOption(team.id);
	return { team, project, container: c };
}

// Add a domain on the Domains screen (HTTPS, as the form has it):
// {row, ordered()}, ordered answering whether its certificate order was
// shown in progress.
export async function addDomain(page, hostname, port) {
	const form = page.getByRole('form', { name: 'Add a domain' });
	await form.getByLabel('Hostname').fill(hostname);
	await form.getByLabel('Container port').fill(String(port));
	const ordered = await watchFor(page, 'progress[aria-label^="Ordering"]');
	await form.getByRole('button', { name: 'Add domain' }).click();
	const row = page.getByRole('row', { name: new RegExp(hostname) });
	await row.waitFor();
	return { row, ordered };
}
