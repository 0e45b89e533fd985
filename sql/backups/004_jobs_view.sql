-- backups: what op-monitor reads for the job-queue metrics — every backup
-- and restore as a job: its queue, status and times (nothing else).
CREATE VIEW backups.jobs_v AS
	SELECT 'backups'::text AS queue, status, created_at, started_at,
	    finished_at
	FROM backups.backups
	UNION ALL
	SELECT 'restores', status, created_at, started_at, finished_at
	FROM backups.restores;
GRANT USAGE ON SCHEMA backups TO op_service;
GRANT SELECT ON backups.jobs_v TO op_service;
