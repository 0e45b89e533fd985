// schedule_form.jsx — what a backup schedule's forms share: its cron and
// time zone, retention, encryption, restore drill and whether it is on
// (a new one may start paused); and the dialog that edits an existing
// schedule (PATCH: what it backs up and where stays; there it may also
// be paused or resumed).
import { patch } from '../api.js';
import { Field, FormDialog } from '../ui/form.jsx';

export const KEEP = [['keep_last', 'Keep the last'], ['daily', 'Daily'],
	['weekly', 'Weekly'], ['monthly', 'Monthly']];
const ZONES = Intl.supportedValuesOf?.('timeZone') ?? [];
const HERE = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';

// The timing, retention, encryption and drill fields, filled with s (a
// schedule being edited) or a new schedule's defaults. drill: whether
// the restore drill field shows (a database schedule, or a new one);
// zones: the id of its time zone list.
export function ScheduleFields({ s, drill = true, zones = 'zones' }) {
	const keep = (k) => (s ? String(s.retention?.[k] ?? '') :
	    k === 'keep_last' ? '7' : '');
	return (<>
		<div class="grid2">
			<Field name="cron" label="Cron (minute hour day month weekday)"
			    required spellcheck={false} value={s?.cron ?? '30 3 * * *'}
			    hint="30 3 * * * is 03:30 every day; */15 * * * * every quarter hour." />
			<Field name="timezone" label="Time zone" list={zones} spellcheck={false}
			    value={s?.timezone ?? HERE} />
		</div>
		<datalist id={zones}>{ZONES.map((z) => <option key={z} value={z} />)}</datalist>
		<fieldset class="grid2">
			<legend>Retention (blank: no rule; no rule at all keeps every backup)</legend>
			{KEEP.map(([k, label]) => <Field key={k} name={k} label={label}
			    inputMode="numeric" value={keep(k)} />)}
		</fieldset>
		<Field name="encrypt" label="Encrypt the backups" type="checkbox"
		    checked={s?.encrypt ?? false} />
		{drill && <Field name="drill_cron" label="Restore drill cron (blank: no drills)"
		    spellcheck={false} value={s?.drill_cron ?? ''} placeholder="0 5 * * 0"
		    hint="Database schedules only: on this cron, in the schedule's time zone, the latest backup is restored into a scratch container, checked and removed." />}
	</>);
}

// Whether the schedule s (a new one: on) runs; unticked, it is paused.
export function ScheduleOn({ s }) {
	return <Field name="enabled" label="On (untick to pause: no runs nor drills until resumed)"
	    type="checkbox" checked={s?.enabled ?? true} />;
}

function retention(v) {
	const out = {};
	for (const [k] of KEEP) if (v[k].trim()) out[k] = Number(v[k]);
	return out;
}

// The body of a create (only a drill that is set) or an edit (a blank
// drill stops them: null).
export function scheduleBody(v, edit) {
	const body = { cron: v.cron.trim(), timezone: v.timezone.trim() || 'UTC',
		retention: retention(v), encrypt: v.encrypt, enabled: v.enabled };
	const drill = (v.drill_cron ?? '').trim();
	if (drill) body.drill_cron = drill;
	else if (edit && 'drill_cron' in v) body.drill_cron = null;
	return body;
}

// A schedule's fields in a modal form, with whether it is on (unticked:
// paused): the API's verdict on each shows beside it;
// saved, the dialog closes.
export function ScheduleEdit({ s, label, onSaved, onClose }) {
	return (
		<FormDialog title={`Edit the schedule of ${label}`} submit="Save schedule"
		    onClose={onClose} onSubmit={async (v) => {
			await patch(`/api/backup-schedules/${s.id}`, scheduleBody(v, true));
			onSaved();
		    }}>
			<ScheduleFields s={s} drill={s.kind === 'database'} zones="zones-edit" />
			<ScheduleOn s={s} />
		</FormDialog>
	);
}
