-- backups: where archives go (storage targets), the backups and restores
-- themselves as jobs, and the schedules that make them.

-- A storage target of a team: an S3-compatible bucket (the secret key
-- sealed with AES-256-GCM) or a local directory inside one an instance
-- admin allowed (OP_BACKUP_LOCAL_DIRS).
CREATE TABLE backups.storage (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,		-- auth.teams_v.id
	name		text NOT NULL,
	type		text NOT NULL CHECK (type IN ('s3', 'local')),
	endpoint	text,			-- s3: http(s)://host[:port]
	region		text,
	bucket		text,
	prefix		text NOT NULL DEFAULT '',
	path_style	boolean NOT NULL DEFAULT true,
	access_key	text,
	secret_key	text,			-- sealed
	path		text,			-- local: the directory
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK ((type = 's3' AND endpoint IS NOT NULL AND bucket IS NOT NULL
	    AND region IS NOT NULL AND access_key IS NOT NULL
	    AND secret_key IS NOT NULL) OR (type = 'local' AND path IS NOT NULL)),
	UNIQUE (team_id, name)
);
CREATE INDEX storage_team ON backups.storage (team_id, created_at, id);

-- What to back up, how often, and how many generations to keep.
CREATE TABLE backups.schedules (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,
	storage_id	uuid NOT NULL REFERENCES backups.storage ON DELETE CASCADE,
	kind		text NOT NULL CHECK (kind IN ('database', 'volume', 'panel')),
	container_id	uuid,			-- projects.containers_v.id
	volume		text,
	encrypt		boolean NOT NULL DEFAULT false,
	cron		text NOT NULL,		-- five fields, checked in lib/cron.c
	timezone	text NOT NULL DEFAULT 'UTC',
	keep_last	int CHECK (keep_last BETWEEN 1 AND 10000),
	keep_daily	int CHECK (keep_daily BETWEEN 1 AND 10000),
	keep_weekly	int CHECK (keep_weekly BETWEEN 1 AND 10000),
	keep_monthly	int CHECK (keep_monthly BETWEEN 1 AND 10000),
	enabled		boolean NOT NULL DEFAULT true,
	next_run_at	timestamptz NOT NULL,
	last_run_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_team ON backups.schedules (team_id, created_at, id);
CREATE INDEX schedules_due ON backups.schedules (next_run_at) WHERE enabled;

-- A backup is a job: queued, claimed under a lease that heartbeats
-- extend, re-queued when the lease expires, retried with backoff, and
-- marked completed only by the holder of the lease once the archive is
-- stored whole and checksummed.
CREATE TABLE backups.backups (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,
	storage_id	uuid REFERENCES backups.storage ON DELETE SET NULL,
	schedule_id	uuid REFERENCES backups.schedules ON DELETE SET NULL,
	kind		text NOT NULL CHECK (kind IN ('database', 'volume', 'panel')),
	container_id	uuid,
	volume		text,
	engine		text,			-- database: postgresql, …
	encrypted	boolean NOT NULL DEFAULT false,
	status		text NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'completed', 'failed')),
	attempts	int NOT NULL DEFAULT 0,
	max_attempts	int NOT NULL DEFAULT 3,
	run_after	timestamptz NOT NULL DEFAULT now(),
	lease_token	text,			-- the claim of the worker running it
	lease_until	timestamptz,
	object_key	text,			-- where the archive is stored
	upload_id	text,			-- an S3 multipart upload under way
	size		bigint,			-- bytes stored
	checksum	text CHECK (checksum ~ '^[0-9a-f]{64}$'),	-- SHA-256
	log		text NOT NULL DEFAULT '',
	error		text,
	started_at	timestamptz,
	finished_at	timestamptz,
	duration_ms	bigint,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backups_team ON backups.backups (team_id, created_at, id);
CREATE INDEX backups_due ON backups.backups (run_after)
	WHERE status IN ('queued', 'running');
CREATE INDEX backups_schedule ON backups.backups (schedule_id, created_at);

-- A restore is a job too: it checks the archive's checksum before it
-- touches anything.
CREATE TABLE backups.restores (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	backup_id	uuid NOT NULL REFERENCES backups.backups ON DELETE CASCADE,
	team_id		uuid NOT NULL,
	container_id	uuid NOT NULL,		-- where it restores into
	status		text NOT NULL DEFAULT 'queued' CHECK (status IN
			    ('queued', 'running', 'completed', 'failed')),
	attempts	int NOT NULL DEFAULT 0,
	max_attempts	int NOT NULL DEFAULT 3,
	run_after	timestamptz NOT NULL DEFAULT now(),
	lease_token	text,
	lease_until	timestamptz,
	log		text NOT NULL DEFAULT '',
	error		text,
	started_at	timestamptz,
	finished_at	timestamptz,
	duration_ms	bigint,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX restores_backup ON backups.restores (backup_id, created_at, id);
CREATE INDEX restores_due ON backups.restores (run_after)
	WHERE status IN ('queued', 'running');

CREATE TABLE backups.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON backups.outbox (seq) WHERE sent_at IS NULL;
