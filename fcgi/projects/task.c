/*
 * task.c — one engine container for what needs one (a terminal, a stats
 * sample) when a container runs as a Swarm service. Its tasks here are
 * the running containers of this node's engine that carry the labels
 * com.docker.swarm.service.id=<service id> and
 * com.docker.swarm.task.name=<service name>.<slot>.<task id>. Tasks on
 * other nodes belong to their node's engine and cannot be reached from
 * this one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define SERVICE_LABEL	"com.docker.swarm.service.id"
#define TASK_LABEL	"com.docker.swarm.task.name"

/* The slot in a task name "<service>.<slot>.<task id>", or 0 (a global
 * service's tasks have a node id there instead). */
static long
slot_of(const char *name)
{
	const char	*dot, *end;
	char		*stop;
	long		 slot;

	if (name == NULL || (end = strrchr(name, '.')) == NULL)
		return 0;
	for (dot = end; dot > name && dot[-1] != '.'; dot--)
		;
	if (dot == name)
		return 0;
	slot = strtol(dot, &stop, 10);
	return stop == end && slot > 0 ? slot : 0;
}

static int
by_slot(const void *a, const void *b)
{
	const struct task	*x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

enum op_err
service_local_tasks(struct op_req *r, const struct container *c,
    struct task *t, size_t max, size_t *n)
{
	json_t		*list = NULL, *e, *labels;
	const char	*id;
	size_t		 i;
	enum op_err	 er;

	*n = 0;
	if ((er = engine_call(r, "GET", op_req_printf(r,
	    "/containers/json?filters=%s", op_req_urlencode(r,
	    op_req_printf(r, "{\"label\":[\"" SERVICE_LABEL "=%s\"],"
	    "\"status\":[\"running\"]}", c->docker_id))), NULL,
	    "list tasks", 200, 200, &list)) != OP_OK)
		return er;
	json_array_foreach(list, i, e) {
		labels = json_object_get(e, "Labels");
		id = json_string_value(json_object_get(e, "Id"));
		if (*n == max || id == NULL || strlen(id) >= sizeof(t->id))
			continue;
		snprintf(t[*n].id, sizeof(t->id), "%s", id);
		t[*n].slot = slot_of(json_string_value(json_object_get(labels,
		    TASK_LABEL)));
		(*n)++;
	}
	json_decref(list);
	qsort(t, *n, sizeof(*t), by_slot);
	return OP_OK;
}

enum op_err
service_no_local_task(struct op_req *r, const char *what)
{
	return op_fail(r, OP_ECONFLICT, "no_local_task", op_req_printf(r,
	    "%s needs a running task of this Swarm service on the panel's "
	    "own node, and Swarm runs none here now", what), NULL);
}
