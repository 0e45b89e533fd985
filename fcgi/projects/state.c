/*
 * state.c — a container's state as the engine reports it: read into its
 * row under the row's lock, with an event for each change that matters,
 * so the panel's own operations and the reconciler tell one story.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

enum op_err
container_lock(struct op_req *r, const char *id, int skip_locked)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if (!op_db_in_tx(r->db) && (er = op_db_begin(r->db)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, skip_locked ?
	    "SELECT 1 FROM projects.containers WHERE id = $1"
	    " FOR UPDATE SKIP LOCKED" :
	    "SELECT 1 FROM projects.containers WHERE id = $1 FOR UPDATE",
	    id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = skip_locked ? OP_ECONFLICT : op_fail(r, OP_ENOTFOUND,
		    "not_found", "no such container", NULL);
	PQclear(res);
	return er;
}

/* "2026-11-29T02:40:00.123456789Z", or NULL for Docker's zero time. */
static const char *
docker_time(json_t *v)
{
	const char	*s = json_string_value(v);

	return s == NULL || strncmp(s, "0001-", 5) == 0 ? NULL : s;
}

static const char *
str_or(const char *s, const char *def)
{
	return s != NULL ? s : def;
}

json_t *
engine_published(json_t *ports)
{
	const char	*key;
	json_t		*binds, *b, *out = json_array();
	long long	 cport;
	char		 proto[8];
	size_t		 i;

	json_object_foreach(ports, key, binds) {
		if (sscanf(key, "%lld/%7s", &cport, proto) != 2)
			continue;
		json_array_foreach(binds, i, b)
			json_array_append_new(out, json_pack("{s:I, s:s, s:s,"
			    " s:I}", "container", cport, "protocol", proto,
			    "host_ip", str_or(json_string_value(json_object_get(
			    b, "HostIp")), ""), "host", strtoll(str_or(
			    json_string_value(json_object_get(b, "HostPort")),
			    "0"), NULL, 10)));
	}
	return out;
}

enum op_err
state_events(struct op_req *r, const struct container *c, const char *was,
    const char *was_health, const char *now, const char *now_health)
{
	int		 was_live, now_down;
	enum op_err	 er = OP_OK;

	/*
	 * Started: into running. Stopped: from a live state into a stopped
	 * one, or vanished from the engine whatever it was. The moving parts
	 * in between (removing, restarting) are not news by themselves.
	 */
	was_live = strcmp(was, "running") == 0 ||
	    strcmp(was, "restarting") == 0 || strcmp(was, "paused") == 0 ||
	    strcmp(was, "removing") == 0;
	now_down = strcmp(now, "exited") == 0 || strcmp(now, "dead") == 0 ||
	    strcmp(now, "created") == 0 || strcmp(now, "missing") == 0;
	if (strcmp(now, "running") == 0 && strcmp(was, "running") != 0)
		er = op_event_emit(r, "container.started", c->team_id,
		    "container", c->id, json_pack("{s:s, s:s, s:s}",
		    "project_id", c->project_id, "from", was, "to", now));
	else if ((now_down && was_live) || (strcmp(now, "missing") == 0 &&
	    strcmp(was, "missing") != 0))
		er = op_event_emit(r, "container.stopped", c->team_id,
		    "container", c->id, json_pack("{s:s, s:s, s:s}",
		    "project_id", c->project_id, "from", was, "to", now));
	if (er == OP_OK && *now_health != '\0' &&
	    strcmp(was_health, now_health) != 0)
		er = op_event_emit(r, "container.health_changed", c->team_id,
		    "container", c->id, json_pack("{s:s, s:s, s:s}",
		    "project_id", c->project_id, "from", was_health, "to",
		    now_health));
	return er;
}

/* Inspect c and write what the engine says into the locked row. */
static enum op_err
refresh_locked(struct op_req *r, struct container *c)
{
	PGresult	*res = NULL;
	json_t		*reply = NULL, *state, *ports = NULL;
	char		*pj = NULL;
	const char	*status, *health, *was, *was_health;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT state, COALESCE(health,"
	    " ''), docker_id IS NOT DISTINCT FROM $2, spec->>'mode' IS NOT"
	    " DISTINCT FROM 'swarm', ports::text, COALESCE(swarm->>"
	    "'update_state', '') FROM projects.containers WHERE id = $1",
	    c->id, c->docker_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 2)[0] != 't')
		goto out;	/* gone, or recreated meanwhile: not ours */
	was = op_req_strdup(r, PQgetvalue(res, 0, 0));
	was_health = op_req_strdup(r, PQgetvalue(res, 0, 1));
	if (PQgetvalue(res, 0, 3)[0] == 't') {	/* a Swarm service */
		er = service_refresh_locked(r, c, was, op_req_strdup(r,
		    PQgetvalue(res, 0, 4)), op_req_strdup(r,
		    PQgetvalue(res, 0, 5)));
		goto out;
	}
	er = engine_inspect(r, c->docker_id, &reply);
	if (er == OP_ENOTFOUND) {
		r->err.set = 0;
		status = "missing";
		health = "";
		er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
		    " state = 'missing', health = NULL, updated_at = now()"
		    " WHERE id = $1", c->id);
	} else if (er == OP_OK) {
		state = json_object_get(reply, "State");
		status = str_or(json_string_value(json_object_get(state,
		    "Status")), "created");
		health = str_or(json_string_value(json_object_get(
		    json_object_get(state, "Health"), "Status")), "");
		ports = engine_published(json_object_get(json_object_get(reply,
		    "NetworkSettings"), "Ports"));
		pj = json_dumps(ports, JSON_COMPACT);
		er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
		    " state = $2, health = NULLIF($3, ''), exit_code = $4::int,"
		    " ports = $5::jsonb, started_at = $6::timestamptz,"
		    " finished_at = $7::timestamptz, updated_at = now()"
		    " WHERE id = $1", c->id, status, health,
		    op_req_printf(r, "%lld", (long long)json_integer_value(
		    json_object_get(state, "ExitCode"))), pj ? pj : "[]",
		    docker_time(json_object_get(state, "StartedAt")),
		    docker_time(json_object_get(state, "FinishedAt")));
	}
	if (er != OP_OK)
		goto out;
	c->state = op_req_strdup(r, status);
	er = state_events(r, c, was, was_health, status, health);
out:
	free(pj);
	json_decref(ports);
	json_decref(reply);
	PQclear(res);
	return er;
}

enum op_err
engine_refresh(struct op_req *r, struct container *c)
{
	enum op_err	er;

	if (c->docker_id == NULL)
		return OP_OK;
	if (op_db_in_tx(r->db))
		return refresh_locked(r, c);
	if ((er = container_lock(r, c->id, 0)) != OP_OK ||
	    (er = refresh_locked(r, c)) != OP_OK) {
		op_db_rollback(r->db);
		return er;
	}
	return op_db_commit(r->db);
}
