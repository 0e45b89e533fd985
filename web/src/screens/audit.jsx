// audit.jsx — the audit trail: filters, pages of entries newest first,
// the same selection counted and exported as CSV or JSON Lines, and
// (instance admins) the hash chain verified.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { when, short } from '../format.js';
import { Page, Empty, Badge } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { AuditStats, AuditVerify } from './audit_integrity.jsx';

function filters(v, team) {
	const f = {};
	for (const k of ['action', 'subject_kind', 'subject_id', 'actor_id',
	    'outcome'])
		if (v[k]) f[k] = v[k].trim();
	if (v.scope === 'team' && team) f.team_id = team.id;
	if (v.since) f.since = new Date(v.since).toISOString();
	if (v.until) f.until = new Date(v.until).toISOString();
	return f;
}

function exportUrl(f, format) {
	return `/api/audit/export?${new URLSearchParams({ ...f, format })}`;
}

export function Audit({ team, me }) {
	const [page, setPage] = useState(null);	// {filter, items, next}
	const [error, setError] = useState(null);
	const latest = useRef(0);	// only the newest search's answer shows
	async function search(v) {
		const f = filters(v, team), n = ++latest.current;
		const r = await get('/api/audit/logs', { ...f, limit: 50 });
		if (n === latest.current)
			setPage({ filter: f, items: r.items, next: r.next });
	}
	// Once the person has searched, their search stands: a late automatic
	// one (the team loading after the page) must not replace it.
	const asked = useRef(false);
	function ask(v) {
		asked.current = true;
		return search(v);
	}
	useEffect(() => {	// everything the caller may read, at first
		if (!asked.current)
			search({ scope: me.is_admin ? 'all' : 'team' }).catch(setError);
	}, [team?.id]);
	async function more() {
		const r = await get('/api/audit/logs', { ...page.filter, limit: 50,
		    after: page.next });
		setPage({ ...page, items: [...page.items, ...r.items], next: r.next });
	}
	return (
		<Page title="Audit trail">
			<Form label="Filter the audit trail" class="form filters" onSubmit={ask}>
				<Field name="scope" label="Entries" as="select"
				    value={me.is_admin ? 'all' : 'team'}>
					{me.is_admin && <option value="all">Everything</option>}
					{team && <option value="team">Team {team.name}</option>}
				</Field>
				<Field name="action" label="Action" placeholder="project.*" />
				<Field name="subject_kind" label="Subject kind" placeholder="container" />
				<Field name="subject_id" label="Subject id" />
				<Field name="actor_id" label="Actor (user id)" />
				<Field name="outcome" label="Outcome" as="select" value="">
					<option value="">Any</option>
					<option value="success">Success</option>
					<option value="failure">Failure</option>
				</Field>
				<Field name="since" label="Since" type="datetime-local" />
				<Field name="until" label="Until" type="datetime-local" />
				<Submit>Search</Submit>
			</Form>
			{error && !page && <p class="form-error" role="alert">{error.message}</p>}
			{page && <p class="export">Export this selection:{' '}
				<a href={exportUrl(page.filter, 'csv')} download>CSV</a> ·{' '}
				<a href={exportUrl(page.filter, 'jsonl')} download>JSON Lines</a></p>}
			{page && <AuditStats filter={page.filter} />}
			{page && (page.items.length === 0 ? <Empty>No entries match.</Empty> :
				<table class="table audit">
					<thead><tr><th>Time</th><th>Action</th><th>Outcome</th><th>Subject</th><th>Actor</th><th>Request</th></tr></thead>
					<tbody>{page.items.map((e) => (
						<tr key={e.seq}>
							<td>{when(e.time)}</td>
							<td><code>{e.action}</code></td>
							<td><Badge state={e.outcome} /></td>
							<td>{e.subject.kind} <code>{short(e.subject.id)}</code></td>
							<td><code>{short(e.actor.user_id)}</code> {e.actor.ip}</td>
							<td><code>{short(e.request_id)}</code></td>
						</tr>))}
					</tbody>
				</table>)}
			{page?.next && <button type="button" onClick={more}>Older entries</button>}
			{me.is_admin && <AuditVerify />}
		</Page>
	);
}
