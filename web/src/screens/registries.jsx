// registries.jsx — a team's private image registry credentials: listed
// without their passwords, added, forgotten.
import { useState } from 'preact/hooks';
import { get, post, del } from '../api.js';
import { when } from '../format.js';
import { Loaded, useLoad, Empty, Confirm } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

// The team's registries; manage: the caller may add and delete them.
export function Registries({ team, manage }) {
	const [items, error, reload] = useLoad(() => get('/api/registries',
	    { team_id: team.id }).then((r) => r.items), [team.id]);
	const [drop, setDrop] = useState(null);
	return (
		<>
			<h2>Image registries</h2>
			<p class="muted">Credentials the team's containers pull private
			images with, chosen by the server their image names.</p>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No registry credentials yet.</Empty> :
				<table class="table">
					<thead><tr><th>Server</th><th>Username</th><th>Added</th><th></th></tr></thead>
					<tbody>{list.map((g) => (
						<tr key={g.id}><td>{g.server}</td><td>{g.username}</td>
							<td>{when(g.created_at)}</td>
							<td>{manage && <button type="button" class="small danger"
							    aria-label={`Delete ${g.server}`}
							    onClick={() => setDrop(g)}>Delete</button>}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			{manage && <Form label="Add a registry" class="form inline"
			    onSubmit={async (v, f) => {
				await post('/api/registries', { team_id: team.id, ...v });
				f.reset(); reload();
			}}>
				<Field name="server" label="Server" required spellcheck={false}
				    placeholder="registry.example.com" />
				<Field name="username" label="Username" required autoComplete="off" />
				<Field name="password" label="Password" type="password" required
				    autoComplete="new-password" />
				<Submit>Add registry</Submit>
			</Form>}
			{drop && <Confirm title={`Delete the credentials for ${drop.server}?`}
			    onClose={() => setDrop(null)} onConfirm={async () => {
				await del(`/api/registries/${drop.id}`); reload(); }}>
				<p>Pulls from this registry go without credentials from now on.</p>
			</Confirm>}
		</>
	);
}
