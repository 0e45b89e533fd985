// gateway_config.jsx — the nginx configuration the panel generated for
// a team's domains, read-only, as it is on disk; loaded when opened.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { Loaded, useLoad } from '../ui/widgets.jsx';

function Config({ team }) {
	const [text, error] = useLoad(() => get('/api/proxy/config',
	    { team_id: team.id }), [team.id]);
	return (
		<Loaded data={text} error={error}>{(t) =>
			<pre class="log" tabIndex={0} aria-label="Generated nginx configuration">
				{t}</pre>}
		</Loaded>
	);
}

export function GatewayConfig({ team }) {
	const [open, setOpen] = useState(false);
	return (
		<section aria-label="Gateway configuration">
			<button type="button" aria-expanded={open ? 'true' : 'false'}
			    onClick={() => setOpen(!open)}>
				{open ? 'Hide' : 'Show'} the gateway configuration</button>
			{open && <Config team={team} />}
		</section>
	);
}
