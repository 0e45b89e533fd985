-- A restore may go into a new database container that it makes (through
-- op-projects) beside the backed-up one: until it exists, container_id
-- is empty and new_container_name says what it will be called.
ALTER TABLE backups.restores ALTER COLUMN container_id DROP NOT NULL;
ALTER TABLE backups.restores
	ADD COLUMN new_container boolean NOT NULL DEFAULT false,
	ADD COLUMN new_container_name text,
	ADD COLUMN source_container_id uuid,	-- what the new one copies
	ADD CONSTRAINT restores_into CHECK (new_container_name IS NOT NULL
	    OR (NOT new_container AND container_id IS NOT NULL));
