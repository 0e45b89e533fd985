// environment.jsx — a project's or a container's own environment: plain
// values shown, secret values write-only (the API answers only that they
// are set).
import { useState } from 'preact/hooks';
import { get, put } from '../api.js';
import { when } from '../format.js';
import { Loaded, useLoad, Empty, Action } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Environment({ path, note }) {
	const [items, error, reload] = useLoad(() => get(path).then((r) => r.items),
	    [path]);
	const [saved, setSaved] = useState(null);
	return (
		<>
			<p class="muted">{note} Secret values are stored encrypted and never
			shown again.</p>
			<Loaded data={items} error={error}>{(list) => list.length === 0 ?
				<Empty>No variables yet.</Empty> :
				<table class="table">
					<thead><tr><th>Key</th><th>Value</th><th>Updated</th><th></th></tr></thead>
					<tbody>{list.map((v) => (
						<tr key={v.key}><td><code>{v.key}</code></td>
							<td>{v.secret ? <span class="muted">secret · set</span> :
							    <code>{v.value}</code>}</td>
							<td>{when(v.updated_at)}</td>
							<td><Action class="small" label={`Delete ${v.key}`}
							    onClick={async () => { await put(path, { [v.key]: null });
							    reload(); }}>Delete</Action></td>
						</tr>))}
					</tbody>
				</table>}
			</Loaded>
			{saved && <p role="status" class="ok">Saved {saved}.</p>}
			<h3>Set a variable</h3>
			<Form label="Set a variable" class="form inline" onSubmit={async (v, f) => {
				await put(path, { [v.key]: v.secret ? { value: v.value,
				    secret: true } : v.value });
				setSaved(v.key); f.reset(); reload();
			}}>
				<Field name="key" label="Key" required spellcheck={false}
				    autoComplete="off" />
				<Field name="value" label="Value" autoComplete="off" />
				<Field name="secret" label="Secret (write-only)" type="checkbox" />
				<Submit>Set</Submit>
			</Form>
		</>
	);
}
