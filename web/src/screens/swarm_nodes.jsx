// swarm_nodes.jsx — the swarm's nodes (instance admins): role,
// availability, state, address, engine and labels; labels edited, a node
// paused (nothing new placed on it), drained (after a confirmation: Swarm
// moves its tasks away) or made active again, and promoted to manager or
// demoted to worker (after a confirmation; the engine's refusal, such as
// demoting the last manager, is shown as it says it), and a worker that
// has left the swarm removed from the list (after a confirmation).
import { useState } from 'preact/hooks';
import { del, get, put } from '../api.js';
import { envLines, pairsText } from '../defs.js';
import { Loaded, useLoad, Badge, Action, Confirm } from '../ui/widgets.jsx';
import { Field, FormDialog } from '../ui/form.jsx';

const name = (n) => n.hostname || n.id;

function Labels({ labels }) {
	const keys = Object.keys(labels ?? {}).sort();
	if (keys.length === 0) return '—';
	return <ul class="plain tags">{keys.map((k) =>
		<li key={k}><code>{k}={labels[k]}</code></li>)}</ul>;
}

// The node's labels as key=value lines, in a modal form: they replace
// the node's labels; an error the API puts on them shows beside them.
function LabelsDialog({ node, onSaved, onClose }) {
	return (
		<FormDialog title={`Labels of ${name(node)}`} submit="Save labels"
		    onClose={onClose} onSubmit={async (v) => {
			await put(`/api/swarm/nodes/${node.id}`, { labels: envLines(v.labels) });
			onSaved();
		    }}>
			<Field name="labels" label="Labels (key=value, one per line)"
			    as="textarea" rows={5} spellcheck={false}
			    value={pairsText(node.labels)}
			    hint="Keys of a-z, 0-9, '.', '_' and '-'. Placement constraints match them: node.labels.zone==eu." />
		</FormDialog>
	);
}

function NodeRow({ n, self, onEdit, onDrain, onRole, onRemove, reload }) {
	const avail = (availability) => async () => {
		await put(`/api/swarm/nodes/${n.id}`, { availability });
		reload();
	};
	return (
		<tr>
			<td>{name(n)}
				{n.id === self && <> <Badge state="neutral">this panel</Badge></>}
				{n.leader && <> <Badge state="neutral">leader</Badge></>}</td>
			<td>{n.role}</td>
			<td><Badge state={n.availability === 'active' ? 'ok' : 'neutral'}>
				{n.availability}</Badge></td>
			<td><Badge state={n.status === 'ready' ? 'ok' : 'failed'}>
				{n.status}</Badge></td>
			<td>{n.address ? <code>{n.address}</code> : '—'}</td>
			<td>{n.engine_version ?? '—'}</td>
			<td><Labels labels={n.labels} /></td>
			<td class="row-actions">
				<button type="button" class="small" onClick={() => onEdit(n)}
				    aria-label={`Edit the labels of ${name(n)}`}>Labels</button>
				{n.availability !== 'active' && <Action class="small"
				    onClick={avail('active')} label={`Activate ${name(n)}`}>Activate</Action>}
				{n.availability === 'active' && <Action class="small"
				    onClick={avail('pause')} label={`Pause ${name(n)}`}>Pause</Action>}
				{n.availability !== 'drain' && <button type="button"
				    class="small danger" onClick={() => onDrain(n)}
				    aria-label={`Drain ${name(n)}`}>Drain</button>}
				<button type="button" class="small" onClick={() => onRole(n)}
				    aria-label={`${n.role === 'manager' ? 'Demote' : 'Promote'} ${
				    name(n)}`}>{n.role === 'manager' ? 'Demote to worker' :
				    'Promote to manager'}</button>
				{/* Offered for every worker, not only one shown down: the
				    list is a snapshot (a node that just left still reads
				    ready until it is reloaded), so the API decides, and
				    its 409 node_up says what to do, word for word, in the
				    dialog. Hidden for a manager: the API always refuses
				    one (node_manager), and Demote beside it is the step
				    to take first. */}
				{n.role === 'worker' && <button type="button"
				    class="small danger" onClick={() => onRemove(n)}
				    aria-label={`Remove ${name(n)}`}>Remove</button>}
			</td>
		</tr>
	);
}

// Promote a worker or demote a manager, once confirmed: what the engine
// refuses (the last manager, a quorum lost) stays in the dialog.
function RoleConfirm({ node, reload, onClose }) {
	const demote = node.role === 'manager';
	const role = demote ? 'worker' : 'manager';
	return (
		<Confirm title={`${demote ? 'Demote' : 'Promote'} ${name(node)} to ${role}?`}
		    confirm={demote ? 'Demote' : 'Promote'} onClose={onClose}
		    onConfirm={async () => {
			try { await put(`/api/swarm/nodes/${node.id}`, { role }); }
			finally { reload(); }
		    }}>
			{demote ? <p>The node stops taking part in managing the swarm: it
			no longer votes in the Raft quorum nor answers the swarm API. Keep
			an odd number of managers, three or five, so that the swarm
			survives losing one; the last manager cannot be demoted.</p> :
			<p>The node joins the managers: it keeps a copy of the swarm's
			state and votes in the Raft quorum, and whoever controls it
			controls the swarm. Keep an odd number of managers.</p>}
		</Confirm>
	);
}

// Remove a worker from the swarm's node list, once confirmed (as
// `docker node rm`): the API's refusal of a node still up stays in the
// dialog as it says it; after success the list is loaded again.
function RemoveConfirm({ node, reload, onClose }) {
	return (
		<Confirm title={`Remove ${name(node)}?`} confirm="Remove"
		    onClose={onClose} onConfirm={async () => {
			try { await del(`/api/swarm/nodes/${node.id}`); }
			finally { reload(); }
		    }}>
			<p>The node is taken off the swarm's node list for good. Only a
			node that has left works: drain it first, run{' '}
			<code>docker swarm leave</code> on that server, and remove it
			once its state is <strong>down</strong>. To bring the server
			back later, join it again with the join command.</p>
		</Confirm>
	);
}

// onCounted: reload the swarm's summary, after a change of what it
// counts (a role, a node removed); the list follows the new summary.
export function SwarmNodes({ swarm, onCounted }) {
	const [items, error, reload] = useLoad(() => get('/api/swarm/nodes')
	    .then((r) => r.items), [swarm]);
	const recount = onCounted ?? reload;
	const [editing, setEditing] = useState(null);
	const [draining, setDraining] = useState(null);
	const [roling, setRoling] = useState(null);	// the node whose role changes
	const [removing, setRemoving] = useState(null);
	return (
		<>
			<h2>Nodes</h2>
			<Loaded data={items} error={error}>{(list) => (
				<table class="table">
					<thead><tr><th>Hostname</th><th>Role</th><th>Availability</th>
						<th>State</th><th>Address</th><th>Engine</th><th>Labels</th>
						<th></th></tr></thead>
					<tbody>{list.map((n) => <NodeRow key={n.id} n={n}
					    self={swarm.node_id} onEdit={setEditing}
					    onDrain={setDraining} onRole={setRoling}
					    onRemove={setRemoving}
					    reload={reload} />)}</tbody>
				</table>)}
			</Loaded>
			{editing && <LabelsDialog node={editing} onSaved={reload}
			    onClose={() => setEditing(null)} />}
			{draining && <Confirm title={`Drain ${name(draining)}?`}
			    confirm="Drain" onClose={() => setDraining(null)}
			    onConfirm={async () => {
				await put(`/api/swarm/nodes/${draining.id}`,
				    { availability: 'drain' });
				reload();
			    }}>
				<p>Swarm stops the tasks on this node and starts them on the other
				nodes, and places nothing new here until it is activated again.
				Where no other node may run them, they stop until then.</p>
			</Confirm>}
			{roling && <RoleConfirm node={roling} reload={recount}
			    onClose={() => setRoling(null)} />}
			{removing && <RemoveConfirm node={removing} reload={recount}
			    onClose={() => setRemoving(null)} />}
		</>
	);
}
