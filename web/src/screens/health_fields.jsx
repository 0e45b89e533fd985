// health_fields.jsx — a container's health check, in its create and
// definition forms: the command the engine runs in it (exec form, exit
// 0 is healthy) and how often. The fields carry the API's names
// (healthcheck.test, healthcheck.interval_s, …) so that its errors land
// beside them.
import { command, commandText, num } from '../defs.js';
import { Field } from '../ui/form.jsx';

const TIMES = [['interval_s', 'Every (seconds)', 10],
	['timeout_s', 'Time limit (seconds)', 5], ['retries', 'Failures before unhealthy', 3],
	['start_period_s', 'Grace at start (seconds)', 0]];

// The fieldset, filled with a container's health check (hc: null, none).
export function HealthFields({ hc }) {
	return (
		<fieldset class="form">
			<legend>Health check</legend>
			<Field name="healthcheck.test" label="Health check command (one argument per line; blank: none)"
			    as="textarea" rows={2} spellcheck={false} value={commandText(hc?.test)}
			    placeholder={'wget\n-qO-\nhttp://127.0.0.1:8080/health'}
			    hint="Run in the container without a shell; exit 0 is healthy. Blank: the image's own check, if any." />
			<div class="grid2">
				{TIMES.map(([k, label, dflt]) => <Field key={k} name={`healthcheck.${k}`}
				    label={label} inputMode="numeric" value={hc ? String(hc[k]) : ''}
				    placeholder={String(dflt)} />)}
			</div>
		</fieldset>
	);
}

// The health check of a form's values: null when it has no command.
export function healthBody(v) {
	const test = command(v['healthcheck.test']);
	if (!test) return null;
	const out = { test };
	for (const [k] of TIMES)
		if (v[`healthcheck.${k}`].trim() !== '') out[k] = num(v[`healthcheck.${k}`]);
	return out;
}
