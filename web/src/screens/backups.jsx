// backups.jsx — a team's backups: where they are kept (storage targets,
// an S3-compatible bucket or a local directory), a backup taken now and
// its progress, each one's size, checksum, duration and log, a restore
// behind a confirmation (into the container it was taken of, another, or
// a new database), and schedules (cron in a time zone, retention);
// the backups narrowed to one schedule's as the API does.
import { useState } from 'preact/hooks';
import { all, get, post, del } from '../api.js';
import { when, short, bytes, duration } from '../format.js';
import { teamContainers, containerLabel } from '../team_data.js';
import { Page, Loaded, useLoad, usePoll, Empty, Badge, Confirm,
	Progress, Tabs, useFresh } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { Schedules } from './schedules.jsx';
import { subjectBody, BackupSubject } from './backup_subject.jsx';
import { Storage } from './storage.jsx';
import { RestoreDialog } from './restore_dialog.jsx';

const WORKING = new Set(['queued', 'running']);

// The team's backups (those of one schedule when schedule is an id),
// storage targets, containers and schedules.
async function load(team, schedule) {
	if (!team) return null;
	const q = { team_id: team.id };
	const [backups, targets, { containers }, schedules] = await Promise.all([
		all('/api/backups', schedule ? { ...q, schedule_id: schedule } : q, 200),
		all('/api/storage', q), teamContainers(team),
		all('/api/backup-schedules', q)]);
	return { backups, targets, containers, schedules };
}

// A schedule as the filter names it: its cron and zone, and what it
// backs up.
function scheduleLabel(x, s) {
	const c = x.containers.find((y) => y.id === s.container_id);
	const what = s.kind === 'volume' ? `volume ${s.volume}` : s.kind;
	return `${s.cron} ${s.timezone}: ${what}${c ? ` of ${containerLabel(c)}` : ''}`;
}

function Status({ b }) {
	if (WORKING.has(b.status)) return (
		<Progress label={`Backup ${short(b.id)} ${b.status}`}>{b.status === 'queued' ?
			'Queued…' : `Backing up${b.uploading ? ', uploading' : ''}…`}
			{b.attempts > 1 && ` (try ${b.attempts} of ${b.max_attempts})`}</Progress>);
	return <><Badge state={b.status === 'completed' ? 'ok' : 'failed'}>{b.status}</Badge>
		{b.error && <p class="field-error">{b.error}</p>}</>;
}

// A restore as it goes, kept fresh until it is done.
function RestoreState({ backup, restore: first }) {
	const path = `/api/backups/${backup.id}/restores/${first.id}`;
	const [r, error, reload] = useLoad(() => get(path), [path]);
	const now = r ?? first;
	usePoll(reload, WORKING.has(now.status) ? 1500 : null);
	return (
		<tr class="sub"><td colSpan={8} aria-live="polite">
			{error && <p class="form-error" role="alert">{error.message}</p>}
			{WORKING.has(now.status) ? <Progress label="Restore under way">
				Restoring {short(backup.id)}…</Progress> :
				<p><strong>Restore {now.status}</strong>{now.new_container_name &&
				    ` into the new database ${now.new_container_name}`}{now.duration_ms !== null &&
				    ` in ${duration(now.duration_ms)}`}{now.error && `: ${now.error}`}</p>}
			{now.log && <pre class="log small">{now.log}</pre>}
		</td></tr>
	);
}

function BackupRow({ b, target, container, onRestore, onDelete, restore }) {
	const [open, setOpen] = useState(false);
	return (<>
		<tr>
			<td>{when(b.created_at)}{b.schedule_id && <div class="muted">scheduled</div>}</td>
			<td>{b.kind === 'volume' ? `volume ${b.volume}` : `database${b.engine ?
				` (${b.engine})` : ''}`} of {container ? <a href={`#/containers/${container.id}`}>
				{containerLabel(container)}</a> : short(b.container_id)}
				{b.encrypted && <div class="muted">encrypted</div>}</td>
			<td>{target?.name ?? '—'}</td>
			<td><Status b={b} /></td>
			<td>{bytes(b.size)}</td>
			<td>{b.checksum ? <code title={`SHA-256 ${b.checksum}`}>{b.checksum.slice(0, 12)}…</code> : '—'}</td>
			<td>{duration(b.duration_ms)}</td>
			<td class="row-actions">
				<button type="button" class="small" aria-expanded={open ? 'true' : 'false'}
				    aria-label={`Log of backup ${short(b.id)}`}
				    onClick={() => setOpen(!open)}>Log</button>
				{b.status === 'completed' && <button type="button" class="small"
				    aria-label={`Restore backup ${short(b.id)}`}
				    onClick={() => onRestore(b)}>Restore…</button>}
				{!WORKING.has(b.status) && <button type="button" class="small danger"
				    aria-label={`Delete backup ${short(b.id)}`}
				    onClick={() => onDelete(b)}>Delete</button>}
			</td>
		</tr>
		{open && <tr class="sub"><td colSpan={8}>
			<pre class="log small" tabIndex={0}>{b.log || 'No log yet.'}</pre></td></tr>}
		{restore && <RestoreState backup={b} restore={restore} />}
	</>);
}

function BackupList({ x, reload }) {
	const [restoring, setRestoring] = useState(null);
	const [doomed, setDoomed] = useState(null);
	const [restores, setRestores] = useState({});	// backup id → restore
	const label = (b) => {
		const c = x.containers.find((y) => y.id === b.container_id);
		return `${b.kind === 'volume' ? `the volume ${b.volume}` : 'the database'} of ${
			c ? containerLabel(c) : short(b.container_id)}`;
	};
	return (<>
		{x.backups.length === 0 ? <Empty>No backups yet.</Empty> :
			<table class="table">
				<thead><tr><th>Taken</th><th>Of</th><th>Kept on</th><th>Status</th><th>Size</th><th>Checksum</th><th>Took</th><th></th></tr></thead>
				<tbody>{x.backups.map((b) => <BackupRow key={b.id} b={b}
				    target={x.targets.find((t) => t.id === b.storage_id)}
				    container={x.containers.find((c) => c.id === b.container_id)}
				    restore={restores[b.id]} onRestore={setRestoring}
				    onDelete={setDoomed} />)}</tbody>
			</table>}
		{restoring && <RestoreDialog backup={restoring} containers={x.containers}
		    label={label(restoring)} onClose={() => setRestoring(null)}
		    onRestored={(r) => setRestores({ ...restores, [restoring.id]: r })} />}
		{doomed && <Confirm title="Delete this backup?" onClose={() => setDoomed(null)}
		    onConfirm={async () => { await del(`/api/backups/${doomed.id}`); reload(); }}>
			<p>The backup of {label(doomed)} taken {when(doomed.created_at)} and its archive
			are deleted.</p>
		</Confirm>}
	</>);
}

function TakeBackup({ x, onQueued }) {
	if (x.targets.length === 0) return <Empty>Add a storage target first
		(the Storage tab): backups need somewhere to go.</Empty>;
	if (x.containers.length === 0) return <Empty>The team has no container to
		back up yet.</Empty>;
	return (
		<Form label="Back up now" onSubmit={async (v) => {
			onQueued(await post('/api/backups', subjectBody(v)));
		}}>
			<BackupSubject targets={x.targets} containers={x.containers} />
			<Field name="encrypt" label="Encrypt it (under the panel's backup key)"
			    type="checkbox" />
			<Submit>Back up now</Submit>
		</Form>
	);
}

export function Backups({ team }) {
	const [tab, setTab] = useState('backups');
	const [schedule, setSchedule] = useState('');	// '' for every backup
	const [data, error, reload] = useLoad(() => load(team, schedule),
	    [team?.id, schedule]);
	// A backup just queued shows at once, with its progress.
	const [backups, setFresh] = useFresh(data?.backups, true);
	usePoll(reload, backups?.some((b) => WORKING.has(b.status)) ? 1500 : null);
	return (
		<Page title="Backups">
			{!team && <Empty>Create a team first.</Empty>}
			<Tabs tabs={[['backups', 'Backups'], ['schedules', 'Schedules'],
			    ['storage', 'Storage']]} active={tab}
			    onChange={(t) => { setTab(t); reload(); }} />
			<Loaded data={team ? data : null} error={error}>{(x) => x && (<div role="tabpanel">
				{tab === 'backups' && <>
					<TakeBackup x={x} onQueued={(b) => { setFresh(b); reload(); }} />
					<h2>Backups</h2>
					{(x.schedules.length > 0 || schedule) && <div class="toolbar">
						<label class="inline-field">Made by
							<select value={schedule}
							    onChange={(e) => setSchedule(e.currentTarget.value)}>
								<option value="">Any schedule, or by hand</option>
								{x.schedules.map((s) => <option key={s.id} value={s.id}>
									{scheduleLabel(x, s)}</option>)}
							</select></label>
					</div>}
					<BackupList x={{ ...x, backups }} reload={reload} />
				</>}
				{tab === 'schedules' && <Schedules team={team} x={x} />}
				{tab === 'storage' && <Storage team={team} targets={x.targets}
				    reload={reload} />}
			</div>)}
			</Loaded>
		</Page>
	);
}
