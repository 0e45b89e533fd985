// monitoring.jsx — charts from the history (a container's, and the
// host's for instance admins), alert rules and notification channels.
import { useState } from 'preact/hooks';
import { teamContainers, containerLabel } from '../team_data.js';
import { Page, Loaded, useLoad, Empty, Tabs } from '../ui/widgets.jsx';
import { History } from './metrics.jsx';
import { Alerts } from './alerts.jsx';
import { Channels } from './channels.jsx';

function Charts({ containers, me }) {
	const [cid, setCid] = useState(containers[0]?.id ?? '');
	return (<>
		{containers.length === 0 ? <Empty>The team has no container yet.</Empty> : <>
			<label class="inline-field">Container
				<select value={cid} onChange={(e) => setCid(e.currentTarget.value)}>
					{containers.map((c) => <option key={c.id} value={c.id}>
						{containerLabel(c)}</option>)}
				</select></label>
			<History subject={{ container_id: cid }} metrics={['cpu_percent',
			    'mem_bytes', 'net_rx_bytes', 'net_tx_bytes']} />
		</>}
		{me.is_admin && <>
			<h2>This server</h2>
			<History subject={{ host: true }} metrics={['cpu_percent', 'mem_bytes',
			    'load1', 'disk_used_bytes']} />
		</>}
	</>);
}

export function Monitoring({ team, me }) {
	const [tab, setTab] = useState('charts');
	const [x, error] = useLoad(() => teamContainers(team), [team?.id]);
	return (
		<Page title="Monitoring">
			{!team ? <Empty>Create a team first.</Empty> : <>
				<Tabs tabs={[['charts', 'Charts'], ['alerts', 'Alerts'],
				    ['channels', 'Channels']]} active={tab} onChange={setTab} />
				<Loaded data={x} error={error}>{({ containers }) => (
					<div role="tabpanel">
						{tab === 'charts' && <Charts containers={containers} me={me} />}
						{tab === 'alerts' && <Alerts team={team} containers={containers} />}
						{tab === 'channels' && <Channels team={team} />}
					</div>)}
				</Loaded>
			</>}
		</Page>
	);
}
