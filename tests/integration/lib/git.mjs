// git.mjs — real git repositories for the build suites, served to the
// panel over smart HTTP from this process: node's http server runs
// `git http-backend` as a CGI program for each request. Optional HTTP
// basic authentication (a token as the password) stands for a private
// repository. Helpers make a bare repository and a work tree, write
// files, commit and push, and give back the commit id. Every git runs
// with an argv (execFile/spawn), never through a shell.
import { createServer } from 'node:http';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from
    'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

// Who commits, and nothing from the machine's or user's git config.
const IDENTITY = ['-c', 'user.name=OpenPanel Test', '-c',
	'user.email=test@openpanel.test', '-c', 'commit.gpgsign=false', '-c',
	'init.defaultBranch=main', '-c', 'core.autocrlf=false'];

// The environment every git of ours runs with: no system or global
// config, and (as root, which owns nothing here by accident) every
// directory safe.
export function gitEnv(extra = {}) {
	const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1',
		GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
		GIT_AUTHOR_DATE: undefined, GIT_COMMITTER_DATE: undefined, ...extra };
	if (process.getuid?.() === 0) {
		env.GIT_CONFIG_COUNT = '1';
		env.GIT_CONFIG_KEY_0 = 'safe.directory';
		env.GIT_CONFIG_VALUE_0 = '*';
	}
	for (const k of Object.keys(env))
		if (env[k] === undefined) delete env[k];
	return env;
}

// Run git with argv in cwd: its stdout (trimmed). Fails with its stderr.
export function git(args, { cwd, env } = {}) {
	return new Promise((resolve, reject) => {
		execFile('git', [...IDENTITY, ...args], { cwd, env: gitEnv(env),
			maxBuffer: 64 * 1024 * 1024, timeout: 120000 },
		(err, stdout, stderr) => {
			if (err) {
				err.message = `git ${args.join(' ')}: ${err.message}\n` +
				    stderr;
				reject(err);
			} else {
				resolve(stdout.trim());
			}
		});
	});
}

// --- the smart-HTTP server ----------------------------------------------

// Read a request's body whole (these are small), gunzipped when the
// client compressed it (git does for large upload-pack requests).
function readBody(req) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			try {
				let b = Buffer.concat(chunks);
				if (/^(x-)?gzip$/i.test(req.headers['content-encoding'] ?? ''))
					b = gunzipSync(b);
				resolve(b);
			} catch (e) {
				reject(e);
			}
		});
		req.on('error', reject);
	});
}

// The password of a basic Authorization header, or null.
function basicPassword(h) {
	const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h ?? '');
	if (!m) return null;
	const s = Buffer.from(m[1], 'base64').toString('utf8');
	const i = s.indexOf(':');
	return i < 0 ? null : s.slice(i + 1);
}

// One CGI run of git http-backend for req, answered on res.
async function cgi(root, req, res, url, remote) {
	const body = req.method === 'POST' ? await readBody(req) :
	    Buffer.alloc(0);
	const env = gitEnv({
		GIT_PROJECT_ROOT: root,
		GIT_HTTP_EXPORT_ALL: '1',
		GATEWAY_INTERFACE: 'CGI/1.1',
		SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
		REQUEST_METHOD: req.method,
		PATH_INFO: decodeURIComponent(url.pathname),
		QUERY_STRING: url.search.replace(/^\?/, ''),
		CONTENT_TYPE: req.headers['content-type'] ?? '',
		CONTENT_LENGTH: req.method === 'POST' ? String(body.length) : '',
		REMOTE_ADDR: remote,
		HTTP_GIT_PROTOCOL: req.headers['git-protocol'],
		REMOTE_USER: req.headers.authorization ? 'git' : undefined,
	});
	const child = spawn('git', ['http-backend'], { env,
		stdio: ['pipe', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (c) => { stderr += c; });
	child.stdin.on('error', () => {});
	child.stdin.end(body);

	let head = Buffer.alloc(0), started = false;
	const fail = (why) => {
		if (!res.headersSent) {
			res.writeHead(502, { 'content-type': 'text/plain' });
			res.end(`http-backend: ${why}\n${stderr}`);
		} else {
			res.destroy();
		}
	};
	child.stdout.on('data', (c) => {
		if (started) {
			res.write(c);
			return;
		}
		head = Buffer.concat([head, c]);
		// The header block ends at the first empty line (CRLF or LF).
		let end = head.indexOf('\r\n\r\n'), skip = 4;
		const lf = head.indexOf('\n\n');
		if (lf >= 0 && (end < 0 || lf < end)) { end = lf; skip = 2; }
		if (end < 0) {
			if (head.length > 64 * 1024) {
				child.kill('SIGKILL');
				fail('no end to the CGI headers');
			}
			return;
		}
		let status = 200, reason;
		const headers = {};
		for (const line of head.subarray(0, end).toString('latin1')
		    .split(/\r?\n/)) {
			const i = line.indexOf(':');
			if (i <= 0) continue;
			const k = line.slice(0, i).trim(), v = line.slice(i + 1).trim();
			if (k.toLowerCase() === 'status') {
				const m = /^(\d{3})\s*(.*)$/.exec(v);
				if (m) { status = Number(m[1]); reason = m[2] || undefined; }
			} else if (headers[k] !== undefined) {
				headers[k] = [].concat(headers[k], v);
			} else {
				headers[k] = v;
			}
		}
		started = true;
		if (reason) res.writeHead(status, reason, headers);
		else res.writeHead(status, headers);
		const rest = head.subarray(end + skip);
		if (rest.length) res.write(rest);
	});
	child.on('error', (e) => fail(e.message));
	child.on('close', (code) => {
		if (!started) fail(`exited ${code} without an answer`);
		else res.end();
	});
	res.on('close', () => {
		if (child.exitCode === null) child.kill('SIGKILL');
	});
}

// A git smart-HTTP server on 127.0.0.1 (ephemeral port) serving the bare
// repositories under its own root. opts.token: every request must carry
// it as the basic-auth password (any user name), else 401. Returns
// {port, root, token, url(name), requests, createRepo(name), close()};
// requests lists what was asked: {method, path, query, authorized}.
export async function startGitServer(opts = {}) {
	const root = mkdtempSync(join(tmpdir(), 'op-git-'));
	const requests = [];
	const server = createServer((req, res) => {
		const url = new URL(req.url, 'http://git.invalid');
		let path;
		try {
			path = decodeURIComponent(url.pathname);
		} catch {
			path = null;
		}
		const authorized = !opts.token ||
		    basicPassword(req.headers.authorization) === opts.token;
		requests.push({ method: req.method, path, query: url.search,
			authorized, auth: req.headers.authorization ?? null,
			gzip: /gzip/i.test(req.headers['content-encoding'] ?? '') });
		if (path === null || path.includes('\0') ||
		    normalize(path) !== path || path.split('/').includes('..') ||
		    !['GET', 'POST'].includes(req.method)) {
			res.writeHead(400, { 'content-type': 'text/plain' });
			res.end('bad request\n');
			return;
		}
		if (!authorized) {
			req.resume();
			res.writeHead(401, { 'content-type': 'text/plain',
				'www-authenticate': 'Basic realm="openpanel-test git"' });
			res.end('authentication required\n');
			return;
		}
		cgi(root, req, res, url, req.socket.remoteAddress ?? '127.0.0.1')
		    .catch((e) => {
			if (!res.headersSent) {
				res.writeHead(400, { 'content-type': 'text/plain' });
				res.end(`${e.message}\n`);
			} else {
				res.destroy();
			}
		});
	});
	await new Promise((res, rej) => {
		server.once('error', rej);
		server.listen(0, '127.0.0.1', res);
	});
	const port = server.address().port;
	const self = {
		port, root, token: opts.token ?? null, requests, works: [],
		url: (name) => `http://127.0.0.1:${port}/${name}.git`,
		createRepo: (name) => createRepo(self, name),
		close: () => new Promise((res) => {
			server.closeAllConnections?.();
			server.close(() => {
				rmSync(root, { recursive: true, force: true });
				for (const w of self.works)	// the repos' work trees
					rmSync(w, { recursive: true, force: true });
				res();
			});
		}),
	};
	return self;
}

// --- repositories ---------------------------------------------------------

// A bare repository NAME.git under the server's root (served at
// server.url(name)) with a work tree beside it that pushes to it.
// Returns {name, url, bare, work, write, remove, commit, push, head}:
//   write({path: content}) writes files in the work tree (dirs made),
//   remove([path]) deletes them, commit(msg) commits everything and gives
//   the commit id, push(branch = 'main', ref = 'HEAD') pushes to the bare
//   repository and gives the pushed commit id, update(files, msg, branch)
//   does all three.
export async function createRepo(server, name =
    `repo-${randomBytes(4).toString('hex')}`) {
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
		throw new Error(`not a repository name: ${name}`);
	const bare = join(server.root, `${name}.git`);
	const work = mkdtempSync(join(tmpdir(), 'op-work-'));
	server.works?.push(work);
	await git(['init', '-q', '--bare', '-b', 'main', bare]);
	// Fetching a commit by its id (a shallow clone at an exact commit).
	await git(['config', 'uploadpack.allowReachableSHA1InWant', 'true'],
	    { cwd: bare });
	await git(['config', 'uploadpack.allowFilter', 'true'], { cwd: bare });
	await git(['config', 'http.receivepack', 'false'], { cwd: bare });
	await git(['init', '-q', '-b', 'main', work]);
	const repo = {
		name, bare, work, url: server.url(name),
		write(files) {
			for (const [p, content] of Object.entries(files)) {
				const full = join(work, p);
				if (!full.startsWith(work + sep))
					throw new Error(`outside the work tree: ${p}`);
				mkdirSync(dirname(full), { recursive: true });
				writeFileSync(full, content);
			}
		},
		remove(paths) {
			for (const p of paths) {
				try { unlinkSync(join(work, p)); } catch { /* absent */ }
			}
		},
		async commit(msg = 'change') {
			await git(['add', '-A', '--', '.'], { cwd: work });
			await git(['commit', '-q', '--allow-empty', '-m', msg, '--'],
			    { cwd: work });
			return git(['rev-parse', 'HEAD'], { cwd: work });
		},
		async push(branch = 'main', ref = 'HEAD') {
			await git(['push', '-q', '--force', bare,
				`${ref}:refs/heads/${branch}`], { cwd: work });
			return git(['rev-parse', `refs/heads/${branch}`], { cwd: bare });
		},
		async update(files, msg = 'change', branch = 'main') {
			repo.write(files);
			await repo.commit(msg);
			return repo.push(branch);
		},
		head: (branch = 'main') => git(['rev-parse', `refs/heads/${branch}`],
		    { cwd: bare }),
		dispose: () => rmSync(work, { recursive: true, force: true }),
	};
	return repo;
}

// --- the app the suites build ------------------------------------------------

export const BASE_IMAGE = 'openpanel-test/busybox:1';

// The files of a small web app: busybox httpd serving index.html (its
// body the version string) on port 8080, stopping at once on TERM (as
// PID 1 it would otherwise ignore it). opts.cmd replaces the command
// (a JSON-array CMD), opts.steps adds Dockerfile lines before the COPY,
// opts.dockerfile names the Dockerfile, opts.dir puts it all under a
// directory (a build context other than the root).
export function appFiles(version, opts = {}) {
	const cmd = opts.cmd ?? ['sh', '-c', 'httpd -f -p 8080 -h /www & ' +
	    'trap "kill $!; exit 0" TERM; wait'];
	const lines = [
		`FROM ${BASE_IMAGE}`,
		...(opts.steps ?? []),
		'COPY index.html /www/index.html',
		'EXPOSE 8080',
		`CMD ${JSON.stringify(cmd)}`,
	];
	const pre = opts.dir ? `${opts.dir}/` : '';
	return {
		[`${pre}${opts.dockerfile ?? 'Dockerfile'}`]: lines.join('\n') + '\n',
		[`${pre}index.html`]: `${version}\n`,
	};
}
