// A real certificate, end to end in the browser: an admin points the
// panel at an ACME CA on the settings screen (Debian's Pebble, trusted by
// nothing but what the test tells); a domain added on the Domains screen
// gets its certificate issued, shown with its issuer and expiry; and a
// browser that trusts Pebble's root as it would a public CA opens the
// domain over HTTPS, while one that does not refuses the certificate.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot, launchTrusting, HTTPS_PORT } from
    '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiJson, apiAs, scratchTeam, addDomain }
    from '../lib/flows.mjs';
import { startPebble, DIRECTORY } from '../../integration/lib/pebble.mjs';

describe('a certificate from an ACME CA', () => {
	const HOST = `${unique('tls')}.openpanel.test`;
	const URL = `https://${HOST}:${HTTPS_PORT}/`;
	let page, made, pebble;
	const browsers = [];

	before(async () => {
		pebble = await startPebble();
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Certificates', { ports: [{ container: 8080 }],
			command: ['sh', '-c', 'echo secure-app > /www/index.html; ' +
			'httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait'] });
	});
	after(async () => {
		await apiJson(page, 'PUT', '/api/settings', { acme_directory: null,
			acme_ca_bundle: null, acme_email: null });
		if (made) await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		await closeAll();
		for (const b of browsers) await b.close();
		pebble?.stop();
	});

	test('an admin points the panel at the CA on the settings screen', async () => {
		await nav(page, 'Settings');
		const form = page.getByRole('form', { name: 'Instance settings' });
		await form.getByLabel('ACME directory URL').fill(DIRECTORY);
		await form.getByLabel('Account email').fill('ops@openpanel.test');
		await form.getByLabel(/CA roots to trust the directory with/)
		    .fill(pebble.caPem);
		await form.getByRole('button', { name: 'Save settings' }).click();
		await page.getByText('Settings saved.').waitFor();
		const s = (await apiJson(page, 'GET', '/api/settings')).body;
		assert.equal(s.acme_directory, DIRECTORY);
		assert.equal(s.acme_email, 'ops@openpanel.test');
	});

	test('a new domain\'s certificate is issued, and shown with its issuer and expiry', async () => {
		await nav(page, 'Domains');
		await page.getByRole('heading', { name: 'Domains' }).waitFor();
		const { row } = await addDomain(page, HOST, 8080);
		await row.locator('.badge', { hasText: 'valid' }).waitFor();
		await row.getByText(/ until /).waitFor();
		const list = (await apiJson(page, 'GET',
		    `/api/domains?project_id=${made.project.id}`)).body;
		const d = (list.items ?? list).find((x) => x.hostname === HOST);
		assert.equal(d.certificate.state, 'valid');
		assert.match(await row.innerText(), new RegExp(d.certificate.issuer
		    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
		await shot(page, '55-domain-certificate-valid');
	});

	test('a browser trusting the CA opens the domain over HTTPS; one that does not refuses it', async () => {
		const browser = async (root) => {
			browsers.push(await launchTrusting(root, [HOST]));
			return open({ browser: browsers.at(-1), baseURL: URL });
		};
		const visitor = await browser(pebble.root);
		const res = await visitor.goto(URL);
		assert.equal(res.status(), 200);
		assert.equal((await visitor.textContent('body')).trim(), 'secure-app');
		const tls = await res.securityDetails();
		assert.equal(tls.subjectName, HOST);
		assert.match(tls.issuer, /Pebble/i);
		assert.ok(tls.validTo * 1000 > Date.now());
		assert.deepEqual(visitor.problems, []);
		// The same browser without the CA's root has no reason to trust it.
		const stranger = await browser(null);
		await assert.rejects(stranger.goto(URL), /ERR_CERT_AUTHORITY_INVALID/);
	});
});
