/*
 * task_ports.c — where a Swarm service's running tasks publish their
 * ports, from what the engine says (the tasks, the nodes, the service's
 * endpoint): the container's `published` list, which the gateway's
 * upstream for it follows. Pure: no engine, no database.
 */
#include <stdlib.h>
#include <string.h>

#include "projects.h"

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
port_order(const void *a, const void *b)
{
	json_t *const	*x = a, *const *y = b;
	long long	 d;

	d = json_integer_value(json_object_get(*x, "container")) -
	    json_integer_value(json_object_get(*y, "container"));
	if (d == 0)
		d = strcmp(str(*x, "host_ip"), str(*y, "host_ip"));
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
	const char	*proto = str(p, "Protocol") ?: "tcp";
	size_t		 i;

	for (i = 0; i < n; i++)
		if (json_equal(json_object_get(entries[i], "container"),
		    json_object_get(p, "TargetPort")) &&
		    strcmp(str(entries[i], "protocol") ?: "", proto) == 0)
			return 1;
	return 0;
}

/* The address the gateway reaches node id's host-mode ports on: its
 * Status.Addr as the manager knows it, or NULL when there is none. */
static const char *
node_address(json_t *nodes, const char *id)
{
	json_t		*n;
	const char	*addr;
	size_t		 i;

	json_array_foreach(nodes, i, n)
		if (strcmp(str(n, "ID") ?: "", id) == 0) {
			addr = str(json_object_get(n, "Status"), "Addr");
			return addr != NULL && *addr != '\0' ? addr : NULL;
		}
	return NULL;
}

/* An engine port entry the upstream can use: both ports numbers. */
static int
usable(json_t *p)
{
	return json_is_integer(json_object_get(p, "TargetPort")) &&
	    json_is_integer(json_object_get(p, "PublishedPort"));
}

/* One published entry: engine port p reached at addr. */
static json_t *
port_entry(json_t *p, const char *addr)
{
	return json_pack("{s:O, s:s, s:s, s:O}", "container",
	    json_object_get(p, "TargetPort"), "protocol",
	    str(p, "Protocol") ?: "tcp", "host_ip", addr, "host",
	    json_object_get(p, "PublishedPort"));
}

static int
is_running(json_t *task)
{
	return strcmp(str(json_object_get(task, "Status"), "State") ?: "",
	    "running") == 0;
}

enum op_err
task_ports(json_t *tasks, json_t *nodes, json_t *endpoint, json_t **out,
    int *running)
{
	json_t		**list = NULL, *t, *p, *ports, *res = NULL;
	const char	 *addr;
	size_t		  i, j, n = 0, max = 0, first;
	enum op_err	  er = OP_ENOMEM;

	*out = NULL;
	*running = 0;
	/* Room for every entry the engine lists: its own count, no cap. */
	json_array_foreach(tasks, i, t)
		if (is_running(t))
			max += json_array_size(json_object_get(json_object_get(
			    json_object_get(t, "Status"), "PortStatus"),
			    "Ports"));
	max += json_array_size(json_object_get(endpoint, "Ports"));
	if ((list = calloc(max + 1, sizeof(*list))) == NULL ||
	    (res = json_array()) == NULL)
		goto out;
	json_array_foreach(tasks, i, t) {
		if (!is_running(t))
			continue;
		(*running)++;
		/*
		 * A node the manager gives no address for (gone from the
		 * list meanwhile): its task is not routed rather than sent to
		 * loopback, where the same port is this server's, not its.
		 */
		if ((addr = node_address(nodes, str(t, "NodeID") ?: "")) ==
		    NULL)
			continue;
		first = n;
		ports = json_object_get(json_object_get(json_object_get(t,
		    "Status"), "PortStatus"), "Ports");
		json_array_foreach(ports, j, p) {
			if (n >= max || !usable(p) ||
			    task_has_port(list + first, n - first, p))
				continue;
			if ((list[n] = port_entry(p, addr)) == NULL)
				goto out;
			n++;
		}
	}
	/* The ingress mesh answers on every node, this one included. */
	json_array_foreach(json_object_get(endpoint, "Ports"), j, p) {
		if (*running == 0 || n >= max || !usable(p) ||
		    strcmp(str(p, "PublishMode") ?: "", "ingress") != 0)
			continue;
		if ((list[n] = port_entry(p, "127.0.0.1")) == NULL)
			goto out;
		n++;
	}
	qsort(list, n, sizeof(list[0]), port_order);
	/* In one order and once, so that an unchanged set compares equal. */
	for (i = 0, j = 0; i < n; i++)
		if (i == 0 || port_order(&list[j], &list[i]) != 0) {
			if (json_array_append(res, list[i]) != 0)
				goto out;
			j = i;
		}
	*out = res;
	res = NULL;
	er = OP_OK;
out:
	for (i = 0; i < n; i++)
		json_decref(list[i]);
	free(list);
	json_decref(res);
	return er;
}
