// team.jsx — one team: rename, members and their roles, invitations,
// registry credentials, delete.
import { useState } from 'preact/hooks';
import { get, all, post, patch, del } from '../api.js';
import { loadMe, session, atLeast } from '../session.js';
import { go } from '../router.js';
import { when } from '../format.js';
import { Page, Loaded, useLoad, Empty, Confirm, Reveal, Action } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { Registries } from './registries.jsx';

const ROLES = ['owner', 'admin', 'developer', 'viewer'];

function RoleSelect({ member, teamId, reload }) {
	const [error, setError] = useState(null);
	async function change(e) {
		setError(null);
		try {
			await patch(`/api/teams/${teamId}/members/${member.user_id}`,
			    { role: e.currentTarget.value });
			reload();
		} catch (err) { setError(err); reload(); }
	}
	return (
		<span>
			<select aria-label={`Role of ${member.email}`} value={member.role}
			    onChange={change}>
				{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
			</select>
			{error && <span class="field-error" role="alert">{error.message}</span>}
		</span>
	);
}

function Members({ team, reload: reloadTeam }) {
	const [members, error, reload] = useLoad(() =>
	    get(`/api/teams/${team.id}/members`).then((r) => r.items), [team.id]);
	// The role the API answers is the one it acts on (an instance admin
	// who is a viewer here may not manage members; one who is no member
	// is answered owner).
	const manage = atLeast(team.role, 'admin');
	return (
		<>
			<h2>Members</h2>
			<Loaded data={members} error={error}>{(items) =>
				<table class="table">
					<thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Since</th><th></th></tr></thead>
					<tbody>{items.map((m) => (
						<tr key={m.user_id}>
							<td>{m.name}</td><td>{m.email}</td>
							<td>{manage ? <RoleSelect member={m} teamId={team.id}
							    reload={reload} /> : m.role}</td>
							<td>{when(m.created_at)}</td>
							<td>{(manage || m.user_id === session.me.id) &&
								<Action class="small" label={`Remove ${m.email}`}
								    onClick={async () => {
									await del(`/api/teams/${team.id}/members/${m.user_id}`);
									if (m.user_id === session.me.id) {
										await loadMe(); go('/teams');
									} else { reload(); reloadTeam(); }
								    }}>{m.user_id === session.me.id ? 'Leave' : 'Remove'}</Action>}
							</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
		</>
	);
}

function Invitations({ team }) {
	const [fresh, setFresh] = useState(null);
	const [items, error, reload] = useLoad(() =>
	    get(`/api/teams/${team.id}/invitations`).then((r) => r.items), [team.id]);
	return (
		<>
			<h2>Invitations</h2>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No pending invitations.</Empty> :
				<table class="table">
					<thead><tr><th>Email</th><th>Role</th><th>Expires</th><th></th></tr></thead>
					<tbody>{list.map((i) => (
						<tr key={i.id}><td>{i.email}</td><td>{i.role}</td>
							<td>{when(i.expires_at)}</td>
							<td><Action class="small" label={`Withdraw ${i.email}`}
							    onClick={async () => { await del(
							    `/api/teams/${team.id}/invitations/${i.id}`); reload(); }}>
								Withdraw</Action></td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			{fresh && <Reveal label={`Send this invitation token to ${fresh.email}; it is shown only once. They accept it under Teams after signing in.`}
			    value={fresh.token} />}
			<Form label="Invite" class="form inline" onSubmit={async (v, f) => {
				setFresh(await post(`/api/teams/${team.id}/invitations`, v));
				f.reset(); reload();
			}}>
				<Field name="email" label="Email" type="email" required />
				<Field name="role" label="Role" as="select" value="developer">
					{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
				</Field>
				<Submit>Invite</Submit>
			</Form>
		</>
	);
}

export function TeamDetail({ id }) {
	const [team, error, reload] = useLoad(() => get(`/api/teams/${id}`), [id]);
	const [confirm, setConfirm] = useState(false);
	return (
		<Loaded data={team} error={error}>{(t) => (
			<Page title={t.name} actions={t.role === 'owner' &&
			    <button type="button" class="danger"
			    onClick={() => setConfirm(true)}>Delete team</button>}>
				<p class="muted">Your role: {t.role ?? 'none (instance admin)'} ·
				{' '}{t.member_count} member{t.member_count === 1 ? '' : 's'}</p>
				{t.role === 'owner' && <Form label="Rename team" class="form inline"
				    onSubmit={async (v) => { await patch(`/api/teams/${id}`, v);
				    await loadMe(); reload(); }}>
					<Field name="name" label="Team name" value={t.name} required />
					<Submit>Rename</Submit>
				</Form>}
				<Members team={t} reload={reload} />
				{(atLeast(t.role, 'admin')) && <Invitations team={t} />}
				{t.role && <Registries team={t} manage={atLeast(t.role, 'admin')} />}
				{confirm && <Confirm title={`Delete the team ${t.name}?`}
				    typed={t.name} onClose={() => setConfirm(false)}
				    onConfirm={async () => { await del(`/api/teams/${id}`);
				    await loadMe(); go('/teams'); }}>
					<p>Its members and invitations go with it.</p>
				</Confirm>}
			</Page>)}
		</Loaded>
	);
}
