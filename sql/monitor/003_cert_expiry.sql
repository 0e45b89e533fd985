-- 003_cert_expiry.sql — rules on certificates close to expiry (threshold:
-- days left, from op-infra's infra.certificates_v); each state keeps the
-- name of its subject (a container's, a hostname), which outlives it.
ALTER TABLE monitor.rules DROP CONSTRAINT rules_kind_check;
ALTER TABLE monitor.rules ADD CONSTRAINT rules_kind_check CHECK (kind IN
	('container_down', 'container_restarting', 'health_failing',
	'cpu_above', 'memory_above', 'disk_above', 'build_failed',
	'backup_failed', 'cert_expiry'));
ALTER TABLE monitor.rule_states ADD COLUMN subject_name text;
