// projects.jsx — the team's projects, and a new one.
import { all, post } from '../api.js';
import { go } from '../router.js';
import { when } from '../format.js';
import { Page, Loaded, useLoad, Empty } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Projects({ team }) {
	const [items, error] = useLoad(() => team ?
	    all('/api/projects', { team_id: team.id }) : Promise.resolve([]),
	    [team?.id]);
	if (!team) return <Page title="Projects"><Empty>Create or join a team
		first: projects belong to a team. <a href="#/teams">Teams</a></Empty></Page>;
	return (
		<Page title={`Projects of ${team.name}`}>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No projects yet. Create the first one below.</Empty> :
				<table class="table">
					<thead><tr><th>Name</th><th>Description</th><th>Containers</th><th>Updated</th></tr></thead>
					<tbody>{list.map((p) => (
						<tr key={p.id}>
							<td><a href={`#/projects/${p.id}`}>{p.name}</a></td>
							<td class="muted">{p.description}</td>
							<td>{p.container_count}</td>
							<td>{when(p.updated_at)}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<h2>New project</h2>
			<Form label="New project" onSubmit={async (v) => {
				const p = await post('/api/projects', { team_id: team.id,
				    name: v.name, description: v.description || null });
				go(`/projects/${p.id}`);
			}}>
				<Field name="name" label="Name" required />
				<Field name="description" label="Description" as="textarea" rows={2} />
				<Submit>Create project</Submit>
			</Form>
		</Page>
	);
}
