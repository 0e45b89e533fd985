-- builds: a project's git source and webhook, its builds and deployments.
-- Builds and deployments are jobs: a row is queued in the same transaction
-- that creates it, claimed by a worker with FOR UPDATE SKIP LOCKED under a
-- lease the worker renews, and claimed again by anyone once the lease has
-- expired (the worker died). Only a worker holding a live lease finishes a
-- job, so nothing is marked succeeded that did not succeed.

-- A project's link to its repository, and where its builds deploy.
CREATE TABLE builds.sources (
	project_id	uuid PRIMARY KEY,	-- projects.projects_v.id
	team_id		uuid NOT NULL,
	git_url		text NOT NULL,
	git_ref		text NOT NULL DEFAULT 'main',	-- the branch pushes build
	dockerfile	text NOT NULL DEFAULT 'Dockerfile',
	context		text NOT NULL DEFAULT '.',
	build_args	jsonb NOT NULL DEFAULT '{}',
	container	text NOT NULL DEFAULT 'app',	-- the container deployed
	port		int CHECK (port BETWEEN 1 AND 65535),
	health_path	text,			-- an HTTP probe; NULL: the image's
	auto_deploy	boolean NOT NULL DEFAULT true,
	token		text,			-- sealed: HTTPS access token
	deploy_key	text,			-- sealed: SSH private key
	deploy_key_pub	text,
	hook_id		text NOT NULL UNIQUE,	-- in the webhook URLs
	hook_secret	text NOT NULL,		-- sealed
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sources_team ON builds.sources (team_id);

CREATE TABLE builds.builds (
	id		uuid PRIMARY KEY,
	project_id	uuid NOT NULL,
	team_id		uuid NOT NULL,
	git_url		text NOT NULL,
	git_ref		text NOT NULL,
	commit		text,			-- resolved by the clone
	dockerfile	text NOT NULL,
	context		text NOT NULL DEFAULT '.',
	build_args	jsonb NOT NULL DEFAULT '{}',
	deploy		boolean NOT NULL DEFAULT false,	-- deploy on success
	trigger		text NOT NULL CHECK (trigger IN ('api', 'webhook')),
	status		text NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'succeeded', 'failed',
			    'cancelled')),
	image		text,			-- tag, once built
	image_id	text,			-- the engine's sha256 id
	error		text,
	cancel		boolean NOT NULL DEFAULT false,	-- asked to stop
	attempts	int NOT NULL DEFAULT 0,
	run_after	timestamptz NOT NULL DEFAULT now(),
	lease_owner	text,
	lease_until	timestamptz,
	created_by	uuid,
	request_id	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz
);
CREATE INDEX builds_project ON builds.builds (project_id, created_at, id);
CREATE INDEX builds_team ON builds.builds (team_id, created_at, id);
CREATE INDEX builds_ready ON builds.builds (run_after)
	WHERE status IN ('queued', 'running');

-- A build's output, one row a line, in order.
CREATE TABLE builds.build_logs (
	build_id	uuid NOT NULL REFERENCES builds.builds ON DELETE CASCADE,
	seq		bigserial,
	line		text NOT NULL,
	PRIMARY KEY (build_id, seq)
);

CREATE TABLE builds.deployments (
	id		uuid PRIMARY KEY,
	project_id	uuid NOT NULL,
	team_id		uuid NOT NULL,
	build_id	uuid REFERENCES builds.builds ON DELETE SET NULL,
	kind		text NOT NULL DEFAULT 'deploy'
			    CHECK (kind IN ('deploy', 'rollback')),
	rollback_of	uuid REFERENCES builds.deployments ON DELETE SET NULL,
	image		text NOT NULL,
	container	text NOT NULL,		-- its name in the project
	port		int,
	health_path	text,
	container_id	uuid,			-- projects.containers_v.id
	previous_image	text,			-- what it replaced
	hostname	text,			-- the generated site
	status		text NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'succeeded', 'failed',
			    'cancelled', 'rolled_back')),
	error		text,
	attempts	int NOT NULL DEFAULT 0,
	run_after	timestamptz NOT NULL DEFAULT now(),
	lease_owner	text,
	lease_until	timestamptz,
	created_by	uuid,
	request_id	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz
);
CREATE INDEX deployments_project ON builds.deployments (project_id, created_at, id);
CREATE INDEX deployments_team ON builds.deployments (team_id, created_at, id);
CREATE INDEX deployments_ready ON builds.deployments (run_after)
	WHERE status IN ('queued', 'running');

-- Webhook deliveries seen, so a redelivery is not built twice.
CREATE TABLE builds.deliveries (
	hook_id		text NOT NULL,
	delivery	text NOT NULL,
	build_id	uuid,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (hook_id, delivery)
);

CREATE TABLE builds.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON builds.outbox (seq) WHERE sent_at IS NULL;

-- What builds publishes: whose build is whose (live channels).
CREATE VIEW builds.builds_v AS SELECT id, team_id, project_id FROM builds.builds;
GRANT USAGE ON SCHEMA builds TO op_service;
GRANT SELECT ON builds.builds_v TO op_service;
