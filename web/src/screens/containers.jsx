// containers.jsx — a project's containers with their state (a swarm
// container's running tasks too), and a new one from an image, on this
// server or as a Swarm service.
import { useState } from 'preact/hooks';
import { all, post } from '../api.js';
import { go } from '../router.js';
import { when, tasks } from '../format.js';
import { command, ports, volumes, envLines, num, LABELS_HINT } from '../defs.js';
import { Loaded, useLoad, Empty, Badge } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { SwarmFields, swarmBody } from './swarm_fields.jsx';
import { HealthFields, healthBody } from './health_fields.jsx';

export function Containers({ project }) {
	const [items, error] = useLoad(() => all('/api/containers',
	    { project_id: project.id }), [project.id]);
	const [mode, setMode] = useState('container');
	async function create(v) {
		const body = { project_id: project.id, name: v.name, image: v.image,
		    command: command(v.command), ports: ports(v.ports),
		    volumes: volumes(v.volumes), env: envLines(v.env), labels: envLines(v.labels),
		    restart: v.restart, start: v.start };
		if (v.cpus) body.cpus = num(v.cpus);
		if (v.memory_mb) body.memory_mb = num(v.memory_mb);
		const hc = healthBody(v);
		if (hc) body.healthcheck = hc;
		if (v.mode === 'swarm') Object.assign(body, { mode: 'swarm' }, swarmBody(v));
		const c = await post('/api/containers', body);
		go(`/containers/${c.id}`);
	}
	return (
		<>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No containers yet. Run one from an image below, or deploy a
				template.</Empty> :
				<table class="table">
					<thead><tr><th>Name</th><th>Image</th><th>State</th><th>Health</th><th>Started</th></tr></thead>
					<tbody>{list.map((c) => (
						<tr key={c.id}>
							<td><a href={`#/containers/${c.id}`}>{c.name}</a></td>
							<td><code>{c.image}</code></td>
							<td><Badge state={c.state} />
								{tasks(c) && <span class="muted"> {tasks(c)}</span>}</td>
							<td>{c.health ? <Badge state={c.health} /> : '—'}</td>
							<td>{when(c.started_at)}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<h2>Run a container</h2>
			<Form label="Run a container" onSubmit={create}>
				<div class="grid2">
					<Field name="name" label="Name" required spellcheck={false}
					    hint="Lower-case letters, digits and dashes." />
					<Field name="image" label="Image" required spellcheck={false}
					    placeholder="nginx:1.27" />
				</div>
				<Field name="command" label="Command (one argument per line, blank for the image's)"
				    as="textarea" rows={3} spellcheck={false} />
				<div class="grid2">
					<Field name="ports" label="Ports" placeholder="8080, 8443:18443"
					    hint="container[:host][/udp], published on 127.0.0.1" />
					<Field name="volumes" label="Volumes" placeholder="data:/var/lib/app"
					    hint="name:/path[:ro], the project's named volumes" />
					<Field name="restart" label="Restart policy" as="select">
						<option value="unless-stopped">unless-stopped</option>
						<option value="always">always</option>
						<option value="on-failure">on-failure</option>
						<option value="no">no</option>
					</Field>
					<Field name="cpus" label="CPUs (optional)" inputMode="decimal" />
					<Field name="memory_mb" label="Memory in MB (optional)" inputMode="numeric" />
				</div>
				<Field name="mode" label="Run as" as="select" value="container"
				    onChange={(e) => setMode(e.currentTarget.value)}
				    hint="Fixed once the container is made.">
					<option value="container">a container on this server</option>
					<option value="swarm">a Swarm service (the engine must be a swarm manager)</option>
				</Field>
				<HealthFields />
				{mode === 'swarm' && <SwarmFields />}
				<Field name="env" label="Environment (KEY=value per line)" as="textarea"
				    rows={3} spellcheck={false} />
				<Field name="labels" label="Engine labels (key=value per line)" as="textarea"
				    rows={2} spellcheck={false} hint={LABELS_HINT} />
				<Field name="start" label="Start it now" type="checkbox" checked />
				<Submit>Create container</Submit>
			</Form>
		</>
	);
}
