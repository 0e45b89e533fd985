-- auth: users, sessions, tokens, teams, members, invitations, settings.

CREATE TABLE auth.users (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email		text NOT NULL UNIQUE CHECK (email = lower(email)),
	name		text NOT NULL,
	password_hash	text NOT NULL,
	is_admin	boolean NOT NULL DEFAULT false,
	disabled	boolean NOT NULL DEFAULT false,
	totp_secret	text,			-- sealed; pending until enabled
	totp_enabled	boolean NOT NULL DEFAULT false,
	totp_last_step	bigint NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.recovery_codes (
	user_id		uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
	code_hash	text NOT NULL,
	used_at		timestamptz,
	PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE auth.sessions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
	ip		text,
	user_agent	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz
);
CREATE INDEX sessions_user ON auth.sessions (user_id);

CREATE TABLE auth.refresh_tokens (
	hash		text PRIMARY KEY,
	session_id	uuid NOT NULL REFERENCES auth.sessions ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	spent_at	timestamptz
);
CREATE INDEX refresh_tokens_session ON auth.refresh_tokens (session_id);

CREATE TABLE auth.api_tokens (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
	name		text NOT NULL,
	scope		text NOT NULL CHECK (scope IN ('read', 'write')),
	hash		text NOT NULL UNIQUE,
	prefix		text NOT NULL,
	expires_at	timestamptz,
	last_used_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user ON auth.api_tokens (user_id, created_at);

CREATE TABLE auth.teams (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.members (
	team_id		uuid NOT NULL REFERENCES auth.teams ON DELETE CASCADE,
	user_id		uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
	role		text NOT NULL
			CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX members_user ON auth.members (user_id);

CREATE TABLE auth.invitations (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	team_id		uuid NOT NULL REFERENCES auth.teams ON DELETE CASCADE,
	email		text NOT NULL,
	role		text NOT NULL
			CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
	token_hash	text NOT NULL UNIQUE,
	invited_by	uuid REFERENCES auth.users ON DELETE SET NULL,
	expires_at	timestamptz NOT NULL,
	accepted_at	timestamptz,
	accepted_by	uuid REFERENCES auth.users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invitations_team ON auth.invitations (team_id);

CREATE TABLE auth.settings (
	key		text PRIMARY KEY,
	value		jsonb NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- The one-time token that lets the first user be created.
CREATE TABLE auth.setup (
	id		int PRIMARY KEY CHECK (id = 1),
	token_hash	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.login_failures (
	id		bigserial PRIMARY KEY,
	email		text NOT NULL,
	ip		text,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON auth.login_failures (email, at);
CREATE INDEX login_failures_ip ON auth.login_failures (ip, at);

CREATE TABLE auth.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON auth.outbox (seq) WHERE sent_at IS NULL;

-- What auth publishes to the other services: who is in which team.
CREATE VIEW auth.teams_v AS SELECT id, name FROM auth.teams;
CREATE VIEW auth.team_members_v AS
	SELECT m.team_id, m.user_id, m.role FROM auth.members m;
CREATE VIEW auth.users_v AS
	SELECT id, email, name, is_admin, disabled FROM auth.users;
CREATE VIEW auth.settings_v AS SELECT key, value FROM auth.settings;
GRANT USAGE ON SCHEMA auth TO op_service;
GRANT SELECT ON auth.teams_v, auth.team_members_v, auth.users_v,
	auth.settings_v TO op_service;
