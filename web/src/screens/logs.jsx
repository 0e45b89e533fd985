// logs.jsx — a container's log: the last lines, a search, and follow
// (asks for the lines since the newest one seen, every two seconds).
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

export function Logs({ container }) {
	const [lines, setLines] = useState([]);
	const [error, setError] = useState(null);
	const [follow, setFollow] = useState(true);
	const [search, setSearch] = useState('');
	const box = useRef(null);
	const last = useRef(null);

	async function fetchLines(reset) {
		const params = reset || !last.current ? { tail: TAIL } :
		    { since: last.current };
		try {
			const text = await api('GET', `/api/containers/${container.id}/logs`,
			    { params });
			let fresh = parse(text ?? '');
			// since is inclusive: drop what was already shown.
			if (!reset && last.current)
				fresh = fresh.filter((l) => l.time > last.current);
			if (fresh.length) last.current = fresh[fresh.length - 1].time;
			setLines((old) => (reset ? fresh : [...old, ...fresh]).slice(-KEEP));
			setError(null);
		} catch (e) { setError(e); }
	}
	useEffect(() => { last.current = null; fetchLines(true); }, [container.id]);
	useEffect(() => {
		if (!follow) return undefined;
		const t = setInterval(() => fetchLines(false), 2000);
		return () => clearInterval(t);
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
