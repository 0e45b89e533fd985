/*
 * lifecycle.c — start, stop and restart a container on the engine, each
 * answered with the container as the engine then reports it, and an event.
 */
#include <string.h>

#include "projects.h"

typedef enum op_err (*engine_op)(struct op_req *, struct container *);

/* Run op on the engine (swarm_op for a swarm container), refresh the
 * row, emit type, answer the container. */
static enum op_err
transition(struct op_req *r, engine_op op, engine_op swarm_op,
    const char *type)
{
	struct container	c;
	enum op_err		er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_OPERATE, &c)) !=
	    OP_OK)
		return er;
	if (c.docker_id == NULL)
		return op_fail(r, OP_ECONFLICT, "not_created",
		    "the container has no engine container; update it to "
		    "create one", NULL);
	/* The row is ours until the answer: the reconciler waits. */
	if ((er = container_lock(r, c.id, 0)) != OP_OK)
		return er;
	if ((er = (spec_is_swarm(c.spec) ? swarm_op : op)(r, &c)) ==
	    OP_ENOTFOUND)
		return op_fail(r, OP_ECONFLICT, "missing", "the engine no "
		    "longer has this container; update it to recreate it",
		    NULL);
	if (er != OP_OK || (er = engine_refresh(r, &c)) != OP_OK ||
	    (er = op_event_emit(r, type, c.team_id, "container", c.id,
	    json_pack("{s:s, s:s}", "project_id", c.project_id, "state",
	    c.state))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 200, container_json(r, c.id));
}

static enum op_err
restart(struct op_req *r, struct container *c)
{
	enum op_err	er;

	if ((er = engine_stop(r, c)) != OP_OK)
		return er;
	return engine_start(r, c);
}

/* POST /api/containers/:id/start */
enum op_err
containers_start(struct op_req *r)
{
	return transition(r, engine_start, service_start,
	    "container.start_requested");
}

/* POST /api/containers/:id/stop */
enum op_err
containers_stop(struct op_req *r)
{
	return transition(r, engine_stop, service_stop,
	    "container.stop_requested");
}

/* POST /api/containers/:id/restart */
enum op_err
containers_restart(struct op_req *r)
{
	return transition(r, restart, service_restart,
	    "container.restart_requested");
}
