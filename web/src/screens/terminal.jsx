// terminal.jsx — a shell in a running container, in the browser. A
// one-time ticket (POST /api/containers/<id>/terminal) opens a WebSocket
// to the gateway's terminal bridge: keystrokes go as binary frames,
// the size as {"type":"resize"}; the terminal's output comes as binary
// frames, and {"type":"exit","code"} when the command ends.
import { useEffect, useRef, useState } from 'preact/hooks';
import { post } from '../api.js';

// Dark in both themes, like the log.
const COLOURS = { background: '#0f1115', foreground: '#d6dae0', cursor: '#d6dae0' };

function socketUrl(path) {
	return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

// Attach a terminal in box to a new session: a function that ends it.
// Ctrl+] gives the focus to leave (the terminal takes every other key).
async function attach(box, container, command, slot, onState, leave) {
	const { Terminal, FitAddon } = await import('../ui/xterm.js');
	const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000,
		fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
		theme: COLOURS });
	const fit = new FitAddon();
	term.loadAddon(fit);
	term.attachCustomKeyEventHandler((e) => {
		if (e.type === 'keydown' && e.ctrlKey && e.key === ']') { leave(); return false; }
		return true;
	});
	term.open(box);
	fit.fit();
	let ws = null;
	const observer = new ResizeObserver(() => fit.fit());
	const end = () => { observer.disconnect(); ws?.close(); term.dispose(); };
	try {
		const t = await post(`/api/containers/${container.id}/terminal`, {
			command, cols: term.cols, rows: term.rows, ...(slot ? { slot } : {}) });
		if (t.slot) onState({ state: 'connecting', slot: t.slot });
		ws = new WebSocket(socketUrl(t.url));
	} catch (e) {
		end();
		throw e;
	}
	ws.binaryType = 'arraybuffer';
	const enc = new TextEncoder();
	ws.onopen = () => { onState((s) => ({ ...s, state: 'open' })); term.focus(); };
	ws.onmessage = (m) => {
		if (typeof m.data !== 'string') { term.write(new Uint8Array(m.data)); return; }
		let msg = null;
		try { msg = JSON.parse(m.data); } catch { /* not ours */ }
		if (msg?.type === 'exit') onState({ state: 'exited', code: msg.code });
	};
	ws.onclose = () => onState((s) => (s.state === 'exited' ? s : { ...s, state: 'closed' }));
	term.onData((d) => { if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d)); });
	term.onResize(({ cols, rows }) => { if (ws.readyState === WebSocket.OPEN)
		ws.send(JSON.stringify({ type: 'resize', cols, rows })); });
	observer.observe(box);
	return end;
}

function Session({ container, command, slot, onEnd }) {
	const box = useRef(null);
	const close = useRef(null);
	const [status, setStatus] = useState({ state: 'connecting' });
	const [error, setError] = useState(null);
	useEffect(() => {
		let end = null, gone = false;
		attach(box.current, container, command, slot, setStatus,
		    () => close.current?.focus()).then((fn) => {
			if (gone) fn(); else end = fn;
		}, setError);
		return () => { gone = true; end?.(); };
	}, []);
	const said = { connecting: 'Connecting…',
		open: status.slot ? `Connected to replica ${status.slot}` : 'Connected',
		closed: 'Disconnected',
		exited: `The command ended${status.code != null ? ` with code ${status.code}` : ''}.` };
	return (
		<section aria-label="Terminal">
			<p class="toolbar"><span role="status" data-testid="terminal-state"
			    class={`badge ${status.state === 'open' ? 'good' : 'neutral'}`}>
				{said[status.state]}</span>
				<button type="button" class="small" ref={close} onClick={onEnd}>Close the
					terminal</button>
				<span class="muted">Every key goes to the terminal; Ctrl+] leaves it.</span></p>
			{error && <p class="form-error" role="alert">{error.message}</p>}
			<div class="terminal" ref={box} data-testid="terminal" />
		</section>
	);
}

// A Swarm container's terminal opens in one of its tasks on the panel's
// node: the replica (slot) asked for, or the lowest running there.
export function ContainerTerminal({ container }) {
	const [open, setOpen] = useState(0);	// a session's serial, 0: none
	const [shell, setShell] = useState('/bin/sh');
	const [slot, setSlot] = useState('');
	if (container.state !== 'running') return <p class="empty">The container is
		not running: start it to open a terminal.</p>;
	if (open) return <Session key={open} container={container}
	    command={shell.split(' ').filter(Boolean)} slot={Number(slot) || null}
	    onEnd={() => setOpen(0)} />;
	return (
		<form class="form inline" aria-label="Open a terminal" onSubmit={(e) => {
			e.preventDefault(); setOpen(Date.now()); }}>
			<div class="field"><label for="term-shell">Command</label>
				<input id="term-shell" value={shell} spellcheck={false}
				    onInput={(e) => setShell(e.currentTarget.value)} /></div>
			{container.mode === 'swarm' && <div class="field">
				<label for="term-slot">Replica</label>
				<input id="term-slot" type="number" min="1" value={slot}
				    placeholder="any on this server"
				    onInput={(e) => setSlot(e.currentTarget.value)} /></div>}
			<div class="actions"><button type="submit" class="primary">Open a
				terminal</button></div>
		</form>
	);
}
