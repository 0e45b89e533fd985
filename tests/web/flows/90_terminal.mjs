// The web terminal on a container's page: a shell through the gateway's
// terminal bridge, typed into and read from, left by the keyboard
// (Ctrl+]), and ended by the command's exit; under the strict CSP (the
// terminal's generated CSS is adopted, never inline).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, apiAs, scratchTeam } from '../lib/flows.mjs';

describe('the web terminal', () => {
	const NONCE = randomBytes(4).toString('hex');
	let page, made;

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		made = await scratchTeam(page, 'Terminal');
	});
	after(async () => {
		if (made) await apiAs(page, 'DELETE',
		    `/api/projects/${made.project.id}?volumes=true`);
		await closeAll();
	});

	test('a shell opens in the container and answers what is typed', async () => {
		await page.goto(`/#/containers/${made.container.id}`);
		await page.getByRole('tab', { name: 'Terminal' }).click();
		await page.getByRole('button', { name: 'Open a terminal' }).click();
		await page.getByTestId('terminal-state').getByText('Connected').waitFor();
		const rows = page.getByTestId('terminal').locator('.xterm-rows');
		await rows.getByText(/#\s*$/).first().waitFor();	// the prompt
		await page.keyboard.type(`echo "hi-$((6*7))-${NONCE}"`);
		await page.keyboard.press('Enter');
		await rows.getByText(`hi-42-${NONCE}`, { exact: true }).waitFor();
		assert.ok(await page.evaluate(() => document.adoptedStyleSheets.length > 0),
		    "the terminal's own CSS is adopted");
		assert.equal(await page.locator('style').count(), 0, 'no inline <style>');
		await shot(page, '90-terminal');
	});

	test('24-bit colours show, under the CSP', async () => {
		const rows = page.getByTestId('terminal').locator('.xterm-rows');
		await page.keyboard.type("printf '\\033[38;2;255;0;0;48;2;0;0;255m"
		    + `tc-${NONCE}\\033[0m\\n'`);
		await page.keyboard.press('Enter');
		const cell = rows.getByText(`tc-${NONCE}`, { exact: true });
		await cell.waitFor();
		const colours = await cell.evaluate((e) => {
			const s = getComputedStyle(e);
			return [s.color, s.backgroundColor];
		});
		assert.deepEqual(colours, ['rgb(255, 0, 0)', 'rgb(0, 0, 255)']);
		assert.deepEqual(page.problems, [], 'no CSP violation');
	});

	test('Ctrl+] leaves the terminal, and the exit of the shell ends the session', async () => {
		await page.keyboard.press('Control+]');
		assert.equal(await page.evaluate(() => document.activeElement.textContent
		    .replace(/\s+/g, ' ').trim()), 'Close the terminal');
		await page.getByTestId('terminal').click();
		await page.keyboard.type('exit 3');
		await page.keyboard.press('Enter');
		await page.getByTestId('terminal-state')
		    .getByText('The command ended with code 3.').waitFor();
		assert.deepEqual(page.problems, [], 'no CSP violation, no script error');
	});
});
