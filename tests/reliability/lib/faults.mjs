// faults.mjs — what the fault suites share: the stack's processes (pid
// files, children), the database and the gateway's error log as
// witnesses, services run under a supervisor as systemd runs them, and
// a client loop through nginx that records every answer.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync,
	writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addr, api, DATA } from '../../integration/lib/client.mjs';
import { sleep, until } from '../../integration/lib/fixtures.mjs';

export const TOP = fileURLToPath(new URL('../../../', import.meta.url));
export const SOAK = process.env.OP_SOAK === '1';
const SUPERVISE = `${TOP}scripts/supervise.pl`;
const CONFIG = `${DATA}/openpanel.conf`;
export const bin = (name) => `${TOP}${process.env.OP_BUILD ?? 'build'}/bin/op-${name}`;

// One statement as postgres; the rows' text, one a line.
export function sql(q) {
	const conf = readFileSync(CONFIG, 'utf8');
	const host = /host=(\S+)/.exec(conf)[1], port = /port=(\d+)/.exec(conf)[1];
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
	    '-h', host, '-p', port, '-U', 'postgres', '-d', 'openpanel', '-c', q],
	    { encoding: 'utf8' }).trim();
}

export const pidOf = (name) =>
	Number(readFileSync(`${DATA}/run/${name}.pid`, 'utf8'));

// Running (a zombie the stack's shell has not reaped yet is not).
export function alive(pid) {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
	} catch { return false; }
}

export function children(pid) {
	try {
		return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
		    .trim().split(/\s+/).filter(Boolean).map(Number);
	} catch { return []; }
}

export const pick = (list) => list[Math.floor(Math.random() * list.length)];

// The gateway's error log from here on: lines() reads what came since.
export function errorLog() {
	const path = `${DATA}/log/nginx-error.log`;
	const from = existsSync(path) ? statSync(path).size : 0;
	return { lines: () => readFileSync(path, 'utf8').slice(from)
	    .split('\n').filter(Boolean) };
}

// A connection nginx could not make to a pool: refused, or no socket.
export const refused = (lines) => lines.filter((l) =>
    /connect\(\) to unix:.* failed/.test(l));

const pidName = (name, command) => command === 'serve' ? name :
	`${name}-worker`;

// Start `op-<name> serve` (on its own socket, taking the path over from
// whoever held it) or `op-<name> work` as the stack does, detached, with
// its pid where stack_down finds it. Returns the pid.
export function detached(name, command) {
	const log = openSync(`${DATA}/log/${pidName(name, command)}.log`, 'a');
	const p = spawn(bin(name), [command], { detached: true,
		stdio: ['ignore', log, log], env: { ...process.env,
		OP_CONFIG: CONFIG, OP_SOCKET: `${DATA}/run/${name}.sock` } });
	closeSync(log);
	p.unref();
	writeFileSync(`${DATA}/run/${pidName(name, command)}.pid`, `${p.pid}\n`);
	return p.pid;
}

// Run `op-<name> serve` (socket: its pool socket, held here as systemd
// holds it) or `op-<name> work` under supervise.pl, in place of the one
// the stack started: the stack's is stopped (SIGTERM) once the new one
// runs. opts.onDemand starts a serve again only on the next connection
// once it has stopped idle (systemd's socket activation); opts.env adds
// to its environment. Returns {pid() of the program (0 while stopped),
// stop()}; stop() puts a detached one in its place again, so the stack
// stays whole for the next suite. The terminal bridge (name 'terminal')
// has no workers: its start is its socket answering.
export async function supervise(name, command, opts = {}) {
	const pidfile = `${DATA}/run/${pidName(name, command)}.pid`;
	const old = pidOf(pidName(name, command));
	const sock = `${DATA}/run/${name}.sock`;
	const args = [SUPERVISE];
	if (command === 'serve')
		args.push('--socket', sock, ...(opts.onDemand ?
		    ['--on-demand'] : []));
	const log = openSync(`${DATA}/log/${pidName(name, command)}.log`, 'a');
	const child = spawn('perl', [...args, pidfile, bin(name), command], {
		stdio: ['ignore', log, log], env: { ...process.env,
		OP_CONFIG: CONFIG, OP_SOCKET: '', ...opts.env } });
	closeSync(log);
	const pid = () => { try { return pidOf(pidName(name, command)); }
		catch { return 0; } };
	const started = (p) => command !== 'serve' || name === 'terminal' ||
	    children(p).length > 0;
	await until(() => pid() !== old && pid() !== 0 && started(pid()),
	    `supervised op-${name} ${command}`);
	process.kill(old, 'SIGTERM');
	await until(() => !alive(old), `the stack's op-${name} ${command} gone`);
	return {
		pid,
		stop: async () => {
			const held = command === 'serve' && statSync(sock).ino;
			const next = detached(name, command);
			if (command === 'serve')
				await until(() => statSync(sock).ino !== held &&
				    started(next), `op-${name} serve again`);
			child.kill('SIGTERM');
			await until(() => child.exitCode !== null ||
			    child.signalCode !== null, `supervisor of op-${name}`);
			writeFileSync(pidfile, `${next}\n`);
		},
	};
}

// A client loop through nginx: `lanes` callers, each from a client
// address of its own, ask the routes in turn (pausing pauseMs between
// requests) until stop(); every answer is kept as {route, status, ok,
// text}. A route's ok is the status a healthy panel answers; its body may
// be a function, called for each request.
export function load(token, routes, lanes = 6, pauseMs = 0) {
	const seen = [];
	let stopping = false;
	const lane = async (n) => {
		const ip = addr();
		for (let i = n; !stopping; i++) {
			const r = routes[i % routes.length];
			if (pauseMs > 0)
				await sleep(pauseMs);
			try {
				const res = await api(r.method ?? 'GET', r.path, {
					token, ip, body: typeof r.body === 'function' ?
					r.body() : r.body });
				seen.push({ route: r.path, status: res.status,
					ok: res.status === r.ok, text: res.text });
			} catch (e) {
				seen.push({ route: r.path, status: 0, ok: false,
					text: String(e.cause?.code ?? e) });
			}
		}
	};
	const running = Promise.all([...Array(lanes).keys()].map(lane));
	return {
		seen,
		stop: async () => { stopping = true; await running; return seen; },
	};
}

export const failures = (seen) => seen.filter((s) => !s.ok);
export const describe = (list) => list.slice(0, 10)
	.map((s) => `${s.route} ${s.status} ${s.text.slice(0, 120)}`).join('\n');

export { sleep, until };
