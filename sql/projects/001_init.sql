-- projects: a team's projects, their environment, and the containers that
-- run them, as the panel defined them and as Docker last reported them.

-- This panel's identity on a Docker engine that others may share: every
-- object it creates carries io.openpanel.instance=<id>, and it touches
-- no other panel's objects.
CREATE TABLE projects.instance (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	only_one	boolean NOT NULL UNIQUE DEFAULT true CHECK (only_one)
);
INSERT INTO projects.instance DEFAULT VALUES;

CREATE TABLE projects.projects (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,		-- auth.teams_v.id
	name		text NOT NULL,
	description	text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (team_id, name)
);
CREATE INDEX projects_team ON projects.projects (team_id, created_at, id);

CREATE TABLE projects.containers (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id	uuid NOT NULL REFERENCES projects.projects ON DELETE CASCADE,
	name		text NOT NULL,		-- a DNS label: its name on the network
	image		text NOT NULL,
	spec		jsonb NOT NULL,		-- command, ports, volumes, limits, …
	docker_id	text,			-- the engine's id, once created
	state		text NOT NULL DEFAULT 'created'
			CHECK (state IN ('created', 'running', 'paused', 'restarting',
			    'exited', 'dead', 'removing', 'missing')),
	health		text,			-- starting | healthy | unhealthy
	exit_code	int,
	ports		jsonb NOT NULL DEFAULT '[]',	-- as published
	started_at	timestamptz,
	finished_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (project_id, name)
);
CREATE INDEX containers_project ON projects.containers (project_id, created_at, id);
CREATE UNIQUE INDEX containers_docker ON projects.containers (docker_id);

-- Environment variables of a project (container_id NULL) or of one of its
-- containers; a secret value is sealed (AES-256-GCM) and never returned.
CREATE TABLE projects.env (
	project_id	uuid NOT NULL REFERENCES projects.projects ON DELETE CASCADE,
	container_id	uuid REFERENCES projects.containers ON DELETE CASCADE,
	key		text NOT NULL,
	value		text NOT NULL,
	secret		boolean NOT NULL DEFAULT false,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX env_key ON projects.env (project_id,
	COALESCE(container_id, '00000000-0000-0000-0000-000000000000'), key);

-- One-click databases: a container of the project with a volume, a health
-- check and generated credentials (the password sealed).
CREATE TABLE projects.databases (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id	uuid NOT NULL REFERENCES projects.projects ON DELETE CASCADE,
	container_id	uuid NOT NULL UNIQUE
			REFERENCES projects.containers ON DELETE CASCADE,
	engine		text NOT NULL CHECK (engine IN ('postgresql', 'mysql',
			    'mariadb', 'redis', 'mongodb')),
	version		text NOT NULL,
	db_name		text NOT NULL,
	username	text NOT NULL,
	password	text NOT NULL,		-- sealed
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX databases_project ON projects.databases (project_id, created_at, id);

-- A team's credentials for private registries, used for its pulls.
CREATE TABLE projects.registries (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,
	server		text NOT NULL,		-- host[:port], or docker.io
	username	text NOT NULL,
	password	text NOT NULL,		-- sealed
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (team_id, server)
);

CREATE TABLE projects.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON projects.outbox (seq) WHERE sent_at IS NULL;

-- What projects publishes to the other services.
CREATE VIEW projects.projects_v AS
	SELECT id, team_id, name FROM projects.projects;
CREATE VIEW projects.containers_v AS
	SELECT c.id, c.project_id, p.team_id, c.name, c.docker_id, c.state,
	    c.health, c.ports
	FROM projects.containers c JOIN projects.projects p ON p.id = c.project_id;
GRANT USAGE ON SCHEMA projects TO op_service;
GRANT SELECT ON projects.projects_v, projects.containers_v TO op_service;
