// logs.jsx — a container's log: the last lines from the API, then, with
// Follow on, new lines as they are printed, live from the gateway's
// stream (EventSource on /api/live/logs/<id>); when the stream is not
// available, the lines since the newest one seen, every two seconds.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

const TAIL = 500, KEEP = 5000;

function parse(text) {
	return text.split('\n').filter(Boolean).map((l) => {
		const a = l.indexOf(' '), b = l.indexOf(' ', a + 1);
		return { time: l.slice(0, a), stream: l.slice(a + 1, b),
		    text: l.slice(b + 1) };
	});
}

// The engine's RFC 3339 times drop trailing zeros of the fraction: pad
// it, so that times compare as strings.
function order(t) {
	const m = /^(.*?)(?:\.(\d+))?Z$/.exec(t);
	return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : t;
}

export function Logs({ container }) {
	const [lines, setLines] = useState([]);
	const [error, setError] = useState(null);
	const [follow, setFollow] = useState(true);
	const [mode, setMode] = useState(null);	// 'live' | 'polling'
	const [search, setSearch] = useState('');
	const box = useRef(null);
	const last = useRef(null);	// the newest line's time, padded

	// Keep what is newer than what is shown (a stream's late joiner
	// receives what the channel still holds).
	function append(fresh, reset) {
		if (!reset && last.current)
			fresh = fresh.filter((l) => order(l.time) > last.current);
		if (fresh.length) last.current = order(fresh[fresh.length - 1].time);
		if (fresh.length || reset)
			setLines((old) => (reset ? fresh : [...old, ...fresh]).slice(-KEEP));
	}

	async function fetchLines(reset) {
		const params = reset || !last.current ? { tail: TAIL } :
		    { since: last.current };
		try {
			const text = await api('GET', `/api/containers/${container.id}/logs`,
			    { params });
			append(parse(text ?? ''), reset);
			setError(null);
		} catch (e) { setError(e); }
	}
	useEffect(() => { last.current = null; fetchLines(true); }, [container.id]);
	useEffect(() => {
		if (!follow) { setMode(null); return undefined; }
		let timer = null;
		const es = new EventSource(`/api/live/logs/${container.id}`);
		es.onopen = () => setMode('live');
		es.onmessage = (m) => {
			try {
				const d = JSON.parse(m.data);
				append([{ time: d.time, stream: d.stream, text: d.line }]);
			} catch { /* not a log line */ }
		};
		es.onerror = () => {	// refused or gone for good: poll instead
			if (es.readyState !== EventSource.CLOSED || timer) return;
			setMode('polling');
			timer = setInterval(() => fetchLines(false), 2000);
		};
		return () => { es.close(); clearInterval(timer); };
	}, [follow, container.id]);
	useEffect(() => {
		if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
	}, [lines, follow]);

	const q = search.toLowerCase();
	const shown = q ? lines.filter((l) => l.text.toLowerCase().includes(q)) : lines;
	return (
		<section class="logs" aria-label="Logs">
			<div class="toolbar">
				<label class="inline-field">Search
					<input type="search" value={search}
					    onInput={(e) => setSearch(e.currentTarget.value)} /></label>
				<label class="inline-field"><input type="checkbox" checked={follow}
				    onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow</label>
				{mode && <span class={`badge ${mode === 'live' ? 'good' : 'neutral'}`}
				    data-testid="log-mode">{mode}</span>}
				<button type="button" onClick={() => { last.current = null;
				    fetchLines(true); }}>Reload</button>
			</div>
			{error && <p class="form-error" role="alert">{error.message}</p>}
			<pre class="log" ref={box} tabIndex={0} aria-live="polite"
			    data-testid="log">{shown.length === 0 ?
				<span class="muted">No log lines{q ? ' match' : ' yet'}.</span> :
				shown.map((l, i) => <div key={i} class={l.stream === 'stderr' ?
				    'err' : undefined}><span class="ts">{l.time.slice(11, 19)}</span> {l.text}</div>)}
			</pre>
		</section>
	);
}
