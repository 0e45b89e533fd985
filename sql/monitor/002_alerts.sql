-- 002_alerts.sql — alert rules, notification channels, and the deliveries
-- between them. A rule's condition holds for a subject (a container, or
-- the host) for for_seconds: it fires once, and resolves once when the
-- condition clears; each is one delivery per channel, deduplicated.

CREATE TABLE monitor.channels (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,			-- auth.teams_v.id
	name		text NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('webhook', 'email',
			    'slack', 'discord')),
	target		text NOT NULL,	-- sealed: the URL, or the address
	secret		text,		-- sealed: a webhook's HMAC key
	target_hint	text NOT NULL,	-- what may be shown of the target
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (team_id, name)
);

CREATE TABLE monitor.rules (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL,
	name		text NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('container_down',
			    'container_restarting', 'health_failing',
			    'cpu_above', 'memory_above', 'disk_above',
			    'build_failed', 'backup_failed')),
	container_id	uuid,		-- NULL: every container of the team
	threshold	double precision,
	for_seconds	integer NOT NULL DEFAULT 60
			    CHECK (for_seconds BETWEEN 0 AND 86400),
	channel_ids	uuid[] NOT NULL DEFAULT '{}',
	enabled		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (team_id, name)
);

-- Where each rule stands for each subject whose condition holds.
CREATE TABLE monitor.rule_states (
	rule_id		uuid NOT NULL REFERENCES monitor.rules ON DELETE CASCADE,
	subject		text NOT NULL,
	pending_since	timestamptz NOT NULL DEFAULT now(),
	firing_since	timestamptz,
	value		double precision,
	PRIMARY KEY (rule_id, subject)
);

-- One notification to one channel; the notifier delivers, retrying.
CREATE TABLE monitor.deliveries (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	channel_id	uuid NOT NULL REFERENCES monitor.channels ON DELETE CASCADE,
	rule_id		uuid REFERENCES monitor.rules ON DELETE SET NULL,
	dedup_key	text NOT NULL UNIQUE,
	status		text NOT NULL CHECK (status IN ('firing', 'resolved',
			    'test')),
	payload		jsonb NOT NULL,
	attempts	integer NOT NULL DEFAULT 0,
	next_at		timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz,
	failed_at	timestamptz,	-- given up
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_due ON monitor.deliveries (next_at)
	WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX deliveries_channel ON monitor.deliveries (channel_id, created_at);
