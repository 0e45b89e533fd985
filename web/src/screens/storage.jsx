// storage.jsx — where a team's backups are kept: S3-compatible buckets
// (the secret key write-only) and local directories the instance allows.
// The API tests a target before it keeps it, and says what failed.
import { useState } from 'preact/hooks';
import { post, del } from '../api.js';
import { Empty, Confirm } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

function where(t) {
	if (t.type === 'local') return <code>{t.path}</code>;
	return <><code>{t.endpoint}</code> bucket <code>{t.bucket}</code>
		{t.prefix && <> prefix <code>{t.prefix}</code></>}</>;
}

function NewTarget({ team, reload }) {
	const [type, setType] = useState('local');
	return (
		<Form label="New storage target" onSubmit={async (v, f) => {
			const body = { team_id: team.id, type };
			const keys = type === 'local' ? ['name', 'path'] : ['name', 'endpoint',
				'region', 'bucket', 'prefix', 'access_key', 'secret_key'];
			for (const k of keys) if (v[k]) body[k] = v[k].trim();
			if (type === 's3') body.path_style = v.path_style;
			await post('/api/storage', body);
			f.reset(); reload();
		}}>
			<div class="grid2">
				<Field name="type" label="Kind" as="select" value={type}
				    onChange={(e) => setType(e.currentTarget.value)}>
					<option value="local">A directory on this server</option>
					<option value="s3">An S3-compatible bucket</option>
				</Field>
				<Field name="name" label="Name (optional)" />
			</div>
			{type === 'local' ? <Field name="path" label="Directory" required
			    spellcheck={false} placeholder="/var/backups/openpanel"
			    hint="Absolute, inside a directory the instance allows (OP_BACKUP_LOCAL_DIRS)." /> :
				<div class="grid2">
					<Field name="endpoint" label="Endpoint" required spellcheck={false}
					    placeholder="https://s3.eu-west-1.amazonaws.com" />
					<Field name="region" label="Region" placeholder="us-east-1" />
					<Field name="bucket" label="Bucket" required spellcheck={false} />
					<Field name="prefix" label="Key prefix (optional)" spellcheck={false} />
					<Field name="access_key" label="Access key" autoComplete="off"
					    spellcheck={false} />
					<Field name="secret_key" label="Secret key (write-only)" type="password"
					    autoComplete="off" />
					<Field name="path_style" label="Path-style addresses" type="checkbox" checked />
				</div>}
			<Submit>Add storage target</Submit>
		</Form>
	);
}

export function Storage({ team, targets, reload }) {
	const [doomed, setDoomed] = useState(null);
	return (<>
		{targets.length === 0 ? <Empty>No storage target yet.</Empty> :
			<table class="table">
				<thead><tr><th>Name</th><th>Kind</th><th>Where</th><th>Secret key</th><th></th></tr></thead>
				<tbody>{targets.map((t) => (
					<tr key={t.id}>
						<td>{t.name}</td><td>{t.type === 's3' ? 'S3' : 'local'}</td>
						<td>{where(t)}</td>
						<td>{t.type === 's3' ? (t.secret_key_set ? 'set' : 'none') : '—'}</td>
						<td><button type="button" class="small danger"
						    aria-label={`Remove ${t.name}`}
						    onClick={() => setDoomed(t)}>Remove</button></td>
					</tr>))}
				</tbody>
			</table>}
		<h2>Add a storage target</h2>
		<NewTarget team={team} reload={reload} />
		{doomed && <Confirm title={`Remove ${doomed.name}?`} confirm="Remove"
		    onClose={() => setDoomed(null)} onConfirm={async () => {
			await del(`/api/storage/${doomed.id}`); reload(); }}>
			<p>The panel forgets the target; what is stored there stays. A target
			still holding backups is refused.</p>
		</Confirm>}
	</>);
}
