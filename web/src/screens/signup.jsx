// signup.jsx — open sign-up, when an instance admin allows it (Settings,
// "Anyone may sign up"): an account of one's own, then signed in with
// it. The sign-in screen links here only while sign-up is open.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { loadMe } from '../session.js';
import { go } from '../router.js';
import { Form, Field, Submit } from '../ui/form.jsx';

// The sign-in screen's link, shown only while sign-up is open (asked
// each time the screen shows: an admin may have just opened it).
export function SignupLink() {
	const [open, setOpen] = useState(false);
	useEffect(() => {
		get('/api/auth/signup').then((s) => setOpen(s.open === true))
		    .catch(() => setOpen(false));
	}, []);
	if (!open) return null;
	return <p><a href="#/signup">No account? Create one</a></p>;
}

export function Signup() {
	async function create(v) {
		await post('/api/auth/signup', v);
		await post('/api/auth/login', { email: v.email, password: v.password });
		go('/');
		await loadMe();
	}
	return (
		<main class="center card narrow">
			<h1>Create an account</h1>
			<p class="muted">Your own account on this panel. To work in a team,
			create one or accept an invitation from its owner.</p>
			<Form label="Create an account" onSubmit={create}>
				<Field name="name" label="Your name" required autoComplete="name" />
				<Field name="email" label="Email" type="email" required
				    autoComplete="username" />
				<Field name="password" label="Password" type="password" required
				    autoComplete="new-password" hint="At least 10 characters." />
				<Submit>Create the account</Submit>
			</Form>
			<p><a href="#/login">Have an account? Sign in</a></p>
		</main>
	);
}
