// restored.test.mjs — the panel of tests/systemd/boot.sh after it was
// rebuilt from its own encrypted backup (docs/backups.md, "Rebuilding a
// lost server"): the accounts, teams and trail as they were when the
// backup was taken, nothing made after it, and a panel that works on.
// It leaves an API token for boot.sh to script the installed opctl with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { api, ADMIN, login } from '../integration/lib/client.mjs';

let tok;

test('the admin signs in with the password of before', async () => {
	tok = (await login(ADMIN.email, ADMIN.password)).access_token;
});

test('the teams are those of the backup: kept, not the later one',
    async () => {
	const r = await api('GET', '/api/teams', { token: tok });
	assert.equal(r.status, 200, r.text);
	const names = r.body.items.map((t) => t.name);
	assert.ok(names.includes('kept team'), names.join(', '));
	assert.ok(!names.includes('later team'), names.join(', '));
});

test('the restored trail is intact, and it goes on', async () => {
	const v = await api('GET', '/api/audit/verify', { token: tok });
	assert.equal(v.status, 200, v.text);
	assert.equal(v.body.ok, true, v.text);
	const t = await api('POST', '/api/teams', { token: tok,
		body: { name: 'after the restore' } });
	assert.equal(t.status, 201, t.text);
});

test('an API token is minted for scripts', async () => {
	const r = await api('POST', '/api/tokens', { token: tok, body: {
		name: 'opctl on the server', scope: 'read' } });
	assert.equal(r.status, 201, r.text);
	writeFileSync(`${process.env.OP_DATA_DIR}/api-token`, r.body.token);
});
