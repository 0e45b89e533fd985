// container.jsx — one container: state and details (a swarm
// container's tasks and last update too), start/stop/restart, its
// definition, its log, deletion.
import { useEffect, useState } from 'preact/hooks';
import { get, post, put, del } from '../api.js';
import { go } from '../router.js';
import { lookAtTeam } from '../session.js';
import { when, short } from '../format.js';
import { command, commandText, ports, portsText, volumes, volumesText, num,
	envLines, pairsText, LABELS_HINT } from '../defs.js';
import { Page, Loaded, useLoad, Badge, Confirm, Action, Tabs } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { SwarmFields, swarmBody } from './swarm_fields.jsx';
import { HealthFields, healthBody } from './health_fields.jsx';
import { Logs } from './logs.jsx';
import { Environment } from './environment.jsx';
import { LiveMetrics, History } from './metrics.jsx';
import { ContainerTerminal } from './terminal.jsx';

// What Swarm last said of a swarm container's service.
function swarmRows(c) {
	const s = c.swarm;
	const rows = [
		['Mode', 'Swarm service'],
		['Tasks', s ? `${s.running} running of ${s.replicas} wanted` :
		    `${c.replicas} wanted; Swarm has not reported yet`],
		['Placement', c.placement?.length ? <ul class="plain tags">
			{c.placement.map((p) => <li key={p}><code>{p}</code></li>)}</ul> :
		    'any node'],
	];
	if (s?.update_state) rows.push(['Last update', <>
		<Badge state={s.update_state === 'completed' ? 'ok' : 'neutral'}>
			{s.update_state}</Badge>{s.update_message &&
		    <span class="muted"> {s.update_message}</span>}</>]);
	if (s && s.image !== c.image) rows.push(['Swarm runs', <code>{s.image}</code>]);
	return rows;
}

function Details({ c }) {
	const rows = [
		['State', <Badge state={c.state} />],
		['Health', c.health ? <Badge state={c.health} /> : '—'],
		['Exit code', c.exit_code ?? '—'],
		['Image', <code>{c.image}</code>],
		[c.mode === 'swarm' ? 'Service id' : 'Engine id',
		    <code>{short(c.docker_id)}</code>],
		['Published', c.published.length ? c.published.map((p) =>
		    `${p.host_ip}:${p.host} → ${p.container}/${p.protocol}`).join(', ') : '—'],
		['Volumes', c.volumes?.length ? volumesText(c.volumes) : '—'],
		['Restart', c.restart],
		['Started', when(c.started_at)],
		['Finished', when(c.finished_at)],
		['Created', when(c.created_at)],
	];
	if (c.mode === 'swarm') rows.splice(3, 0, ...swarmRows(c));
	return <dl class="details">{rows.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}</dl>;
}

function Definition({ c, reload }) {
	const [saved, setSaved] = useState(false);
	return (
		<Form label="Definition" onSubmit={async (v) => {
			await put(`/api/containers/${c.id}`, { image: v.image,
			    command: command(v.command), ports: ports(v.ports),
			    volumes: volumes(v.volumes), restart: v.restart, cpus: num(v.cpus),
			    memory_mb: num(v.memory_mb), healthcheck: healthBody(v),
			    labels: envLines(v.labels),
			    ...(c.mode === 'swarm' ? swarmBody(v) : {}) });
			setSaved(true); reload();
		}}>
			{saved && <p role="status" class="ok">{c.mode === 'swarm' ?
				'Saved; Swarm rolls the service to the new definition, one task at a time.' :
				'Saved; the container was recreated with the new definition.'}</p>}
			<Field name="image" label="Image" value={c.image} required spellcheck={false} />
			<Field name="command" label="Command (one argument per line)" as="textarea"
			    rows={3} value={commandText(c.command)} spellcheck={false} />
			<div class="grid2">
				<Field name="ports" label="Ports" value={portsText(c.ports)} />
				<Field name="volumes" label="Volumes" value={volumesText(c.volumes)}
				    hint="name:/path[:ro]" />
				<Field name="restart" label="Restart policy" as="select" value={c.restart}>
					{['unless-stopped', 'always', 'on-failure', 'no'].map((r) =>
					    <option key={r} value={r}>{r}</option>)}
				</Field>
				<Field name="cpus" label="CPUs" value={c.cpus ?? ''} inputMode="decimal" />
				<Field name="memory_mb" label="Memory in MB" value={c.memory_mb ?? ''}
				    inputMode="numeric" />
			</div>
			<Field name="labels" label="Engine labels (key=value per line)" as="textarea"
			    rows={2} spellcheck={false} value={pairsText(c.labels)} hint={LABELS_HINT} />
			<HealthFields hc={c.healthcheck} />
			{c.mode === 'swarm' && <SwarmFields replicas={c.replicas}
			    placement={c.placement} />}
			<Submit>Save definition</Submit>
		</Form>
	);
}

const TABS = [['logs', 'Logs'], ['metrics', 'Metrics'], ['terminal', 'Terminal'],
	['definition', 'Definition'], ['env', 'Environment']];

export function ContainerDetail({ id }) {
	const [tab, setTab] = useState('logs');
	const [confirm, setConfirm] = useState(false);
	const [c, error, reload] = useLoad(() => get(`/api/containers/${id}`), [id]);
	// The picker shows the container's team, whoever's it is.
	useEffect(() => { if (c) lookAtTeam(c.team_id); }, [c?.team_id]);
	useEffect(() => {	// the state as the engine reports it, kept fresh
		if (tab !== 'logs') return undefined;
		const t = setInterval(reload, 5000);
		return () => clearInterval(t);
	}, [reload, tab]);
	const act = (verb) => async () => {
		await post(`/api/containers/${id}/${verb}`);
		reload();
	};
	return (
		<Loaded data={c} error={error}>{(ct) => (
			<Page title={ct.name} actions={<>
				<Action onClick={act('start')} disabled={ct.state === 'running'}>Start</Action>
				<Action onClick={act('stop')} disabled={ct.state !== 'running' &&
				    ct.state !== 'restarting'}>Stop</Action>
				<Action onClick={act('restart')}>Restart</Action>
				<button type="button" class="danger" onClick={() => setConfirm(true)}>Delete</button>
			</>}>
				<p><a href={`#/projects/${ct.project_id}`}>← Project</a></p>
				<Details c={ct} />
				<Tabs tabs={TABS}
				    active={tab} onChange={setTab} />
				{tab === 'logs' && <Logs container={ct} />}
				{tab === 'metrics' && <>
					<LiveMetrics container={ct} />
					<h2>History</h2>
					<History subject={{ container_id: ct.id }}
					    metrics={['cpu_percent', 'mem_bytes']} />
				</>}
				{tab === 'terminal' && <ContainerTerminal container={ct} />}
				{tab === 'definition' && <Definition c={ct} reload={reload} />}
				{tab === 'env' && <Environment path={`/api/containers/${id}/env`}
				    note="The container's own variables, over its project's; it gets a change when it is next recreated." />}
				{confirm && <Confirm title={`Delete the container ${ct.name}?`}
				    onClose={() => setConfirm(false)} onConfirm={async () => {
					await del(`/api/containers/${id}`);
					go(`/projects/${ct.project_id}`);
				    }}>
					<p>The container is stopped and removed; its named volumes stay
					with the project.</p>
				</Confirm>}
			</Page>)}
		</Loaded>
	);
}
