// build.jsx — one build: its status and its log, refreshed while it runs.
import { useEffect } from 'preact/hooks';
import { get, api, post } from '../api.js';
import { when, short } from '../format.js';
import { Page, Loaded, useLoad, Badge, Action } from '../ui/widgets.jsx';

const DONE = new Set(['succeeded', 'failed', 'cancelled']);

export function BuildDetail({ id }) {
	const [data, error, reload] = useLoad(async () => ({
		build: await get(`/api/builds/${id}`),
		log: await api('GET', `/api/builds/${id}/logs`),
	}), [id]);
	const running = data && !DONE.has(data.build.status);
	useEffect(() => {
		if (!running) return undefined;
		const t = setInterval(reload, 2000);
		return () => clearInterval(t);
	}, [running, reload]);
	return (
		<Loaded data={data} error={error}>{({ build: b, log }) => (
			<Page title={`Build ${short(b.id)}`} actions={running &&
			    <Action class="danger" onClick={async () => {
				await post(`/api/builds/${id}/cancel`); reload(); }}>Cancel</Action>}>
				<p><a href={`#/projects/${b.project_id}`}>← Project</a></p>
				<dl class="details">
					<dt>Status</dt><dd><Badge state={b.status} aria-live="polite" /></dd>
					<dt>Source</dt><dd><code>{b.git_url}</code> {b.git_ref}</dd>
					<dt>Commit</dt><dd><code>{b.commit ?? '—'}</code></dd>
					<dt>Image</dt><dd><code>{b.image ?? '—'}</code></dd>
					<dt>Started</dt><dd>{when(b.started_at)}</dd>
					<dt>Finished</dt><dd>{when(b.finished_at)}</dd>
					{b.error && <><dt>Error</dt><dd class="field-error">{b.error}</dd></>}
				</dl>
				<h2>Log</h2>
				<pre class="log" tabIndex={0}>{log || 'No output yet.'}</pre>
			</Page>)}
		</Loaded>
	);
}
