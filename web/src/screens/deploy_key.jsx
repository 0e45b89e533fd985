// deploy_key.jsx — the SSH deploy key of a project's git source: made by
// the panel, its public half shown to add to the git host.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { Command, Confirm, Action } from '../ui/widgets.jsx';

// The source's deploy key (team admins and owners): the public half, or
// a button to make one; replacing one asks first.
export function DeployKey({ project, source, reload }) {
	const path = `/api/projects/${project.id}/source/deploy-key`;
	const [replace, setReplace] = useState(false);
	const key = source.deploy_key_public;
	return (
		<>
			<h3>SSH deploy key</h3>
			{key ? <>
				<p class="hint">Add this public key to the repository as a
				read-only deploy key; builds from an ssh:// or user@host:path URL
				use it.</p>
				<Command label="Deploy key (public)" text={key} />
				<p><button type="button" class="small danger"
				    onClick={() => setReplace(true)}>Replace deploy key</button></p>
			</> : <>
				<p class="hint">For a private repository reached over SSH: the
				panel makes a key pair and keeps the private half.</p>
				<p><Action class="small" onClick={async () => {
					await post(path); reload(); }}>Generate deploy key</Action></p>
			</>}
			{replace && <Confirm title="Replace the deploy key?" confirm="Replace"
			    onClose={() => setReplace(false)} onConfirm={async () => {
				await post(path); reload(); }}>
				<p>The current key stops working at once: builds fail until the
				git host has the new public key.</p>
			</Confirm>}
		</>
	);
}
