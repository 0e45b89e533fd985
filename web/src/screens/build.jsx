// build.jsx — one build: its status, and its log live while it runs.
// The log is the stored one (/api/builds/<id>/logs) joined with the
// lines of the build's stream (/api/live/builds/<id>) as they come; a
// stream's late joiner first receives the lines it still holds, which
// overlap the stored ones. When the build ends, the stored log stands.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, api, post } from '../api.js';
import { when, short } from '../format.js';
import { Page, Loaded, useLoad, usePoll, Badge, Action, Progress } from
    '../ui/widgets.jsx';
import { useStream } from '../live.js';

const DONE = new Set(['succeeded', 'failed', 'cancelled']);
const KEEP = 20000;

function lines(text) {
	const l = (text ?? '').split('\n');
	if (l[l.length - 1] === '') l.pop();
	return l;
}

// stored, then what of live comes after it: live starts somewhere in
// stored (at the first line the stream still held) or right after it.
export function join(stored, live) {
	for (let at = Math.max(0, stored.length - live.length); at <= stored.length;
	    at++) {
		let same = true;
		for (let i = 0; same && at + i < stored.length; i++)
			same = stored[at + i] === live[i];
		if (same) return stored.concat(live.slice(stored.length - at));
	}
	return stored.concat(live);
}

function useLiveLog(id, running) {
	const [stored, setStored] = useState(null);
	const [live, setLive] = useState([]);
	const [error, setError] = useState(null);
	// whole: the stored log replaces the streamed lines, in one render,
	// only once it has arrived (never a log cut short in between).
	// A slow answer never overwrites a later one.
	const asked = useRef(0);
	const fetchStored = (whole) => {
		const n = ++asked.current;
		return api('GET', `/api/builds/${id}/logs`).then((t) => {
			if (n !== asked.current) return;
			setStored(lines(t));
			if (whole) setLive([]);
			setError(null);
		}, (e) => { if (n === asked.current) setError(e); });
	};
	// The stored log once the stream is open (the stream then has every
	// line after it), and whole once the build has ended.
	const mode = useStream(running ? `/api/live/builds/${id}` : null,
	    (line) => setLive((old) => [...old, line].slice(-KEEP)),
	    () => fetchStored(false));
	useEffect(() => { setStored(null); setLive([]); }, [id]);
	useEffect(() => {
		if (!running || mode === 'unavailable') fetchStored(true);
	}, [id, running, mode === 'unavailable']);
	return { log: stored === null ? null : join(stored, live), mode, error,
		fetchStored };
}

export function BuildDetail({ id }) {
	const [b, error, reload] = useLoad(() => get(`/api/builds/${id}`), [id]);
	const running = b !== undefined && !DONE.has(b.status);
	usePoll(reload, running ? 2000 : null);
	const { log, mode, error: logError, fetchStored } = useLiveLog(id, running);
	// Without the stream, the stored log is fetched again with the status.
	useEffect(() => { if (running && mode === 'unavailable') fetchStored(true); }, [b]);
	const box = useRef(null);
	useEffect(() => { if (running && box.current)
		box.current.scrollTop = box.current.scrollHeight; }, [log]);
	return (
		<Loaded data={b} error={error}>{(build) => (
			<Page title={`Build ${short(build.id)}`} actions={running &&
			    <Action class="danger" onClick={async () => {
				await post(`/api/builds/${id}/cancel`); reload(); }}>Cancel</Action>}>
				<p><a href={`#/projects/${build.project_id}`}>← Project</a></p>
				<dl class="details">
					<dt>Status</dt><dd aria-live="polite">{running ?
					    <Progress label="Build under way">{build.status}…</Progress> :
					    <Badge state={build.status} />}</dd>
					<dt>Source</dt><dd><code>{build.git_url}</code> {build.git_ref}</dd>
					<dt>Dockerfile</dt><dd><code>{build.dockerfile}</code> in <code>{build.context}</code></dd>
					{Object.keys(build.build_args ?? {}).length > 0 && <><dt>Build arguments</dt>
						<dd>{Object.keys(build.build_args).sort().map((k) =>
						    <code key={k}>{k}={build.build_args[k]} </code>)}</dd></>}
					<dt>Commit</dt><dd><code>{build.commit ?? '—'}</code></dd>
					<dt>Image</dt><dd><code>{build.image ?? '—'}</code></dd>
					<dt>Started</dt><dd>{when(build.started_at)}</dd>
					<dt>Finished</dt><dd>{when(build.finished_at)}</dd>
					{build.error && <><dt>Error</dt><dd class="field-error">{build.error}</dd></>}
				</dl>
				<h2>Log {mode && <span class={`badge ${mode === 'live' ? 'good' : 'neutral'}`}
				    data-testid="build-log-mode">{mode}</span>}</h2>
				{logError && <p class="form-error" role="alert">{logError.message}</p>}
				<pre class="log" tabIndex={0} ref={box} data-testid="build-log">{log === null ?
				    'Loading…' : log.length ? log.join('\n') : 'No output yet.'}</pre>
			</Page>)}
		</Loaded>
	);
}
