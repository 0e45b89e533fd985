// A build started from the UI: a git repository connected to a project,
// "Build now", and its log arriving live on the build page (the gateway's
// stream of the build), whole and in order once it has ended, and deployed
// from its row; a build of another ref with every option the API takes
// (repository, Dockerfile, context, build arguments). Then the
// source's SSH deploy key made and replaced from the page, and its
// deploy-on-push webhook: the URL the page shows builds a signed push,
// and after a rotation from the page the old secret is refused. Last, in
// another user's team, the builds tab offers the instance admin what the
// API lets them do there, on the builds tab and the team's screen: all
// of it while they are no member (the API acts for them as an owner, and
// the team picker names their team, not one of the admin's),
// not the source's secrets nor the team's management once they are a
// developer of it (the member's role is the one the API reads).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHmac } from 'node:crypto';
import { open, closeAll, shot } from '../lib/browser.mjs';
import { ADMIN, signIn, apiAs, apiJson, scratchTeam, unique } from '../lib/flows.mjs';
import { api, login } from '../../integration/lib/client.mjs';
import { startGitServer, appFiles } from '../../integration/lib/git.mjs';
import { engine } from '../../integration/lib/docker.mjs';

// A generic webhook delivery of body, signed with secret: {status, body}.
async function deliver(url, body, secret) {
	const raw = JSON.stringify(body);
	const r = await fetch(url, { method: 'POST', body: raw, headers: {
		'content-type': 'application/json', 'x-openpanel-signature':
		`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}` } });
	const text = await r.text();
	let json = null;
	try { json = JSON.parse(text); } catch { /* not JSON */ }
	return { status: r.status, body: json ?? text };
}

// The text of the copyable block labelled label.
const copyable = (page, label) => page.getByRole('group', { name: label })
    .locator('code').innerText();

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

	test('the succeeded build is deployed from its row', async () => {
		const build = page.url().split('/').pop();
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		await page.getByText('No deployments yet.').waitFor();
		await page.getByRole('button', { name: `Deploy build ${build.slice(0, 8)}` }).click();
		// The deployments are shown again at once: the new one is listed.
		await page.getByText('No deployments yet.').waitFor({ state: 'detached' });
		let d;
		for (let tries = 0; tries < 240; tries++) {
			d = (await apiJson(page, 'GET', `/api/deployments?project_id=${made.project.id}`))
			    .body.items[0];
			if (['succeeded', 'failed'].includes(d?.status)) break;
			await page.waitForTimeout(250);
		}
		assert.equal(d.status, 'succeeded', JSON.stringify(d));
		assert.equal(d.build_id, build);
		assert.equal(d.image, (await apiJson(page, 'GET', `/api/builds/${build}`)).body.image);
		await page.getByRole('button', { name: 'Refresh' }).last().click();
		await page.getByRole('row', { name: new RegExp(d.id.slice(0, 8)) })
		    .getByText('succeeded').waitFor();
	});

	test('a build of another ref and options, to deploy if it succeeds, is started from the form; the API has them all', async () => {
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		const form = page.getByRole('form', { name: 'Build now' });
		const before = (await apiJson(page, 'GET',
		    `/api/builds?project_id=${made.project.id}`)).body.items.length;
		await form.getByLabel(/^Ref to build/).fill('no-such-branch');
		await form.getByLabel('Deploy it if it succeeds').check();
		// The options: a bad build argument is refused beside its field
		// (the section opened to show it), and no build is made.
		await form.getByText('Options (blank: the source\'s)').click();
		const args = form.getByLabel(/^Build arguments for this build/);
		await args.fill('1BAD=x');
		await form.getByRole('button', { name: 'Build now' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await args.getAttribute('aria-invalid'), 'true');
		assert.equal((await apiJson(page, 'GET', `/api/builds?project_id=${
		    made.project.id}`)).body.items.length, before, 'no build made');
		const other = gs.url(`other-${NONCE}`);
		await form.getByLabel('Repository URL for this build').fill(other);
		await form.getByLabel('Dockerfile for this build').fill('docker/Dockerfile.web');
		await form.getByLabel('Context for this build').fill('app');
		await args.fill('STAGE=test\nGREETING=a b');
		await form.getByRole('button', { name: 'Build now' }).click();
		await page.getByRole('heading', { name: /^Build [0-9a-f]{8}$/ }).waitFor();
		const id = page.url().split('/').pop();
		let b;
		for (let tries = 0; tries < 240; tries++) {
			b = (await apiJson(page, 'GET', `/api/builds/${id}`)).body;
			if (!['queued', 'running'].includes(b.status)) break;
			await page.waitForTimeout(250);
		}
		assert.equal(b.git_ref, 'no-such-branch');
		assert.equal(b.deploy, true);
		assert.equal(b.git_url, other);
		assert.equal(b.dockerfile, 'docker/Dockerfile.web');
		assert.equal(b.context, 'app');
		assert.deepEqual(b.build_args, { STAGE: 'test', GREETING: 'a b' });
		const shown = await page.locator('.details').innerText();
		assert.match(shown, /docker\/Dockerfile\.web in app/);
		assert.match(shown, /STAGE=test/);
		assert.equal(b.status, 'failed', 'no such branch');
		await page.locator('.details .badge', { hasText: 'failed' }).waitFor();
		const deployments = (await apiJson(page, 'GET',
		    `/api/deployments?project_id=${made.project.id}`)).body.items;
		assert.ok(deployments.every((d) => d.build_id !== id), 'a failed build deploys nothing');
	});

	test('the builds are narrowed by status, as the API narrows them', async () => {
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		const table = page.getByRole('table', { name: 'Builds' });
		const status = page.getByRole('combobox', { name: 'Status' });
		for (const want of ['failed', 'succeeded']) {
			await status.selectOption(want);
			const api = (await apiJson(page, 'GET',
			    `/api/builds?project_id=${made.project.id}&status=${want}`)).body.items;
			assert.ok(api.length > 0, want);
			const rows = table.locator('tbody tr');
			await page.waitForFunction(([n, s]) => {
				const r = [...document.querySelectorAll('table[aria-label="Builds"] tbody tr')];
				return r.length === n && r.every((x) => x.innerText.includes(s));
			}, [api.length, want]);
			for (const b of api)
				await table.getByRole('link', { name: b.id.slice(0, 8) }).waitFor();
			assert.equal(await rows.count(), api.length);
		}
		await status.selectOption('cancelled');
		await page.getByText('No cancelled builds.').waitFor();
		await status.selectOption('');
		const every = (await apiJson(page, 'GET',
		    `/api/builds?project_id=${made.project.id}`)).body.items;
		await page.waitForFunction((n) => document.querySelectorAll(
		    'table[aria-label="Builds"] tbody tr').length === n, every.length);
		assert.deepEqual(page.problems, []);
	});

	test('a deploy key is made, shown as the API has it, and replaced after a confirmation', async () => {
		await page.goto(`/#/projects/${made.project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		await page.getByRole('button', { name: 'Generate deploy key' }).click();
		const first = (await copyable(page, 'Deploy key (public)')).trim();
		const src = await apiJson(page, 'GET', `/api/projects/${made.project.id}/source`);
		assert.match(first, /^ssh-ed25519 \S+ openpanel-/);
		assert.equal(first, src.body.deploy_key_public);
		await page.getByRole('button', { name: 'Replace deploy key' }).click();
		const dialog = page.getByRole('dialog', { name: 'Replace the deploy key?' });
		await dialog.getByRole('button', { name: 'Replace' }).click();
		await dialog.waitFor({ state: 'detached' });
		const key = page.getByRole('group', { name: 'Deploy key (public)' }).locator('code');
		await key.filter({ hasNotText: first.split(' ')[1] }).waitFor();
		const now = await apiJson(page, 'GET', `/api/projects/${made.project.id}/source`);
		assert.notEqual(now.body.deploy_key_public, first);
		assert.equal((await key.innerText()).trim(), now.body.deploy_key_public);
	});

	test('the webhook URL on the page builds a signed push; after a rotation the old secret is refused', async () => {
		const api = (await apiJson(page, 'GET',
		    `/api/projects/${made.project.id}/webhook`)).body;
		const url = (await copyable(page, 'Generic webhook URL')).trim();
		assert.equal(url, api.urls.generic);
		assert.equal((await copyable(page, 'GitHub webhook URL')).trim(), api.urls.github);
		await page.getByRole('button', { name: 'Show secret' }).click();
		const secret = (await copyable(page, 'Webhook secret')).trim();
		assert.equal(secret, api.secret);

		const pushed = await deliver(url, { ref: 'main' }, secret);
		assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
		let build = pushed.body.build;
		assert.equal(build.trigger, 'webhook');
		assert.equal(build.project_id, made.project.id);
		// Let it end before the clean-up (its image is removed then).
		for (let tries = 0; tries < 600 && ['queued', 'running'].includes(build.status);
		    tries++) {
			await page.waitForTimeout(500);
			build = (await apiJson(page, 'GET', `/api/builds/${build.id}`)).body;
		}
		assert.equal(build.status, 'succeeded');
		await shot(page, '80-webhook');

		await page.getByRole('button', { name: 'Rotate secret' }).click();
		const dialog = page.getByRole('dialog', { name: 'Rotate the webhook secret?' });
		await dialog.getByRole('button', { name: 'Rotate' }).click();
		const fresh = (await page.locator('.reveal code.secret').innerText()).trim();
		const rotated = (await apiJson(page, 'GET',
		    `/api/projects/${made.project.id}/webhook`)).body;
		assert.equal(fresh, rotated.secret);
		assert.notEqual(fresh, secret);
		assert.equal(rotated.urls.generic, url, 'the URLs stay');
		const old = await deliver(url, { ref: 'main' }, secret);
		assert.equal(old.status, 401);
		assert.equal(old.body.error.code, 'bad_signature');
		// The new secret is accepted (a branch the source does not build:
		// acknowledged, nothing built).
		const other = await deliver(url, { ref: 'not-built' }, fresh);
		assert.equal(other.status, 200, JSON.stringify(other.body));
		assert.equal(typeof other.body.ignored, 'string');
		await shot(page, '80-webhook-rotated');
		assert.deepEqual(page.problems, []);
	});
});

describe("another user's team: the builds tab offers what the API allows the instance admin", () => {
	let page, owner, team, project;
	const as = (method, path, body) => api(method, path, { token: owner.token, body });
	const sections = () => Promise.all(['SSH deploy key', 'Deploy on push'].map(
	    (name) => page.getByRole('heading', { name }).count()));
	const buildsTab = async () => {
		await page.goto(`/#/projects/${project.id}`);
		await page.getByRole('tab', { name: 'Builds & deploys' }).click();
		await page.getByRole('form', { name: 'Git source' }).waitFor();
	};

	before(async () => {
		page = await open();
		await signIn(page, ADMIN.email, ADMIN.password);
		const email = `${unique('owner')}@openpanel.test`;
		const password = 'a long enough password';
		const u = await apiJson(page, 'POST', '/api/users',
		    { email, name: 'Another Owner', password });
		assert.equal(u.status, 201, JSON.stringify(u.body));
		owner = { id: u.body.id, token: (await login(email, password)).access_token };
		team = (await as('POST', '/api/teams', { name: unique('Not the admin\'s') })).body;
		project = (await as('POST', '/api/projects', { team_id: team.id,
			name: unique('theirs') })).body;
		const src = await as('PUT', `/api/projects/${project.id}/source`,
		    { git_url: 'https://git.openpanel.test/theirs.git' });
		assert.equal(src.status, 200, src.text);
		await page.reload();
	});
	after(async () => {
		if (project) await as('DELETE', `/api/projects/${project.id}?volumes=true`);
		if (team) await as('DELETE', `/api/teams/${team.id}`);
		if (owner) await apiAs(page, 'DELETE', `/api/users/${owner.id}`);
		await closeAll();
	});

	test('no member: the deploy key and webhook show, as the API answers them to an instance admin', async () => {
		const me = (await apiJson(page, 'GET', '/api/auth/me')).body;
		assert.equal(me.is_admin, true);
		assert.ok(!me.teams.some((t) => t.id === team.id), 'no member');
		const hook = await apiJson(page, 'GET', `/api/projects/${project.id}/webhook`);
		assert.equal(hook.status, 200, JSON.stringify(hook.body));
		await buildsTab();
		// The team picker shows the project's team, not one of the admin's.
		const picker = page.getByRole('combobox', { name: 'Team' });
		assert.equal(await picker.inputValue(), team.id);
		assert.equal((await picker.locator('option:checked').innerText()).trim(),
		    `${team.name} (not a member)`);
		// So does a container's page, come to from the admin's own team.
		const c = await as('POST', '/api/containers', { project_id: project.id,
			name: unique('c'), image: 'openpanel-test/busybox:1',
			command: ['sh', '-c', "trap 'exit 0' TERM; while :; do sleep 1; done"] });
		assert.equal(c.status, 201, c.text);
		await picker.selectOption({ index: 0 });
		assert.notEqual(await picker.inputValue(), team.id);
		await page.goto(`/#/containers/${c.body.id}`);
		await page.getByRole('heading', { name: c.body.name }).waitFor();
		await page.waitForFunction((id) => document.querySelector(
		    'select[aria-label="Team"]').value === id, team.id);
		await buildsTab();
		assert.deepEqual(await sections(), [1, 1]);
		assert.equal((await copyable(page, 'Generic webhook URL')).trim(),
		    hook.body.urls.generic);
		await page.getByRole('button', { name: 'Show secret' }).click();
		assert.equal((await copyable(page, 'Webhook secret')).trim(), hook.body.secret);
		await page.getByRole('button', { name: 'Generate deploy key' }).click();
		const key = (await copyable(page, 'Deploy key (public)')).trim();
		assert.equal(key, (await as('GET', `/api/projects/${project.id}/source`))
		    .body.deploy_key_public);
		assert.equal(await page.getByRole('form', { name: 'Git source' })
		    .getByLabel(/^Access token/).count(), 1);
		assert.equal(await page.getByRole('button', { name: 'Disconnect' }).count(), 1);
		// The source's build arguments: a bad name refused beside them.
		const form = page.getByRole('form', { name: 'Git source' });
		const args = form.getByLabel(/^Build arguments/);
		await args.fill('1BAD=x');
		await form.getByRole('button', { name: 'Save source' }).click();
		await form.locator('.field-error').waitFor();
		assert.equal(await args.getAttribute('aria-invalid'), 'true');
		await args.fill('STAGE=web\nGREETING=a b');
		await form.getByRole('button', { name: 'Save source' }).click();
		await form.locator('.field-error').waitFor({ state: 'detached' });
		let src;
		for (let tries = 0; tries < 50; tries++) {
			src = (await as('GET', `/api/projects/${project.id}/source`)).body;
			if (src.build_args?.STAGE) break;
			await page.waitForTimeout(100);
		}
		assert.deepEqual(src.build_args, { STAGE: 'web', GREETING: 'a b' });
		assert.equal(src.deploy_key_public, key, 'the key stays');
		await shot(page, '82-builds-instance-admin');
		assert.deepEqual(page.problems, []);
	});

	test("no member: the team's screen offers what the API lets an instance admin do, as an owner", async () => {
		await page.goto(`/#/teams/${team.id}`);
		await page.getByRole('heading', { name: team.name }).waitFor();
		// The API answers the role it acts on: owner.
		assert.equal((await apiJson(page, 'GET', `/api/teams/${team.id}`)).body.role, 'owner');
		assert.match(await page.getByText(/^Your role:/).innerText(), /^Your role: owner/);
		for (const name of ['Rename team', 'Invite', 'Add a registry'])
			await page.getByRole('form', { name }).waitFor();
		await page.getByRole('button', { name: 'Delete team' }).waitFor();
		// The API agrees: an invitation made from the screen, then withdrawn.
		const form = page.getByRole('form', { name: 'Invite' });
		const email = `${unique('invited')}@openpanel.test`;
		await form.getByLabel('Email').fill(email);
		await form.getByRole('button', { name: 'Invite' }).click();
		await page.getByText(`Send this invitation token to ${email}`).waitFor();
		const pending = (await apiJson(page, 'GET', `/api/teams/${team.id}/invitations`))
		    .body.items;
		assert.deepEqual(pending.map((i) => i.email), [email]);
		await page.getByRole('button', { name: `Withdraw ${email}` }).click();
		await page.getByText('No pending invitations.').waitFor();
		assert.deepEqual((await apiJson(page, 'GET',
		    `/api/teams/${team.id}/invitations`)).body.items, []);
	});

	test('a developer of the team: the secrets are hidden, as the API refuses them', async () => {
		const inv = await as('POST', `/api/teams/${team.id}/invitations`,
		    { email: ADMIN.email, role: 'developer' });
		assert.equal(inv.status, 201, inv.text);
		const acc = await apiJson(page, 'POST', `/api/invitations/${inv.body.token}/accept`);
		assert.equal(acc.status, 200, JSON.stringify(acc.body));
		for (const [method, path] of [['GET', 'webhook'], ['POST', 'webhook/rotate'],
			['POST', 'source/deploy-key'], ['DELETE', 'source']])
			assert.equal((await apiJson(page, method,
			    `/api/projects/${project.id}/${path}`)).status, 403, `${method} ${path}`);
		await page.reload();
		await buildsTab();
		// A member now: the picker has the team as one of theirs.
		assert.equal(await page.getByRole('combobox', { name: 'Team' }).inputValue(),
		    team.id);
		assert.equal(await page.getByRole('option', { name: /not a member/ }).count(), 0);
		assert.deepEqual(await sections(), [0, 0]);
		assert.equal(await page.getByRole('form', { name: 'Git source' })
		    .getByLabel(/^Access token/).count(), 0);
		assert.equal(await page.getByRole('button', { name: 'Disconnect' }).count(), 0);
		await page.getByRole('button', { name: 'Build now' }).waitFor();

		// On the team's screen, a developer manages nothing: neither may
		// they through the API.
		await page.goto(`/#/teams/${team.id}`);
		await page.getByRole('heading', { name: 'Image registries' }).waitFor();
		assert.match(await page.getByText(/^Your role:/).innerText(), /developer/);
		for (const name of ['Rename team', 'Invite', 'Add a registry'])
			assert.equal(await page.getByRole('form', { name }).count(), 0, name);
		assert.equal(await page.getByRole('button', { name: 'Delete team' }).count(), 0);
		// Nor may they change members' roles, instance admin or not.
		assert.equal(await page.getByRole('combobox', { name: /^Role of / }).count(), 0);
		assert.equal((await apiJson(page, 'PATCH', `/api/teams/${team.id}/members/${owner.id}`,
		    { role: 'viewer' })).status, 403);
		assert.equal((await apiJson(page, 'POST', `/api/teams/${team.id}/invitations`,
		    { email: 'x@openpanel.test', role: 'viewer' })).status, 403);
		assert.equal((await apiJson(page, 'PATCH', `/api/teams/${team.id}`,
		    { name: 'renamed' })).status, 403);
		assert.deepEqual(page.problems, []);
	});
});
