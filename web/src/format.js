// format.js — how times, sizes and states read on screen.
export function when(iso) {
	if (!iso) return '—';
	const d = new Date(iso);
	return isNaN(d) ? iso : d.toLocaleString();
}

export function short(id) {
	return id ? String(id).slice(0, 8) : '—';
}

const GOOD = new Set(['running', 'succeeded', 'success', 'healthy', 'ok',
	'live']);
const BAD = new Set(['exited', 'dead', 'missing', 'failed', 'failure',
	'unhealthy', 'cancelled']);

export function tone(state) {
	if (GOOD.has(state)) return 'good';
	if (BAD.has(state)) return 'bad';
	return 'neutral';
}
