// security.jsx — the caller's own account: two-factor enrolment (secret
// as a QR code drawn locally, confirmed by a first code, recovery codes
// shown once), turning it off, and the password.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { loadMe } from '../session.js';
import { Page } from '../ui/widgets.jsx';
import { QR } from '../ui/qr.jsx';
import { Form, Field, Submit } from '../ui/form.jsx';

function Enrol({ done }) {
	const [pending, setPending] = useState(null);
	const [codes, setCodes] = useState(null);
	if (codes) {
		return (
			<div class="reveal" role="status">
				<p><strong>Two-factor authentication is on.</strong> Keep these
				recovery codes somewhere safe: each signs you in once if you lose
				your authenticator. They are shown only now.</p>
				<ul class="codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
				<button type="button" class="primary" onClick={done}>Done</button>
			</div>
		);
	}
	if (!pending) {
		return (
			<Form label="Start two-factor" onSubmit={async () =>
			    setPending(await post('/api/auth/totp/setup'))}>
				<p>Two-factor authentication is off. Turn it on to ask for a code
				from an authenticator app at every sign-in.</p>
				<Submit>Set up two-factor authentication</Submit>
			</Form>
		);
	}
	return (
		<div class="enrol">
			<QR text={pending.otpauth_uri} label="QR code for your authenticator app" />
			<div>
				<p>Scan this code with your authenticator app, or enter the key by
				hand:</p>
				<p><code class="secret" data-testid="totp-secret">{pending.secret}</code></p>
				<Form label="Confirm two-factor" onSubmit={async (v) => {
					const r = await post('/api/auth/totp/enable',
					    { code: v.code.trim() });
					setCodes(r.recovery_codes);
				}}>
					<Field name="code" label="Code from the app" required
					    inputMode="numeric" autoComplete="one-time-code" />
					<Submit>Turn on</Submit>
				</Form>
			</div>
		</div>
	);
}

function Disable({ done }) {
	return (
		<Form label="Turn off two-factor" onSubmit={async (v) => {
			await post('/api/auth/totp/disable', { password: v.password,
			    code: v.code.trim() });
			await done();
		}}>
			<p>Two-factor authentication is <strong>on</strong>.</p>
			<Field name="password" label="Password" type="password" required
			    autoComplete="current-password" />
			<Field name="code" label="Code or recovery code" required
			    autoComplete="one-time-code" />
			<Submit class="danger">Turn off two-factor</Submit>
		</Form>
	);
}

export function Security({ me }) {
	const [changed, setChanged] = useState(false);
	return (
		<Page title="Security">
			<h2>Two-factor authentication</h2>
			{me.totp_enabled ? <Disable done={loadMe} /> : <Enrol done={loadMe} />}
			<h2>Password</h2>
			{changed && <p role="status" class="ok">Password changed. Your other
				sessions have been signed out.</p>}
			<Form label="Change password" onSubmit={async (v, f) => {
				await post('/api/auth/password', v);
				f.reset(); setChanged(true);
			}}>
				<Field name="current_password" label="Current password"
				    type="password" required autoComplete="current-password" />
				<Field name="new_password" label="New password" type="password"
				    required autoComplete="new-password" hint="At least 10 characters." />
				<Submit>Change password</Submit>
			</Form>
		</Page>
	);
}
