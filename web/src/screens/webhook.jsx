// webhook.jsx — a project's deploy-on-push webhook: the URL to give each
// git host, its secret (shown on request), and a new secret on demand.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { Loaded, useLoad, Command, Reveal, Confirm } from '../ui/widgets.jsx';

const SENDERS = [
	['github', 'GitHub', 'Payload URL; content type application/json; the secret as Secret.'],
	['gitlab', 'GitLab', 'URL; the secret as Secret token.'],
	['bitbucket', 'Bitbucket', 'URL; the secret as Secret.'],
	['generic', 'Generic', 'POST {"ref": "<branch>"} with X-OpenPanel-Signature: sha256=<HMAC-SHA256 of the body with the secret, hex>.'],
];

// The webhook of a project whose git source is set (team admins and
// owners: the secret shows).
export function Webhook({ project }) {
	const path = `/api/projects/${project.id}/webhook`;
	const [hook, error, reload] = useLoad(() => get(path), [project.id]);
	const [shown, setShown] = useState(false);
	const [rotate, setRotate] = useState(false);
	const [fresh, setFresh] = useState(null);
	return (
		<>
			<h3>Deploy on push</h3>
			<p class="muted">Add a webhook on the git host: each push to the
			source's branch builds it (and deploys it when “Deploy every
			successful build” is on).</p>
			<Loaded data={hook} error={error}>{(h) => (
				<>
					{SENDERS.map(([key, name, how]) => (
						<div key={key}>
							<p class="hint">{name}: {how}</p>
							<Command label={`${name} webhook URL`} text={h.urls[key]} />
						</div>))}
					{fresh ? <Reveal label="The new webhook secret: give it to each git host now. Pushes signed with the old one are refused from now on."
					    value={fresh} /> : shown ?
						<Command label="Webhook secret" text={h.secret} /> :
						<p><button type="button" class="small"
						    onClick={() => setShown(true)}>Show secret</button></p>}
					<p><button type="button" class="small danger"
					    onClick={() => setRotate(true)}>Rotate secret</button></p>
				</>)}
			</Loaded>
			{rotate && <Confirm title="Rotate the webhook secret?" confirm="Rotate"
			    onClose={() => setRotate(false)} onConfirm={async () => {
				const h = await post(`${path}/rotate`);
				setFresh(h.secret); reload(); }}>
				<p>The current secret stops working at once: pushes from git hosts
				still using it are refused until they have the new one.</p>
			</Confirm>}
		</>
	);
}
