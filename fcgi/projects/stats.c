/*
 * stats.c — a one-shot sample of a container's resource use, from the
 * engine's stats. A Swarm container's sample sums its tasks on the
 * panel's node (as op-monitor's samples do); tasks on other nodes are
 * their engine's. The live stream comes with op-monitor.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "projects.h"

struct sample {
	const char	*read;		/* the engine's time of the reading */
	double		 cpu_percent;
	json_int_t	 usage, limit, rx, tx, rd, wr, pids;
	size_t		 tasks;		/* engine containers summed */
};

/* Sum member k over the values of object o (network counters). */
static json_int_t
sum_member(json_t *o, const char *k)
{
	const char	*key;
	json_t		*v;
	json_int_t	 s = 0;

	json_object_foreach(o, key, v)
		s += json_integer_value(json_object_get(v, k));
	return s;
}

/* Bytes read or written (op "read"/"write") from blkio stats. */
static json_int_t
blkio(json_t *stats, const char *op)
{
	json_t		*e;
	json_int_t	 s = 0;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(stats,
	    "blkio_stats"), "io_service_bytes_recursive"), i, e) {
		const char *o = json_string_value(json_object_get(e, "op"));

		if (o != NULL && strcasecmp(o, op) == 0)
			s += json_integer_value(json_object_get(e, "value"));
	}
	return s;
}

/* CPU use in percent of one CPU, from two samples the engine gives. */
static double
cpu_percent(json_t *s)
{
	json_t	*cpu = json_object_get(s, "cpu_stats");
	json_t	*pre = json_object_get(s, "precpu_stats");
	double	 d, sys, n;

	d = (double)json_integer_value(json_object_get(json_object_get(cpu,
	    "cpu_usage"), "total_usage")) - (double)json_integer_value(
	    json_object_get(json_object_get(pre, "cpu_usage"), "total_usage"));
	sys = (double)json_integer_value(json_object_get(cpu,
	    "system_cpu_usage")) - (double)json_integer_value(
	    json_object_get(pre, "system_cpu_usage"));
	n = (double)json_integer_value(json_object_get(cpu, "online_cpus"));
	if (d <= 0 || sys <= 0)
		return 0;
	return d / sys * (n > 0 ? n : 1) * 100.0;
}

/* Add the engine's stats s to the sample. Page cache the kernel can drop
 * is not the container's use: total_inactive_file under cgroup v1,
 * inactive_file under v2. */
static void
sample_add(struct sample *out, json_t *s)
{
	json_t		*mem = json_object_get(s, "memory_stats");
	json_t		*st = json_object_get(mem, "stats");
	json_int_t	 usage, cache;

	usage = json_integer_value(json_object_get(mem, "usage"));
	cache = json_integer_value(json_object_get(st, "total_inactive_file"));
	if (cache == 0)
		cache = json_integer_value(json_object_get(st, "inactive_file"));
	out->usage += usage - (cache < usage ? cache : 0);
	out->limit += json_integer_value(json_object_get(mem, "limit"));
	out->cpu_percent += cpu_percent(s);
	out->rx += sum_member(json_object_get(s, "networks"), "rx_bytes");
	out->tx += sum_member(json_object_get(s, "networks"), "tx_bytes");
	out->rd += blkio(s, "read");
	out->wr += blkio(s, "write");
	out->pids += json_integer_value(json_object_get(json_object_get(s,
	    "pids_stats"), "current"));
	out->tasks++;
}

/* Read engine container docker_id's stats into out. A container gone
 * meanwhile (404) adds nothing when gone_ok: a task Swarm replaced. */
static enum op_err
sample_read(struct op_req *r, struct op_docker *d, const char *docker_id,
    int gone_ok, struct sample *out)
{
	json_t		*s = NULL;
	long		 status;
	enum op_err	 er;

	er = op_docker_call(d, "GET", op_req_printf(r,
	    "/containers/%s/stats?stream=false", docker_id), NULL,
	    DOCKER_TIMEOUT, &status, &s);
	if (er == OP_EUNAVAIL || er == OP_ETIMEOUT)
		return op_fail(r, OP_EUNAVAIL, "docker_unavailable",
		    "the Docker engine is not answering", NULL);
	op_req_own_json(r, s);
	if (er != OP_OK)
		return er;
	if (status == 404 && gone_ok)
		return OP_OK;
	if (status != 200)
		return op_fail(r, OP_ECONFLICT, "docker_error",
		    op_docker_message(s), NULL);
	if (out->read == NULL)
		out->read = json_string_value(json_object_get(s, "read"));
	sample_add(out, s);
	return OP_OK;
}

/* The sum of c's tasks on this node; 409 no_local_task when none. */
static enum op_err
tasks_read(struct op_req *r, struct op_docker *d, const struct container *c,
    struct sample *out)
{
	struct task	 t[64];
	size_t		 i, n;
	enum op_err	 er;

	if ((er = service_local_tasks(r, c, t, nitems(t), &n)) != OP_OK)
		return er;
	for (i = 0; i < n; i++)
		if ((er = sample_read(r, d, t[i].id, 1, out)) != OP_OK)
			return er;
	return out->tasks == 0 ? service_no_local_task(r, "a stats sample") :
	    OP_OK;
}

/* GET /api/containers/:id/stats — one sample; tasks says how many
 * engine containers it sums (1 but for a Swarm container). */
enum op_err
containers_stats(struct op_req *r)
{
	struct container	 c;
	struct sample		 s;
	struct op_docker	*d;
	enum op_err		 er;

	memset(&s, 0, sizeof(s));
	if ((er = container_authorize(r, r->params[0], OP_ACT_READ, &c)) !=
	    OP_OK)
		return er;
	if (c.docker_id == NULL)
		return op_fail(r, OP_ECONFLICT, "not_created",
		    "the container has no engine container", NULL);
	if ((er = engine(r, &d)) != OP_OK)
		return er;
	er = spec_is_swarm(c.spec) ? tasks_read(r, d, &c, &s) :
	    sample_read(r, d, c.docker_id, 0, &s);
	if (er != OP_OK)
		return er;
	return op_reply_json(r, 200, json_pack("{s:s, s:s, s:f, s:{s:I, s:I},"
	    " s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:I}",
	    "container_id", c.id, "read", s.read ? s.read : "",
	    "cpu_percent", s.cpu_percent,
	    "memory", "usage_bytes", s.usage, "limit_bytes", s.limit,
	    "network", "rx_bytes", s.rx, "tx_bytes", s.tx,
	    "block_io", "read_bytes", s.rd, "write_bytes", s.wr,
	    "pids", s.pids, "tasks", (json_int_t)s.tasks));
}
