// widgets.jsx — the small pieces every screen shares.
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import { tone } from '../format.js';

// Load data for a screen: [data, error, reload]. deps re-run it.
export function useLoad(fn, deps = []) {
	const [state, setState] = useState({ data: undefined, error: null });
	const seq = useRef(0);
	const load = useCallback(() => {
		const n = ++seq.current;
		fn().then((data) => { if (n === seq.current)
			setState({ data, error: null }); },
		    (error) => { if (n === seq.current)
			setState({ data: undefined, error }); });
	}, deps);
	useEffect(load, [load]);
	return [state.data, state.error, load];
}

// Call fn every ms milliseconds while ms is set (work under way).
export function usePoll(fn, ms) {
	useEffect(() => {
		if (!ms) return undefined;
		const t = setInterval(fn, ms);
		return () => clearInterval(t);
	}, [fn, ms]);
}

// An object the API has just answered (a job queued, an order made),
// shown in its list at once until the list's next load: [list, set].
export function useFresh(list, atStart) {
	const [fresh, setFresh] = useState(null);
	useEffect(() => setFresh(null), [list]);
	if (!list || !fresh) return [list, setFresh];
	const shown = list.map((x) => (x.id === fresh.id ? fresh : x));
	if (!list.some((x) => x.id === fresh.id))
		atStart ? shown.unshift(fresh) : shown.push(fresh);
	return [shown, setFresh];
}

// Long work under way: an indeterminate bar and what is known of it.
export function Progress({ label, children }) {
	return (
		<div class="progress" role="status">
			<progress aria-label={label} />
			<span>{children}</span>
		</div>
	);
}

// What a loading screen shows: the error, a spinner line, or children.
export function Loaded({ data, error, children }) {
	if (error) return <p class="form-error" role="alert">{error.message}</p>;
	if (data === undefined) return <p class="muted" aria-live="polite">Loading…</p>;
	return children(data);
}

export function Badge({ state, children }) {
	return <span class={`badge ${tone(state)}`}>{children ?? state ?? '—'}</span>;
}

export function Empty({ children }) {
	return <p class="empty">{children}</p>;
}

export function Page({ title, actions, children }) {
	useEffect(() => { document.title = `${title} · OpenPanel`; }, [title]);
	return (
		<section class="page">
			<header class="page-head">
				<h1 tabIndex={-1} id="page-title">{title}</h1>
				{actions && <div class="page-actions">{actions}</div>}
			</header>
			{children}
		</section>
	);
}

// A secret shown once, with a copy button.
export function Reveal({ label, value }) {
	const [copied, setCopied] = useState(false);
	return (
		<div class="reveal" role="status">
			<p>{label}</p>
			<code class="secret">{value}</code>
			<button type="button" onClick={() => navigator.clipboard
			    ?.writeText(value).then(() => setCopied(true))}>
				{copied ? 'Copied' : 'Copy'}</button>
		</div>
	);
}

// A command to run elsewhere (a shell on a server), with a copy button:
// the text wraps on a phone rather than widening the page.
export function Command({ label, text }) {
	const [copied, setCopied] = useState(false);
	return (
		<div class="command" role="group" aria-label={label}>
			<pre><code>{text}</code></pre>
			<button type="button" class="small" aria-label={`Copy: ${label}`}
			    onClick={() => navigator.clipboard?.writeText(text)
			    .then(() => setCopied(true))}>{copied ? 'Copied' : 'Copy'}</button>
		</div>
	);
}

// A modal confirmation: native <dialog>, so focus and Escape behave.
export function Confirm({ title, children, confirm = 'Delete', onConfirm,
    onClose, typed }) {
	const ref = useRef(null);
	const [text, setText] = useState('');
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);
	useEffect(() => { ref.current?.showModal?.(); }, []);
	const ok = !typed || text === typed;
	async function run(ev) {
		ev.preventDefault();
		setBusy(true);
		setError(null);
		try { await onConfirm(); onClose(); }
		catch (e) { setError(e); setBusy(false); }
	}
	return (
		<dialog ref={ref} class="dialog" onClose={onClose}
		    aria-labelledby="dialog-title">
			<form onSubmit={run}>
				<h2 id="dialog-title">{title}</h2>
				{children}
				{typed && <div class="field">
					<label for="confirm-typed">Type <strong>{typed}</strong> to confirm</label>
					<input id="confirm-typed" value={text} autoComplete="off"
					    onInput={(e) => setText(e.currentTarget.value)} />
				</div>}
				{error && <p class="form-error" role="alert">{error.message}</p>}
				<div class="actions">
					<button type="button" onClick={onClose}>Cancel</button>
					<button type="submit" class="danger"
					    disabled={!ok || busy}>{confirm}</button>
				</div>
			</form>
		</dialog>
	);
}

// An action button that shows its own failure.
export function Action({ onClick, children, class: cls, label, disabled }) {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);
	async function run() {
		setBusy(true);
		setError(null);
		try { await onClick(); } catch (e) { setError(e); }
		setBusy(false);
	}
	return (
		<span class="action">
			<button type="button" class={cls} onClick={run} disabled={busy || disabled}
			    aria-label={label}>{children}</button>
			{error && <span class="field-error" role="alert">{error.message}</span>}
		</span>
	);
}

export function Tabs({ tabs, active, onChange }) {
	return (
		<div class="tabs" role="tablist">
			{tabs.map(([key, label]) => (
				<button type="button" role="tab" key={key}
				    aria-selected={active === key ? 'true' : 'false'}
				    class={active === key ? 'tab on' : 'tab'}
				    onClick={() => onChange(key)}>{label}</button>
			))}
		</div>
	);
}
