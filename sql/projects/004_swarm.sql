-- Containers that run as Docker Swarm services (spec.mode = 'swarm'):
-- docker_id is the service's id, ports lists every running task's
-- published ports, and swarm what Swarm last said of the service
-- ({service_id, replicas, running, image, update_state, update_message}).
ALTER TABLE projects.containers ADD COLUMN swarm jsonb;
