// router.js — hash routes (#/projects/<id>): the gateway serves one
// index.html, and the fragment never reaches the server.
import { useExternal } from './external.js';

export function current() {
	return (location.hash.replace(/^#/, '') || '/').split('?')[0];
}

export function go(path) {
	if (current() !== path) location.hash = path;
}

export function useRoute() {
	return useExternal(current, (on) => {
		addEventListener('hashchange', on);
		return () => removeEventListener('hashchange', on);
	});
}

// Match "/projects/:id" against a path: the params, or null.
export function match(pattern, path) {
	const p = pattern.split('/'), s = path.split('/');
	if (p.length !== s.length) return null;
	const params = {};
	for (let i = 0; i < p.length; i++) {
		if (p[i].startsWith(':')) params[p[i].slice(1)] =
		    decodeURIComponent(s[i]);
		else if (p[i] !== s[i]) return null;
	}
	return params;
}
