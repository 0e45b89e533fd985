// setup.jsx — the first run: trade the setup token for the first
// account, an instance admin, then sign in.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { go } from '../router.js';
import { Form, Field, Submit } from '../ui/form.jsx';

export function Setup() {
	const [done, setDone] = useState(null);
	if (done) {
		return (
			<main class="center card narrow">
				<h1>OpenPanel is set up</h1>
				<p role="status">The account <strong>{done.email}</strong> is the
				instance admin. Sign in with it.</p>
				<p><a class="button primary" href="#/login"
				    onClick={() => go('/login')}>Sign in</a></p>
			</main>
		);
	}
	return (
		<main class="center card narrow">
			<h1>Set up OpenPanel</h1>
			<p class="muted">Create the first account, the instance admin. The setup
			token was printed when the panel first started and is kept in{' '}
			<code>$OP_DATA_DIR/setup-token</code>.</p>
			<Form label="Setup" onSubmit={async (v) => setDone(
			    await post('/api/auth/setup', v))}>
				<Field name="setup_token" label="Setup token" required
				    autoComplete="off" spellcheck={false} />
				<Field name="name" label="Your name" required autoComplete="name" />
				<Field name="email" label="Email" type="email" required
				    autoComplete="username" />
				<Field name="password" label="Password" type="password" required
				    autoComplete="new-password" hint="At least 10 characters." />
				<Submit>Create the admin account</Submit>
			</Form>
			<p><a href="#/login">Already set up? Sign in</a></p>
		</main>
	);
}
