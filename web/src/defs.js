// defs.js — the text forms people type, turned into the API's shapes.
// Nothing is validated here beyond shape: the API is the judge, and its
// errors come back beside the field.

// One argument per line; blank → null (the image's own command).
export function command(text) {
	const args = text.split('\n').map((s) => s.replace(/\r$/, ''))
	    .filter((s) => s !== '');
	return args.length ? args : null;
}

export function commandText(cmd) {
	return (cmd ?? []).join('\n');
}

// "8080", "8080:18080", "53/udp", comma or space separated.
export function ports(text) {
	return text.split(/[\s,]+/).filter(Boolean).map((p) => {
		const [spec, protocol] = p.split('/');
		const [container, host] = spec.split(':');
		const out = { container: Number(container) };
		if (host) out.host = Number(host);
		if (protocol) out.protocol = protocol;
		return out;
	});
}

export function portsText(list) {
	return (list ?? []).map((p) => `${p.container}${p.host ? `:${p.host}` :
	    ''}${p.protocol && p.protocol !== 'tcp' ? `/${p.protocol}` : ''}`)
	    .join(', ');
}

// KEY=value lines → {KEY: value}.
export function envLines(text) {
	const out = {};
	for (const line of text.split('\n')) {
		if (!line.trim()) continue;
		const i = line.indexOf('=');
		if (i < 0) out[line.trim()] = '';
		else out[line.slice(0, i).trim()] = line.slice(i + 1);
	}
	return out;
}

// What a container's engine labels may be, as the API checks them.
export const LABELS_HINT = 'Keys of a-z, 0-9, ".", "_" and "-", not under io.openpanel. or com.docker.';

// {key: value} → key=value lines (envLines read back).
export function pairsText(obj) {
	return Object.keys(obj ?? {}).sort().map((k) => `${k}=${obj[k]}`)
	    .join('\n');
}

// One item per non-blank line, trimmed.
export function lines(text) {
	return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

// "" → null, else a number.
export function num(text) {
	return text.trim() === '' ? null : Number(text);
}

// "data:/data, cache:/var/cache:ro" → [{name, path, read_only}]; a
// source starting with / is a host directory (host_path).
export function volumes(text) {
	return text.split(/[\s,]+/).filter(Boolean).map((v) => {
		const [source, path, mode] = v.split(':');
		const out = source.startsWith('/') ? { host_path: source, path } :
		    { name: source, path };
		if (mode === 'ro') out.read_only = true;
		return out;
	});
}

export function volumesText(list) {
	return (list ?? []).map((v) => `${v.name ?? v.host_path}:${v.path}` +
	    (v.read_only ? ':ro' : '')).join(', ');
}
