// Show the gateway's health answer; a placeholder until the web UI lands.
fetch('/api/health').then((r) => r.json()).then((h) => {
	document.getElementById('health').textContent =
	    'Health: ' + h.status + ' (' + Object.entries(h.components)
	    .filter(([, v]) => typeof v === 'string')
	    .map(([k, v]) => k + ' ' + v).join(', ') + ')';
}).catch(() => {
	document.getElementById('health').textContent = 'Health: unreachable';
});
