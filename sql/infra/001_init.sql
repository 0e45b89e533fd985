-- infra: domains routed by the gateway to a container port, and their
-- certificates, obtained and renewed from an ACME CA by the worker.

CREATE TABLE infra.domains (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,		-- auth.teams_v.id
	project_id	uuid NOT NULL,		-- projects.projects_v.id
	container_id	uuid NOT NULL,		-- projects.containers_v.id
	port		int NOT NULL CHECK (port BETWEEN 1 AND 65535),
	hostname	text NOT NULL UNIQUE,	-- ASCII (punycode), lower case
	path_prefix	text NOT NULL DEFAULT '/' CHECK (path_prefix ~ '^/'),
	https		boolean NOT NULL DEFAULT true,	-- obtain a certificate
	redirect_https	boolean NOT NULL DEFAULT false,
	redirect_www	boolean NOT NULL DEFAULT false,	-- www.<hostname> -> hostname
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_team ON infra.domains (team_id, created_at, id);
CREATE INDEX domains_container ON infra.domains (container_id);
CREATE INDEX domains_project ON infra.domains (project_id);

-- A domain's certificate and the order that obtains or renews it. The
-- order is a job: due when due_at has passed, claimed with FOR UPDATE
-- SKIP LOCKED under a lease (lease_until) that a dead worker lets expire;
-- a failure backs off (attempts) before the next try.
CREATE TABLE infra.certificates (
	domain_id	uuid PRIMARY KEY REFERENCES infra.domains ON DELETE CASCADE,
	state		text NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'valid', 'failed')),
	names		text[] NOT NULL DEFAULT '{}',
	issuer		text,
	serial		text,
	not_before	timestamptz,
	not_after	timestamptz,
	cert_pem	text,			-- the chain, leaf first
	key_sealed	text,			-- the private key, sealed
	due_at		timestamptz,		-- the next order; NULL: none
	attempts	int NOT NULL DEFAULT 0,
	lease_owner	text,
	lease_until	timestamptz,
	last_error	text,
	issued_at	timestamptz,
	renewals	int NOT NULL DEFAULT 0,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_due ON infra.certificates (due_at)
	WHERE due_at IS NOT NULL;
CREATE INDEX certificates_expiry ON infra.certificates (not_after)
	WHERE state = 'valid';

-- The ACME account of each (directory, email): its key sealed, and the
-- files the client keeps beside it, so an account is registered once.
CREATE TABLE infra.acme_accounts (
	directory	text NOT NULL,
	email		text NOT NULL,
	key_rel		text NOT NULL,		-- where the client keeps the key
	key_sealed	text NOT NULL,
	account_rel	text NOT NULL,
	account_json	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (directory, email)
);

CREATE TABLE infra.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON infra.outbox (seq) WHERE sent_at IS NULL;

-- What infra publishes to the other services.
CREATE VIEW infra.domains_v AS
	SELECT id, team_id, project_id, container_id, port, hostname
	FROM infra.domains;
GRANT USAGE ON SCHEMA infra TO op_service;
GRANT SELECT ON infra.domains_v TO op_service;
