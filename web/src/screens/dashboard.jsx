// dashboard.jsx — the team at a glance: the counts (/api/stats), what is
// failing (containers not running or unhealthy, alert rules firing), the
// team's events as they happen (/api/live/events/<team>), and how the
// panel itself is. An event refreshes the counts.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { when, short } from '../format.js';
import { teamContainers, teamList } from '../team_data.js';
import { useStream, parsed } from '../live.js';
import { Page, Loaded, useLoad, Empty, Badge } from '../ui/widgets.jsx';

const EVENTS = 20;

async function overview(team) {
	const health = await fetch('/api/health').then((r) => r.json())
	    .catch(() => null);
	if (!team) return { health };
	const [stats, { projects, containers }, rules] = await Promise.all([
		get('/api/stats', { team_id: team.id }), teamContainers(team),
		teamList('/api/alerts', team)]);
	return { health, stats, projects, containers,
		firing: rules.filter((r) => r.enabled && r.firing > 0) };
}

function subject(e) {
	const s = e.subject ?? {};
	if (s.kind === 'container') return <a href={`#/containers/${s.id}`}>container {short(s.id)}</a>;
	if (s.kind === 'project') return <a href={`#/projects/${s.id}`}>project {short(s.id)}</a>;
	if (s.kind === 'build') return <a href={`#/builds/${s.id}`}>build {short(s.id)}</a>;
	return s.kind ? `${s.kind} ${short(s.id)}` : '';
}

// The team's events as they come (a late joiner first gets what the
// stream still holds), newest first; onEvent after each.
function RecentEvents({ team, onEvent }) {
	const [events, setEvents] = useState([]);
	useEffect(() => setEvents([]), [team.id]);
	const mode = useStream(`/api/live/events/${team.id}`, (data) => {
		const e = parsed(data);
		if (!e) return;
		setEvents((old) => [e, ...old.filter((o) => o.id !== e.id)].slice(0, EVENTS));
		onEvent();
	});
	return (
		<section aria-labelledby="events-title">
			<h2 id="events-title">Recent events <span class={`badge ${mode === 'live' ?
			    'good' : 'neutral'}`} data-testid="events-mode">{mode}</span></h2>
			{events.length === 0 ? <Empty>Nothing has happened in the last quarter
				of an hour. Events show here as they happen.</Empty> :
				<ul class="plain events" aria-live="polite" data-testid="events">
					{events.map((e) => (
						<li key={e.id}><span class="muted">{when(e.time)}</span>{' '}
							<code>{e.type}</code> {subject(e)}</li>))}
				</ul>}
		</section>
	);
}

function Failing({ containers, firing }) {
	const down = containers.filter((c) => c.state !== 'running' ||
	    c.health === 'unhealthy');
	if (down.length === 0 && firing.length === 0) return (
		<p class="ok" role="status">Nothing is failing.</p>);
	return (<>
		<h2>What is failing</h2>
		<ul class="plain failing">
			{firing.map((r) => <li key={r.id}><Badge state="failed">firing</Badge>{' '}
				<a href="#/monitoring">{r.name}</a> ({r.firing})</li>)}
			{down.map((c) => <li key={c.id}><Badge state={c.health === 'unhealthy' ?
			    'unhealthy' : c.state} />{' '}
				<a href={`#/containers/${c.id}`}>{c.name}</a>
				<span class="muted"> in {c.project}</span></li>)}
		</ul>
	</>);
}

export function Dashboard({ team }) {
	const [data, error, reload] = useLoad(() => overview(team), [team?.id]);
	// Events come in bursts: refresh the counts at most every two seconds.
	const timer = useRef(null);
	const soon = () => { timer.current ??= setTimeout(() => {
		timer.current = null; reload(); }, 2000); };
	useEffect(() => () => clearTimeout(timer.current), []);
	return (
		<Page title="Dashboard">
			<Loaded data={data} error={error}>{({ health, stats, containers, firing }) => (<>
				<ul class="stats" data-testid="stats">
					{stats && <>
						<li><strong>{stats.projects}</strong> projects</li>
						<li><strong>{stats.containers.by_state.running ?? 0}</strong> running</li>
						<li><strong>{stats.containers.total -
						    (stats.containers.by_state.running ?? 0)}</strong> not running</li>
						<li><strong>{stats.failing.unhealthy +
						    stats.failing.restarting_or_dead}</strong> unhealthy or crashing</li>
						{stats.builds_24h !== null && <li><strong>{stats.builds_24h}</strong>
							builds today</li>}
					</>}
					<li>Panel <Badge state={health?.status ?? 'down'} /></li>
				</ul>
				{!team && <Empty>Welcome. <a href="#/teams">Create a team</a> to
					start your first project.</Empty>}
				{team && stats.projects === 0 && <Empty>No projects yet.
					<a href="#/projects"> Create one.</a></Empty>}
				{team && <Failing containers={containers} firing={firing} />}
			</>)}
			</Loaded>
			{team && <RecentEvents team={team} onEvent={soon} />}
		</Page>
	);
}
