// restore_dialog.jsx — a backup restored after a confirmation, into the
// container it was taken of, another of the team's (a database of the
// same engine, or a container with a volume of the same name: the API
// judges, and its refusal shows beside the choice), or, for a database,
// a new database the restore makes beside it, under a name of one's
// own or the API's.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { when } from '../format.js';
import { containerLabel } from '../team_data.js';
import { Field, FormDialog } from '../ui/form.jsx';

// b: the backup; label: what it was taken of; onRestored(the restore).
export function RestoreDialog({ backup: b, containers, label, onRestored, onClose }) {
	const [into, setInto] = useState('');	// '', a container id, or 'new'
	const others = containers.filter((c) => c.id !== b.container_id &&
	    (b.kind !== 'volume' || (c.volumes ?? []).some((v) => v.name === b.volume)));
	return (
		<FormDialog title="Restore this backup?" submit="Restore" onClose={onClose}
		    onSubmit={async (v) => {
			let body = {};
			if (into === 'new') {
				body = { target: 'new' };
				if (v.name.trim()) body.name = v.name.trim();
			} else if (into) {
				body = { container_id: into };
			}
			onRestored(await post(`/api/backups/${b.id}/restore`, body));
		    }}>
			<p>The backup of {when(b.created_at)} is written back into what is chosen
			below: what is there now is replaced. Its archive is checked whole first; a
			damaged one changes nothing.</p>
			<Field name="container_id" label="Into" as="select" value=""
			    onChange={(e) => setInto(e.currentTarget.value)}>
				<option value="">{label} (where it was taken)</option>
				{others.map((c) => <option key={c.id} value={c.id}>
					{containerLabel(c)}</option>)}
				{b.kind === 'database' && <option value="new">A new database beside it</option>}
			</Field>
			{into === 'new' && <Field name="name" label="The new database's name (blank: restored-…)"
			    spellcheck={false} />}
		</FormDialog>
	);
}
