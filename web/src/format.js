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

// A swarm container's tasks as "running/wanted tasks"; null for a plain
// container. Before Swarm reported, the definition's replicas are wanted.
export function tasks(c) {
	if (c.mode !== 'swarm') return null;
	return `${c.swarm?.running ?? 0}/${c.swarm?.replicas ?? c.replicas ?? 0} tasks`;
}

// 1234567 → "1.2 MB".
export function bytes(n) {
	if (n === null || n === undefined) return '—';
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let i = 0, v = Number(n);
	while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
	return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

// 1530 → "1.5 s"; 95000 → "1 min 35 s".
export function duration(ms) {
	if (ms === null || ms === undefined) return '—';
	if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
	return `${Math.floor(ms / 60000)} min ${Math.round(ms % 60000 / 1000)} s`;
}
