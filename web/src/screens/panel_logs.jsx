// panel_logs.jsx — the panel's own structured logs (instance admins):
// every service's lines newest first, narrowed by minimum level, service,
// request id and time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { when, short } from '../format.js';
import { Page, Empty, Badge } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

const LEVELS = ['debug', 'info', 'warn', 'error'];

function filters(v) {
	const f = { limit: 200 };
	for (const k of ['level', 'service', 'request_id'])
		if (v[k]?.trim()) f[k] = v[k].trim();
	if (v.since) f.since = new Date(v.since).toISOString();
	if (v.until) f.until = new Date(v.until).toISOString();
	return f;
}

function Lines({ items }) {
	if (items.length === 0) return <Empty>No lines match.</Empty>;
	return (
		<table class="table" aria-label="Log lines">
			<thead><tr><th>Time</th><th>Level</th><th>Service</th><th>Request</th><th>Message</th></tr></thead>
			<tbody>{items.map((l, i) => (
				<tr key={i}>
					<td>{when(l.time)}</td>
					<td><Badge state={l.level === 'error' ? 'failed' : l.level}>{l.level}</Badge></td>
					<td>{l.service} <span class="muted">{l.pid}</span></td>
					<td><code title={l.request_id}>{short(l.request_id)}</code></td>
					<td><code>{l.msg}</code></td>
				</tr>))}
			</tbody>
		</table>
	);
}

export function PanelLogs({ me }) {
	const [lines, setLines] = useState(null);
	const [error, setError] = useState(null);
	// The newest lines at first; once the person has asked, their
	// filters stand against a late first answer.
	const asked = useRef(false);
	useEffect(() => {
		if (me.is_admin) get('/api/logs', { limit: 200 }).then((r) => {
			if (!asked.current) setLines(r.items); }, setError);
	}, []);
	async function show(v) {
		asked.current = true;
		setLines((await get('/api/logs', filters(v))).items);
	}
	if (!me.is_admin) return <Page title="Panel logs"><p>Only instance admins
		read the panel's logs.</p></Page>;
	return (
		<Page title="Panel logs">
			<Form label="Filter the panel logs" class="form filters" onSubmit={show}>
				<Field name="level" label="Level (at least)" as="select" value="">
					<option value="">Any</option>
					{LEVELS.map((l) => <option key={l} value={l}>{l}</option>)}
				</Field>
				<Field name="service" label="Service" placeholder="auth" spellcheck={false} />
				<Field name="request_id" label="Request id" spellcheck={false} />
				<Field name="since" label="Since" type="datetime-local" />
				<Field name="until" label="Until" type="datetime-local" />
				<Submit>Show lines</Submit>
			</Form>
			{error && !lines && <p class="form-error" role="alert">{error.message}</p>}
			{lines ? <Lines items={lines} /> : !error &&
				<p class="muted" aria-live="polite">Loading…</p>}
		</Page>
	);
}
