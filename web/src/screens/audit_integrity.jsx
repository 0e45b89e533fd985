// audit_integrity.jsx — the audit trail's tamper evidence (the hash
// chain checked end to end, instance admins) and counts over the
// selection being looked at.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { when, short } from '../format.js';
import { useLoad, Loaded, Action, Badge } from '../ui/widgets.jsx';

// The verdict of GET /api/audit/verify, as it says it: intact through
// the entries it checked up to the chain's end, or the first entry that
// does not hold and why.
function Verdict({ v }) {
	if (v.ok) return (
		<p role="status" class="ok">Intact: the chain holds through all{' '}
			<strong>{v.rows_checked}</strong> entries checked, up to its end
			{v.head && <> (hash <code>{short(v.head)}</code>)</>}.</p>);
	const bad = v.first_bad ?? {};
	return (
		<p role="alert" class="form-error">Broken{bad.seq != null ?
			<> at entry <strong>{bad.seq}</strong></> : ''}
			{bad.event_id && <> (event <code>{short(bad.event_id)}</code>)</>}:{' '}
			{bad.reason ?? 'no reason given'}. {v.rows_checked} entries checked.</p>);
}

// Walking the whole chain is work: it runs when asked, not on each visit.
export function AuditVerify() {
	const [v, setV] = useState(null);
	return (
		<section aria-label="Tamper evidence">
			<h2>Tamper evidence</h2>
			<p class="hint">Each entry's hash covers the one before it; checking
				walks the whole chain from its anchor.</p>
			<Action onClick={async () => setV(await get('/api/audit/verify'))}>
				Verify the chain</Action>
			{v && <Verdict v={v} />}
		</section>
	);
}

// Counts over the entries the filters select (by default the last 7
// days): outcomes, failures of the last 24 hours, the busiest actions.
export function AuditStats({ filter }) {
	const [s, error] = useLoad(() => get('/api/audit/stats', filter),
	    [JSON.stringify(filter)]);
	return (
		<section aria-label="Audit counts">
			<Loaded data={s} error={error}>{(x) => (<>
				<p class="muted">From {when(x.range.since)} to {when(x.range.until)}:</p>
				<ul class="stats">
					<li>Successes<strong>{x.by_outcome.success}</strong></li>
					<li>Failures<strong>{x.by_outcome.failure}</strong></li>
					<li>Failures, last 24 h<strong>{x.failures_24h}</strong></li>
					<li>Actors<strong>{x.by_actor.length}</strong></li>
				</ul>
				{x.by_action.length > 0 && <p>Busiest:{' '}
					{x.by_action.slice(0, 5).map((a, i) => (
						<span key={a.action}>{i > 0 && ', '}<code>{a.action}</code>{' '}
							<Badge>{a.count}</Badge></span>))}</p>}
			</>)}</Loaded>
		</section>
	);
}
