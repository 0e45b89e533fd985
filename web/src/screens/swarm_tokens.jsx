// swarm_tokens.jsx — adding a server to the swarm (instance admins): the
// `docker swarm join` command of each role, read only on demand (a join
// token is a credential and every read is in the audit trail), and a
// token rotated after a confirmation when it may have leaked.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { Action, Command, Confirm } from '../ui/widgets.jsx';

const ROLES = [['worker', 'Join as a worker'], ['manager', 'Join as a manager']];

// The join command for token, through the first manager the swarm lists.
function joinCommand(token, managers) {
	return `docker swarm join --token ${token} ${managers?.[0] ??
	    '<manager address>:2377'}`;
}

export function JoinCommands() {
	const [tokens, setTokens] = useState(null);
	const [rotating, setRotating] = useState(null);
	const [rotated, setRotated] = useState(null);
	return (
		<>
			<h2>Add a server</h2>
			<p>On the new server install Docker (nothing else of the panel), then
			run the command of the role it takes, as root. Whoever holds a join
			token can add a server to the swarm: each reading is in the audit
			trail, and a token that may have leaked is rotated here.</p>
			{!tokens ? <Action onClick={async () =>
			    setTokens(await get('/api/swarm/tokens'))}>
				Show the join commands</Action> : <>
				{rotated && <p role="status" class="ok">The {rotated} token was
					rotated: the old one adds no server from now on.</p>}
				{ROLES.map(([role, label]) => (
					<div key={role} class="join">
						<h3>{label}</h3>
						<Command label={label}
						    text={joinCommand(tokens[role], tokens.managers)} />
						<button type="button" class="small danger"
						    onClick={() => setRotating(role)}
						    aria-label={`Rotate the ${role} token`}>Rotate token</button>
					</div>))}
			</>}
			{rotating && <Confirm title={`Rotate the ${rotating} join token?`}
			    confirm="Rotate" onClose={() => setRotating(null)}
			    onConfirm={async () => {
				setTokens(await post('/api/swarm/tokens/rotate',
				    { role: rotating }));
				setRotated(rotating);
			    }}>
				<p>The current {rotating} token adds no server from now on; servers
				already in the swarm stay. Servers you add later need the new
				command.</p>
			</Confirm>}
		</>
	);
}
