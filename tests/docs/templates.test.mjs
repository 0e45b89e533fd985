// The template catalogue (templates/ and the tests' own): every file is a
// well-formed template whose variables are all declared and used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs = [join(top, 'templates'), join(top, 'tests', 'templates')];
const slug = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const envKey = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const image = /^[a-z0-9][a-z0-9._\/:-]*$/;

for (const dir of dirs) {
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
		test(`${dir.slice(top.length + 1)}/${file}`, () => {
			const t = JSON.parse(readFileSync(join(dir, file), 'utf8'));
			assert.equal(t.id, file.replace(/\.json$/, ''), 'id is the file name');
			assert.match(t.id, slug);
			assert.equal(typeof t.name, 'string');
			assert.equal(typeof t.description, 'string');
			assert.ok(Array.isArray(t.variables));
			const declared = new Set();
			for (const v of t.variables) {
				assert.match(v.name, envKey);
				assert.ok(v.default !== undefined || v.generate === 'secret',
				    `${v.name} has a default or is generated`);
				declared.add(v.name);
			}
			assert.ok(t.containers.length >= 1 && t.containers.length <= 16);
			const used = new Set(), names = new Set();
			for (const c of t.containers) {
				assert.match(c.name, slug);
				assert.ok(!names.has(c.name), `container ${c.name} once`);
				names.add(c.name);
				assert.match(c.image, image);
				for (const [k, v] of Object.entries(c.env ?? {})) {
					assert.match(k, envKey);
					const m = /^\$\{(.+)\}$/.exec(v);
					if (m) {
						assert.ok(declared.has(m[1]), `${m[1]} is declared`);
						used.add(m[1]);
					}
				}
			}
			for (const v of declared)
				assert.ok(used.has(v), `variable ${v} is used`);
		});
	}
}
