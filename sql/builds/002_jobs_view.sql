-- builds: what op-monitor reads for the job-queue metrics — every build
-- and deployment as a job: its queue, status and times (nothing else).
CREATE VIEW builds.jobs_v AS
	SELECT 'builds'::text AS queue, status, created_at, started_at,
	    finished_at
	FROM builds.builds
	UNION ALL
	SELECT 'deployments', status, created_at, started_at, finished_at
	FROM builds.deployments;
GRANT SELECT ON builds.jobs_v TO op_service;
