-- projects: a terminal on a Swarm container opens on one of its service's
-- task containers on the panel's node, chosen when the ticket is minted
-- (the container's own docker_id is the service's id, which exec cannot
-- use). NULL for a plain container: op-terminal uses its docker_id.
ALTER TABLE projects.terminal_tickets
	ADD COLUMN docker_id text CHECK (docker_id ~ '^[0-9a-f]{64}$');
