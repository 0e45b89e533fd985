-- bootstrap.sql — run once by a superuser before any migration: one login
-- role and one schema per service, and the group role through which a
-- schema publishes its views to the other services.
DO $$
DECLARE
	svc text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'op_service') THEN
		CREATE ROLE op_service NOLOGIN;
	END IF;
	FOREACH svc IN ARRAY ARRAY['auth', 'projects', 'builds', 'infra',
	    'monitor', 'backups', 'audit'] LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_roles
		    WHERE rolname = 'op_' || svc) THEN
			EXECUTE format('CREATE ROLE %I LOGIN IN ROLE op_service',
			    'op_' || svc);
		END IF;
		EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I',
		    svc, 'op_' || svc);
	END LOOP;
END
$$;
-- The panel's own backup (op-backups) dumps every service's schema.
GRANT pg_read_all_data TO op_backups;
