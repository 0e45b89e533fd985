// alerts.jsx — a team's alert rules: a condition held for a while, told
// to channels; each with what it fires for now (and, shown, which
// subjects). Created, changed in a dialog, turned off and on, deleted.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { post, patch, del } from '../api.js';
import { containerLabel, teamList } from '../team_data.js';
import { Loaded, useLoad, usePoll, Empty, Badge, Action, Confirm } from
    '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { AlertEdit, Firing } from './alert_edit.jsx';

// kind → [what it says, the threshold's unit or null, about containers,
// a new rule's threshold]
export const KINDS = {
	container_down: ['A container is down (exited or dead)', null, true],
	container_restarting: ['A container keeps restarting', null, true],
	health_failing: ['A container\'s health check fails', null, true],
	cpu_above: ['CPU above', '% of one CPU', true, '90'],
	memory_above: ['Memory above', '% of its limit', true, '90'],
	disk_above: ['The host\'s data disk above', '% used', false, '90'],
	cert_expiry: ['A domain\'s certificate expires within', 'days', false, '14'],
	build_failed: ['A build fails', null, false],
	backup_failed: ['A backup fails', null, false],
};

function NewRule({ team, containers, channels, onMade }) {
	const [kind, setKind] = useState('container_down');
	const [, unit, about, initial] = KINDS[kind];
	return (
		<Form label="New alert rule" onSubmit={async (v, f) => {
			const body = { team_id: team.id, name: v.name, kind,
				for_seconds: Number(v.for_seconds || 0), enabled: true,
				channel_ids: channels.filter((c) => v[`ch_${c.id}`]).map((c) => c.id) };
			if (about && v.container_id) body.container_id = v.container_id;
			if (unit) body.threshold = v.threshold === '' ? null : Number(v.threshold);
			await post('/api/alerts', body);
			f.reset(); onMade();
		}}>
			<div class="grid2">
				<Field name="name" label="Name" required />
				<Field name="kind" label="When" as="select" value={kind}
				    onChange={(e) => setKind(e.currentTarget.value)}>
					{Object.entries(KINDS).map(([k, [label]]) =>
					    <option key={k} value={k}>{label}</option>)}
				</Field>
				{about && <Field name="container_id" label="Container" as="select" value="">
					<option value="">Every container of the team</option>
					{containers.map((c) => <option key={c.id} value={c.id}>
						{containerLabel(c)}</option>)}
				</Field>}
				{unit && <Field key={kind} name="threshold" label={`Threshold (${unit})`}
				    inputMode="decimal" value={initial} />}
				<Field name="for_seconds" label="For how long (seconds)" inputMode="numeric"
				    value="60" />
			</div>
			<fieldset>
				<legend>Tell</legend>
				{channels.length === 0 ? <p class="muted">No channel yet (the Channels
					tab): the rule still fires in the team's events.</p> :
					channels.map((c) => <Field key={c.id} name={`ch_${c.id}`}
					    label={`${c.name} (${c.kind})`} type="checkbox" />)}
			</fieldset>
			<Submit>Create rule</Submit>
		</Form>
	);
}

export function Alerts({ team, containers }) {
	const [data, error, reload] = useLoad(async () => ({
		rules: await teamList('/api/alerts', team),
		channels: await teamList('/api/notification-channels', team),
	}), [team.id]);
	usePoll(reload, 10000);	// what fires changes on its own
	const [doomed, setDoomed] = useState(null);
	const [editing, setEditing] = useState(null);
	const [shown, setShown] = useState(null);	// the rule whose subjects show
	const name = (id) => data.channels.find((c) => c.id === id)?.name ?? '?';
	const subject = (id, known) => {
		const c = containers.find((x) => x.id === id);
		return c ? containerLabel(c) : known ?? id;
	};
	const target = (r) => !KINDS[r.kind]?.[2] ? '—' :
	    r.container_id ? subject(r.container_id) : 'every container';
	return (<Loaded data={data} error={error}>{({ rules, channels }) => (<>
		{rules.length === 0 ? <Empty>No alert rules yet.</Empty> :
			<table class="table">
				<thead><tr><th>Rule</th><th>When</th><th>Of</th><th>Tells</th><th>Now</th><th></th></tr></thead>
				<tbody>{rules.map((r) => (<Fragment key={r.id}>
					<tr>
						<td>{r.name}</td>
						<td>{KINDS[r.kind]?.[0] ?? r.kind}{r.threshold !== null &&
						    ` ${r.threshold} ${KINDS[r.kind]?.[1] ?? ''}`} for {r.for_seconds} s</td>
						<td>{target(r)}</td>
						<td>{r.channel_ids.length ? r.channel_ids.map(name).join(', ') : '—'}</td>
						<td>{!r.enabled ? <Badge state="off">off</Badge> : r.firing > 0 ?
						    <button type="button" class="link" aria-label={`What ${r.name} fires for`}
						    aria-expanded={shown === r.id ? 'true' : 'false'}
						    onClick={() => setShown(shown === r.id ? null : r.id)}>
							<Badge state="failed">firing ({r.firing})</Badge></button> :
						    <Badge state="ok">quiet</Badge>}</td>
						<td class="row-actions">
							<Action class="small" label={`${r.enabled ? 'Turn off' : 'Turn on'} ${r.name}`}
							    onClick={async () => { await patch(`/api/alerts/${r.id}`,
							    { enabled: !r.enabled }); reload(); }}>
								{r.enabled ? 'Turn off' : 'Turn on'}</Action>
							<button type="button" class="small" aria-label={`Edit ${r.name}`}
							    onClick={() => setEditing(r)}>Edit…</button>
							<button type="button" class="small danger" aria-label={`Delete ${r.name}`}
							    onClick={() => setDoomed(r)}>Delete</button>
						</td>
					</tr>
					{shown === r.id && r.enabled && r.firing > 0 && <tr class="sub">
						<td colSpan={6}><Firing rule={r} label={subject} /></td></tr>}
				</Fragment>))}
				</tbody>
			</table>}
		<h2>New rule</h2>
		<NewRule team={team} containers={containers} channels={channels} onMade={reload} />
		{editing && <AlertEdit rule={editing} kinds={KINDS} channels={channels}
		    onSaved={reload} onClose={() => setEditing(null)} />}
		{doomed && <Confirm title={`Delete the rule ${doomed.name}?`}
		    onClose={() => setDoomed(null)} onConfirm={async () => {
			await del(`/api/alerts/${doomed.id}`); reload(); }}>
			<p>Nothing more is told of it.</p>
		</Confirm>}
	</>)}</Loaded>);
}
