// dashboard.jsx — the team at a glance: its projects, its containers by
// state, what is not running, and how the panel itself is.
import { all } from '../api.js';
import { Page, Loaded, useLoad, Empty, Badge } from '../ui/widgets.jsx';

async function overview(team) {
	const health = await fetch('/api/health').then((r) => r.json())
	    .catch(() => null);
	if (!team) return { health, projects: [], containers: [] };
	const projects = await all('/api/projects', { team_id: team.id });
	const containers = (await Promise.all(projects.map((p) =>
	    all('/api/containers', { project_id: p.id })))).flat();
	return { health, projects, containers };
}

export function Dashboard({ team }) {
	const [data, error] = useLoad(() => overview(team), [team?.id]);
	return (
		<Page title="Dashboard">
			<Loaded data={data} error={error}>{({ health, projects, containers }) => {
				const failing = containers.filter((c) => c.state !== 'running');
				const running = containers.length - failing.length;
				return (<>
					<ul class="stats">
						<li><strong>{projects.length}</strong> projects</li>
						<li><strong>{running}</strong> running</li>
						<li><strong>{failing.length}</strong> not running</li>
						<li>Panel <Badge state={health?.status ?? 'down'} /></li>
					</ul>
					{!team && <Empty>Welcome. <a href="#/teams">Create a team</a> to
						start your first project.</Empty>}
					{team && failing.length > 0 && <>
						<h2>Not running</h2>
						<ul class="plain">{failing.map((c) => (
							<li key={c.id}><a href={`#/containers/${c.id}`}>{c.name}</a>{' '}
								<Badge state={c.state} /></li>))}</ul>
					</>}
					{team && projects.length === 0 && <Empty>No projects yet.
						<a href="#/projects"> Create one.</a></Empty>}
				</>);
			}}
			</Loaded>
		</Page>
	);
}
