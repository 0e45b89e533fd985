// swarm.jsx — the panel's Docker engine as a swarm manager (instance
// admins): whether it is one, and how to make it one when it is not;
// when it is, its nodes and the commands that add a server to it.
import { get } from '../api.js';
import { short } from '../format.js';
import { Page, Loaded, useLoad, Action, Command } from '../ui/widgets.jsx';
import { SwarmNodes } from './swarm_nodes.jsx';
import { JoinCommands } from './swarm_tokens.jsx';

// What to do when the engine manages no swarm: in none (make it the
// manager of a new one) or a worker of someone else's.
function NotManager({ swarm, reload }) {
	return (
		<div class="howto">
			{swarm.active ? <>
				<h2>The engine is a worker of another swarm</h2>
				<p>The panel's Docker engine is in a swarm that another server
				manages. The panel manages nodes and runs swarm containers only
				as a manager: promote this server on that swarm's manager
				(<code>docker node promote</code>), or leave that swarm.</p>
			</> : <>
				<h2>The engine is not a swarm manager</h2>
				<p>Containers run on this server only. To run swarm containers
				across several servers, make the panel's Docker engine a swarm
				manager: on the panel's server, as root, run</p>
				<Command label="Make the engine a swarm manager"
				    text="docker swarm init --advertise-addr <this server's private address>" />
				<p>with an address the other servers reach over a private network.
				Keep TCP 2377, TCP and UDP 7946 and UDP 4789 closed to the internet.
				The steps, from the first server to draining one, are
				in{' '}<code>docs/swarm.md</code> (“Scaling out with Docker Swarm”).</p>
			</>}
			<Action onClick={reload}>Check again</Action>
		</div>
	);
}

function Summary({ swarm }) {
	return (
		<dl class="details">
			<dt>Cluster</dt><dd><code>{short(swarm.cluster_id)}</code></dd>
			<dt>Nodes</dt><dd>{swarm.nodes ?? '—'}</dd>
			<dt>Managers</dt><dd>{swarm.managers ?? '—'}</dd>
		</dl>
	);
}

export function Swarm({ me }) {
	const [swarm, error, reload] = useLoad(() => get('/api/swarm'));
	if (!me.is_admin) return <Page title="Swarm"><p>Only instance admins
		manage the swarm.</p></Page>;
	return (
		<Page title="Swarm" actions={<Action onClick={reload}>Refresh</Action>}>
			<Loaded data={swarm} error={error}>{(s) => !s.manager ?
				<NotManager swarm={s} reload={reload} /> : <>
				<Summary swarm={s} />
				<SwarmNodes swarm={s} onCounted={reload} />
				<JoinCommands />
			</>}</Loaded>
		</Page>
	);
}
