// chart.jsx — a time series drawn by uPlot, loaded on first use (its own
// chunk of the bundle, from this server). Colours come from the theme's
// variables; the width follows the box. uPlot draws on a canvas and sets
// sizes through the CSSOM, which the CSP allows.
import { useEffect, useRef, useState } from 'preact/hooks';

let loading = null;
const uplot = () => (loading ??= import('uplot').then((m) => m.default));

function themed(name) {
	return getComputedStyle(document.documentElement).getPropertyValue(name)
	    .trim();
}

function options(width, series, format) {
	const axis = { stroke: themed('--muted'), grid: { stroke: themed('--line'),
		width: 1 }, ticks: { stroke: themed('--line'), width: 1 } };
	const colours = [themed('--accent'), themed('--good'), themed('--bad')];
	return {
		width, height: 180, legend: { live: true },
		cursor: { drag: { x: false, y: false } },
		scales: { x: { time: true }, y: { range: (u, min, max) =>
			[0, max > 0 ? max * 1.1 : 1] } },
		axes: [axis, { ...axis, size: 70, values: (u, ticks) => ticks.map(format) }],
		series: [{}, ...series.map((s, i) => ({ label: s, stroke: colours[i % 3],
			width: 2, value: (u, v) => (v == null ? '—' : format(v)) }))],
	};
}

// <Chart label series={['CPU %']} data={[xs (s), ys…]} format={fn} />
export function Chart({ label, series, data, format = String }) {
	const box = useRef(null);
	const plot = useRef(null);
	const [failed, setFailed] = useState(null);
	useEffect(() => {
		let gone = false, observer = null;
		uplot().then((UPlot) => {
			const el = box.current;
			if (gone || !el) return;
			const width = () => Math.max(el.clientWidth, 200);
			plot.current = new UPlot(options(width(), series, format), data, el);
			observer = new ResizeObserver(() => plot.current?.setSize({
				width: width(), height: 180 }));
			observer.observe(box.current);
		}, setFailed);
		return () => { gone = true; observer?.disconnect();
			plot.current?.destroy(); plot.current = null; };
	}, [series.join()]);
	useEffect(() => { plot.current?.setData(data); }, [data]);
	return (
		<figure class="chart">
			<figcaption>{label}</figcaption>
			{failed && <p class="form-error" role="alert">The chart could not
				load: {failed.message}</p>}
			<div ref={box} role="img" aria-label={label} />
		</figure>
	);
}
