// logs.jsx — a container's log: the last lines from the API, then, with
// Follow on, new lines as they are printed, live from the gateway's
// stream (EventSource on /api/live/logs/<id>); when the stream is not
// available, the lines since the newest one seen, every two seconds.
// Narrowed to one stream (standard output or error) as the API does, or
// to a window of time (From, To: Follow goes off) that the API answers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

const TAIL = 500, KEEP = 5000;
const STREAMS = [['both', 'Both streams'], ['stdout', 'Standard output'],
	['stderr', 'Standard error']];

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
	const [stream, setStream] = useState('both');
	const [span, setSpan] = useState(null);	// {since?, until?} (ISO), or null
	const box = useRef(null);
	const last = useRef(null);	// the newest line's time, padded
	const want = useRef({ stream, span });	// what fetches read
	want.current = { stream, span };

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
		const { stream: only, span: win } = want.current;
		const params = win ? { ...win } : reset || !last.current ?
		    { tail: TAIL } : { since: last.current };
		if (only !== 'both')
			params[only === 'stdout' ? 'stderr' : 'stdout'] = false;
		try {
			const text = await api('GET', `/api/containers/${container.id}/logs`,
			    { params });
			append(parse(text ?? ''), reset);
			setError(null);
		} catch (e) { setError(e); }
	}
	useEffect(() => { last.current = null; fetchLines(true); },
	    [container.id, stream, span]);
	useEffect(() => {
		if (!follow || span) { setMode(null); return undefined; }
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
	}, [follow, container.id, span]);
	useEffect(() => {
		if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
	}, [lines, follow]);

	const q = search.toLowerCase();
	// The live stream carries both: the other one is left out here.
	const shown = lines.filter((l) => (stream === 'both' || l.stream === stream) &&
	    (!q || l.text.toLowerCase().includes(q)));
	function showSpan(ev) {
		ev.preventDefault();
		const f = ev.currentTarget.elements, w = {};
		if (f.since.value) w.since = new Date(f.since.value).toISOString();
		if (f.until.value) w.until = new Date(f.until.value).toISOString();
		setSpan(w.since || w.until ? w : null);
	}
	return (
		<section class="logs" aria-label="Logs">
			<div class="toolbar">
				<label class="inline-field">Search
					<input type="search" value={search}
					    onInput={(e) => setSearch(e.currentTarget.value)} /></label>
				<label class="inline-field">Stream
					<select value={stream} onChange={(e) => setStream(e.currentTarget.value)}>
						{STREAMS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
					</select></label>
				<label class="inline-field"><input type="checkbox" checked={follow && !span}
				    disabled={!!span}
				    onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow</label>
				{mode && <span class={`badge ${mode === 'live' ? 'good' : 'neutral'}`}
				    data-testid="log-mode">{mode}</span>}
				<button type="button" onClick={() => { last.current = null;
				    fetchLines(true); }}>Reload</button>
			</div>
			<form class="toolbar" aria-label="Time window" onSubmit={showSpan}>
				<label class="inline-field">From
					<input name="since" type="datetime-local" step="1" /></label>
				<label class="inline-field">To
					<input name="until" type="datetime-local" step="1" /></label>
				<button type="submit">Show</button>
				{span && <button type="reset" onClick={() => setSpan(null)}>
					Back to the latest</button>}
			</form>
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
