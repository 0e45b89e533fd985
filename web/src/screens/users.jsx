// users.jsx — every account of the instance (instance admins): create,
// rename, change the email or set a new password (in a dialog), make or
// unmake admins, disable, delete.
import { useState } from 'preact/hooks';
import { all, post, patch, del } from '../api.js';
import { when } from '../format.js';
import { Page, Loaded, useLoad, Badge, Action, Confirm } from '../ui/widgets.jsx';
import { Form, Field, FormDialog, Submit } from '../ui/form.jsx';

// An account's name, email and (typed, a new) password in a modal form:
// only what changed is sent; the API's verdict on each shows beside it.
// A new password ends every session of the account.
function UserEdit({ user: u, onSaved, onClose }) {
	return (
		<FormDialog title={`Edit the account ${u.email}`} submit="Save account"
		    onClose={onClose} onSubmit={async (v) => {
			const body = {};
			if (v.name !== u.name) body.name = v.name;
			if (v.email !== u.email) body.email = v.email;
			if (v.password) body.password = v.password;
			if (Object.keys(body).length) await patch(`/api/users/${u.id}`, body);
			onSaved();
		    }}>
			<Field name="name" label="Name" value={u.name} required />
			<Field name="email" label="Email" type="email" value={u.email} required />
			<Field name="password" label="New password (blank: keep it)" type="password"
			    autoComplete="new-password"
			    hint="At least 10 characters. Their sessions end at once." />
		</FormDialog>
	);
}

export function Users({ me }) {
	const [items, error, reload] = useLoad(() => all('/api/users'));
	const [doomed, setDoomed] = useState(null);
	const [editing, setEditing] = useState(null);
	if (!me.is_admin) return <Page title="Users"><p>Only instance admins manage
		accounts.</p></Page>;
	const flip = (u, body) => async () => {
		await patch(`/api/users/${u.id}`, body); reload();
	};
	return (
		<Page title="Users">
			<Loaded data={items} error={error}>{(list) => (
				<table class="table">
					<thead><tr><th>Name</th><th>Email</th><th>Status</th><th>2FA</th><th>Created</th><th></th></tr></thead>
					<tbody>{list.map((u) => (
						<tr key={u.id}>
							<td>{u.name}</td><td>{u.email}</td>
							<td>{u.is_admin && <Badge state="neutral">admin</Badge>}{' '}
								{u.disabled ? <Badge state="failed">disabled</Badge> :
								<Badge state="ok">active</Badge>}</td>
							<td>{u.totp_enabled ? 'on' : 'off'}</td>
							<td>{when(u.created_at)}</td>
							<td class="row-actions">
								<button type="button" class="small" aria-label={`Edit ${u.email}`}
								    onClick={() => setEditing(u)}>Edit…</button>
								{u.id !== me.id && <>
								<Action class="small" onClick={flip(u, { is_admin: !u.is_admin })}>
									{u.is_admin ? 'Unmake admin' : 'Make admin'}</Action>
								<Action class="small" onClick={flip(u, { disabled: !u.disabled })}>
									{u.disabled ? 'Enable' : 'Disable'}</Action>
								<button type="button" class="small danger"
								    onClick={() => setDoomed(u)}>Delete</button>
							</>}</td>
						</tr>))}
					</tbody>
				</table>)}
			</Loaded>
			<h2>New account</h2>
			<Form label="New account" onSubmit={async (v, f) => {
				await post('/api/users', v); f.reset(); reload();
			}}>
				<div class="grid2">
					<Field name="name" label="Name" required />
					<Field name="email" label="Email" type="email" required />
					<Field name="password" label="Password" type="password" required
					    autoComplete="new-password" hint="At least 10 characters." />
				</div>
				<Field name="is_admin" label="Instance admin" type="checkbox" />
				<Submit>Create account</Submit>
			</Form>
			{editing && <UserEdit user={editing} onSaved={reload}
			    onClose={() => setEditing(null)} />}
			{doomed && <Confirm title={`Delete the account ${doomed.email}?`}
			    typed={doomed.email} onClose={() => setDoomed(null)}
			    onConfirm={async () => { await del(`/api/users/${doomed.id}`);
			    reload(); }}>
				<p>Their sessions and API tokens stop working at once.</p>
			</Confirm>}
		</Page>
	);
}
