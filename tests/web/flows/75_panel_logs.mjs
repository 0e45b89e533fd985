// The panel's own logs (instance admins): the lines of one request, found
// by the X-Request-Id its answer carried, are the API's; a minimum level
// above theirs leaves none.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, apiJson } from '../lib/flows.mjs';

describe("the panel's logs", () => {
	let page;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
	});
	after(closeAll);

	test("a request's lines are shown by its request id, as the API has them", async () => {
		const rid = await page.evaluate(async () =>
		    (await fetch('/api/teams')).headers.get('x-request-id'));
		assert.ok(rid, 'the answer carried its request id');
		await nav(page, 'Panel logs');
		await page.getByRole('heading', { name: 'Panel logs' }).waitFor();
		const form = page.getByRole('form', { name: 'Filter the panel logs' });
		await form.getByLabel('Request id').fill(rid);
		const mine = page.locator(`table td code[title="${rid}"]`);
		// Only the request's lines: the newest lines the screen opened
		// with may hold them too, among others, until the filtered
		// answer replaces them.
		const alone = () => page.waitForFunction((id) => {
			const rows = [...document.querySelectorAll(
			    'table[aria-label="Log lines"] tbody tr')];
			return rows.length > 0 && rows.every((tr) =>
			    tr.querySelector(`td code[title="${id}"]`) !== null);
		}, rid, { timeout: 1000 });
		// A service writes its line as it answers: ask again until it is
		// there (a bounded number of times).
		for (let tries = 0; ; tries++) {
			assert.ok(tries < 20, "the request's lines never showed alone");
			await form.getByRole('button', { name: 'Show lines' }).click();
			try { await alone(); break; }
			catch { /* not yet */ }
		}
		const api = (await apiJson(page, 'GET',
		    `/api/logs?request_id=${rid}&limit=200`)).body.items;
		assert.ok(api.length >= 1);
		const rows = await page.locator('table[aria-label="Log lines"] tbody tr')
		    .allInnerTexts();
		assert.equal(rows.length, api.length);
		assert.equal(await mine.count(), api.length, 'every line is the request\'s');
		for (const l of api) assert.ok(rows.some((r) => r.includes(l.msg)), l.msg);
		assert.ok(api.every((l) => ['debug', 'info'].includes(l.level)),
		    'a plain read logs no warning');
		await shot(page, '75-panel-logs');

		await form.getByLabel('Level (at least)').selectOption('warn');
		await form.getByRole('button', { name: 'Show lines' }).click();
		await page.getByText('No lines match.').waitFor();
		const warn = (await apiJson(page, 'GET',
		    `/api/logs?request_id=${rid}&level=warn`)).body.items;
		assert.deepEqual(warn, []);
		await form.getByLabel('Level (at least)').selectOption('info');
		await form.getByRole('button', { name: 'Show lines' }).click();
		await mine.first().waitFor();
		assert.deepEqual(page.problems, []);
	});
});
