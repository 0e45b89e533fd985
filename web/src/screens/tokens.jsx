// tokens.jsx — the caller's API tokens: mint (the secret shown once;
// instance admins may also mint a Prometheus scrape token), list,
// revoke.
import { useState } from 'preact/hooks';
import { all, post, del } from '../api.js';
import { when } from '../format.js';
import { Page, Loaded, useLoad, Empty, Reveal, Action, Badge } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Tokens({ me }) {
	const [fresh, setFresh] = useState(null);
	const [items, error, reload] = useLoad(() => all('/api/tokens'));
	async function create(v, form) {
		const body = { name: v.name, scope: v.scope };
		if (v.expires) body.expires_at = new Date(`${v.expires}T23:59:59`)
		    .toISOString();
		setFresh(await post('/api/tokens', body));
		form.reset();
		reload();
	}
	return (
		<Page title="API tokens">
			<p class="muted">Tokens let scripts and the CLI call the API as you.
			Send one as <code>Authorization: Bearer …</code>.</p>
			{fresh && <Reveal label={`The token "${fresh.name}": copy it now, it is never shown again.`}
			    value={fresh.token} />}
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No API tokens yet.</Empty> :
				<table class="table">
					<thead><tr><th>Name</th><th>Scope</th><th>Prefix</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
					<tbody>{list.map((t) => (
						<tr key={t.id}><td>{t.name}</td>
							<td><Badge state="neutral">{t.scope}</Badge></td>
							<td><code>{t.prefix}</code></td>
							<td>{t.expires_at ? when(t.expires_at) : 'never'}</td>
							<td>{when(t.last_used_at)}</td>
							<td><Action class="small danger" label={`Revoke ${t.name}`}
							    onClick={async () => { await del(`/api/tokens/${t.id}`);
							    reload(); }}>Revoke</Action></td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<h2>New token</h2>
			<Form label="New token" class="form inline" onSubmit={create}>
				<Field name="name" label="Name" required />
				<Field name="scope" label="Scope" as="select">
					<option value="read">read</option>
					<option value="write">write</option>
					{me?.is_admin && <option value="metrics">metrics (GET /api/metrics only, for Prometheus)</option>}
				</Field>
				<Field name="expires" label="Expires (optional)" type="date" />
				<Submit>Create token</Submit>
			</Form>
		</Page>
	);
}
