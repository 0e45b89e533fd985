// teams.jsx — the caller's teams, and a new one.
import { all, post } from '../api.js';
import { loadMe, chooseTeam } from '../session.js';
import { go } from '../router.js';
import { when } from '../format.js';
import { Page, Loaded, useLoad, Empty, Badge } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Teams() {
	const [teams, error, reload] = useLoad(() => all('/api/teams'));
	async function create(v, form) {
		const t = await post('/api/teams', { name: v.name });
		form.reset();
		await loadMe();
		chooseTeam(t.id);
		reload();
		go(`/teams/${t.id}`);
	}
	return (
		<Page title="Teams">
			<Loaded data={teams} error={error}>{(items) => items.length === 0 ?
				<Empty>You are in no team yet. Create one to start a project.</Empty> :
				<table class="table">
					<thead><tr><th>Name</th><th>Your role</th><th>Created</th></tr></thead>
					<tbody>{items.map((t) => (
						<tr key={t.id}>
							<td><a href={`#/teams/${t.id}`}>{t.name}</a></td>
							<td>{t.role ? <Badge state="neutral">{t.role}</Badge> :
							    <span class="muted">instance admin</span>}</td>
							<td>{when(t.created_at)}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<h2>Join a team</h2>
			<Form label="Accept an invitation" class="form inline"
			    onSubmit={async (v, form) => {
				const r = await post(`/api/invitations/${encodeURIComponent(
				    v.token.trim())}/accept`);
				form.reset(); await loadMe(); chooseTeam(r.team_id);
				go(`/teams/${r.team_id}`);
			    }}>
				<Field name="token" label="Invitation token" required
				    autoComplete="off" spellcheck={false} />
				<Submit>Accept</Submit>
			</Form>
			<h2>New team</h2>
			<Form label="New team" class="form inline" onSubmit={create}>
				<Field name="name" label="Team name" required />
				<Submit>Create team</Submit>
			</Form>
		</Page>
	);
}
