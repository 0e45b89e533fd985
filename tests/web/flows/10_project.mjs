// The main flow, after the first run's setup and sign-in (00_first_run):
// a team, a project with a write-only secret, a container from an image
// with a volume, its state and its log line arriving live (and narrowed
// to one stream and to a window of time), a domain
// routed to it, a backup of its volume, and every one of those actions
// found again in the audit trail, whose hash chain is shown intact, then
// broken at the entry the API names while one row is rewritten in the
// database (put back at once).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, closeAll, shot, DATA } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, apiJson, projectId, watchFor,
	addDomain } from '../lib/flows.mjs';
import { superSql } from '../../integration/lib/fixtures.mjs';

describe('the main flow: a team, a project, a container, a domain, a backup, the audit trail', () => {
	const IMAGE = 'openpanel-test/busybox:1';
	const TEAM = unique('Web team');
	const PROJECT = unique('Web project');
	const CONTAINER = unique('web');
	const MARK = unique('hello-from-the-ui');
	const HOST = `${unique('app')}.openpanel.test`;
	let page, project, domain;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
	});
	after(async () => {	// leave no container behind, whatever failed
		if (domain) await apiAs(page, 'DELETE', `/api/domains/${domain}`);
		if (project) await apiAs(page, 'DELETE',
		    `/api/projects/${project}?volumes=true`);
		await closeAll();
	});

	test('a new team is created, chosen, and invites a member', async () => {
		await nav(page, 'Teams');
		await page.getByRole('heading', { name: 'Teams' }).waitFor();
		await page.getByLabel('Team name').fill(TEAM);
		await page.getByRole('button', { name: 'Create team' }).click();
		await page.getByRole('heading', { name: TEAM }).waitFor();
		assert.equal(await page.getByRole('combobox', { name: 'Team' })
		    .locator('option:checked').innerText(), TEAM);
		const members = page.getByRole('table').first();
		assert.match(await members.innerText(), new RegExp(ADMIN.email));
		await page.getByLabel('Email').fill('someone@openpanel.test');
		await page.getByRole('button', { name: 'Invite' }).click();
		await page.getByText(/shown only once/).waitFor();
		assert.match(await page.locator('.reveal code').innerText(), /^opi_/);
		await shot(page, '10-team');
	});

	test('a project is created in the team', async () => {
		await nav(page, 'Projects');
		await page.getByRole('heading', { name: `Projects of ${TEAM}` }).waitFor();
		await page.getByText('No projects yet').waitFor();
		await page.getByLabel('Name').fill(PROJECT);
		await page.getByLabel('Description').fill('made by the web suite');
		await page.getByRole('button', { name: 'Create project' }).click();
		await page.getByRole('heading', { name: PROJECT }).waitFor();
		project = projectId(page);
		await page.getByText('No containers yet').waitFor();
	});

	test('a secret variable is stored write-only', async () => {
		await page.getByRole('tab', { name: 'Environment' }).click();
		await page.getByLabel('Key').fill('API_SECRET');
		await page.getByLabel('Value').fill('s3cret-value-never-shown');
		await page.getByLabel('Secret (write-only)').check();
		await page.getByRole('button', { name: 'Set' }).click();
		await page.getByRole('cell', { name: 'API_SECRET', exact: true }).waitFor();
		const table = await page.getByRole('table').innerText();
		assert.match(table, /secret · set/);
		assert.doesNotMatch(await page.content(), /s3cret-value-never-shown/);
		await shot(page, '11-environment');
	});

	test('an invalid container name is refused beside the name field', async () => {
		await page.getByRole('tab', { name: 'Containers' }).click();
		const form = page.getByRole('form', { name: 'Run a container' });
		await form.getByLabel('Name', { exact: true }).fill('Not_A_Valid_Name');
		await form.getByLabel('Image', { exact: true }).fill(IMAGE);
		await form.getByRole('button', { name: 'Create container' }).click();
		const field = form.getByLabel('Name', { exact: true });
		await form.locator('.field-error').waitFor();
		assert.equal(await field.getAttribute('aria-invalid'), 'true');
		assert.equal(await form.getByLabel('Image', { exact: true }).getAttribute('aria-invalid'),
		    null);
		await shot(page, '12-container-error');
	});

	test('a container runs from an image, with its state and its log live', async () => {
		const form = page.getByRole('form', { name: 'Run a container' });
		await form.getByLabel('Name', { exact: true }).fill(CONTAINER);
		// A shell that ends on SIGTERM (so that Stop does not wait for a
		// kill), printing a line a second after the mark.
		await form.getByLabel('Volumes').fill('data:/data');
		await form.getByLabel(/^Command/).fill(['sh', '-c', "trap 'exit 0' TERM; " +
		    `echo ${MARK}; echo ${MARK} > /data/mark; i=0; while :; do sleep 1; i=$((i+1)); echo tick-$i; done`]
		    .join('\n'));
		await form.getByRole('button', { name: 'Create container' }).click();
		await page.getByRole('heading', { name: CONTAINER }).waitFor();
		await page.locator('.details .badge', { hasText: 'running' }).first()
		    .waitFor();
		const log = page.getByTestId('log');
		await log.getByText(MARK).waitFor();
		// Then lines arrive live, over the gateway's stream, as printed.
		await page.getByTestId('log-mode').getByText('live').waitFor();
		const ticks = async () => Math.max(0, ...(await log.innerText())
		    .match(/tick-\d+/g)?.map((t) => Number(t.slice(5))) ?? []);
		const seen = await ticks();
		await log.getByText(new RegExp(`tick-${seen + 2}$`)).first().waitFor();
		await shot(page, '13-container');
	});

	test('the log is narrowed to a stream and to a window of time, as the API answers', async () => {
		const id = page.url().split('/').pop();
		const text = async (q) => (await apiJson(page, 'GET',
		    `/api/containers/${id}/logs?${q}`)).body;
		const log = page.getByTestId('log');
		const stream = page.getByRole('combobox', { name: /^Stream/ });
		// The shell prints on standard output only.
		await stream.selectOption('stderr');
		await log.getByText('No log lines yet.').waitFor();
		assert.equal(await text('stdout=false'), '');
		await stream.selectOption('stdout');
		await log.getByText(MARK).waitFor();
		await stream.selectOption('both');
		await log.getByText(MARK).waitFor();

		// A window holding one line: from just after tick-1 to just after
		// tick-2 (the ticks are a second apart at least).
		const lines = (await text('tail=1000')).split('\n').filter(Boolean);
		const at = (n) => Date.parse(lines.find((l) => l.endsWith(` tick-${n}`))
		    .split(' ')[0]);
		const from = Math.floor(at(1) / 1000) * 1000 + 1000;
		const to = Math.floor(at(2) / 1000) * 1000 + 1000;
		const local = (ms) => page.evaluate((t) => {
			const d = new Date(t), p = (n) => String(n).padStart(2, '0');
			return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${
			    p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
		}, ms);
		const win = page.getByRole('form', { name: 'Time window' });
		await win.getByLabel('From').fill(await local(from));
		await win.getByLabel('To').fill(await local(to));
		await win.getByRole('button', { name: 'Show' }).click();
		await page.getByRole('button', { name: 'Back to the latest' }).waitFor();
		await page.waitForFunction(() => !/tick-1$/m.test(
		    document.querySelector('[data-testid="log"]').innerText));
		const api = (await text(`since=${new Date(from).toISOString()}&until=${
		    new Date(to).toISOString()}`)).split('\n').filter(Boolean);
		assert.equal(api.length, 1, api.join('\n'));
		assert.match(api[0], / tick-2$/);
		const shown = (await log.innerText()).split('\n').filter(Boolean);
		assert.equal(shown.length, 1, shown.join('\n'));
		assert.match(shown[0], / tick-2$/);
		assert.equal(await page.getByRole('checkbox', { name: 'Follow' }).isDisabled(), true);
		await page.getByRole('button', { name: 'Back to the latest' }).click();
		await page.getByTestId('log-mode').getByText('live').waitFor();
		await log.getByText(MARK).waitFor();
		assert.deepEqual(page.problems, []);
	});

	test('the container is stopped and started again', async () => {
		await page.getByRole('button', { name: 'Stop', exact: true }).click();
		await page.locator('.details .badge', { hasText: 'exited' }).first()
		    .waitFor();
		await page.getByRole('button', { name: 'Start', exact: true }).click();
		await page.locator('.details .badge', { hasText: 'running' }).first()
		    .waitFor();
	});

	test('the project lists the container with its state', async () => {
		await page.getByRole('link', { name: '← Project' }).click();
		const row = page.getByRole('row', { name: new RegExp(CONTAINER) });
		await row.waitFor();
		assert.match(await row.innerText(), /running/);
		await shot(page, '14-project');
	});

	test('a domain routes a hostname to the container, its certificate ordered', async () => {
		await nav(page, 'Domains');
		await page.getByRole('heading', { name: 'Domains' }).waitFor();
		await page.getByText('No domains yet').waitFor();
		const form = page.getByRole('form', { name: 'Add a domain' });
		assert.equal(await form.getByLabel('Container').locator('option:checked')
		    .innerText(), `${PROJECT} / ${CONTAINER}`);
		const { row, ordered } = await addDomain(page, HOST, 8080);
		assert.match(await row.innerText(), new RegExp(`${CONTAINER}:8080`));
		assert.ok(await ordered(), 'the order was shown in progress');
		domain = (await page.evaluate(async (h) => (await (await fetch(
		    '/api/domains')).json()).items.find((d) => d.hostname === h)?.id, HOST));
		await shot(page, '16-domain');
	});

	test("a backup of the container's volume goes to a local directory", async () => {
		await nav(page, 'Backups');
		await page.getByRole('heading', { name: 'Backups' }).waitFor();
		await page.getByText('Add a storage target first').waitFor();
		await page.getByRole('tab', { name: 'Storage' }).click();
		const target = page.getByRole('form', { name: 'New storage target' });
		await target.getByLabel('Name (optional)').fill('this server');
		await target.getByLabel('Directory').fill(join(DATA, 'backups'));
		await target.getByRole('button', { name: 'Add storage target' }).click();
		await page.getByRole('cell', { name: 'this server', exact: true }).waitFor();
		await page.getByRole('tab', { name: 'Backups' }).click();
		const form = page.getByRole('form', { name: 'Back up now' });
		await form.getByLabel('Container').selectOption({ label:
		    `${PROJECT} / ${CONTAINER}` });
		await form.getByLabel('Volume').selectOption('data');
		const working = await watchFor(page, 'progress[aria-label^="Backup"]');
		await form.getByRole('button', { name: 'Back up now' }).click();
		const row = page.getByRole('row', { name: /volume data of/ });
		await row.getByText('completed').waitFor();
		assert.ok(await working(), 'the backup was shown in progress');
		const text = await row.innerText();
		assert.match(text, /\d+(\.\d)? (B|kB)/, 'its size');
		assert.match(text, /[0-9a-f]{12}…/, 'its checksum');
		assert.match(text, /\d\.\d s/, 'how long it took');
		await row.getByRole('button', { name: /^Log of/ }).click();
		await page.locator('pre.log').first().waitFor();
		await shot(page, '17-backup');
	});

	test('the audit trail shows what was done, and offers it for export', async () => {
		await nav(page, 'Audit trail');
		await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
		const form = page.getByRole('form', { name: 'Filter the audit trail' });
		await form.getByLabel('Entries').selectOption({ label: `Team ${TEAM}` });
		const want = ['team.created', 'project.created', 'project.env_changed',
			'container.created', 'container.stopped', 'container.started',
			'domain.created', 'storage.created', 'backup.created',
			'backup.completed'];
		// The trail is written from the event stream: search until it holds
		// every action (a bounded number of times).
		for (let tries = 0; ; tries++) {
			assert.ok(tries < 120, 'the trail never held every action');
			await form.getByRole('button', { name: 'Search' }).click();
			// The answer to this search, not the page's first one: its
			// export link carries the team filter.
			await page.locator('a[download][href*="team_id="]').first()
			    .waitFor();
			await page.locator('table.audit, .empty').first().waitFor();
			const text = await page.locator('main').innerText();
			if (want.every((a) => text.includes(a))) break;
			await page.waitForTimeout(500);
		}
		const href = await page.getByRole('link', { name: 'CSV' })
		    .getAttribute('href');
		assert.match(href, /^\/api\/audit\/export\?team_id=[0-9a-f-]{36}&format=csv$/);
		await form.getByLabel('Action').fill('container.*');
		await form.getByRole('button', { name: 'Search' }).click();
		await page.waitForFunction(() => !document.querySelector('main')
		    .innerText.includes('project.created'));
		const rows = await page.locator('table.audit tbody tr').allInnerTexts();
		assert.ok(rows.length >= 3);
		for (const r of rows) assert.match(r, /container\./);
		const csv = await page.evaluate(async (u) => (await fetch(u)).text(),
		    href.replace('team_id', 'action=container.*&team_id'));
		assert.match(csv.split('\r\n')[0], /^seq,event_id,time,action/);
		assert.match(csv, /container\.created/);
		await shot(page, '15-audit');
		assert.deepEqual(page.problems, []);
	});

	test("the audit trail's counts and its hash chain's verdict are the API's", async () => {
		// The selection is still the team's container.* entries.
		const counts = page.getByRole('region', { name: 'Audit counts' });
		await counts.locator('.stats').waitFor();
		const team = (await page.locator('a[download][href*="team_id="]').first()
		    .getAttribute('href')).match(/team_id=([0-9a-f-]{36})/)[1];
		const stats = (await apiJson(page, 'GET',
		    `/api/audit/stats?team_id=${team}&action=container.*`)).body;
		assert.ok(stats.by_outcome.success >= 3, JSON.stringify(stats));
		const shown = await counts.locator('.stats li').allInnerTexts();
		const number = (label) => Number(shown.find((t) => t.startsWith(label))
		    .replace(label, '').trim());
		assert.equal(number('Successes'), stats.by_outcome.success);
		assert.equal(number('Failures, last 24 h'), stats.failures_24h);
		assert.equal(number('Failures\n'), stats.by_outcome.failure);
		assert.match(await counts.innerText(), new RegExp(
		    stats.by_action[0].action.replace(/\./g, '\\.')));
		// The chain grows while events arrive: the verdict shown is
		// compared with the API's when both checked the same entries.
		const tamper = page.getByRole('region', { name: 'Tamper evidence' });
		let verdict, api;
		for (let tries = 0; ; tries++) {
			assert.ok(tries < 20, 'the verdicts never checked the same entries');
			await tamper.getByRole('button', { name: 'Verify the chain' }).click();
			verdict = await tamper.locator('[role="status"], [role="alert"]')
			    .first().innerText();
			api = (await apiJson(page, 'GET', '/api/audit/verify')).body;
			if (verdict.includes(` ${api.rows_checked} entries`)) break;
		}
		assert.equal(api.ok, true, JSON.stringify(api));
		assert.ok(api.rows_checked > 0);
		assert.match(verdict, /^Intact/);
		assert.ok(verdict.includes(api.head.slice(0, 8)), verdict);
		await shot(page, '15b-audit-verified');
		assert.deepEqual(page.problems, []);
	});

	test('an entry rewritten in the database shows the chain broken where the API says; put back, it is intact', async () => {
		// The chain is the whole instance's: the row is put back in this
		// test, whatever failed, before any other flow verifies.
		const tamper = page.getByRole('region', { name: 'Tamper evidence' });
		const team = (await page.locator('a[download][href*="team_id="]').first()
		    .getAttribute('href')).match(/team_id=([0-9a-f-]{36})/)[1];
		const seq = superSql(`SELECT min(seq) FROM audit.entries WHERE
		    team_id = '${team}' AND action LIKE 'container.%'`);
		assert.match(seq, /^\d+$/);
		const saved = superSql(`SELECT event FROM audit.entries WHERE seq = ${seq}`);
		let api;
		try {
			superSql(`UPDATE audit.entries SET event = replace(event,
			    '"container.', '"cOntainer.') WHERE seq = ${seq}`);
			api = (await apiJson(page, 'GET', '/api/audit/verify')).body;
			assert.equal(api.ok, false, JSON.stringify(api));
			assert.equal(api.first_bad.seq, Number(seq));
			await tamper.getByRole('button', { name: 'Verify the chain' }).click();
			const alert = tamper.getByRole('alert').filter({ hasText: /^Broken/ });
			await alert.waitFor();
			const text = await alert.innerText();
			assert.ok(text.startsWith(`Broken at entry ${seq} (event ${
			    api.first_bad.event_id.slice(0, 8)}): ${api.first_bad.reason}.`), text);
			assert.match(api.first_bad.reason, /changed/);
			await shot(page, '15c-audit-broken');
		} finally {
			superSql(`UPDATE audit.entries SET event = $q$${saved}$q$
			    WHERE seq = ${seq}`);
		}
		assert.equal((await apiJson(page, 'GET', '/api/audit/verify')).body.ok, true,
		    'put back');
		await tamper.getByRole('button', { name: 'Verify the chain' }).click();
		await tamper.getByRole('status').filter({ hasText: /^Intact/ }).waitFor();
		assert.deepEqual(page.problems, []);
	});
});
