// project.jsx — one project: its containers, environment, databases,
// builds and deployments, settings, and deletion.
import { useEffect, useState } from 'preact/hooks';
import { get, put, del } from '../api.js';
import { go } from '../router.js';
import { lookAtTeam } from '../session.js';
import { Page, Loaded, useLoad, Confirm, Tabs } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { Containers } from './containers.jsx';
import { Environment } from './environment.jsx';
import { Databases } from './databases.jsx';
import { Builds } from './builds.jsx';

const TABS = [['containers', 'Containers'], ['env', 'Environment'],
	['databases', 'Databases'], ['builds', 'Builds & deploys'],
	['settings', 'Settings']];

function Settings({ project, reload }) {
	const [confirm, setConfirm] = useState(false);
	const [volumes, setVolumes] = useState(false);
	const [saved, setSaved] = useState(false);
	return (
		<>
			{saved && <p role="status" class="ok">Saved.</p>}
			<Form label="Project settings" onSubmit={async (v) => {
				await put(`/api/projects/${project.id}`, { name: v.name,
				    description: v.description || null });
				setSaved(true); reload();
			}}>
				<Field name="name" label="Name" value={project.name} required />
				<Field name="description" label="Description" as="textarea" rows={3}
				    value={project.description ?? ''} />
				<Submit>Save</Submit>
			</Form>
			<h2>Danger zone</h2>
			<p>Deleting the project removes its containers and their data.</p>
			<button type="button" class="danger" onClick={() => setConfirm(true)}>
				Delete project</button>
			{confirm && <Confirm title={`Delete the project ${project.name}?`}
			    typed={project.name} onClose={() => setConfirm(false)}
			    onConfirm={async () => { await del(`/api/projects/${project.id}` +
			    (volumes ? '?volumes=true' : '')); go('/projects'); }}>
				<p>Every container of this project is removed. This cannot be undone.</p>
				<div class="field check">
					<input id="drop-volumes" type="checkbox" checked={volumes}
					    onChange={(e) => setVolumes(e.currentTarget.checked)} />
					<label for="drop-volumes">Also delete its named volumes and the
					data in them</label>
				</div>
			</Confirm>}
		</>
	);
}

export function ProjectDetail({ id }) {
	const [tab, setTab] = useState('containers');
	const [project, error, reload] = useLoad(() => get(`/api/projects/${id}`),
	    [id]);
	// The picker shows the project's team, whoever's it is.
	useEffect(() => { if (project) lookAtTeam(project.team_id); },
	    [project?.team_id]);
	return (
		<Loaded data={project} error={error}>{(p) => (
			<Page title={p.name}>
				{p.description && <p class="muted">{p.description}</p>}
				<Tabs tabs={TABS} active={tab} onChange={setTab} />
				<div role="tabpanel">
					{tab === 'containers' && <Containers project={p} />}
					{tab === 'env' && <Environment path={`/api/projects/${p.id}/env`}
					    note="Every container of the project receives these variables." />}
					{tab === 'databases' && <Databases project={p} />}
					{tab === 'builds' && <Builds project={p} />}
					{tab === 'settings' && <Settings project={p} reload={reload} />}
				</div>
			</Page>)}
		</Loaded>
	);
}
