// settings.jsx — the instance settings (instance admins).
import { useState } from 'preact/hooks';
import { get, put } from '../api.js';
import { Page, Loaded, useLoad } from '../ui/widgets.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Settings({ me }) {
	const [s, error, reload] = useLoad(() => get('/api/settings'));
	const [saved, setSaved] = useState(false);
	if (!me.is_admin) return <Page title="Settings"><p>Only instance admins
		change the settings.</p></Page>;
	return (
		<Page title="Instance settings">
			<Loaded data={s} error={error}>{(cur) => (
				<Form label="Instance settings" onSubmit={async (v) => {
					await put('/api/settings', {
						instance_name: v.instance_name,
						public_url: v.public_url.trim() || null,
						signup_open: v.signup_open,
						bind_mount_allowlist: v.bind_mount_allowlist.split('\n')
						    .map((x) => x.trim()).filter(Boolean),
						acme_directory: v.acme_directory.trim() || null,
						acme_email: v.acme_email.trim() || null,
						acme_ca_bundle: v.acme_ca_bundle.trim() || null,
					});
					setSaved(true); reload();
				}}>
					{saved && <p role="status" class="ok">Settings saved.</p>}
					<Field name="instance_name" label="Instance name"
					    value={cur.instance_name} required />
					<Field name="public_url" label="Public URL" value={cur.public_url ?? ''}
					    placeholder="https://panel.example.com" />
					<Field name="bind_mount_allowlist" as="textarea" rows={3}
					    label="Host paths containers may mount (one per line)"
					    value={cur.bind_mount_allowlist.join('\n')} />
					<Field name="signup_open" label="Anyone may sign up" type="checkbox"
					    checked={cur.signup_open} />
					<fieldset class="form">
						<legend>Certificates (ACME)</legend>
						<Field name="acme_directory" label="ACME directory URL"
						    value={cur.acme_directory ?? ''} spellcheck={false}
						    placeholder="https://acme-v02.api.letsencrypt.org/directory" />
						<Field name="acme_email" label="Account email" type="email"
						    value={cur.acme_email ?? ''} />
						<Field name="acme_ca_bundle" label="CA roots to trust the directory with (PEM, for a private CA)"
						    as="textarea" rows={3} value={cur.acme_ca_bundle ?? ''}
						    spellcheck={false} />
					</fieldset>
					<Submit>Save settings</Submit>
				</Form>)}
			</Loaded>
		</Page>
	);
}
