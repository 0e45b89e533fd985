-- containers_v says how each container runs (spec.mode): 'container', or
-- 'swarm' when docker_id is a Swarm service's id, not a container's.
-- op-monitor samples a swarm container's tasks and follows its service's
-- logs. The column is appended: the view's other columns stay as they were.
CREATE OR REPLACE VIEW projects.containers_v AS
	SELECT c.id, c.project_id, p.team_id, c.name, c.docker_id, c.state,
	    c.health, c.ports, COALESCE(c.spec->>'mode', 'container') AS mode
	FROM projects.containers c JOIN projects.projects p ON p.id = c.project_id;
