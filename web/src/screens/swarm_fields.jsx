// swarm_fields.jsx — the part of a container's form that only a swarm
// container has: its replicas and placement constraints (the API refuses
// them for a plain container; the mode itself is fixed at creation).
import { lines, num } from '../defs.js';
import { Field } from '../ui/form.jsx';

// The fieldset, filled with a container's values (a new one: 1, none).
export function SwarmFields({ replicas = 1, placement = [] }) {
	return (
		<fieldset class="form">
			<legend>Swarm service</legend>
			<p class="hint">Swarm runs the tasks on the nodes the constraints
			allow, and updates them one at a time, the new task started before
			the old one stops; an update whose new task fails is rolled back.
			Ports are published on every address of the task's node, not on
			127.0.0.1: firewall them.</p>
			<div class="grid2">
				<Field name="replicas" label="Replicas" value={String(replicas)}
				    inputMode="numeric" hint="Tasks Swarm keeps running, 0 to 100." />
				<Field name="placement" label="Placement constraints (one per line)"
				    as="textarea" rows={2} spellcheck={false}
				    value={placement.join('\n')}
				    placeholder="node.labels.zone==eu"
				    hint="attribute==value or !=: node.role, node.hostname, node.labels.<key>, …" />
			</div>
		</fieldset>
	);
}

// The swarm fields of a form's values, for a create or an update.
export function swarmBody(v) {
	const out = { placement: lines(v.placement) };
	if (v.replicas.trim() !== '') out.replicas = num(v.replicas);
	return out;
}
