// main.jsx — the app: who is signed in decides between the ways in
// (setup, login, sign-up) and the shell with every screen.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { whenSignedOut } from './api.js';
import { applyTheme } from './theme.js';
import { useSession, loadMe, signedOut } from './session.js';
import { useRoute, go } from './router.js';
import { Setup } from './screens/setup.jsx';
import { Login } from './screens/login.jsx';
import { Signup } from './screens/signup.jsx';
import { Shell } from './screens/shell.jsx';

function App() {
	const me = useSession((s) => s.me);
	const [failed, setFailed] = useState(null);
	const path = useRoute();
	useEffect(() => { loadMe().catch(setFailed); }, []);
	useEffect(() => whenSignedOut(signedOut), []);

	if (failed) return <main class="center"><p class="form-error" role="alert">
		The panel is unreachable: {failed.message}</p></main>;
	if (me === undefined) return <main class="center"><p class="muted">Loading…</p></main>;
	if (path === '/setup') return <Setup />;
	if (me === null && path === '/signup') return <Signup />;
	if (me === null) return <Login />;
	if (path === '/login' || path === '/signup') { go('/'); return null; }
	return <Shell me={me} path={path} />;
}

applyTheme();
render(<App />, document.getElementById('app'));
