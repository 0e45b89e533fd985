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

/* The address the gateway reaches each node's host-mode ports on. */
static json_t *
node_addresses(struct op_req *r)
{
	json_t	*nodes = NULL, *n, *out = json_object();
	size_t	 i;

	if (engine_call(r, "GET", "/nodes", NULL, "list nodes", 200, 200,
	    &nodes) != OP_OK)
		r->err.set = 0;
	json_array_foreach(nodes, i, n)
		json_object_set(out, json_string_value(json_object_get(n,
		    "ID")) ?: "", json_object_get(json_object_get(n, "Status"),
		    "Addr"));
	json_decref(nodes);
	return out;
}

static int
port_order(const void *a, const void *b)
{
	json_t *const	*x = a, *const *y = b;
	long long	 d;

	d = json_integer_value(json_object_get(*x, "container")) -
	    json_integer_value(json_object_get(*y, "container"));
	if (d == 0)
		d = strcmp(json_string_value(json_object_get(*x, "host_ip")),
		    json_string_value(json_object_get(*y, "host_ip")));
	if (d == 0)
		d = json_integer_value(json_object_get(*x, "host")) -
		    json_integer_value(json_object_get(*y, "host"));
	return d < 0 ? -1 : d > 0;
}

/*
 * Whether one task's entries so far (of n) already publish p's container
 * port and protocol: the engine may bind it on IPv4 and IPv6 under two
 * different host ports, and either reaches the task (a [::] socket takes
 * IPv4 too); one upstream per task and port is enough.
 */
static int
task_has_port(json_t *const *entries, size_t n, json_t *p)
{
	const char	*proto = json_string_value(json_object_get(p,
			    "Protocol")) ?: "tcp";
	size_t		 i;

	for (i = 0; i < n; i++)
		if (json_equal(json_object_get(entries[i], "container"),
		    json_object_get(p, "TargetPort")) &&
		    strcmp(json_string_value(json_object_get(entries[i],
		    "protocol")) ?: "", proto) == 0)
			return 1;
	return 0;
}

/* [{container, protocol, host_ip, host}] of each running task, in one
 * order and once (so that an unchanged set compares equal); *running
 * counts the tasks. The ingress ports are in the service's endpoint. */
static json_t *
task_ports(struct op_req *r, const char *service_id, json_t *endpoint,
    int *running)
{
	json_t		*tasks = NULL, *t, *p, *addrs, *out = json_array();
	json_t		*list[256];
	const char	*q, *addr;
	size_t		 i, j, n = 0, first;

	*running = 0;
	q = op_req_printf(r, "/tasks?filters=%s", op_req_urlencode(r,
	    op_req_printf(r, "{\"service\":[\"%s\"],\"desired-state\":"
	    "[\"running\"]}", service_id)));
	if (engine_call(r, "GET", q, NULL, "list tasks", 200, 200, &tasks) !=
	    OP_OK) {
		r->err.set = 0;
		return out;
	}
	addrs = node_addresses(r);
	json_array_foreach(tasks, i, t) {
		if (strcmp(json_string_value(json_object_get(json_object_get(t,
		    "Status"), "State")) ?: "", "running") != 0)
			continue;
		(*running)++;
		addr = json_string_value(json_object_get(addrs,
		    json_string_value(json_object_get(t, "NodeID")) ?: ""));
		first = n;
		json_array_foreach(json_object_get(json_object_get(
		    json_object_get(t, "Status"), "PortStatus"), "Ports"), j, p)
			if (n < nitems(list) && !task_has_port(list + first,
			    n - first, p))
				list[n++] = json_pack("{s:O, s:s, s:s, s:O}",
				    "container", json_object_get(p,
				    "TargetPort"), "protocol",
				    json_string_value(json_object_get(p,
				    "Protocol")) ?: "tcp", "host_ip", addr ?:
				    "127.0.0.1", "host", json_object_get(p,
				    "PublishedPort"));
	}
	json_array_foreach(json_object_get(endpoint, "Ports"), j, p)
		if (*running > 0 && n < nitems(list) && strcmp(
		    json_string_value(json_object_get(p, "PublishMode")) ?: "",
		    "ingress") == 0)
			list[n++] = json_pack("{s:O, s:s, s:s, s:O}",
			    "container", json_object_get(p, "TargetPort"),
			    "protocol", json_string_value(json_object_get(p,
			    "Protocol")) ?: "tcp", "host_ip", "127.0.0.1",
			    "host", json_object_get(p, "PublishedPort"));
	qsort(list, n, sizeof(list[0]), port_order);
	/* A port bound on IPv4 and IPv6 is listed twice: once is enough. */
	for (i = 0, j = 0; i < n; i++)
		if (i > 0 && port_order(&list[j], &list[i]) == 0)
			json_decref(list[i]);
		else
			json_array_append_new(out, list[j = i]);
	json_decref(addrs);
	json_decref(tasks);
	return out;
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
	v->ports = task_ports(r, c->docker_id, json_object_get(svc, "Endpoint"),
	    &running);
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
