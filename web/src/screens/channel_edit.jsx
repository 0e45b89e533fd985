// channel_edit.jsx — a notification channel renamed or retargeted in a
// dialog: its kind stays; the address is answered only as a hint, so a
// new one is typed whole, and left blank keeps the old.
import { patch } from '../api.js';
import { Field, FormDialog } from '../ui/form.jsx';

export function ChannelEdit({ channel: c, onSaved, onClose }) {
	const email = c.kind === 'email';
	const key = email ? 'email' : 'url';
	return (
		<FormDialog title={`Edit the channel ${c.name}`} submit="Save channel"
		    onClose={onClose} onSubmit={async (v) => {
			const body = { name: v.name };
			if (v[key].trim()) body[key] = v[key].trim();
			await patch(`/api/notification-channels/${c.id}`, body);
			onSaved();
		    }}>
			<Field name="name" label="Name" value={c.name} required />
			<Field name={key} label={email ? 'New email address (blank: keep it)' :
			    'New URL (blank: keep it)'} type={email ? 'email' : 'text'}
			    spellcheck={false} hint={`Now: ${c.target_hint}`} />
		</FormDialog>
	);
}
