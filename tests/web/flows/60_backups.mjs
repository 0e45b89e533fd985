// Backups: storage targets the API refuses say why (an S3 endpoint that
// does not answer, a directory outside the allowed ones); a local target;
// a volume backed up with its progress, then restored after a
// confirmation; a schedule with cron, time zone and retention, refused
// beside its cron field when malformed, its restore drills (none),
// paused and resumed, run now (its backup found by the Backups tab's
// schedule filter), and deleted; a schedule made paused from its form; a
// database made from the project's form with a memory limit, and its
// schedule with a restore drill cron, refused beside that field when
// malformed, then changed and cleared in its edit dialog; the database
// backed up and restored into a new database beside it (a bad name
// refused beside its field), that one deleted with its data volume; each
// checked in the API.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, closeAll, shot, DATA } from '../lib/browser.mjs';
import { ADMIN, signIn, nav, apiAs, apiJson, scratchTeam, watchFor } from
    '../lib/flows.mjs';
import { inspectContainer, inspectVolume } from '../../integration/lib/docker.mjs';

describe('backups, restores and schedules', () => {
	let page, made;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Backups');
		await nav(page, 'Backups');
		await page.getByRole('heading', { name: 'Backups' }).waitFor();
	});
	after(async () => {
		if (made) await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		await closeAll();
	});

	test('storage targets the API refuses say why', async () => {
		await page.getByRole('tab', { name: 'Storage' }).click();
		await page.getByText('No storage target yet').waitFor();
		const form = page.getByRole('form', { name: 'New storage target' });
		await form.getByLabel('Directory').fill('/etc');
		await form.getByRole('button', { name: 'Add storage target' }).click();
		await form.locator('.field-error, .form-error').first().waitFor();
		await form.getByLabel('Kind').selectOption('s3');
		await form.getByLabel('Endpoint').fill('http://127.0.0.1:1');
		await form.getByLabel('Region').fill('us-east-1');
		await form.getByLabel('Bucket').fill('nowhere');
		await form.getByLabel('Access key').fill('AKIAEXAMPLE');
		await form.getByLabel('Secret key (write-only)').fill('not-a-real-secret');
		await form.getByRole('button', { name: 'Add storage target' }).click();
		await form.getByText(/unreach|answer|connect/i).first().waitFor();
		await shot(page, '60-storage-error');
	});

	test('a volume is backed up to a local directory, with its progress', async () => {
		const form = page.getByRole('form', { name: 'New storage target' });
		await form.getByLabel('Kind').selectOption('local');
		await form.getByLabel('Name (optional)').fill('local copies');
		await form.getByLabel('Directory').fill(join(DATA, 'backups'));
		await form.getByRole('button', { name: 'Add storage target' }).click();
		await page.getByRole('cell', { name: 'local copies', exact: true }).waitFor();
		await page.getByRole('tab', { name: 'Backups' }).click();
		const take = page.getByRole('form', { name: 'Back up now' });
		await take.getByLabel('Volume').selectOption('data');
		await take.getByLabel(/^Encrypt/).check();
		const working = await watchFor(page, 'progress[aria-label^="Backup"]');
		await take.getByRole('button', { name: 'Back up now' }).click();
		const row = page.getByRole('row', { name: /volume data of/ });
		await row.getByText('completed').waitFor();
		assert.ok(await working(), 'the backup was shown in progress');
		assert.match(await row.innerText(), /encrypted/);
	});

	test('a backup is restored only after a confirmation, and its progress shown', async () => {
		await page.getByRole('button', { name: /^Restore backup/ }).click();
		const dialog = page.getByRole('dialog');
		await dialog.getByText(/what is there now is replaced/).waitFor();
		await shot(page, '61-restore-confirm');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByRole('button', { name: /^Restore backup/ }).click();
		const restoring = await watchFor(page, 'progress[aria-label="Restore under way"]');
		await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
		await page.getByText('Restore completed').waitFor();
		assert.ok(await restoring(), 'the restore was shown in progress');
		await shot(page, '62-restored');
	});

	test('a schedule takes cron, a time zone and retention', async () => {
		await page.getByRole('tab', { name: 'Schedules' }).click();
		await page.getByText('No schedules yet').waitFor();
		const form = page.getByRole('form', { name: 'New schedule' });
		await form.getByLabel('Volume').selectOption('data');
		await form.getByLabel(/^Cron/).fill('61 * * * *');
		await form.getByRole('button', { name: 'Create schedule' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await form.getByLabel(/^Cron/).getAttribute('aria-invalid'), 'true');
		await form.getByLabel(/^Cron/).fill('15 4 * * 1-5');
		await form.getByLabel('Time zone').fill('Europe/Lisbon');
		await form.getByLabel('Keep the last').fill('3');
		await form.getByLabel('Weekly').fill('4');
		await form.getByRole('button', { name: 'Create schedule' }).click();
		const row = page.getByRole('row', { name: /15 4 \* \* 1-5/ });
		await row.waitFor();
		assert.match(await row.innerText(), /Europe\/Lisbon/);
		assert.match(await row.innerText(), /keep the last 3, weekly 4/);
		await shot(page, '63-schedules');
	});

	test("a schedule's restore drills are listed as the API has them", async () => {
		// Drills run only on a database schedule's drill cron (there is
		// no way to start one at once): this volume schedule has none.
		const [s] = (await apiJson(page, 'GET',
		    `/api/backup-schedules?team_id=${made.team.id}`)).body.items;
		const drills = (await apiJson(page, 'GET',
		    `/api/backup-schedules/${s.id}/drills`)).body;
		assert.deepEqual(drills.items, []);
		const row = page.getByRole('row', { name: /15 4 \* \* 1-5/ });
		const toggle = row.getByRole('button', { name: /^Restore drills of/ });
		await toggle.click();
		await page.getByText(/^No restore drills of volume data of .* yet\./).waitFor();
		assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
		await shot(page, '63b-schedule-drills');
		await toggle.click();
		await page.getByText(/^No restore drills/).waitFor({ state: 'detached' });
	});

	test('a schedule is paused and resumed from its row, as the API has it', async () => {
		const row = page.getByRole('row', { name: /15 4 \* \* 1-5/ });
		const mine = async () => (await apiJson(page, 'GET',
		    `/api/backup-schedules?team_id=${made.team.id}`)).body.items[0];
		const before = await mine();
		assert.equal(before.enabled, true);
		await row.getByRole('button', { name: /^Pause the schedule of/ }).click();
		await row.getByRole('button', { name: /^Resume the schedule of/ }).waitFor();
		assert.match(await row.innerText(), /paused/);
		assert.equal((await mine()).enabled, false);
		// Its edit dialog says so too.
		await row.getByRole('button', { name: /^Edit the schedule of/ }).click();
		const dialog = page.getByRole('dialog', { name: /^Edit the schedule of/ });
		assert.equal(await dialog.getByLabel(/^On \(untick to pause/).isChecked(), false);
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await shot(page, '63d-schedule-paused');
		await row.getByRole('button', { name: /^Resume the schedule of/ }).click();
		await row.getByRole('button', { name: /^Pause the schedule of/ }).waitFor();
		assert.ok(!/paused/.test(await row.innerText()), 'no longer paused');
		const after = await mine();
		assert.equal(after.enabled, true);
		assert.ok(Date.parse(after.next_run_at) > Date.now(), 'its next run from now');
		assert.deepEqual(page.problems, []);
	});

	test('a schedule runs now, and is deleted after a confirmation', async () => {
		const row = page.getByRole('row', { name: /15 4 \* \* 1-5/ });
		await row.getByRole('button', { name: /^Run .* now$/ }).click();
		await page.getByText(/is queued; it is on the Backups tab/).waitFor();
		await page.getByRole('tab', { name: 'Backups' }).click();
		await page.getByRole('row', { name: /scheduled/ }).getByText('completed')
		    .waitFor();
		// Narrowed to the schedule's backups, as the API narrows them.
		const [s] = (await apiJson(page, 'GET',
		    `/api/backup-schedules?team_id=${made.team.id}`)).body.items;
		const q = `/api/backups?team_id=${made.team.id}`;
		const every = (await apiJson(page, 'GET', q)).body.items;
		const its = (await apiJson(page, 'GET', `${q}&schedule_id=${s.id}`)).body.items;
		assert.ok(its.length === 1 && every.length > its.length, JSON.stringify(every));
		const rows = () => page.evaluate(() => [...document.querySelectorAll(
		    '[role="tabpanel"] table tbody tr:not(.sub)')].length);
		const madeBy = page.getByRole('combobox', { name: /^Made by/ });
		await madeBy.selectOption(s.id);
		await page.waitForFunction((n) => document.querySelectorAll(
		    '[role="tabpanel"] table tbody tr:not(.sub)').length === n, its.length);
		assert.match(await page.locator('[role="tabpanel"] table tbody tr').first()
		    .innerText(), /scheduled/);
		await madeBy.selectOption('');
		await page.waitForFunction((n) => document.querySelectorAll(
		    '[role="tabpanel"] table tbody tr:not(.sub)').length === n, every.length);
		assert.equal(await rows(), every.length);
		await page.getByRole('tab', { name: 'Schedules' }).click();
		await row.getByRole('button', { name: /^Delete the schedule/ }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await page.getByText('No schedules yet').waitFor();
		assert.deepEqual(page.problems, []);
	});

	test('a schedule is made paused from its form, as the API has it', async () => {
		const form = page.getByRole('form', { name: 'New schedule' });
		await form.getByLabel('Volume').selectOption('data');
		await form.getByLabel(/^Cron/).fill('45 2 * * *');
		await form.getByLabel(/^On \(untick to pause/).uncheck();
		await form.getByRole('button', { name: 'Create schedule' }).click();
		const row = page.getByRole('row', { name: /45 2 \* \* \*/ });
		await row.getByText('paused').first().waitFor();
		await row.getByRole('button', { name: /^Resume the schedule of/ }).waitFor();
		const [s] = (await apiJson(page, 'GET',
		    `/api/backup-schedules?team_id=${made.team.id}`)).body.items;
		assert.equal(s.cron, '45 2 * * *');
		assert.equal(s.enabled, false);
		assert.equal((await apiJson(page, 'DELETE', `/api/backup-schedules/${s.id}`))
		    .status, 204);
		assert.deepEqual(page.problems, []);
	});

	test("a database schedule's restore drill is set from its form, then changed and cleared in its edit dialog", async () => {
		// The database, from the project's form, with a memory limit (one
		// below the API's least refused beside its field).
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Databases' }).click();
		const dbForm = page.getByRole('form', { name: 'New database' });
		await dbForm.getByLabel('Name').fill('drilled');
		await dbForm.getByLabel('Image (optional)').fill('openpanel-test/postgres:15');
		const memory = dbForm.getByLabel('Memory limit in MB (optional)');
		await memory.fill('16');
		await dbForm.getByRole('button', { name: 'Create database' }).click();
		await dbForm.locator('.field-error').waitFor();
		assert.equal(await memory.getAttribute('aria-invalid'), 'true');
		await memory.fill('256');
		await dbForm.getByRole('button', { name: 'Create database' }).click();
		await page.getByRole('link', { name: 'drilled', exact: true }).waitFor();
		const [db] = (await apiJson(page, 'GET',
		    `/api/databases?project_id=${made.project.id}`)).body.items;
		assert.equal((await apiJson(page, 'GET', `/api/containers/${db.container_id}`))
		    .body.memory_mb, 256);
		const cid = db.container_id;
		const mine = async () => (await apiJson(page, 'GET',
		    `/api/backup-schedules?team_id=${made.team.id}`)).body.items;
		await nav(page, 'Backups');
		await page.getByRole('tab', { name: 'Schedules' }).click();
		const form = page.getByRole('form', { name: 'New schedule' });
		await form.getByLabel('What').selectOption('database');
		await form.getByLabel('Container').selectOption(cid);
		await form.getByLabel(/^Cron/).fill('0 3 * * *');
		const drill = form.getByLabel(/^Restore drill cron/);
		await drill.fill('61 * * * *');
		await form.getByRole('button', { name: 'Create schedule' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await drill.getAttribute('aria-invalid'), 'true');
		assert.equal(await form.getByLabel(/^Cron/).getAttribute('aria-invalid'), null);
		assert.deepEqual(await mine(), [], 'nothing was made');
		await drill.fill('0 5 * * 0');
		await form.getByRole('button', { name: 'Create schedule' }).click();
		const row = page.getByRole('row', { name: /database of/ });
		await row.getByText('0 5 * * 0').waitFor();
		let [s] = await mine();
		assert.equal(s.drill_cron, '0 5 * * 0');
		assert.ok(s.next_drill_at, 'a next drill');
		assert.match(await row.innerText(), /restore drill 0 5 \* \* 0/);
		assert.match(await row.innerText(), /next drill/);

		// Changed in the dialog: a cron that never fires is refused
		// beside the field, and nothing changes.
		const edit = async () => {
			await row.getByRole('button', { name: /^Edit the schedule of database of/ })
			    .click();
			const dialog = page.getByRole('dialog', { name: /^Edit the schedule of database of/ });
			return { dialog, field: dialog.getByLabel(/^Restore drill cron/) };
		};
		let { dialog, field } = await edit();
		assert.equal(await field.inputValue(), '0 5 * * 0');
		await field.fill('0 0 30 2 *');
		await dialog.getByRole('button', { name: 'Save schedule' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await field.getAttribute('aria-invalid'), 'true');
		assert.match(await dialog.locator('.field-error').innerText(), /never fires/);
		assert.equal((await mine())[0].drill_cron, '0 5 * * 0', 'unchanged');
		const drillBefore = s.next_drill_at;
		await field.fill('15 6 * * 1');
		await dialog.getByRole('button', { name: 'Save schedule' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await row.getByText('15 6 * * 1').waitFor();
		[s] = await mine();
		assert.equal(s.drill_cron, '15 6 * * 1');
		assert.ok(s.next_drill_at && s.next_drill_at !== drillBefore, 'the next drill moved');
		await shot(page, '63c-schedule-drill');

		// Cleared: no more drills.
		({ dialog, field } = await edit());
		await field.fill('');
		await dialog.getByRole('button', { name: 'Save schedule' }).click();
		await dialog.waitFor({ state: 'hidden' });
		await row.getByText('15 6 * * 1').waitFor({ state: 'detached' });
		[s] = await mine();
		assert.equal(s.drill_cron, null);
		assert.equal(s.next_drill_at, null);
		assert.ok(!(await row.innerText()).includes('restore drill'));
		assert.equal((await apiJson(page, 'DELETE', `/api/backup-schedules/${s.id}`))
		    .status, 204);
		assert.deepEqual(page.problems, []);
	});

	test('a database backup is restored into a new database beside it, a bad name refused beside its field', async () => {
		const [db] = (await apiJson(page, 'GET',
		    `/api/databases?project_id=${made.project.id}`)).body.items;
		await page.getByRole('tab', { name: 'Backups' }).click();
		const take = page.getByRole('form', { name: 'Back up now' });
		await take.getByLabel('What').selectOption('database');
		await take.getByLabel('Container').selectOption(db.container_id);
		await take.getByRole('button', { name: 'Back up now' }).click();
		const row = page.getByRole('row', { name: /database \(postgres/ });
		await row.getByText('completed').waitFor();
		await row.getByRole('button', { name: /^Restore backup/ }).click();
		const dialog = page.getByRole('dialog', { name: 'Restore this backup?' });
		await dialog.getByLabel('Into').selectOption('new');
		const name = dialog.getByLabel(/^The new database's name/);
		await name.fill('Not A Slug!');
		await dialog.getByRole('button', { name: 'Restore' }).click();
		await dialog.locator('.field-error').waitFor();
		assert.equal(await name.getAttribute('aria-invalid'), 'true');
		await name.fill('drilled-copy');
		await shot(page, '62b-restore-new');
		await dialog.getByRole('button', { name: 'Restore' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByText(/Restore completed into the new database drilled-copy/)
		    .waitFor({ timeout: 180000 });
		const copy = (await apiJson(page, 'GET',
		    `/api/containers?project_id=${made.project.id}`)).body.items
		    .find((c) => c.name === 'drilled-copy');
		assert.ok(copy, 'the new database is in the project');
		assert.notEqual(copy.id, db.container_id);
		const dbs = (await apiJson(page, 'GET',
		    `/api/databases?project_id=${made.project.id}`)).body.items;
		const made_ = dbs.find((d) => d.container_id === copy.id);
		assert.ok(made_, JSON.stringify(dbs));
		// Deleted from the project's Databases tab, its data volume too.
		const mounts = (await inspectContainer(copy.docker_id)).Mounts
		    .filter((m) => m.Type === 'volume').map((m) => m.Name);
		assert.ok(mounts.length > 0, 'the copy has a data volume');
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Databases' }).click();
		await page.getByRole('button', { name: 'Delete drilled-copy' }).click();
		const confirm = page.getByRole('dialog');
		await confirm.getByLabel(/^Type/).fill('drilled-copy');
		await confirm.getByLabel('Also delete its data volume and the data in it').check();
		await confirm.getByRole('button', { name: 'Delete' }).click();
		await page.getByRole('link', { name: 'drilled-copy', exact: true })
		    .waitFor({ state: 'detached' });
		assert.equal((await apiJson(page, 'GET', `/api/databases/${made_.id}`)).status, 404);
		for (const name of mounts)
			assert.equal(await inspectVolume(name), null, `the volume ${name} is gone`);
		await nav(page, 'Backups');
		assert.deepEqual(page.problems, []);
	});

	test('on a phone the backups fit the width, in the dark theme', async () => {
		await page.setViewportSize({ width: 390, height: 800 });
		await page.getByRole('button', { name: 'Switch theme' }).click();
		await page.getByRole('tab', { name: 'Backups' }).click();
		await page.getByRole('row', { name: /volume data of/ }).first().waitFor();
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <=
		    innerWidth), 'nothing wider than the screen');
		await shot(page, '64-backups-phone-dark');
	});
});
