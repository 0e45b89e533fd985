// schedules.jsx — backups on a schedule: a five-field cron read on the
// wall clock of a time zone, how many generations retention keeps, and
// the restore drills each has run.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { all, post, del } from '../api.js';
import { when } from '../format.js';
import { containerLabel } from '../team_data.js';
import { Loaded, useLoad, Empty, Badge, Action, Confirm } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { BackupSubject, subjectBody } from './backup_subject.jsx';
import { ScheduleDrills } from './schedule_drills.jsx';

const KEEP = [['keep_last', 'Keep the last'], ['daily', 'Daily'],
	['weekly', 'Weekly'], ['monthly', 'Monthly']];
const ZONES = Intl.supportedValuesOf?.('timeZone') ?? [];

function retention(v) {
	const out = {};
	for (const [k] of KEEP) if (v[k].trim()) out[k] = Number(v[k]);
	return out;
}

function retentionText(r) {
	const parts = KEEP.filter(([k]) => r?.[k]).map(([k, label]) =>
	    `${label.toLowerCase()} ${r[k]}`);
	return parts.length ? parts.join(', ') : 'every backup';
}

export function Schedules({ team, x }) {
	const [items, error, reload] = useLoad(() => all('/api/backup-schedules',
	    { team_id: team.id }), [team.id]);
	const [doomed, setDoomed] = useState(null);
	const [ran, setRan] = useState(null);
	const [drills, setDrills] = useState(null);	// the schedule whose drills show
	const name = (s) => {
		const c = x.containers.find((y) => y.id === s.container_id);
		return `${s.kind === 'volume' ? `volume ${s.volume}` : 'database'} of ${
			c ? containerLabel(c) : s.container_id}`;
	};
	return (<>
		<Loaded data={items} error={error}>{(list) => list.length === 0 ?
			<Empty>No schedules yet.</Empty> :
			<table class="table">
				<thead><tr><th>Backs up</th><th>When</th><th>Next run</th><th>Keeps</th><th></th></tr></thead>
				<tbody>{list.map((s) => (<Fragment key={s.id}>
					<tr>
						<td>{name(s)}</td>
						<td><code>{s.cron}</code> {s.timezone}{!s.enabled &&
						    <Badge state="off">off</Badge>}</td>
						<td>{when(s.next_run_at)}<div class="muted">last {when(s.last_run_at)}</div></td>
						<td>{retentionText(s.retention)}</td>
						<td class="row-actions">
							<button type="button" class="small"
							    aria-expanded={drills === s.id ? 'true' : 'false'}
							    aria-label={`Restore drills of ${name(s)}`}
							    onClick={() => setDrills(drills === s.id ? null : s.id)}>
								Drills</button>
							<Action class="small" label={`Run ${name(s)} now`} onClick={async () => {
								await post(`/api/backup-schedules/${s.id}/run`);
								setRan(s); }}>Run now</Action>
							<button type="button" class="small danger"
							    aria-label={`Delete the schedule of ${name(s)}`}
							    onClick={() => setDoomed(s)}>Delete</button>
						</td>
					</tr>
					{drills === s.id && <tr class="sub"><td colSpan={5}>
						<ScheduleDrills schedule={s} label={name(s)} /></td></tr>}
				</Fragment>))}
				</tbody>
			</table>}
		</Loaded>
		{ran && <p role="status" class="ok">A backup of {name(ran)} is queued; it is
			on the Backups tab.</p>}
		<h2>New schedule</h2>
		{x.targets.length === 0 || x.containers.length === 0 ?
			<Empty>A schedule needs a storage target and a container.</Empty> :
			<Form label="New schedule" onSubmit={async (v) => {
				await post('/api/backup-schedules', { ...subjectBody(v),
					cron: v.cron.trim(), timezone: v.timezone.trim() || 'UTC',
					retention: retention(v) });
				reload();
			}}>
				<BackupSubject targets={x.targets} containers={x.containers} />
				<div class="grid2">
					<Field name="cron" label="Cron (minute hour day month weekday)"
					    required spellcheck={false} value="30 3 * * *"
					    hint="30 3 * * * is 03:30 every day; */15 * * * * every quarter hour." />
					<Field name="timezone" label="Time zone" list="zones" spellcheck={false}
					    value={Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC'} />
				</div>
				<datalist id="zones">{ZONES.map((z) => <option key={z} value={z} />)}</datalist>
				<fieldset class="grid2">
					<legend>Retention (blank: no rule; no rule at all keeps every backup)</legend>
					{KEEP.map(([k, label]) => <Field key={k} name={k} label={label}
					    inputMode="numeric" value={k === 'keep_last' ? '7' : ''} />)}
				</fieldset>
				<Field name="encrypt" label="Encrypt the backups" type="checkbox" />
				<Submit>Create schedule</Submit>
			</Form>}
		{doomed && <Confirm title="Delete this schedule?" onClose={() => setDoomed(null)}
		    onConfirm={async () => { await del(`/api/backup-schedules/${doomed.id}`);
		    reload(); }}>
			<p>No more backups of {name(doomed)} are taken; the ones it made stay.</p>
		</Confirm>}
	</>);
}
