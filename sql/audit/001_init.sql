-- audit: the trail. One row per event of every service, appended in one
-- chain: each row's hash covers its event, as published, and the hash of
-- the row before it, so a row changed or removed in place is detected.

CREATE TABLE audit.entries (
	seq		bigserial PRIMARY KEY,
	event_id	uuid NOT NULL UNIQUE,
	event		text NOT NULL,		-- the envelope as published
	-- Projections of event, for queries (verify checks they agree).
	time		timestamptz NOT NULL,
	action		text NOT NULL,
	team_id		uuid,
	actor_id	uuid,
	actor_ip	text,
	user_agent	text,
	subject_kind	text,
	subject_id	text,
	request_id	text,
	outcome		text NOT NULL CHECK (outcome IN ('success', 'failure')),
	prev_hash	text NOT NULL,
	hash		text NOT NULL,
	recorded_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_time ON audit.entries (time DESC, seq DESC);
CREATE INDEX entries_team ON audit.entries (team_id, seq DESC);
CREATE INDEX entries_actor ON audit.entries (actor_id, seq DESC);
CREATE INDEX entries_action ON audit.entries (action text_pattern_ops);

-- The end of the chain: appends lock this row, so they happen one at a
-- time; `anchor` is the hash the first remaining row must follow (all
-- zeros until retention prunes the oldest rows).
CREATE TABLE audit.head (
	id		int PRIMARY KEY CHECK (id = 1),
	seq		bigint NOT NULL DEFAULT 0,
	hash		text NOT NULL,
	anchor		text NOT NULL,
	anchor_seq	bigint NOT NULL DEFAULT 0
);
INSERT INTO audit.head (id, hash, anchor) VALUES (1, repeat('0', 64),
	repeat('0', 64));

CREATE TABLE audit.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON audit.outbox (seq) WHERE sent_at IS NULL;
