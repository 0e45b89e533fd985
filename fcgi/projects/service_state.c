/*
 * service_state.c — a swarm container's state as Swarm reports it: the
 * service (the replicas wanted, the image its spec runs, how its last
 * update went) and its running tasks (where each publishes its ports).
 * Read into the container's row under the row's lock, with the events
 * plain containers have, and:
 *   container.endpoints_changed  the running tasks' ports changed (the
 *                                gateway's upstream follows them);
 *   container.rolled_back        an update failed and Swarm rolled the
 *                                service back to its previous spec.
 */
#include <stdlib.h>
#include <string.h>

#include "projects.h"

/* The ports of service_id's running tasks (task_ports), from the
 * engine's task and node lists; *out NULL unless OP_OK. An engine that
 * does not answer fails it: the row keeps what it had, rather than
 * losing every endpoint or routing a remote task to loopback. */
static enum op_err
service_ports(struct op_req *r, const char *service_id, json_t *endpoint,
    json_t **out, int *running)
{
	json_t		*tasks = NULL, *nodes = NULL;
	const char	*q;
	enum op_err	 er;

	*out = NULL;
	*running = 0;
	q = op_req_printf(r, "/tasks?filters=%s", op_req_urlencode(r,
	    op_req_printf(r, "{\"service\":[\"%s\"],\"desired-state\":"
	    "[\"running\"]}", service_id)));
	if ((er = engine_call(r, "GET", q, NULL, "list tasks", 200, 200,
	    &tasks)) == OP_OK && (er = engine_call(r, "GET", "/nodes", NULL,
	    "list nodes", 200, 200, &nodes)) == OP_OK)
		er = task_ports(tasks, nodes, endpoint, out, running);
	json_decref(tasks);
	json_decref(nodes);
	return er;
}

/* The row's state word for a service with want replicas, running. */
static const char *
service_status(long long want, int running)
{
	if (running > 0)
		return "running";
	return want == 0 ? "exited" : "restarting";
}

/* What the service inspection says, as the row keeps it. */
struct service_view {
	const char	*status;
	const char	*image;
	const char	*update_state;	/* "" when no update ran */
	json_t		*ports;
	json_t		*swarm;
};

static enum op_err
view(struct op_req *r, const struct container *c, struct service_view *v)
{
	json_t		*svc = NULL, *spec, *us;
	long long	 want;
	int		 running;
	enum op_err	 er;

	if ((er = engine_call(r, "GET", op_req_printf(r, "/services/%s",
	    c->docker_id), NULL, "inspect service", 200, 200, &svc)) != OP_OK)
		return er;
	spec = json_object_get(svc, "Spec");
	want = json_integer_value(json_object_get(json_object_get(
	    json_object_get(spec, "Mode"), "Replicated"), "Replicas"));
	v->image = op_req_strdup(r, json_string_value(json_object_get(
	    json_object_get(json_object_get(spec, "TaskTemplate"),
	    "ContainerSpec"), "Image")) ?: "");
	us = json_object_get(svc, "UpdateStatus");
	v->update_state = op_req_strdup(r, json_string_value(json_object_get(us,
	    "State")) ?: "");
	if ((er = service_ports(r, c->docker_id, json_object_get(svc,
	    "Endpoint"), &v->ports, &running)) != OP_OK) {
		json_decref(svc);
		return er;
	}
	v->status = service_status(want, running);
	v->swarm = json_pack("{s:s, s:I, s:i, s:s, s:s?, s:s?}", "service_id",
	    c->docker_id, "replicas", want, "running", running, "image",
	    v->image, "update_state", json_string_value(json_object_get(us,
	    "State")), "update_message", json_string_value(json_object_get(us,
	    "Message")));
	json_decref(svc);
	return v->swarm != NULL ? OP_OK : OP_ENOMEM;
}

/* The swarm-only events: the image Swarm runs changed (a rollback, a
 * deployment), endpoints moved, an update rolled back. */
static enum op_err
emit_swarm(struct op_req *r, const struct container *c, const char *ports_was,
    const char *update_was, const char *image_was,
    const struct service_view *v)
{
	json_t		*was = json_loads(ports_was, 0, NULL);
	int		 moved = !json_equal(was, v->ports);
	enum op_err	 er = OP_OK;

	json_decref(was);
	if (*v->image != '\0' && strcmp(image_was, v->image) != 0)
		er = op_event_emit(r, "container.updated", c->team_id,
		    "container", c->id, json_pack("{s:s, s:s, s:s}", "image",
		    v->image, "docker_id", c->docker_id, "previous_image",
		    image_was));
	if (er == OP_OK && moved)
		er = op_event_emit(r, "container.endpoints_changed", c->team_id,
		    "container", c->id, json_pack("{s:s, s:O}", "project_id",
		    c->project_id, "ports", v->ports));
	if (er == OP_OK && strcmp(v->update_state, "rollback_completed") == 0
	    && strcmp(update_was, "rollback_completed") != 0)
		er = op_event_emit(r, "container.rolled_back", c->team_id,
		    "container", c->id, json_pack("{s:s, s:s, s:O}",
		    "project_id", c->project_id, "image", v->image, "message",
		    json_object_get(v->swarm, "update_message")));
	return er;
}

enum op_err
service_refresh_locked(struct op_req *r, struct container *c,
    const char *was, const char *ports_was, const char *update_was)
{
	struct service_view	 v;
	PGresult		*res = NULL;
	char			*pj = NULL, *sj = NULL;
	const char		*image_was;
	enum op_err		 er;

	memset(&v, 0, sizeof(v));
	if ((er = op_db_execv(r->db, &res, "SELECT image FROM"
	    " projects.containers WHERE id = $1", c->id)) != OP_OK)
		return er;
	image_was = op_req_strdup(r, PQntuples(res) == 1 ?
	    PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	er = view(r, c, &v);
	if (er == OP_ENOTFOUND) {
		r->err.set = 0;
		c->state = "missing";
		er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
		    " state = 'missing', ports = '[]', updated_at = now()"
		    " WHERE id = $1", c->id);
		return er != OP_OK ? er : state_events(r, c, was, "",
		    "missing", "");
	}
	if (er != OP_OK)
		return er;
	pj = json_dumps(v.ports, JSON_COMPACT);
	sj = json_dumps(v.swarm, JSON_COMPACT);
	if (pj == NULL || sj == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
	    " state = $2, image = COALESCE(NULLIF($3, ''), image),"
	    " ports = $4::jsonb, swarm = $5::jsonb, started_at = CASE WHEN"
	    " $2 = 'running' THEN COALESCE(started_at, now()) END,"
	    " updated_at = now() WHERE id = $1", c->id, v.status, v.image, pj,
	    sj)) != OP_OK)
		goto out;
	c->state = v.status;
	if ((er = state_events(r, c, was, "", v.status, "")) == OP_OK)
		er = emit_swarm(r, c, ports_was, update_was, image_was, &v);
out:
	free(pj);
	free(sj);
	json_decref(v.ports);
	json_decref(v.swarm);
	return er;
}
