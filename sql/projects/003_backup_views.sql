-- projects: what op-backups reads to back up and restore a team's data —
-- each one-click database with its engine and user (never its password),
-- and the named volumes of each container with where they are mounted.
CREATE VIEW projects.databases_v AS
	SELECT d.id, d.container_id, p.team_id, d.engine, d.db_name,
	    d.username, c.docker_id, c.state
	FROM projects.databases d
	JOIN projects.containers c ON c.id = d.container_id
	JOIN projects.projects p ON p.id = d.project_id;
CREATE VIEW projects.volumes_v AS
	SELECT c.id AS container_id, p.team_id, c.docker_id, c.state,
	    v ->> 'name' AS name, v ->> 'path' AS path,
	    'op-' || c.project_id || '-' || (v ->> 'name') AS docker_name
	FROM projects.containers c
	JOIN projects.projects p ON p.id = c.project_id,
	    jsonb_array_elements(CASE jsonb_typeof(c.spec -> 'volumes')
	    WHEN 'array' THEN c.spec -> 'volumes' ELSE '[]' END) v;
GRANT SELECT ON projects.databases_v, projects.volumes_v TO op_service;
