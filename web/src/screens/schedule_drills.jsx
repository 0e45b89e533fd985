// schedule_drills.jsx — a schedule's restore drills, newest first: its
// latest backup restored into a scratch container and checked there.
import { get } from '../api.js';
import { when, duration } from '../format.js';
import { Loaded, useLoad, Empty, Badge } from '../ui/widgets.jsx';

// How a drill ended: its check's verdict once it ran, else its status.
function outcome(d) {
	if (d.check_ok === true) return 'ok';
	if (d.check_ok === false || d.status === 'failed') return 'failed';
	return d.status;
}

export function ScheduleDrills({ schedule, label }) {
	const [items, error] = useLoad(() => get(
	    `/api/backup-schedules/${schedule.id}/drills`).then((r) => r.items),
	    [schedule.id]);
	return (
		<Loaded data={items} error={error}>{(list) => list.length === 0 ?
			<Empty>No restore drills of {label} yet.{schedule.drill_cron ?
				` The next one comes on ${schedule.drill_cron}.` :
				' A database schedule with a drill cron restores its latest backup into a scratch container and checks it.'}</Empty> :
			<table class="table" aria-label={`Restore drills of ${label}`}>
				<thead><tr><th>When</th><th>Outcome</th><th>Took</th><th>Check or error</th></tr></thead>
				<tbody>{list.map((d) => (
					<tr key={d.id}>
						<td>{when(d.started_at ?? d.created_at)}</td>
						<td><Badge state={outcome(d)} /></td>
						<td>{duration(d.duration_ms)}</td>
						<td>{d.check_result}{d.error &&
						    <p class="field-error">{d.error}</p>}</td>
					</tr>))}
				</tbody>
			</table>}
		</Loaded>
	);
}
