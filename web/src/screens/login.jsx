// login.jsx — sign in: email and password, then the second factor when
// the account has one (the API answers 401 totp_required). The password
// stays in this component's memory only until the code is sent.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { loadMe } from '../session.js';
import { go } from '../router.js';
import { Form, Field, Submit } from '../ui/form.jsx';
import { SignupLink } from './signup.jsx';

export function Login() {
	const [pending, setPending] = useState(null);	// {email, password}

	async function signIn(body) {
		try {
			await post('/api/auth/login', body);
		} catch (e) {
			if (e.code === 'totp_required') {
				setPending({ email: body.email, password: body.password });
				return;
			}
			throw e;
		}
		go('/');
		await loadMe();
	}

	if (pending) {
		return (
			<main class="center card narrow">
				<h1>Two-factor authentication</h1>
				<p class="muted">Enter the 6-digit code from your authenticator app,
				or one of your recovery codes.</p>
				<Form label="Second factor" onSubmit={(v) => signIn({ ...pending,
				    totp_code: v.totp_code.trim() })}>
					<Field name="totp_code" label="Code" required autoFocus
					    autoComplete="one-time-code" inputMode="text"
					    spellcheck={false} />
					<Submit>Verify</Submit>
				</Form>
				<p><button type="button" class="link"
				    onClick={() => setPending(null)}>Back</button></p>
			</main>
		);
	}
	return (
		<main class="center card narrow">
			<h1>Sign in to OpenPanel</h1>
			<Form label="Sign in" onSubmit={signIn}>
				<Field name="email" label="Email" type="email" required autoFocus
				    autoComplete="username" />
				<Field name="password" label="Password" type="password" required
				    autoComplete="current-password" />
				<Submit>Sign in</Submit>
			</Form>
			<SignupLink />
			<p><a href="#/setup">First run? Set up the panel</a></p>
		</main>
	);
}
