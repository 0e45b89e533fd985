// openapi.test.mjs — the routes the services serve and docs/openapi.yaml
// agree, both ways. No dependencies: the route tables are read from every
// fcgi/*/main.c, and the document with a small indentation-based parser
// (path keys at 2 spaces under `paths:`, methods at 4, their fields at 6).
//
//   node --test tests/docs/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP = fileURLToPath(new URL('../../', import.meta.url));
const DOC = join(TOP, 'docs', 'openapi.yaml');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head',
	'trace'];

// ---------------------------------------------------------------- routes

// The entries of each `struct op_route name[] = { … };` table:
//   { "GET", "/api/teams/:id", teams_get, OP_R_ADMIN },
function serviceRoutes() {
	const dir = join(TOP, 'fcgi');
	const routes = [];
	const files = [];
	const bridges = new Set();
	for (const svc of readdirSync(dir).sort()) {
		const file = join(dir, svc, 'main.c');
		if (!existsSync(file))
			continue;
		const src = readFileSync(file, 'utf8');
		// A program that is not a FastCGI service (op-terminal, the
		// WebSocket bridge) has no route table: what it serves is
		// documented with "x-openpanel-bridge: <its directory>".
		if (!/\bop_service_main\s*\(/.test(src)) {
			bridges.add(svc);
			continue;
		}
		const found = [];
		const table = /struct\s+op_route\s+\w+\s*\[\s*\]\s*=\s*\{([\s\S]*?)\n\s*\};/g;
		for (const t of src.matchAll(table)) {
			const entry = /\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^{}]*?)\s*\}/g;
			for (const m of t[1].matchAll(entry)) {
				const flags = m[4].split('|').map((f) => f.trim());
				found.push({
					service: svc,
					method: m[1].toLowerCase(),
					pattern: m[2],
					path: m[2].replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}'),
					handler: m[3],
					internal: flags.includes('OP_R_INTERNAL'),
					public: flags.includes('OP_R_PUBLIC'),
					admin: flags.includes('OP_R_ADMIN'),
				});
			}
		}
		files.push({ svc, file, count: found.length });
		routes.push(...found);
	}
	return { files, routes, bridges };
}

// ---------------------------------------------------------------- document

const indentOf = (line) => line.length - line.trimStart().length;
const isBlank = (line) => /^\s*(#.*)?$/.test(line);
const unquote = (s) => s.trim().replace(/^(['"])(.*)\1$/, '$2');

// "key: value" → [key, value]; null when the line is not a mapping entry.
function entry(text) {
	const m = /^(['"]?)([^'":]+|[^'"]*)\1\s*:(?:\s+(.*))?$/.exec(text.trim());
	return m ? [m[2], m[3] === undefined ? '' : m[3].trim()] : null;
}

// The lines of the block under a key at `indent`, from index i + 1.
function block(lines, i, indent) {
	const out = [];
	for (let j = i + 1; j < lines.length; j++) {
		if (isBlank(lines[j]))
			continue;
		if (indentOf(lines[j]) <= indent)
			break;
		out.push({ line: lines[j], no: j + 1 });
	}
	return out;
}

// A `parameters:` list: each item's {name, in} or {ref}.
function parameterList(body) {
	const items = [];
	let cur = null, dash = -1;
	for (const { line } of body) {
		const ind = indentOf(line);
		let text = line.trim();
		if (text.startsWith('- ') || text === '-') {
			cur = {};
			items.push(cur);
			dash = ind;
			text = text.slice(1).trim();
		} else if (cur === null || ind !== dash + 2)
			continue;	// deeper (schema, …): not ours
		const kv = entry(text);
		if (kv === null)
			continue;
		if (kv[0] === '$ref')
			cur.ref = unquote(kv[1]);
		else if (kv[0] === 'name' || kv[0] === 'in')
			cur[kv[0]] = unquote(kv[1]);
	}
	return items;
}

// The top-level section `name:` of the document, as its lines.
function section(lines, name) {
	const i = lines.findIndex((l) => l.replace(/\s+$/, '') === `${name}:`);
	return i < 0 ? null : { start: i, body: block(lines, i, 0) };
}

function parseDoc(text) {
	const lines = text.split('\n');
	const problems = [];

	// components.parameters: name → {name, in}, for $ref resolution.
	const refs = new Map();
	const comp = section(lines, 'components');
	if (comp !== null) {
		const params = comp.body.findIndex(({ line }) =>
		    indentOf(line) === 2 && entry(line)?.[0] === 'parameters');
		if (params >= 0) {
			const under = [];
			for (const b of comp.body.slice(params + 1)) {
				if (indentOf(b.line) <= 2)
					break;
				under.push(b);
			}
			let name = null;
			for (const { line } of under) {
				const kv = entry(line);
				if (kv === null)
					continue;
				if (indentOf(line) === 4) {
					name = kv[0];
					refs.set(name, {});
				} else if (indentOf(line) === 6 && name !== null &&
				    (kv[0] === 'name' || kv[0] === 'in'))
					refs.get(name)[kv[0]] = unquote(kv[1]);
			}
		}
	}
	const resolve = (p) => {
		if (p.ref === undefined)
			return p;
		const m = /^#\/components\/parameters\/(.+)$/.exec(p.ref);
		const r = m ? refs.get(m[1]) : undefined;
		if (r === undefined)
			problems.push(`unresolvable parameter $ref ${p.ref}`);
		return r ?? {};
	};

	const paths = new Map();	// path → {params, ops: Map(method → op)}
	const sec = section(lines, 'paths');
	if (sec === null) {
		problems.push('no top-level "paths:" section');
		return { paths, problems };
	}
	const body = sec.body;
	for (let k = 0; k < body.length; k++) {
		const { line, no } = body[k];
		const ind = indentOf(line);
		if (ind !== 2) {
			if (ind < 2)
				problems.push(`line ${no}: unexpected indentation`);
			continue;
		}
		const kv = entry(line);
		if (kv === null || !kv[0].startsWith('/') || kv[1] !== '') {
			problems.push(`line ${no}: expected a path key, got ${line.trim()}`);
			continue;
		}
		const path = kv[0];
		if (paths.has(path))
			problems.push(`line ${no}: path ${path} appears twice`);
		const item = { params: [], ops: new Map(), line: no };
		paths.set(path, item);
		const pbody = block(lines, no - 1, 2);
		for (let a = 0; a < pbody.length; a++) {
			const { line: l4, no: n4 } = pbody[a];
			if (indentOf(l4) !== 4)
				continue;
			const key = entry(l4)?.[0];
			if (key === 'parameters') {
				item.params.push(...parameterList(block(lines, n4 - 1, 4))
				    .map(resolve));
				continue;
			}
			if (!METHODS.includes(key))
				continue;	// summary, description, servers, x-…
			if (item.ops.has(key))
				problems.push(`line ${n4}: ${key} ${path} appears twice`);
			const op = { line: n4, operationId: null, responses: [],
			    params: [], security: null, admin: false, bridge: null };
			item.ops.set(key, op);
			const obody = block(lines, n4 - 1, 4);
			for (const { line: l6, no: n6 } of obody) {
				if (indentOf(l6) !== 6)
					continue;
				const f = entry(l6);
				if (f === null)
					continue;
				if (f[0] === 'operationId')
					op.operationId = unquote(f[1]) || null;
				else if (f[0] === 'security')
					op.security = f[1];
				else if (f[0] === 'x-openpanel-admin')
					op.admin = f[1] === 'true';
				else if (f[0] === 'x-openpanel-bridge')
					op.bridge = unquote(f[1]) || null;
				else if (f[0] === 'parameters')
					op.params.push(...parameterList(block(lines,
					    n6 - 1, 6)).map(resolve));
				else if (f[0] === 'responses')
					for (const { line: l8 } of block(lines, n6 - 1, 6))
						if (indentOf(l8) === 8 && entry(l8) !== null)
							op.responses.push(entry(l8)[0]);
			}
		}
	}
	return { paths, problems };
}

// ---------------------------------------------------------------- tests

const served = serviceRoutes();
const routes = served.routes.filter((r) => !r.internal);
const doc = parseDoc(readFileSync(DOC, 'utf8'));
const ops = [];
for (const [path, item] of doc.paths)
	for (const [method, op] of item.ops)
		ops.push({ path, method, op, item });

const show = (list) => '\n  ' + list.join('\n  ') + '\n';

test('every service has a route table the test can read', () => {
	assert.ok(served.files.length > 0, `no fcgi/*/main.c under ${TOP}`);
	const empty = served.files.filter((f) => f.count === 0)
	    .map((f) => f.file);
	assert.deepEqual(empty, [], `no routes parsed from:${show(empty)}`);
	assert.ok(routes.length > 0, 'no public routes at all');
});

test('the document parses', () => {
	assert.deepEqual(doc.problems, [], `docs/openapi.yaml:${show(doc.problems)}`);
	assert.ok(ops.length > 0, 'no operations under paths:');
});

test('every served route is documented with the same method', () => {
	const missing = routes
	    .filter((r) => !doc.paths.get(r.path)?.ops.has(r.method))
	    .map((r) => `${r.method.toUpperCase()} ${r.path}  (op-${r.service}` +
		` ${r.handler}: "${r.pattern}")`);
	assert.deepEqual(missing, [],
	    `served but not in docs/openapi.yaml:${show(missing)}`);
});

test('every documented operation is served', () => {
	const key = (m, p) => `${m} ${p}`;
	const all = new Set(served.routes.map((r) => key(r.method, r.path)));
	const live = new Set(routes.map((r) => key(r.method, r.path)));
	const extra = ops.filter(({ method, path, op }) =>
	    !live.has(key(method, path)) && !served.bridges.has(op.bridge))
	    .map(({ method, path, op }) => `${method.toUpperCase()} ${path}` +
		` (line ${op.line})` + (all.has(key(method, path)) ?
		' is OP_R_INTERNAL: the gateway never routes it' : ''));
	assert.deepEqual(extra, [],
	    `in docs/openapi.yaml but served by no service:${show(extra)}`);
});

test('every operation has an operationId and at least one response', () => {
	const bad = [];
	for (const { method, path, op } of ops) {
		if (op.operationId === null)
			bad.push(`${method.toUpperCase()} ${path}: no operationId`);
		if (op.responses.length === 0)
			bad.push(`${method.toUpperCase()} ${path}: no responses`);
	}
	assert.deepEqual(bad, [], `incomplete operations:${show(bad)}`);
});

test('every operationId is unique', () => {
	const seen = new Map(), dup = [];
	for (const { method, path, op } of ops) {
		if (op.operationId === null)
			continue;
		const where = `${method.toUpperCase()} ${path}`;
		if (seen.has(op.operationId))
			dup.push(`${op.operationId}: ${seen.get(op.operationId)} and ${where}`);
		else
			seen.set(op.operationId, where);
	}
	assert.deepEqual(dup, [], `duplicate operationIds:${show(dup)}`);
});

test('every path parameter is declared, and only those', () => {
	const bad = [];
	for (const { method, path, op, item } of ops) {
		const want = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
		const have = [...item.params, ...op.params]
		    .filter((p) => p.in === 'path').map((p) => p.name);
		const where = `${method.toUpperCase()} ${path}`;
		for (const w of want)
			if (!have.includes(w))
				bad.push(`${where}: {${w}} is not declared in: path`);
		for (const h of new Set(have))
			if (!want.includes(h))
				bad.push(`${where}: path parameter ${h} is not in the path`);
	}
	assert.deepEqual(bad, [], `path parameters:${show(bad)}`);
});

test('who may call each operation matches the route flags', () => {
	const bad = [];
	for (const r of routes) {
		const op = doc.paths.get(r.path)?.ops.get(r.method);
		if (op === undefined)
			continue;	// reported above
		const where = `${r.method.toUpperCase()} ${r.path}`;
		const open = op.security === '[]';
		if (r.public && !open)
			bad.push(`${where}: OP_R_PUBLIC, so it needs "security: []"`);
		if (!r.public && open)
			bad.push(`${where}: needs a caller, but "security: []" says not`);
		if (r.admin !== op.admin)
			bad.push(`${where}: ${r.admin ? 'OP_R_ADMIN, so it needs' :
			    'not OP_R_ADMIN, so it must not have'}` +
			    ' "x-openpanel-admin: true"');
	}
	assert.deepEqual(bad, [], `access differs from the route flags:${show(bad)}`);
});
