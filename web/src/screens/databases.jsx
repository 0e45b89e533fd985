// databases.jsx — a project's one-click databases: create (with a memory
// limit if wanted), credentials on demand (admins), delete (its data
// volume too, when asked).
import { useState } from 'preact/hooks';
import { get, post, del } from '../api.js';
import { Loaded, useLoad, Empty, Badge, Confirm, Reveal, Action } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { num } from '../defs.js';

const ENGINES = ['postgresql', 'mysql', 'mariadb', 'redis', 'mongodb'];

export function Databases({ project }) {
	const [items, error, reload] = useLoad(() => get('/api/databases',
	    { project_id: project.id }).then((r) => r.items), [project.id]);
	const [secret, setSecret] = useState(null);
	const [doomed, setDoomed] = useState(null);
	const [volume, setVolume] = useState(false);	// deleted with it
	return (
		<>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No databases yet.</Empty> :
				<table class="table">
					<thead><tr><th>Name</th><th>Engine</th><th>State</th><th>Connection</th><th></th></tr></thead>
					<tbody>{list.map((d) => (
						<tr key={d.id}>
							<td><a href={`#/containers/${d.container_id}`}>{d.name}</a></td>
							<td>{d.engine} {d.version}</td>
							<td><Badge state={d.state} /></td>
							<td><code>{d.connection.url}</code></td>
							<td class="row-actions">
								<Action class="small" label={`Credentials of ${d.name}`}
								    onClick={async () => setSecret({ name: d.name, ...(await
								    post(`/api/databases/${d.id}/reveal`)) })}>Credentials</Action>
								<button type="button" class="small danger"
								    aria-label={`Delete ${d.name}`}
								    onClick={() => { setVolume(false); setDoomed(d); }}>Delete</button>
							</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			{secret && <Reveal label={`Connection URL of ${secret.name}, password included:`}
			    value={secret.url ?? secret.password} />}
			<h3>New database</h3>
			<Form label="New database" class="form inline" onSubmit={async (v, f) => {
				const body = { project_id: project.id, name: v.name, engine: v.engine };
				if (v.version) body.version = v.version;
				if (v.image) body.image = v.image;
				if (v.memory_mb.trim()) body.memory_mb = num(v.memory_mb);
				await post('/api/databases', body);
				f.reset(); reload();
			}}>
				<Field name="name" label="Name" required spellcheck={false} />
				<Field name="engine" label="Engine" as="select" value="postgresql">
					{ENGINES.map((e) => <option key={e} value={e}>{e}</option>)}
				</Field>
				<Field name="version" label="Version (optional)" />
				<Field name="image" label="Image (optional)" spellcheck={false}
				    hint="Another image of the same engine, such as a mirror's." />
				<Field name="memory_mb" label="Memory limit in MB (optional)"
				    inputMode="numeric" />
				<Submit>Create database</Submit>
			</Form>
			{doomed && <Confirm title={`Delete the database ${doomed.name}?`}
			    typed={doomed.name} onClose={() => setDoomed(null)}
			    onConfirm={async () => { await del(`/api/databases/${doomed.id}` +
			    (volume ? '?volumes=true' : '')); reload(); }}>
				<p>Its container goes; its data volume stays with the project unless
				deleted too.</p>
				<div class="field check">
					<input id="drop-db-volume" type="checkbox" checked={volume}
					    onChange={(e) => setVolume(e.currentTarget.checked)} />
					<label for="drop-db-volume">Also delete its data volume and the data
					in it</label>
				</div>
			</Confirm>}
		</>
	);
}
