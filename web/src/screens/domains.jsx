// domains.jsx — a team's domains: a hostname routed to a port of one of
// its containers, HTTPS with a certificate from the instance's ACME CA,
// the progress of each order shown while it runs, ordered again, its port,
// path and redirects changed, removed; the list narrowed to a project's or a container's as the API does; and
// the gateway configuration generated for them.
import { useEffect, useState } from 'preact/hooks';
import { all, post, put, del } from '../api.js';
import { when } from '../format.js';
import { teamContainers, containerLabel } from '../team_data.js';
import { Page, Loaded, useLoad, usePoll, Empty, Badge, Action, Confirm,
	Progress, useFresh } from '../ui/widgets.jsx';
import { Form, Field, FormDialog, Submit } from '../ui/form.jsx';
import { GatewayConfig } from './gateway_config.jsx';

// The team's domains (those of one project or container when only
// names them: {project_id?, container_id?}), certificates, projects and
// containers.
async function load(team, only) {
	if (!team) return null;
	const q = { team_id: team.id };
	const [domains, certs, { projects, containers }] = await Promise.all([
		all('/api/domains', { ...q, ...only }), all('/api/certificates', q),
		teamContainers(team)]);
	return { domains, certs: new Map(certs.map((c) => [c.id, c])),
		projects, containers };
}

// The project and container pickers that narrow the list (only: the
// API's filters, set with onChange).
function Narrow({ x, only, onChange }) {
	const set = (k, v) => {
		const o = { ...only };
		if (v) o[k] = v; else delete o[k];
		if (k === 'project_id') delete o.container_id;	// one of its, or any
		onChange(o);
	};
	const containers = only.project_id ? x.containers.filter((c) =>
	    c.project_id === only.project_id) : x.containers;
	return (
		<div class="toolbar">
			<label class="inline-field">Project
				<select value={only.project_id ?? ''}
				    onChange={(e) => set('project_id', e.currentTarget.value)}>
					<option value="">Any</option>
					{x.projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
				</select></label>
			<label class="inline-field">Routed to
				<select value={only.container_id ?? ''}
				    onChange={(e) => set('container_id', e.currentTarget.value)}>
					<option value="">Any container</option>
					{containers.map((c) => <option key={c.id} value={c.id}>
						{containerLabel(c)}</option>)}
				</select></label>
		</div>
	);
}

// The certificate as its order stands: progress while it is ordered,
// what failed and when it is tried again, or who issued it until when.
function CertState({ d, cert, ordering }) {
	const c = cert ?? d.certificate;
	if (!d.https) return <span class="muted">HTTP only</span>;
	if (!c) return <span class="muted">No certificate yet</span>;
	if (ordering) return (
		<Progress label={`Ordering the certificate of ${d.hostname}`}>
			Ordering the certificate{cert?.attempts ? ` (try ${cert.attempts + 1})` : ''}…
		</Progress>);
	return (
		<div class="cert">
			<Badge state={c.state === 'valid' ? 'ok' : 'failed'}>{c.state}</Badge>
			{c.state === 'valid' && <span> {c.issuer ?? ''} until {when(c.not_after)}</span>}
			{c.last_error && <p class="field-error">{c.last_error}</p>}
			{cert?.next_order_at && c.state !== 'valid' &&
			    <p class="hint">Tried again {when(cert.next_order_at)}.</p>}
		</div>
	);
}

// A domain's port, path and redirects in a modal form (its hostname and
// container stay, as the API keeps them): the API's verdict on each shows
// beside it; saved (the answer: a redirect_www change orders anew), the
// dialog closes.
function DomainEdit({ d, onSaved, onClose }) {
	return (
		<FormDialog title={`Edit ${d.hostname}`} submit="Save domain"
		    onClose={onClose} onSubmit={async (v) => {
			onSaved(await put(`/api/domains/${d.id}`, { port: Number(v.port),
				path_prefix: v.path_prefix.trim() || '/',
				redirect_https: v.redirect_https, redirect_www: v.redirect_www }));
		    }}>
			<div class="grid2">
				<Field name="port" label="Container port" inputMode="numeric"
				    value={String(d.port)} />
				<Field name="path_prefix" label="Path" value={d.path_prefix}
				    spellcheck={false} />
			</div>
			<Field name="redirect_https" label="Redirect plain HTTP to HTTPS"
			    type="checkbox" checked={d.redirect_https} />
			<Field name="redirect_www" label="Also answer www. (redirected here)"
			    type="checkbox" checked={d.redirect_www} />
		</FormDialog>
	);
}

function DomainRow({ d, cert, ordering, container, reload, onEdit, onDelete, onOrdered }) {
	return (
		<tr>
			<td><a href={`http${d.https ? 's' : ''}://${d.hostname}${d.path_prefix}`}
			    rel="noreferrer" target="_blank">{d.hostname}</a>
				{d.path_prefix !== '/' && <code>{d.path_prefix}</code>}</td>
			<td>{container ? <a href={`#/containers/${d.container_id}`}>
				{containerLabel(container)}</a> : '—'}:{d.port}</td>
			<td><CertState d={d} cert={cert} ordering={ordering} /></td>
			<td class="row-actions">
				{d.https && <Action class="small" label={`Order the certificate of ${d.hostname}`}
				    onClick={async () => { onOrdered(await post(
				    `/api/domains/${d.id}/ssl`)); }}>Order now</Action>}
				<Action class="small" label={d.https ? `HTTP only for ${d.hostname}` :
				    `HTTPS for ${d.hostname}`} onClick={async () => {
					await put(`/api/domains/${d.id}`, { https: !d.https });
					reload(); }}>{d.https ? 'HTTP only' : 'Use HTTPS'}</Action>
				<button type="button" class="small" aria-label={`Edit ${d.hostname}`}
				    onClick={() => onEdit(d)}>Edit…</button>
				<button type="button" class="small danger" aria-label={`Remove ${d.hostname}`}
				    onClick={() => onDelete(d)}>Remove</button>
			</td>
		</tr>
	);
}

function NewDomain({ containers, onCreated }) {
	return (
		<Form label="Add a domain" onSubmit={async (v, f) => {
			const body = { hostname: v.hostname.trim(), container_id: v.container_id,
				port: Number(v.port), https: v.https, redirect_https: v.redirect_https,
				redirect_www: v.redirect_www };
			if (v.path_prefix) body.path_prefix = v.path_prefix;
			onCreated(await post('/api/domains', body));
			f.reset();
		}}>
			<div class="grid2">
				<Field name="hostname" label="Hostname" required spellcheck={false}
				    placeholder="app.example.com" />
				<Field name="container_id" label="Container" as="select"
				    value={containers[0]?.id ?? ''}>
					{containers.map((c) => <option key={c.id} value={c.id}>
						{containerLabel(c)}</option>)}
				</Field>
				<Field name="port" label="Container port" inputMode="numeric"
				    value={String(containers[0]?.ports?.[0]?.container ?? '')} />
				<Field name="path_prefix" label="Path (optional)" placeholder="/" />
			</div>
			<Field name="https" label="HTTPS with a certificate from the ACME CA"
			    type="checkbox" checked />
			<Field name="redirect_https" label="Redirect plain HTTP to HTTPS"
			    type="checkbox" />
			<Field name="redirect_www" label="Also answer www. (redirected here)"
			    type="checkbox" />
			<Submit>Add domain</Submit>
		</Form>
	);
}

export function Domains({ team }) {
	const [only, setOnly] = useState({});	// the list's filters
	useEffect(() => setOnly({}), [team?.id]);	// another team's projects
	const [data, error, reload] = useLoad(() => load(team, only),
	    [team?.id, only]);
	const [shown, setFresh] = useFresh(data?.domains);
	const [doomed, setDoomed] = useState(null);
	const [editing, setEditing] = useState(null);
	const fresh = (d) => !data.domains.includes(d);
	// An order is under way when it was just asked for (the answer is
	// fresh), is pending, or is due now: the worker is running it. A
	// failed one is due again a minute later at the earliest.
	function ordering(d) {
		if (!d.https) return false;
		if (fresh(d)) return true;
		const c = data.certs.get(d.id);
		const state = c?.state ?? d.certificate?.state;
		if (state === 'pending') return true;
		return state === 'failed' && c?.next_order_at != null &&
		    Date.parse(c.next_order_at) <= Date.now() + 5000;
	}
	usePoll(reload, (shown ?? []).some(ordering) ? 2000 : null);
	// A POST's answer shows at once; the next load replaces it.
	function answered(d) {
		setFresh(d);
		reload();
	}
	return (
		<Page title="Domains">
			{!team && <Empty>Create a team first.</Empty>}
			<Loaded data={team ? data : null} error={error}>{(x) => x && (<>
				{(x.projects.length > 1 || x.containers.length > 1 ||
				    Object.keys(only).length > 0) &&
					<Narrow x={x} only={only} onChange={setOnly} />}
				{shown.length === 0 ? Object.keys(only).length > 0 ?
					<Empty>No domains match.</Empty> :
					<Empty>No domains yet. Route a hostname to
					a container below; its certificate is ordered at once.</Empty> :
					<table class="table" aria-label="Domains">
						<thead><tr><th>Hostname</th><th>Routed to</th><th>Certificate</th><th></th></tr></thead>
						<tbody>{shown.map((d) => (
							<DomainRow key={d.id} d={d} ordering={ordering(d)} cert={fresh(d) ? null :
							    x.certs.get(d.id)} container={x.containers.find((c) =>
							    c.id === d.container_id)} reload={reload}
							    onEdit={setEditing} onDelete={setDoomed} onOrdered={answered} />))}
						</tbody>
					</table>}
				<h2>Add a domain</h2>
				{x.containers.length === 0 ? <Empty>The team has no container to
					route a domain to yet.</Empty> :
					<NewDomain containers={x.containers} onCreated={answered} />}
				<h2>Gateway</h2>
				<GatewayConfig team={team} />
			</>)}
			</Loaded>
			{editing && <DomainEdit d={editing} onSaved={answered}
			    onClose={() => setEditing(null)} />}
			{doomed && <Confirm title={`Remove ${doomed.hostname}?`} confirm="Remove"
			    onClose={() => setDoomed(null)} onConfirm={async () => {
				await del(`/api/domains/${doomed.id}`); reload(); }}>
				<p>The gateway stops answering for it, and its certificate is deleted.</p>
			</Confirm>}
		</Page>
	);
}
