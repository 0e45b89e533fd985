// backup_subject.jsx — what a backup or a schedule backs up: a storage
// target, a kind, a container and (for a volume) which of its volumes.
import { useState } from 'preact/hooks';
import { containerLabel } from '../team_data.js';
import { Field } from '../ui/form.jsx';

// The fields, shared by a backup now and a schedule.
export function BackupSubject({ targets, containers }) {
	const [kind, setKind] = useState('volume');
	const [cid, setCid] = useState(containers[0]?.id ?? '');
	const c = containers.find((x) => x.id === cid);
	const vols = (c?.volumes ?? []).filter((v) => v.name);
	return (
		<div class="grid2">
			<Field name="storage_id" label="Storage target" as="select"
			    value={targets[0]?.id}>
				{targets.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
			</Field>
			<Field name="kind" label="What" as="select" value={kind}
			    onChange={(e) => setKind(e.currentTarget.value)}>
				<option value="volume">A volume of a container</option>
				<option value="database">A database (its dump)</option>
			</Field>
			<Field name="container_id" label="Container" as="select" value={cid}
			    onChange={(e) => setCid(e.currentTarget.value)}>
				{containers.map((x) => <option key={x.id} value={x.id}>
					{containerLabel(x)}</option>)}
			</Field>
			{kind === 'volume' && <Field key={cid} name="volume" label="Volume"
			    as="select" value={vols[0]?.name ?? ''}>
				{vols.length === 0 && <option value="">The container has no named volume</option>}
				{vols.map((v) => <option key={v.name} value={v.name}>
					{v.name} ({v.path})</option>)}
			</Field>}
		</div>
	);
}

// The body of a backup or schedule from BackupSubject's fields.
export function subjectBody(v) {
	const body = { storage_id: v.storage_id, kind: v.kind,
		container_id: v.container_id, encrypt: v.encrypt };
	if (v.kind === 'volume') body.volume = v.volume;
	return body;
}

