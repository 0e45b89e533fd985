// session.js — who is signed in, and which team the screens are looking
// at (one of theirs, or another an instance admin visits). Kept in
// memory; the team choice (an id, not a credential) survives a reload in
// sessionStorage.
import { useExternal } from './external.js';
import { get, post } from './api.js';

const listeners = new Set();
export const session = { me: undefined, team: null };

function emit() { for (const fn of listeners) fn(session); }

export function subscribe(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

// A part of the session as a component sees it, following every change.
export function useSession(pick) {
	return useExternal(() => pick(session), (on) => subscribe(on));
}

// Ask the API who we are: null when not signed in.
export async function loadMe() {
	try {
		session.me = await get('/api/auth/me');
	} catch (e) {
		if (e.status !== 401) throw e;
		session.me = null;
	}
	const saved = sessionStorage.getItem('op_team');
	const teams = session.me?.teams ?? [];
	session.team = teams.find((t) => t.id === saved) ?? teams[0] ?? null;
	emit();
	return session.me;
}

export function chooseTeam(id) {
	session.team = session.me?.teams.find((t) => t.id === id) ?? null;
	if (session.team) sessionStorage.setItem('op_team', id);
	emit();
}

// The team of an object on screen (a project) becomes the one looked
// at: one of the caller's own is chosen as from the picker; another (an
// instance admin's visit) is shown by the name the API answers, until
// something else is chosen, and is not remembered across a reload.
export async function lookAtTeam(id) {
	if (!id || session.team?.id === id) return;
	if (session.me?.teams.some((t) => t.id === id)) {
		chooseTeam(id);
		return;
	}
	let t;
	try { t = await get(`/api/teams/${id}`); } catch { return; }
	if (session.team?.id === id) return;
	session.team = { id: t.id, name: t.name, role: t.role, visiting: true };
	emit();
}

export async function signOut() {
	try { await post('/api/auth/logout'); } catch { /* already gone */ }
	session.me = null;
	session.team = null;
	emit();
}

export function signedOut() {
	if (session.me === null) return;
	session.me = null;
	emit();
}

// The role the API acts on for the caller in a team, as its one
// authorisation (lib/perm.c) reads it: their membership's role; for an
// instance admin who is no member, owner; otherwise null.
export function roleIn(teamId) {
	const member = session.me?.teams.find((t) => t.id === teamId)?.role;
	if (member) return member;
	return session.me?.is_admin ? 'owner' : null;
}

const RANK = { viewer: 0, developer: 1, admin: 2, owner: 3 };
export function atLeast(role, want) {
	return role != null && RANK[role] >= RANK[want];
}
