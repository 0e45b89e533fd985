// A build started from the UI: a git repository connected to a project,
// "Build now", and its log arriving live on the build page (the gateway's
// stream of the build), whole and in order once it has ended.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, apiAs, scratchTeam } from '../lib/flows.mjs';
import { startGitServer, appFiles } from '../../integration/lib/git.mjs';
import { engine } from '../../integration/lib/docker.mjs';

describe('a build from the UI, its log live', () => {
	const NONCE = randomBytes(6).toString('hex');	// no engine cache across runs
	let page, made, gs, repo;

	before(async () => {
		gs = await startGitServer();
		repo = await gs.createRepo(`web-${NONCE}`);
		// A slow step: its second line is printed while the page watches.
		await repo.update(appFiles(`web-${NONCE}`, { steps: [
			`RUN echo "first ${NONCE}" && sleep 2 && echo "second ${NONCE}"`,
		] }), 'a build worth watching');
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Builds');
	});
	after(async () => {
		if (made) {
			await apiAs(page, 'DELETE', `/api/projects/${made.project.id}/source`);
			await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		}
		await gs?.close();
		await closeAll();
		// The images the build made (op-<project>:<tag>) go too.
		const images = made ? await engine('GET', `/images/json?filters=${
		    encodeURIComponent(JSON.stringify({ reference: [`op-${made.project.id}`] }))}`) : null;
		for (const i of images?.body ?? [])
			await engine('DELETE', `/images/${i.Id}?force=true`);
	});

	test('a repository is connected and a build started from the project', async () => {
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		await page.getByText('No git source yet').waitFor();
		const form = page.getByRole('form', { name: 'Git source' });
		await form.getByLabel('Repository URL').fill(gs.url(repo.name));
		await form.getByLabel('Deploy every successful build').uncheck();
		await form.getByRole('button', { name: 'Connect repository' }).click();
		await page.getByRole('button', { name: 'Disconnect' }).waitFor();
		await page.getByRole('button', { name: 'Build now' }).click();
		await page.getByRole('heading', { name: /^Build [0-9a-f]{8}$/ }).waitFor();
	});

	test('the build log arrives live while the build runs', async () => {
		await page.getByTestId('build-log-mode').getByText('live').waitFor();
		const log = page.getByTestId('build-log');
		await log.getByText(new RegExp(`^first ${NONCE}$`, 'm')).waitFor();
		await log.getByText(new RegExp(`^second ${NONCE}$`, 'm')).waitFor();
		await shot(page, '80-build-live');
	});

	test('once it has ended, the log is the stored one, each line once', async () => {
		await page.locator('.details .badge', { hasText: 'succeeded' }).waitFor();
		const stored = await page.evaluate(async (u) => (await fetch(u)).text(),
		    `/api/builds/${page.url().split('/').pop()}/logs`);
		// The page fetches the stored log when it sees the build end; its
		// answer may still be on the way when the badge shows.
		let shown;
		for (let tries = 0; tries < 50; tries++) {
			shown = await page.getByTestId('build-log').innerText();
			if (shown.trim() === stored.trim()) break;
			await page.waitForTimeout(200);
		}
		assert.equal(shown.trim(), stored.trim());
		assert.equal(shown.split('\n').filter((l) => l === `second ${NONCE}`).length, 1);
		assert.deepEqual(page.problems, []);
	});
});
