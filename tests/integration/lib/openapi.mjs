// openapi.mjs — docs/openapi.yaml as data, for suites that walk every
// documented route. No dependencies: a parser for the YAML the document
// is written in (block mappings and sequences, '|' and '>' scalars,
// quoted and plain scalars, flow sequences and empty flow mappings),
// refusing what it does not know rather than guessing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOC = fileURLToPath(new URL('../../../docs/openapi.yaml',
    import.meta.url));
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

// ------------------------------------------------------------------ YAML

const indentOf = (s) => s.length - s.trimStart().length;
const skippable = (s) => /^\s*(#.*)?$/.test(s);

// A plain or quoted scalar, a flow sequence, or an empty flow mapping.
function scalar(text) {
	const s = text.replace(/\s+#.*$/, '').trim();
	if (s.startsWith("'"))
		return s.slice(1, s.lastIndexOf("'")).replaceAll("''", "'");
	if (s.startsWith('"'))
		return JSON.parse(s.slice(0, s.lastIndexOf('"') + 1));
	if (s.startsWith('[')) {
		const inner = s.slice(1, s.lastIndexOf(']')).trim();
		return inner === '' ? [] : splitFlow(inner).map(scalar);
	}
	if (s === '{}')
		return {};
	if (s.startsWith('{'))
		throw new Error(`openapi.mjs: flow mapping not supported: ${s}`);
	if (s === 'true' || s === 'false')
		return s === 'true';
	if (s === 'null' || s === '~' || s === '')
		return null;
	if (/^-?\d+(\.\d+)?$/.test(s))
		return Number(s);
	return s;
}

// "a, 'b, c', d" → ["a", "'b, c'", "d"]
function splitFlow(s) {
	const out = [];
	let cur = '', quote = null, depth = 0;
	for (const c of s) {
		if (quote !== null) {
			if (c === quote)
				quote = null;
		} else if (c === "'" || c === '"')
			quote = c;
		else if (c === '[')
			depth++;
		else if (c === ']')
			depth--;
		else if (c === ',' && depth === 0) {
			out.push(cur);
			cur = '';
			continue;
		}
		cur += c;
	}
	out.push(cur);
	return out;
}

// "key: rest" → [key, rest]; null when the text is not a mapping entry.
function keyOf(text) {
	const m = /^(?:'((?:[^']|'')*)'|"([^"]*)"|([^\s'"#-][^:]*?|-[^\s:][^:]*?))\s*:(?:\s+(.*))?$/
	    .exec(text);
	if (m === null)
		return null;
	return [m[1]?.replaceAll("''", "'") ?? m[2] ?? m[3], m[4] ?? ''];
}

class Parser {
	constructor(text) {
		this.lines = text.split('\n');
		this.i = 0;
	}
	// The next meaningful line's index, or -1.
	peek() {
		while (this.i < this.lines.length && skippable(this.lines[this.i]))
			this.i++;
		return this.i < this.lines.length ? this.i : -1;
	}
	// The value of a node whose first line is at indent (or deeper).
	node(indent) {
		const k = this.peek();
		if (k < 0 || indentOf(this.lines[k]) < indent)
			return null;
		const at = indentOf(this.lines[k]);
		return /^\s*-(\s|$)/.test(this.lines[k]) ? this.seq(at) :
		    this.map(at);
	}
	// A '|' or '>' scalar: the lines deeper than indent.
	blockScalar(indent, folded) {
		const out = [];
		let base = -1;
		while (this.i < this.lines.length) {
			const l = this.lines[this.i];
			if (l.trim() !== '' && indentOf(l) <= indent)
				break;
			if (l.trim() !== '' && base < 0)
				base = indentOf(l);
			out.push(l.slice(Math.max(base, 0)));
			this.i++;
		}
		return out.join(folded ? ' ' : '\n').trimEnd() + '\n';
	}
	// The value after "key:" (rest) on a line at indent.
	value(rest, indent) {
		if (/^[|>][-+]?$/.test(rest.trim()))
			return this.blockScalar(indent, rest.trim()[0] === '>');
		if (rest.trim() === '' || rest.trim().startsWith('#')) {
			const k = this.peek();
			// A sequence may sit at its key's own indentation.
			if (k >= 0 && indentOf(this.lines[k]) === indent &&
			    /^\s*-(\s|$)/.test(this.lines[k]))
				return this.seq(indent);
			return this.node(indent + 1);
		}
		let text = rest;
		// A flow sequence may run on over the following lines.
		while (text.trim().startsWith('[') && !text.includes(']') &&
		    this.i < this.lines.length)
			text += ' ' + this.lines[this.i++].trim();
		return scalar(text);
	}
	map(indent, first = null) {
		const out = {};
		let text = first;
		for (;;) {
			if (text === null) {
				const k = this.peek();
				if (k < 0 || indentOf(this.lines[k]) !== indent ||
				    /^\s*-(\s|$)/.test(this.lines[k]))
					break;
				text = this.lines[k].trim();
			}
			this.i++;
			const kv = keyOf(text);
			if (kv === null)
				throw new Error(`openapi.mjs: line ${this.i}: not a ` +
				    `mapping entry: ${text}`);
			out[kv[0]] = this.value(kv[1], indent);
			text = null;
		}
		return out;
	}
	seq(indent) {
		const out = [];
		for (;;) {
			const k = this.peek();
			if (k < 0 || indentOf(this.lines[k]) !== indent ||
			    !/^\s*-(\s|$)/.test(this.lines[k]))
				break;
			const rest = this.lines[k].trim().slice(1).trim();
			if (rest === '') {
				this.i++;
				out.push(this.node(indent + 1));
			} else if (keyOf(rest) !== null) {
				// "- key: v" opens a mapping two columns in.
				out.push(this.map(indent + 2, rest));
			} else {
				this.i++;
				out.push(scalar(rest));
			}
		}
		return out;
	}
}

export function parseYaml(text) {
	const p = new Parser(text);
	return p.node(0);
}

// ------------------------------------------------------------------ document

let cached = null;

// The whole document, parsed once.
export function openapi() {
	cached ??= parseYaml(readFileSync(DOC, 'utf8'));
	return cached;
}

// '#/components/schemas/X' → the object it names.
export function deref(doc, v) {
	let seen = 0;
	while (v && typeof v === 'object' && typeof v.$ref === 'string') {
		if (++seen > 20)
			throw new Error(`openapi.mjs: $ref loop at ${v.$ref}`);
		v = v.$ref.replace(/^#\//, '').split('/')
		    .reduce((o, k) => o?.[k], doc);
	}
	return v;
}

// A schema with its $refs and allOf resolved into one object schema
// (properties and required merged); oneOf/anyOf take their first branch.
export function flatSchema(doc, schema) {
	const s = deref(doc, schema);
	if (s == null)
		return null;
	if (Array.isArray(s.allOf)) {
		const out = { type: 'object', properties: {}, required: [] };
		for (const part of s.allOf) {
			const p = flatSchema(doc, part) ?? {};
			Object.assign(out.properties, p.properties ?? {});
			out.required.push(...(p.required ?? []));
		}
		return out;
	}
	if (Array.isArray(s.oneOf ?? s.anyOf))
		return flatSchema(doc, (s.oneOf ?? s.anyOf)[0]);
	return s;
}

// Every documented operation: {path, method, op, params, body (flat
// request schema or null), public (security: [])}.
export function operations() {
	const doc = openapi();
	const out = [];
	for (const [path, item] of Object.entries(doc.paths)) {
		for (const method of METHODS) {
			const op = item[method];
			if (op == null)
				continue;
			const params = [...(item.parameters ?? []),
				...(op.parameters ?? [])].map((p) => deref(doc, p));
			const media = deref(doc, op.requestBody)?.content?.[
			    'application/json'];
			out.push({ path, method: method.toUpperCase(), op, params,
				body: media ? flatSchema(doc, media.schema) : null,
				public: Array.isArray(op.security) &&
				    op.security.length === 0 });
		}
	}
	return out;
}
