// templates.jsx — the catalogue of ready-made apps, each with the
// containers it makes (shown before deploying), deployed into one of the
// team's projects.
import { useState } from 'preact/hooks';
import { get, all, post } from '../api.js';
import { go } from '../router.js';
import { Page, Loaded, useLoad, Empty } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

// What template makes, as GET /api/templates/<id> has it: each
// container's name and image.
function Makes({ template }) {
	const [t, error] = useLoad(() => get(`/api/templates/${template.id}`),
	    [template.id]);
	return (
		<Loaded data={t} error={error}>{(x) => (
			<ul class="plain" aria-label={`What ${template.name} makes`}>
				{x.containers.map((c) => <li key={c.name}><strong>{c.name}</strong>{' '}
					<code>{c.image}</code></li>)}
			</ul>)}
		</Loaded>
	);
}

function Deploy({ template, projects }) {
	const makes = <Makes template={template} />;
	if (projects.length === 0)
		return <>{makes}<p class="muted">Create a project first to deploy into it.</p></>;
	return (<>{makes}
		<Form label={`Deploy ${template.name}`} onSubmit={async (v) => {
			const values = {};
			for (const t of template.variables ?? [])
				if (v[`var_${t.name}`]) values[t.name] = v[`var_${t.name}`];
			const r = await post(`/api/templates/${template.id}/deploy`,
			    { project_id: v.project_id, values });
			go(`/projects/${r.project_id}`);
		}}>
			<Field name="project_id" label="Project" as="select" value={projects[0].id}>
				{projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
			</Field>
			{(template.variables ?? []).map((t) => (
				<Field key={t.name} name={`var_${t.name}`} label={t.name}
				    value={t.default ?? ''} hint={t.description ?? (t.generate ?
				    'Left blank, a random secret is generated.' : undefined)} />
			))}
			<Submit>Deploy {template.name}</Submit>
		</Form>
	</>);
}

export function Templates({ team }) {
	const [open, setOpen] = useState(null);
	const [data, error] = useLoad(async () => ({
		templates: (await get('/api/templates')).items,
		projects: team ? await all('/api/projects', { team_id: team.id }) : [],
	}), [team?.id]);
	return (
		<Page title="Templates">
			<Loaded data={data} error={error}>{({ templates, projects }) =>
			    templates.length === 0 ? <Empty>No templates are installed.</Empty> :
				<ul class="cards">{templates.map((t) => (
					<li key={t.id} class="card">
						<h2>{t.name}</h2>
						<p class="muted">{t.description}</p>
						{open === t.id ? <Deploy template={t} projects={projects} /> :
							<button type="button" onClick={() => setOpen(t.id)}>
								Deploy…</button>}
					</li>))}
				</ul>}
			</Loaded>
		</Page>
	);
}
