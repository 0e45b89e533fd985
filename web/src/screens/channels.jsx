// channels.jsx — where a team's alerts are told: webhooks (signed; the
// secret shown once), Slack, Discord, email. A test sends one now, and
// the deliveries say what happened to it.
import { useState } from 'preact/hooks';
import { get, post, del } from '../api.js';
import { when } from '../format.js';
import { teamList } from '../team_data.js';
import { Loaded, useLoad, usePoll, Empty, Badge, Action, Confirm, Reveal } from
    '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { ChannelEdit } from './channel_edit.jsx';

function Deliveries({ channel }) {
	const path = `/api/notification-channels/${channel.id}/deliveries`;
	const [items, error, reload] = useLoad(() => get(path, { limit: 10 })
	    .then((r) => r.items), [path]);
	const waiting = items?.some((d) => !d.sent_at && !d.failed_at);
	usePoll(reload, waiting ? 1500 : null);
	return (
		<Loaded data={items} error={error}>{(list) => list.length === 0 ?
			<p class="muted">Nothing sent yet.</p> :
			<ul class="plain deliveries" aria-label={`Deliveries to ${channel.name}`}>
				{list.map((d) => (
					<li key={d.id}>{when(d.created_at)} {d.status}:{' '}
						{d.sent_at ? <Badge state="ok">delivered</Badge> : d.failed_at ?
						    <Badge state="failed">given up</Badge> :
						    <Badge state="queued">{d.attempts ? `retrying (${d.attempts})` :
						    'queued'}</Badge>}
						{d.last_error && <span class="field-error"> {d.last_error}</span>}
					</li>))}
			</ul>}
		</Loaded>
	);
}

function NewChannel({ team, onMade }) {
	const [kind, setKind] = useState('webhook');
	return (
		<Form label="New channel" onSubmit={async (v, f) => {
			const body = { team_id: team.id, name: v.name, kind };
			if (kind === 'email') body.email = v.email.trim();
			else body.url = v.url.trim();
			onMade(await post('/api/notification-channels', body));
			f.reset();
		}}>
			<div class="grid2">
				<Field name="name" label="Name" required />
				<Field name="kind" label="Kind" as="select" value={kind}
				    onChange={(e) => setKind(e.currentTarget.value)}>
					<option value="webhook">Webhook (signed JSON)</option>
					<option value="slack">Slack incoming webhook</option>
					<option value="discord">Discord webhook</option>
					<option value="email">Email</option>
				</Field>
				{kind === 'email' ? <Field name="email" label="Email address" type="email"
				    required /> : <Field name="url" label="URL" required spellcheck={false}
				    placeholder="https://hooks.example.com/openpanel" />}
			</div>
			<Submit>Add channel</Submit>
		</Form>
	);
}

export function Channels({ team }) {
	const [list, error, reload] = useLoad(() => teamList(
	    '/api/notification-channels', team), [team.id]);
	const [made, setMade] = useState(null);
	const [doomed, setDoomed] = useState(null);
	const [editing, setEditing] = useState(null);
	const [tested, setTested] = useState(new Set());
	return (<>
		<Loaded data={list} error={error}>{(channels) => channels.length === 0 ?
			<Empty>No notification channels yet: alerts have nowhere to go.</Empty> :
			<table class="table">
				<thead><tr><th>Name</th><th>Kind</th><th>Sends to</th><th>Deliveries</th><th></th></tr></thead>
				<tbody>{channels.map((c) => (
					<tr key={c.id}>
						<td>{c.name}</td><td>{c.kind}</td>
						<td><code>{c.target_hint}</code>{c.secret_set &&
						    <div class="muted">signed</div>}</td>
						<td>{tested.has(c.id) ? <Deliveries channel={c} /> :
						    <span class="muted">—</span>}</td>
						<td class="row-actions">
							<Action class="small" label={`Test ${c.name}`} onClick={async () => {
								await post(`/api/notification-channels/${c.id}/test`);
								setTested(new Set(tested).add(c.id)); }}>Test</Action>
							<button type="button" class="small" aria-label={`Deliveries to ${c.name}`}
							    onClick={() => setTested(new Set(tested).add(c.id))}>History</button>
							<button type="button" class="small" aria-label={`Edit ${c.name}`}
							    onClick={() => setEditing(c)}>Edit</button>
							<button type="button" class="small danger" aria-label={`Delete ${c.name}`}
							    onClick={() => setDoomed(c)}>Delete</button>
						</td>
					</tr>))}
				</tbody>
			</table>}
		</Loaded>
		{made?.secret && <Reveal label={`The signing secret of ${made.name}, shown only once:`}
		    value={made.secret} />}
		<h2>New channel</h2>
		<NewChannel team={team} onMade={(c) => { setMade(c); reload(); }} />
		{editing && <ChannelEdit channel={editing} onSaved={reload}
		    onClose={() => setEditing(null)} />}
		{doomed && <Confirm title={`Delete the channel ${doomed.name}?`}
		    onClose={() => setDoomed(null)} onConfirm={async () => {
			await del(`/api/notification-channels/${doomed.id}`); reload(); }}>
			<p>The rules that told it stop telling it.</p>
		</Confirm>}
	</>);
}
