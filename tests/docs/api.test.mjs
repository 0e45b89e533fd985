// api.test.mjs — docs/api.md, the API reference, is what
// scripts/api-docs.py generates from docs/openapi.yaml today: the
// reference never drifts from the contract (`make docs` regenerates it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP = fileURLToPath(new URL('../../', import.meta.url));

test('docs/api.md is generated from docs/openapi.yaml as it stands', () => {
	const want = execFileSync('python3', [join(TOP, 'scripts', 'api-docs.py'),
		join(TOP, 'docs', 'openapi.yaml')], { encoding: 'utf8' });
	const have = readFileSync(join(TOP, 'docs', 'api.md'), 'utf8');
	assert.ok(have === want, 'docs/api.md is stale: run `make docs`');
});
