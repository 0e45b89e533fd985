/*
 * tasks.c — what the sampler reads for each watched container: a plain
 * container is one engine container; a swarm container (its docker_id a
 * Swarm service's id) is every running task container of its service on
 * this node, which the engine labels com.docker.swarm.service.id=<id>.
 * One list call a tick finds the tasks of every swarm service at once.
 * Tasks on other nodes are not seen here: their node's engine has them.
 */
#include <stdio.h>
#include <string.h>

#include "monitor.h"

#define LIST_MS		2000
#define SERVICE_LABEL	"com.docker.swarm.service.id"
/* /containers/json?filters={"label":["com.docker.swarm.service.id"]}:
 * the running containers that carry the label, whatever its value. */
#define TASKS_PATH	"/containers/json?filters=%7B%22label%22%3A%5B%22" \
			SERVICE_LABEL "%22%5D%7D"

/* The index in w[0..n) of the swarm container of service id, or n. */
static size_t
service_find(const struct watched *w, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (w[i].swarm && strcmp(w[i].docker_id, id) == 0)
			return i;
	return n;
}

static int
any_swarm(const struct watched *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (w[i].swarm)
			return 1;
	return 0;
}

/* Append the running task containers of w's swarm containers to t[*k..max). */
static void
tasks_add(struct op_docker *d, const struct watched *w, size_t n,
    struct target *t, size_t max, size_t *k)
{
	json_t		*list = NULL, *c;
	const char	*svc, *id;
	long		 status;
	size_t		 i, j;

	if (op_docker_call(d, "GET", TASKS_PATH, NULL, LIST_MS, &status,
	    &list) != OP_OK || status != 200 || !json_is_array(list)) {
		json_decref(list);
		return;		/* sampled again next tick */
	}
	json_array_foreach(list, i, c) {
		svc = json_string_value(json_object_get(json_object_get(c,
		    "Labels"), SERVICE_LABEL));
		id = json_string_value(json_object_get(c, "Id"));
		if (svc == NULL || id == NULL || *k == max ||
		    strlen(id) >= sizeof(t->docker_id) ||
		    (j = service_find(w, n, svc)) == n)
			continue;
		t[*k].w = j;
		snprintf(t[*k].docker_id, sizeof(t->docker_id), "%s", id);
		(*k)++;
	}
	json_decref(list);
}

size_t
targets_list(struct op_docker *d, const struct watched *w, size_t n,
    struct target *t, size_t max)
{
	size_t	i, k = 0;

	for (i = 0; i < n && k < max; i++)
		if (!w[i].swarm) {
			t[k].w = i;
			snprintf(t[k].docker_id, sizeof(t->docker_id), "%s",
			    w[i].docker_id);
			k++;
		}
	if (any_swarm(w, n))
		tasks_add(d, w, n, t, max, &k);
	return k;
}
