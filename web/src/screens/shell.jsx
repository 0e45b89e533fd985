// shell.jsx — the frame around every signed-in screen: the team being
// looked at (the picker also names one an instance admin visits),
// navigation (a drawer on a phone), theme, sign-out.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useSession, chooseTeam, signOut } from '../session.js';
import { theme, toggleTheme } from '../theme.js';
import { routes, NotFound } from './routes.jsx';
import { match } from '../router.js';

const NAV = [
	['/', 'Dashboard'],
	['/projects', 'Projects'],
	['/templates', 'Templates'],
	['/domains', 'Domains'],
	['/backups', 'Backups'],
	['/monitoring', 'Monitoring'],
	['/teams', 'Teams'],
	['/audit', 'Audit trail'],
	['/tokens', 'API tokens'],
	['/security', 'Security'],
];
const ADMIN_NAV = [
	['/admin/users', 'Users'],
	['/admin/settings', 'Settings'],
	['/admin/swarm', 'Swarm'],
	['/admin/logs', 'Panel logs'],
];

function active(path, href) {
	return href === '/' ? path === '/' : path === href ||
	    path.startsWith(`${href}/`);
}

export function Shell({ me, path }) {
	const team = useSession((s) => s.team);
	const [open, setOpen] = useState(false);
	const [mode, setMode] = useState(theme());
	// A new screen takes the focus to its title, as a page load would
	// for a screen reader; the first one leaves it where the browser has it.
	// Before the paint, so the title is never shown without the focus.
	const first = useRef(true);
	useLayoutEffect(() => {
		setOpen(false);
		if (!first.current) document.getElementById('page-title')?.focus();
		first.current = false;
	}, [path]);

	let screen = <NotFound />;
	for (const [pattern, Screen] of routes) {
		const params = match(pattern, path);
		if (params) { screen = <Screen {...params} team={team} me={me} />; break; }
	}
	const link = ([href, label]) => (
		<li key={href}><a href={`#${href}`} aria-current={active(path, href) ?
		    'page' : undefined}>{label}</a></li>
	);
	return (
		<div class={open ? 'shell open' : 'shell'}>
			<a class="skip" href="#main" onClick={(e) => { e.preventDefault();
			    document.getElementById('page-title')?.focus(); }}>Skip to content</a>
			<header class="topbar">
				<button type="button" class="menu" aria-expanded={open ? 'true' : 'false'}
				    aria-controls="nav" onClick={() => setOpen(!open)}>Menu</button>
				<a class="brand" href="#/">OpenPanel</a>
				<label class="team-pick">
					<span class="sr">Team</span>
					<select aria-label="Team" value={team?.id ?? ''}
					    onChange={(e) => chooseTeam(e.currentTarget.value)}>
						{me.teams.length === 0 && !team?.visiting &&
						    <option value="">No team yet</option>}
						{me.teams.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
						{team?.visiting && <option value={team.id}>{team.name} (not a member)</option>}
					</select>
				</label>
				<button type="button" class="ghost" aria-label="Switch theme"
				    onClick={() => setMode(toggleTheme())}>
					{mode === 'dark' ? 'Light' : 'Dark'}</button>
				<span class="who" title={me.email}>{me.name}</span>
				<button type="button" class="ghost" onClick={signOut}>Sign out</button>
			</header>
			<nav id="nav" class="nav" aria-label="Main">
				<ul>{NAV.map(link)}</ul>
				{me.is_admin && <>
					<p class="nav-head">Instance</p>
					<ul>{ADMIN_NAV.map(link)}</ul>
				</>}
			</nav>
			<main id="main" class="main">{screen}</main>
		</div>
	);
}
