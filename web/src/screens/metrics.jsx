// metrics.jsx — a container's resources: CPU and memory live, a sample a
// second from the gateway's stream (/api/live/metrics/<id>), and the
// one-minute history (/api/metrics/history) over a chosen range.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { bytes } from '../format.js';
import { Chart } from '../ui/chart.jsx';
import { useStream, parsed } from '../live.js';
import { Loaded, useLoad, Empty } from '../ui/widgets.jsx';

const KEEP = 120;	// two minutes of live samples
const percent = (v) => `${Number(v).toFixed(1)} %`;
const RANGES = [['1h', 'Last hour', 3600, 60], ['6h', 'Last 6 hours', 21600, 300],
	['24h', 'Last day', 86400, 900], ['7d', 'Last week', 604800, 3600]];

export function LiveMetrics({ container }) {
	const [samples, setSamples] = useState([]);
	useEffect(() => setSamples([]), [container.id]);
	const state = useStream(`/api/live/metrics/${container.id}`, (data) => {
		const s = parsed(data);
		if (s) setSamples((old) => [...old, s].slice(-KEEP));
	});
	const last = samples[samples.length - 1];
	const xs = samples.map((s) => Date.parse(s.time) / 1000);
	return (
		<section aria-label="Live resources">
			<p class="toolbar"><span class={`badge ${state === 'live' ? 'good' : 'neutral'}`}
			    data-testid="metrics-mode">{state}</span>
				<span aria-live="polite" data-testid="metrics-now">{last ?
				    `CPU ${percent(last.cpu_percent)} · memory ${bytes(last.mem_bytes)}` +
				    (last.mem_limit ? ` of ${bytes(last.mem_limit)}` : '') :
				    container.state === 'running' ? 'Waiting for the first sample…' :
				    'The container is not running: no samples.'}</span></p>
			<div class="charts">
				<Chart label="CPU, live (% of one CPU)" series={['CPU']}
				    data={[xs, samples.map((s) => s.cpu_percent)]} format={percent} />
				<Chart label="Memory, live" series={['Memory']}
				    data={[xs, samples.map((s) => s.mem_bytes)]} format={bytes} />
			</div>
		</section>
	);
}

async function history(subject, metric, range) {
	const [, , seconds, step] = RANGES.find((r) => r[0] === range);
	const since = new Date(Date.now() - seconds * 1000).toISOString();
	const h = await get('/api/metrics/history', { ...subject, metric, since, step });
	return [h.points.map((p) => Date.parse(p.time) / 1000),
		h.points.map((p) => p.avg), h.points.map((p) => p.max)];
}

const METRICS = {
	cpu_percent: ['CPU (% of one CPU)', percent],
	mem_bytes: ['Memory', bytes],
	net_rx_bytes: ['Network received', bytes],
	net_tx_bytes: ['Network sent', bytes],
	disk_used_bytes: ['Disk used', bytes],
	load1: ['Load (1 min)', (v) => Number(v).toFixed(2)],
};

// History charts of a subject ({container_id} or {host: true}).
export function History({ subject, metrics }) {
	const [range, setRange] = useState('1h');
	const key = JSON.stringify(subject);
	const [data, error] = useLoad(() => Promise.all(metrics.map((m) =>
	    history(subject, m, range))), [key, range]);
	return (
		<section aria-label="History">
			<label class="inline-field">Range
				<select value={range} onChange={(e) => setRange(e.currentTarget.value)}>
					{RANGES.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
				</select></label>
			<Loaded data={data} error={error}>{(sets) => sets.every((d) =>
			    d[0].length === 0) ? <Empty>No history in this range yet: samples are
				folded into one-minute points while the container runs.</Empty> :
				<div class="charts">{sets.map((d, i) => (
					<Chart key={metrics[i]} label={METRICS[metrics[i]][0]}
					    series={['average', 'maximum']} data={d}
					    format={METRICS[metrics[i]][1]} />))}
				</div>}
			</Loaded>
		</section>
	);
}
