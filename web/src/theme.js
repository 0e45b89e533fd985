// theme.js — light or dark: the system's choice until the user picks one
// (a display preference, the only thing the UI keeps in localStorage).
const KEY = 'op_theme';

export function theme() {
	const t = localStorage.getItem(KEY);
	if (t === 'light' || t === 'dark') return t;
	return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' :
	    'light';
}

export function applyTheme(t = theme()) {
	document.documentElement.dataset.theme = t;
}

export function toggleTheme() {
	const t = theme() === 'dark' ? 'light' : 'dark';
	localStorage.setItem(KEY, t);
	applyTheme(t);
	return t;
}
