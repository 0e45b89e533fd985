// schedules.jsx — backups on a schedule: a five-field cron read on the
// wall clock of a time zone, how many generations retention keeps, a
// database's restore drill cron, and the drills each has run; each
// schedule edited in a dialog, and paused or resumed from its row (or
// made paused).
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { all, post, del, patch } from '../api.js';
import { when } from '../format.js';
import { containerLabel } from '../team_data.js';
import { Loaded, useLoad, Empty, Badge, Action, Confirm } from '../ui/widgets.jsx';
import { Form, Submit } from '../ui/form.jsx';
import { BackupSubject, subjectBody } from './backup_subject.jsx';
import { ScheduleDrills } from './schedule_drills.jsx';
import { KEEP, ScheduleFields, ScheduleOn, scheduleBody, ScheduleEdit } from
    './schedule_form.jsx';

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
	const [editing, setEditing] = useState(null);
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
						    <> <Badge state="off">paused</Badge></>}
							{s.drill_cron && <div class="muted">restore drill{' '}
								<code>{s.drill_cron}</code></div>}</td>
						<td>{s.enabled ? when(s.next_run_at) : <span class="muted">
							    paused</span>}<div class="muted">last {when(s.last_run_at)}</div>
							{s.drill_cron && <div class="muted">next drill {when(
							    s.next_drill_at)}</div>}</td>
						<td>{retentionText(s.retention)}</td>
						<td class="row-actions">
							<button type="button" class="small"
							    aria-expanded={drills === s.id ? 'true' : 'false'}
							    aria-label={`Restore drills of ${name(s)}`}
							    onClick={() => setDrills(drills === s.id ? null : s.id)}>
								Drills</button>
							<button type="button" class="small"
							    aria-label={`Edit the schedule of ${name(s)}`}
							    onClick={() => setEditing(s)}>Edit</button>
							<Action class="small" label={`${s.enabled ? 'Pause' : 'Resume'
							    } the schedule of ${name(s)}`} onClick={async () => {
								await patch(`/api/backup-schedules/${s.id}`,
								    { enabled: !s.enabled });
								reload(); }}>{s.enabled ? 'Pause' : 'Resume'}</Action>
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
					...scheduleBody(v, false) });
				reload();
			}}>
				<BackupSubject targets={x.targets} containers={x.containers} />
				<ScheduleFields />
				<ScheduleOn />
				<Submit>Create schedule</Submit>
			</Form>}
		{editing && <ScheduleEdit s={editing} label={name(editing)} onSaved={reload}
		    onClose={() => setEditing(null)} />}
		{doomed && <Confirm title="Delete this schedule?" onClose={() => setDoomed(null)}
		    onConfirm={async () => { await del(`/api/backup-schedules/${doomed.id}`);
		    reload(); }}>
			<p>No more backups of {name(doomed)} are taken; the ones it made stay.</p>
		</Confirm>}
	</>);
}
