// The path from nothing to a running app: a team, a project with a
// write-only secret, a container from an image, its state and its log,
// and every one of those actions found again in the audit trail.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, unique, apiAs, projectId } from '../lib/flows.mjs';

describe('a project from nothing to a running container', () => {
	const IMAGE = 'openpanel-test/busybox:1';
	const TEAM = unique('Web team');
	const PROJECT = unique('Web project');
	const CONTAINER = unique('web');
	const MARK = unique('hello-from-the-ui');
	let page, project;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
	});
	after(async () => {	// leave no container behind, whatever failed
		if (project) await apiAs(page, 'DELETE', `/api/projects/${project}`);
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
		await form.getByLabel(/^Command/).fill(['sh', '-c', "trap 'exit 0' TERM; " +
		    `echo ${MARK}; i=0; while :; do sleep 1; i=$((i+1)); echo tick-$i; done`]
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

	test('the audit trail shows what was done, and offers it for export', async () => {
		await nav(page, 'Audit trail');
		await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
		const form = page.getByRole('form', { name: 'Filter the audit trail' });
		await form.getByLabel('Entries').selectOption({ label: `Team ${TEAM}` });
		const want = ['team.created', 'project.created', 'project.env_changed',
			'container.created', 'container.stopped', 'container.started'];
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
});
