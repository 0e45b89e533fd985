/*
 * logs.c — a container's logs (demultiplexed, timestamped lines) and a
 * one-shot sample of its resource use. The live streams of both come
 * with op-monitor.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "projects.h"

#define LOGS_MAX	(8u * 1024 * 1024)	/* bytes answered at most */

static const struct op_field log_fields[] = {
	{ "tail", OP_FT_INT, 0, 1, 100000, NULL },
	{ "since", OP_FT_TIME, 0, 20, 40, NULL },
	{ "until", OP_FT_TIME, 0, 20, 40, NULL },
	{ "stderr", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "stdout", OP_FT_BOOL, 0, 0, 0, NULL },
};

struct log_ctx {
	struct op_docker_demux	 dm;
	struct op_buf		 out;
	struct op_buf		 line;		/* a line split across frames */
	int			 stream;	/* of that line */
	int			 bad;
};

/* The line gathered so far: "TIMESTAMP text" → "TIMESTAMP stream text",
 * ending in a newline even when the container's last line had none. */
static void
line_flush(struct log_ctx *c)
{
	const char	*sp;
	size_t		 rest;

	sp = c->line.data ? memchr(c->line.data, ' ', c->line.len) : NULL;
	if (sp != NULL) {
		rest = c->line.len - (size_t)(sp - c->line.data) - 1;
		(void)op_buf_addf(&c->out, "%.*s %s %.*s%s",
		    (int)(sp - c->line.data), c->line.data,
		    c->stream == 2 ? "stderr" : "stdout", (int)rest, sp + 1,
		    rest > 0 && sp[rest] == '\n' ? "" : "\n");
	}
	op_buf_reset(&c->line);
}

/* A payload piece: lines are gathered across frames. */
static void
on_piece(void *arg, int stream, const char *data, size_t len)
{
	struct log_ctx	*c = arg;
	const char	*nl;
	size_t		 n;

	c->stream = stream;
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) + 1 : len;
		(void)op_buf_add(&c->line, data, n);
		data += n;
		len -= n;
		if (nl == NULL)
			break;
		line_flush(c);
	}
}

static int
log_sink(void *arg, const char *data, size_t len)
{
	struct log_ctx	*c = arg;

	if (op_docker_demux(&c->dm, data, len, on_piece, c) != OP_OK) {
		c->bad = 1;
		return 1;
	}
	return c->out.len >= LOGS_MAX;	/* enough: stop reading */
}

/* GET /api/containers/:id/logs?tail=&since=&until=&stderr=&stdout= */
enum op_err
containers_logs(struct op_req *r)
{
	struct op_value		 v[nitems(log_fields)];
	struct container	 c;
	struct op_docker	*d;
	struct log_ctx		 ctx;
	char			*path;
	long			 status;
	enum op_err		 er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_READ, &c)) !=
	    OP_OK ||
	    (er = op_fields_query(r, log_fields, nitems(log_fields), v)) !=
	    OP_OK)
		return er;
	if (c.docker_id == NULL)
		return op_reply_text(r, 200, "text/plain; charset=utf-8", "", 0);
	/* A service's logs are its tasks', in the same frames. */
	path = op_req_printf(r, "/%s/%s/logs?timestamps=1"
	    "&stdout=%d&stderr=%d&tail=%lld&since=%lld&until=%lld",
	    spec_is_swarm(c.spec) ? "services" : "containers", c.docker_id,
	    v[4].set ? (int)v[4].i : 1, v[3].set ? (int)v[3].i : 1,
	    v[0].set ? v[0].i : 1000, v[1].set ? v[1].i : 0LL,
	    v[2].set ? v[2].i : 0LL);
	if ((er = engine(r, &d)) != OP_OK)
		return er;
	memset(&ctx, 0, sizeof(ctx));
	op_buf_init(&ctx.out, LOGS_MAX + 65536);
	op_buf_init(&ctx.line, 65536);
	er = op_docker_stream(d, "GET", path, NULL, NULL, 0, DOCKER_TIMEOUT,
	    log_sink, &ctx, &status);
	if (ctx.line.len > 0)
		line_flush(&ctx);	/* a last line without its newline */
	if (er == OP_OK && ctx.bad)
		op_warn("container %s: a malformed log frame cut its logs short",
		    c.id);
	if (er == OP_OK && status == 404)
		er = op_fail(r, OP_ECONFLICT, "missing", "the engine no longer "
		    "has this container", NULL);
	else if (er == OP_OK && status != 200)
		er = op_fail(r, OP_ECONFLICT, "docker_error",
		    "the engine refused to read the logs", NULL);
	else if (er == OP_EUNAVAIL || er == OP_ETIMEOUT)
		er = op_fail(r, OP_EUNAVAIL, "docker_unavailable",
		    "the Docker engine is not answering", NULL);
	if (er == OP_OK)
		er = op_reply_text(r, 200, "text/plain; charset=utf-8",
		    ctx.out.data ? ctx.out.data : "", ctx.out.len);
	op_buf_clear(&ctx.out);
	op_buf_clear(&ctx.line);
	return er;
}

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

/* GET /api/containers/:id/stats — one sample. */
enum op_err
containers_stats(struct op_req *r)
{
	struct container	 c;
	struct op_docker	*d;
	json_t			*s = NULL, *mem;
	long			 status;
	json_int_t		 usage, cache;
	enum op_err		 er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_READ, &c)) !=
	    OP_OK || (er = service_refuse(r, &c, "a stats sample")) != OP_OK)
		return er;
	if (c.docker_id == NULL)
		return op_fail(r, OP_ECONFLICT, "not_created",
		    "the container has no engine container", NULL);
	if ((er = engine(r, &d)) != OP_OK)
		return er;
	er = op_docker_call(d, "GET", op_req_printf(r,
	    "/containers/%s/stats?stream=false", c.docker_id), NULL,
	    DOCKER_TIMEOUT, &status, &s);
	if (er == OP_EUNAVAIL || er == OP_ETIMEOUT)
		return op_fail(r, OP_EUNAVAIL, "docker_unavailable",
		    "the Docker engine is not answering", NULL);
	op_req_own_json(r, s);
	if (er != OP_OK)
		return er;
	if (status != 200)
		return op_fail(r, OP_ECONFLICT, "docker_error",
		    op_docker_message(s), NULL);
	mem = json_object_get(s, "memory_stats");
	usage = json_integer_value(json_object_get(mem, "usage"));
	/* Page cache the kernel can drop is not the container's use:
	 * total_inactive_file under cgroup v1, inactive_file under v2. */
	cache = json_integer_value(json_object_get(json_object_get(mem,
	    "stats"), "total_inactive_file"));
	if (cache == 0)
		cache = json_integer_value(json_object_get(json_object_get(mem,
		    "stats"), "inactive_file"));
	return op_reply_json(r, 200, json_pack("{s:s, s:s, s:f, s:{s:I, s:I},"
	    " s:{s:I, s:I}, s:{s:I, s:I}, s:I}",
	    "container_id", c.id, "read", json_string_value(json_object_get(s,
	    "read")) ? json_string_value(json_object_get(s, "read")) : "",
	    "cpu_percent", cpu_percent(s),
	    "memory", "usage_bytes", usage - (cache < usage ? cache : 0),
	    "limit_bytes", json_integer_value(json_object_get(mem, "limit")),
	    "network", "rx_bytes", sum_member(json_object_get(s, "networks"),
	    "rx_bytes"), "tx_bytes", sum_member(json_object_get(s, "networks"),
	    "tx_bytes"),
	    "block_io", "read_bytes", blkio(s, "read"), "write_bytes",
	    blkio(s, "write"),
	    "pids", json_integer_value(json_object_get(json_object_get(s,
	    "pids_stats"), "current"))));
}
