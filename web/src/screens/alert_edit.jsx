// alert_edit.jsx — an alert rule changed in a dialog (its name,
// threshold, duration and channels; its kind and container stay, as the
// API keeps them), and what a firing rule fires for now (GET
// /api/alerts/<id>: each subject, since when, and its value).
import { get, patch } from '../api.js';
import { when } from '../format.js';
import { Loaded, useLoad } from '../ui/widgets.jsx';
import { Field, FormDialog } from '../ui/form.jsx';

// kinds: alerts.jsx's KINDS; channels: the team's.
export function AlertEdit({ rule: r, kinds, channels, onSaved, onClose }) {
	const unit = kinds[r.kind]?.[1];
	return (
		<FormDialog title={`Edit the rule ${r.name}`} submit="Save rule"
		    onClose={onClose} onSubmit={async (v) => {
			const body = { name: v.name, for_seconds: Number(v.for_seconds || 0),
				channel_ids: channels.filter((c) => v[`ch_${c.id}`]).map((c) => c.id) };
			if (unit) body.threshold = v.threshold === '' ? null : Number(v.threshold);
			await patch(`/api/alerts/${r.id}`, body);
			onSaved();
		    }}>
			<Field name="name" label="Name" value={r.name} required />
			{unit && <Field name="threshold" label={`Threshold (${unit})`}
			    inputMode="decimal" value={r.threshold ?? ''} />}
			<Field name="for_seconds" label="For how long (seconds)" inputMode="numeric"
			    value={String(r.for_seconds)} />
			<fieldset>
				<legend>Tell</legend>
				{channels.length === 0 ? <p class="muted">No channel yet.</p> :
					channels.map((c) => <Field key={c.id} name={`ch_${c.id}`}
					    label={`${c.name} (${c.kind})`} type="checkbox"
					    checked={r.channel_ids.includes(c.id)} />)}
			</fieldset>
		</FormDialog>
	);
}

// The subjects rule fires for, each named by label(id, name): the
// API's name (a container's, a domain's hostname) unless label knows better.
export function Firing({ rule, label }) {
	const [items, error] = useLoad(() => get(`/api/alerts/${rule.id}`)
	    .then((r) => r.firing), [rule.id, rule.firing]);
	return (
		<Loaded data={items} error={error}>{(list) => list.length === 0 ?
			<p class="muted">Nothing fires now.</p> :
			<ul class="plain" aria-label="What fires now">
				{list.map((f) => <li key={f.subject}>{label(f.subject, f.name)} since {when(f.since)}
					{f.value !== null && ` (${f.value})`}</li>)}
			</ul>}
		</Loaded>
	);
}
