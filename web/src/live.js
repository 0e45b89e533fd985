// live.js — a subscription to one of the gateway's live streams
// (/api/live/<kind>/<id>, EventSource): its state for the screen, and
// each message's data to onData. A late joiner first receives what the
// channel still holds.
import { useEffect, useRef, useState } from 'preact/hooks';

// 'connecting' | 'live' | 'unavailable'; path null: no subscription.
export function useStream(path, onData, onOpen) {
	const [mode, setMode] = useState('connecting');
	const handlers = useRef(null);
	handlers.current = { onData, onOpen };
	useEffect(() => {
		if (!path) return undefined;
		setMode('connecting');
		const es = new EventSource(path);
		es.onopen = () => { setMode('live'); handlers.current.onOpen?.(); };
		es.onmessage = (m) => handlers.current.onData(m.data);
		es.onerror = () => { if (es.readyState === EventSource.CLOSED)
			setMode('unavailable'); };
		return () => es.close();
	}, [path]);
	return path ? mode : null;
}

// The message's JSON, or null.
export function parsed(data) {
	try { return JSON.parse(data); } catch { return null; }
}
