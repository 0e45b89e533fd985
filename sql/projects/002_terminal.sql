-- projects: one-time tickets for the web terminal. POST
-- /api/containers/:id/terminal mints one; op-terminal consumes it (once,
-- within a minute) before it attaches the WebSocket to a Docker exec
-- session. Only the ticket's SHA-256 is kept: the row cannot be replayed.
CREATE TABLE projects.terminal_tickets (
	hash		text PRIMARY KEY		-- sha256 hex of the ticket
			CHECK (hash ~ '^[0-9a-f]{64}$'),
	container_id	uuid NOT NULL
			REFERENCES projects.containers ON DELETE CASCADE,
	user_id		uuid NOT NULL,			-- auth.users_v.id
	team_id		uuid NOT NULL,			-- auth.teams_v.id
	command		jsonb NOT NULL			-- the argv to exec
			CHECK (jsonb_typeof(command) = 'array'),
	cols		int NOT NULL DEFAULT 80 CHECK (cols BETWEEN 1 AND 1000),
	rows		int NOT NULL DEFAULT 24 CHECK (rows BETWEEN 1 AND 1000),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL DEFAULT now() + interval '60 seconds',
	used_at		timestamptz
);
-- Minting sweeps the long-expired ones away.
CREATE INDEX terminal_tickets_expiry ON projects.terminal_tickets (expires_at);
CREATE INDEX terminal_tickets_container ON projects.terminal_tickets (container_id);
