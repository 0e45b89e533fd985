// builds.mjs — what the build and deployment suites (D0–D4) share: a
// client per user, the crew of users and teams they act as, and a
// BuildSuite that makes projects, reads builds until they end and, at
// the end, cleans up every project it made and every image their builds
// made.
import assert from 'node:assert/strict';
import { api, unique } from './client.mjs';
import { engine, removeProjectObjects } from './docker.mjs';
import { newUsers, addMember, newTeam, until, sleep } from './fixtures.mjs';

// The states a build ends in.
export const TERMINAL = ['succeeded', 'failed', 'cancelled'];

// A GET that survives the gateway closing a kept-alive connection under
// it (nginx reloads when a deployment switches traffic, and fetch does
// not retry): only a failure to connect is tried again, never an answer.
export async function getting(path, opts) {
	for (let i = 0; ; i++) {
		try {
			return await api('GET', path, opts);
		} catch (e) {
			if (i >= 3 || !(e instanceof TypeError)) throw e;
			await sleep(100);
		}
	}
}

// Calls as who (a user from newUser, or a bare token) from ip.
export function clientOf(who, ip) {
	const token = typeof who === 'string' ? who : who.token;
	return {
		get: (p) => getting(p, { token, ip }),
		post: (p, body) => api('POST', p, { token, ip, body }),
		put: (p, body) => api('PUT', p, { token, ip, body }),
		del: (p) => api('DELETE', p, { token, ip }),
	};
}

// Four new users: O owns team T (named after name), where D is a
// developer and V a viewer; X owns another team, TX.
export async function newCrew(admin, name, ip) {
	const [O, D, V, X] = await newUsers(admin, 4);
	const T = await newTeam(O.token, unique(name), ip);
	const TX = await newTeam(X.token, unique('outsider'), ip);
	await addMember(T, O.token, D, 'developer', ip);
	await addMember(T, O.token, V, 'viewer', ip);
	return { O, D, V, X, T, TX };
}

// The projects a suite made and the images their builds made, removed
// by cleanUp.
export class BuildSuite {
	constructor(ip) {
		this.ip = ip;
		this.made = new Set();
		this.images = new Set();
	}

	// A new project of team, made by who (named after name): its id.
	async newProject(team, who, name) {
		const r = await clientOf(who, this.ip).post('/api/projects',
		    { team_id: team, name: unique(name) });
		assert.equal(r.status, 201, r.text);
		this.made.add(r.body.id);
		return r.body.id;
	}

	// Build id as who reads it (its image remembered for cleanUp).
	async build(id, who) {
		const r = await clientOf(who, this.ip).get(`/api/builds/${id}`);
		assert.equal(r.status, 200, r.text);
		if (r.body.image) this.images.add(r.body.image);
		return r.body;
	}

	// Build id once it has ended (succeeded, failed or cancelled).
	settled(id, who, ms = 180000) {
		return until(async () => {
			const b = await this.build(id, who);
			return TERMINAL.includes(b.status) ? b : null;
		}, `build ${id} to end`, ms, 250);
	}

	// Stop what still runs, let deployments under way end (they are
	// not cancelled), and remove every project made, its source and
	// engine objects, and every image its builds made.
	async cleanUp(admin) {
		const ip = this.ip;
		for (const p of this.made) {
			const r = await getting(`/api/builds?project_id=${p}&limit=100`,
			    { token: admin, ip });
			for (const b of r.body?.items ?? []) {
				if (b.image) this.images.add(b.image);
				if (!TERMINAL.includes(b.status))
					await api('POST', `/api/builds/${b.id}/cancel`,
					    { token: admin, ip });
			}
		}
		for (const p of this.made) {
			await until(async () => {
				const r = await getting(`/api/deployments?project_id=${p}`,
				    { token: admin, ip });
				return !(r.body?.items ?? []).some((d) =>
					['queued', 'running'].includes(d.status));
			}, 'deployments to end', 120000, 500).catch(() => {});
		}
		for (const p of this.made) {
			await api('DELETE', `/api/projects/${p}/source`, { token: admin,
				ip });
			await api('DELETE', `/api/projects/${p}?volumes=true`,
			    { token: admin, ip });
			await removeProjectObjects(p);
		}
		for (const i of this.images)
			await engine('DELETE', `/images/${encodeURI(i)}?force=true`);
	}
}
