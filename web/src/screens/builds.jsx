// builds.jsx — a project's git source (with its deploy key and webhook
// for those the API lets handle the team's secrets: team admins and
// owners, and instance admins who are not members), its builds and its
// deployments: build now, deploy a succeeded build or an image, roll
// back.
import { useState } from 'preact/hooks';
import { get, all, post, put, del } from '../api.js';
import { when, short } from '../format.js';
import { Loaded, useLoad, Empty, Badge, Action, Confirm } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';
import { go } from '../router.js';
import { envLines, pairsText } from '../defs.js';
import { roleIn, atLeast } from '../session.js';
import { DeployKey } from './deploy_key.jsx';
import { Webhook } from './webhook.jsx';

function Source({ project }) {
	const path = `/api/projects/${project.id}/source`;
	const [src, error, reload] = useLoad(() => get(path).catch((e) => {
		if (e.code === 'no_source') return null;
		throw e;
	}), [project.id]);
	const [drop, setDrop] = useState(false);
	const role = roleIn(project.team_id);
	const secrets = atLeast(role, 'admin');	// the source's token, key, webhook
	const drops = atLeast(role, 'admin');	// disconnecting it
	return (
		<Loaded data={src} error={error}>{(s) => (
			<>
				<h3>Git source</h3>
				{!s && <Empty>No git source yet: connect a repository to build from it.</Empty>}
				<Form label="Git source" onSubmit={async (v) => {
					const body = { git_url: v.git_url, auto_deploy: v.auto_deploy };
					for (const k of ['git_ref', 'dockerfile', 'context', 'container',
					    'health_path'])
						if (v[k]) body[k] = v[k];
					if (v.port) body.port = Number(v.port);
					if (v.token) body.token = v.token;
					body.build_args = envLines(v.build_args);
					await put(path, body); reload();
				}}>
					<div class="grid2">
						<Field name="git_url" label="Repository URL" value={s?.git_url ?? ''}
						    required spellcheck={false} />
						<Field name="git_ref" label="Branch or ref" value={s?.git_ref ?? ''}
						    placeholder="main" />
						<Field name="dockerfile" label="Dockerfile" value={s?.dockerfile ?? ''}
						    placeholder="Dockerfile" />
						<Field name="context" label="Context" value={s?.context ?? ''}
						    placeholder="." />
						<Field name="container" label="Container to deploy" value={s?.container ?? ''} />
						<Field name="port" label="App port" value={s?.port ?? ''} inputMode="numeric" />
						<Field name="health_path" label="Health path" value={s?.health_path ?? ''}
						    placeholder="/" />
						{secrets && <Field name="token" label={s?.has_token ?
						    'Access token (set; type to replace)' :
						    'Access token (private HTTPS repositories)'} type="password"
						    autoComplete="off" />}
					</div>
					<Field name="build_args" label="Build arguments (KEY=value, one per line)"
					    as="textarea" rows={2} spellcheck={false}
					    value={pairsText(s?.build_args)}
					    hint="The Dockerfile's ARGs. Not secret: they stay in the image's history." />
					<Field name="auto_deploy" label="Deploy every successful build"
					    type="checkbox" checked={s?.auto_deploy ?? true} />
					<Submit>{s ? 'Save source' : 'Connect repository'}</Submit>
				</Form>
				{s && drops && <p><button type="button" class="small danger"
				    onClick={() => setDrop(true)}>Disconnect</button></p>}
				{drop && <Confirm title="Disconnect the git source?" confirm="Disconnect"
				    onClose={() => setDrop(false)} onConfirm={async () => {
					await del(path); reload(); }}>
					<p>Builds from it stop; past builds and deployments stay.</p>
				</Confirm>}
				{s && secrets && <DeployKey project={project} source={s} reload={reload} />}
				{s && secrets && <Webhook project={project} />}
			</>)}
		</Loaded>
	);
}

// What POST /api/builds takes beside the ref, each blank for the
// source's: [name, label, placeholder].
const OVERRIDES = [['git_url', 'Repository URL', 'the source\'s repository'],
	['dockerfile', 'Dockerfile', 'Dockerfile'], ['context', 'Context', '.']];

// The body of a build of v: the ref and each option given, the rest the
// source's.
function buildBody(project, v) {
	const body = { project_id: project.id, deploy: v.deploy };
	for (const k of ['git_ref', ...OVERRIDES.map(([k]) => k)])
		if (v[k].trim()) body[k] = v[k].trim();
	if (v.build_args.trim()) body.build_args = envLines(v.build_args);
	return body;
}

// The builds, newest first: one started (of the source's ref or another,
// and under Options its repository, Dockerfile, context or build
// arguments, deployed if it succeeds when asked), a succeeded one
// deployed from its row (onDeployed: the deployments to show again);
// the list narrowed to one status as the API does.
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function BuildList({ project, onDeployed }) {
	const [status, setStatus] = useState('');	// '' for any
	const [items, error, reload] = useLoad(() => all('/api/builds',
	    { project_id: project.id, ...(status ? { status } : {}) }, 50),
	    [project.id, status]);
	const [options, setOptions] = useState(false);	// the Options shown
	return (
		<>
			<h3>Builds</h3>
			<Form label="Build now" class="form inline" onSubmit={async (v) => {
				let b;
				try {
					b = await post('/api/builds', buildBody(project, v));
				} catch (e) {
					// The API's verdict on an option shows beside it.
					if (e.field && e.field !== 'git_ref') setOptions(true);
					throw e;
				}
				go(`/builds/${b.id}`);
			}}>
				<Field name="git_ref" label="Ref to build (blank: the source's)"
				    spellcheck={false} />
				<Field name="deploy" label="Deploy it if it succeeds" type="checkbox" />
				<Submit>Build now</Submit>
				<details class="options" open={options}
				    onToggle={(e) => setOptions(e.currentTarget.open)}>
					<summary>Options (blank: the source's)</summary>
					<div class="grid2">
						{OVERRIDES.map(([k, label, hint]) => <Field key={k} name={k}
						    label={`${label} for this build`} placeholder={hint}
						    spellcheck={false} />)}
					</div>
					<Field name="build_args" label="Build arguments for this build (KEY=value, one per line)"
					    as="textarea" rows={2} spellcheck={false}
					    hint="In place of the source's, when given." />
				</details>
			</Form>
			<div class="toolbar">
				<label class="inline-field">Status
					<select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
						<option value="">Any</option>
						{STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
					</select></label>
			</div>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>{status ? `No ${status} builds.` : 'No builds yet.'}</Empty> :
				<table class="table" aria-label="Builds">
					<thead><tr><th>Build</th><th>Status</th><th>Ref</th><th>Commit</th><th>Trigger</th><th>Created</th><th></th></tr></thead>
					<tbody>{list.map((b) => (
						<tr key={b.id}>
							<td><a href={`#/builds/${b.id}`}>{short(b.id)}</a></td>
							<td><Badge state={b.status} /></td>
							<td>{b.git_ref}</td><td><code>{short(b.commit)}</code></td>
							<td>{b.trigger}</td><td>{when(b.created_at)}</td>
							<td>{b.status === 'succeeded' && <Action class="small"
							    label={`Deploy build ${short(b.id)}`} onClick={async () => {
								await post('/api/deployments', { project_id: project.id,
								    build_id: b.id });
								onDeployed(); }}>Deploy</Action>}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<button type="button" class="small" onClick={reload}>Refresh</button>
		</>
	);
}

function Deployments({ project, shown }) {
	const [items, error, reload] = useLoad(() => all('/api/deployments',
	    { project_id: project.id }, 50), [project.id, shown]);
	return (
		<>
			<h3>Deployments</h3>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No deployments yet.</Empty> :
				<table class="table">
					<thead><tr><th>Deployment</th><th>Kind</th><th>Status</th><th>Image</th><th>Created</th><th></th></tr></thead>
					<tbody>{list.map((d) => (
						<tr key={d.id}>
							<td>{short(d.id)}</td><td>{d.kind}</td>
							<td><Badge state={d.status} />{d.error &&
							    <span class="muted"> {d.error}</span>}</td>
							<td><code>{d.image}</code>{d.hostname &&
							    <div class="muted">{d.hostname}</div>}</td>
							<td>{when(d.created_at)}</td>
							<td>{d.status === 'succeeded' && d.previous_image &&
								<Action class="small" label={`Roll back ${short(d.id)}`}
								    onClick={async () => { await post(
								    `/api/deployments/${d.id}/rollback`); reload(); }}>
									Roll back</Action>}</td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			<Form label="Deploy an image" class="form inline" onSubmit={async (v, f) => {
				await post('/api/deployments', { project_id: project.id,
				    image: v.image });
				f.reset(); reload();
			}}>
				<Field name="image" label="Deploy an image" required spellcheck={false}
				    placeholder="registry.example.com/app:1.2" />
				<Submit>Deploy</Submit>
			</Form>
			<button type="button" class="small" onClick={reload}>Refresh</button>
		</>
	);
}

export function Builds({ project }) {
	const [deployed, setDeployed] = useState(0);	// deployments made here
	return (
		<>
			<Source project={project} />
			<BuildList project={project} onDeployed={() => setDeployed((n) => n + 1)} />
			<Deployments project={project} shown={deployed} />
		</>
	);
}
