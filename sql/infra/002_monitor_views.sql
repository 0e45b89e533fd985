-- infra: what op-monitor reads — each certificate's expiry, for the
-- cert_expiry alert rules, and each certificate's order as a job, for the
-- job-queue metrics. The worker records when its last order started and
-- ended.
ALTER TABLE infra.certificates
	ADD COLUMN order_started_at timestamptz,
	ADD COLUMN order_finished_at timestamptz;

CREATE VIEW infra.certificates_v AS
	SELECT c.domain_id, d.team_id, d.hostname, c.state, c.not_after
	FROM infra.certificates c
	JOIN infra.domains d ON d.id = c.domain_id;

-- An order is running under a live lease, queued once due, failed when
-- the last one failed (a retry waits), succeeded otherwise.
CREATE VIEW infra.jobs_v AS
	SELECT 'certificate_orders'::text AS queue,
	    CASE WHEN c.lease_until > now() THEN 'running'
	    WHEN c.due_at <= now() AND d.https THEN 'queued'
	    WHEN c.last_error IS NOT NULL THEN 'failed'
	    ELSE 'succeeded' END AS status,
	    COALESCE(c.due_at, c.updated_at) AS created_at,
	    c.order_started_at AS started_at,
	    c.order_finished_at AS finished_at
	FROM infra.certificates c
	JOIN infra.domains d ON d.id = c.domain_id;
GRANT SELECT ON infra.certificates_v, infra.jobs_v TO op_service;
