/*
 * logs.c — a container's logs (demultiplexed, timestamped lines). The
 * live stream comes with op-monitor.
 */
#include <stdio.h>
#include <string.h>

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
