/*
 * engine.c — the Docker streams a backup needs beyond lib's client: an
 * exec's output streamed while it runs, a container path as a tar
 * stream, and the two streams *into* the engine that libcurl cannot hand
 * over piece by piece from a push pipeline: an exec's stdin (a hijacked
 * connection) and a tar extracted into a container (a chunked PUT). Both
 * are written here by hand on a unix socket of their own.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backups.h"

#define API_VERSION	"v1.41"		/* as lib/docker.c pins it */
#define HEAD_MAX	8192		/* bytes of a response head */
#define IO_MS		(10 * 60 * 1000)	/* a stalled engine */

/* ---- output streams, through lib's client ---- */

struct out_ctx {
	struct op_docker_demux	 dm;
	bk_sink			 sink;
	void			*arg;
	struct op_buf		*errlog;
	enum op_err		 er;
};

static void
on_frame(void *p, int stream, const char *data, size_t len)
{
	struct out_ctx	*o = p;

	if (o->er != OP_OK)
		return;
	if (stream == 1)
		o->er = o->sink(o->arg, data, len);
	else if (o->errlog != NULL && o->errlog->len < o->errlog->max)
		(void)op_buf_add(o->errlog, data, len <= o->errlog->max -
		    o->errlog->len ? len : o->errlog->max - o->errlog->len);
}

static int
demux_sink(void *p, const char *data, size_t len)
{
	struct out_ctx	*o = p;

	if (o->er == OP_OK && op_docker_demux(&o->dm, data, len, on_frame,
	    o) != OP_OK)
		o->er = OP_EUNAVAIL;
	return o->er != OP_OK;
}

/* Create an exec of argv in the container; its id in id[]. */
static enum op_err
exec_create(struct op_docker *d, const char *docker_id, json_t *argv,
    int stdin_too, char id[80])
{
	json_t		*body, *reply = NULL;
	const char	*s;
	char		 path[160];
	long		 status;
	enum op_err	 er;

	body = json_pack("{s:b, s:b, s:b, s:b, s:O}", "AttachStdin",
	    stdin_too, "AttachStdout", 1, "AttachStderr", 1, "Tty", 0, "Cmd",
	    argv);
	if (body == NULL)
		return OP_ENOMEM;
	snprintf(path, sizeof(path), "/containers/%s/exec", docker_id);
	er = op_docker_call(d, "POST", path, body, 30000, &status, &reply);
	json_decref(body);
	if (er == OP_OK && (status != 201 || (s = json_string_value(
	    json_object_get(reply, "Id"))) == NULL || strlen(s) >= 80)) {
		op_warn("exec create: %ld %s", status, op_docker_message(reply));
		er = status == 404 || status == 409 ? OP_ECONFLICT :
		    OP_EUNAVAIL;
	} else if (er == OP_OK)
		snprintf(id, 80, "%s", s);
	json_decref(reply);
	return er;
}

/* The exit code of a finished exec. */
static enum op_err
exec_exit(struct op_docker *d, const char *id, int *code)
{
	json_t		*reply = NULL, *v;
	char		 path[160];
	long		 status;
	enum op_err	 er;

	snprintf(path, sizeof(path), "/exec/%s/json", id);
	if ((er = op_docker_call(d, "GET", path, NULL, 30000, &status,
	    &reply)) == OP_OK) {
		v = json_object_get(reply, "ExitCode");
		if (status != 200 || !json_is_integer(v) ||
		    json_is_true(json_object_get(reply, "Running")))
			er = OP_EUNAVAIL;
		else
			*code = (int)json_integer_value(v);
	}
	json_decref(reply);
	return er;
}

enum op_err
engine_exec_out(struct op_docker *d, const char *docker_id, json_t *argv,
    bk_sink sink, void *arg, struct op_buf *errlog, int *exit_code)
{
	static const char	 body[] = "{\"Detach\":false,\"Tty\":false}";
	struct out_ctx		 o = { .sink = sink, .arg = arg,
				       .errlog = errlog };
	char			 id[80], path[160];
	long			 status;
	enum op_err		 er;

	*exit_code = -1;
	if ((er = exec_create(d, docker_id, argv, 0, id)) != OP_OK)
		return er;
	snprintf(path, sizeof(path), "/exec/%s/start", id);
	er = op_docker_stream(d, "POST", path, "application/json", body,
	    sizeof(body) - 1, ENGINE_MS, demux_sink, &o, &status);
	if (o.er != OP_OK)
		return o.er;
	if (er == OP_OK && status != 200)
		er = OP_EUNAVAIL;
	if (er == OP_OK)
		er = exec_exit(d, id, exit_code);
	return er;
}

/* Stream sink from the engine's answer to path (a GET); a status other
 * than 200 fails after the fact, and the caller drops what it wrote. */
struct raw_ctx {
	bk_sink		 sink;
	void		*arg;
	enum op_err	 er;
};

static int
raw_sink(void *p, const char *data, size_t len)
{
	struct raw_ctx	*c = p;

	c->er = c->sink(c->arg, data, len);
	return c->er != OP_OK;
}

enum op_err
engine_archive_get(struct op_docker *d, const char *docker_id,
    const char *path_q, bk_sink sink, void *arg)
{
	struct raw_ctx	 c = { sink, arg, OP_OK };
	char		 api[1200];
	long		 status = 0;
	enum op_err	 er;

	if (snprintf(api, sizeof(api), "/containers/%s/archive?path=%s",
	    docker_id, path_q) >= (int)sizeof(api))
		return OP_EINVAL;
	er = op_docker_stream(d, "GET", api, NULL, NULL, 0, ENGINE_MS,
	    raw_sink, &c, &status);
	if (c.er != OP_OK)
		return c.er;
	/* An error answer went into the sink too: the caller drops it. */
	if (er == OP_OK && status != 200)
		er = status == 404 ? OP_ENOTFOUND : OP_EUNAVAIL;
	return er;
}

/* ---- input streams, on a connection of our own ---- */

struct engine_pipe {
	int			 fd;
	int			 chunked;	/* a PUT, else an exec */
	struct op_docker	*d;
	char			 exec_id[80];
	int			 upgraded;	/* past the answer's head */
	struct op_buf		 head;		/* the answer's head (+ body) */
	struct op_docker_demux	 dm;
	struct op_buf		 out;		/* what the exec printed */
};

static void
out_frame(void *p, int stream, const char *data, size_t len)
{
	struct engine_pipe	*e = p;
	size_t			 room = e->out.max - e->out.len;

	(void)stream;
	(void)op_buf_add(&e->out, data, len < room ? len : room);
}

/* Bytes that came from the engine: the answer's head, then for an exec
 * its multiplexed output. */
static enum op_err
take(struct engine_pipe *e, const char *data, size_t len)
{
	const char	*end;
	size_t		 n;

	if (e->upgraded)
		return op_docker_demux(&e->dm, data, len, out_frame, e) ==
		    OP_OK ? OP_OK : OP_EUNAVAIL;
	if (op_buf_add(&e->head, data, len) != OP_OK)
		return OP_EUNAVAIL;
	if (e->chunked || (end = strstr(e->head.data, "\r\n\r\n")) == NULL)
		return OP_OK;
	if (strncmp(e->head.data, "HTTP/1.1 101", 12) != 0 &&
	    strncmp(e->head.data, "HTTP/1.1 200", 12) != 0) {
		op_warn("exec start: %.200s", e->head.data);
		return OP_EUNAVAIL;
	}
	e->upgraded = 1;
	n = (size_t)(end + 4 - e->head.data);
	return take(e, e->head.data + n, e->head.len - n);
}

/* Read what the engine has sent (wait up to ms); *eof at the end. */
static enum op_err
pump(struct engine_pipe *e, int ms, int *eof)
{
	struct pollfd	pfd = { e->fd, POLLIN, 0 };
	char		buf[16384];
	ssize_t		n;

	*eof = 0;
	if (poll(&pfd, 1, ms) <= 0)
		return OP_OK;
	if ((n = read(e->fd, buf, sizeof(buf))) < 0)
		return errno == EINTR || errno == EAGAIN ? OP_OK : OP_EUNAVAIL;
	if (n == 0) {
		*eof = 1;
		return OP_OK;
	}
	return take(e, buf, (size_t)n);
}

/* Write all of data, reading whatever the engine sends meanwhile (an
 * exec that prints a lot must not block us both). */
static enum op_err
put(struct engine_pipe *e, const char *data, size_t len)
{
	struct pollfd	pfd;
	ssize_t		n;
	enum op_err	er;
	int		eof;

	while (len > 0) {
		pfd.fd = e->fd;
		pfd.events = POLLIN | POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, IO_MS) <= 0)
			return OP_ETIMEOUT;
		if ((pfd.revents & POLLIN) &&
		    (er = pump(e, 0, &eof)) != OP_OK)
			return er;
		if (pfd.revents & (POLLERR | POLLHUP))
			return OP_EUNAVAIL;
		if (!(pfd.revents & POLLOUT))
			continue;
		if ((n = send(e->fd, data, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return OP_EUNAVAIL;
		}
		data += n;
		len -= (size_t)n;
	}
	return OP_OK;
}

static enum op_err
pipe_new(int chunked, struct engine_pipe **out)
{
	struct engine_pipe	*e;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return OP_ENOMEM;
	e->chunked = chunked;
	op_buf_init(&e->head, HEAD_MAX);
	op_buf_init(&e->out, LOG_MAX);
	if ((e->fd = op_docker_dial()) < 0) {
		free(e);
		return OP_EUNAVAIL;
	}
	*out = e;
	return OP_OK;
}

static void
pipe_free(struct engine_pipe *e)
{
	if (e->fd >= 0)
		close(e->fd);
	op_buf_clear(&e->head);
	op_buf_clear(&e->out);
	free(e);
}

enum op_err
engine_exec_in(const char *docker_id, json_t *argv, struct op_docker *d,
    struct engine_pipe **out)
{
	static const char	 body[] = "{\"Detach\":false,\"Tty\":false}";
	struct engine_pipe	*e;
	char			 req[512];
	enum op_err		 er;
	int			 n, eof = 0;

	*out = NULL;
	if ((er = pipe_new(0, &e)) != OP_OK)
		return er;
	e->d = d;
	if ((er = exec_create(d, docker_id, argv, 1, e->exec_id)) != OP_OK)
		goto fail;
	n = snprintf(req, sizeof(req), "POST /" API_VERSION "/exec/%s/start"
	    " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
	    "\r\n%s", e->exec_id, sizeof(body) - 1, body);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		er = OP_EINTERNAL;
		goto fail;
	}
	if ((er = put(e, req, (size_t)n)) != OP_OK)
		goto fail;
	while (!e->upgraded && !eof)
		if ((er = pump(e, IO_MS, &eof)) != OP_OK)
			goto fail;
	if (!e->upgraded) {
		er = OP_EUNAVAIL;
		goto fail;
	}
	*out = e;
	return OP_OK;
fail:
	pipe_free(e);
	return er;
}

enum op_err
engine_archive_put(const char *docker_id, const char *path_q,
    struct engine_pipe **out)
{
	struct engine_pipe	*e;
	char			 req[1400];
	enum op_err		 er;
	int			 n;

	*out = NULL;
	if ((er = pipe_new(1, &e)) != OP_OK)
		return er;
	n = snprintf(req, sizeof(req), "PUT /" API_VERSION "/containers/%s/"
	    "archive?path=%s&noOverwriteDirNonDir=true HTTP/1.1\r\n"
	    "Host: docker\r\nContent-Type: application/x-tar\r\n"
	    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
	    docker_id, path_q);
	if (n < 0 || (size_t)n >= sizeof(req))
		er = OP_EINVAL;
	else
		er = put(e, req, (size_t)n);
	if (er != OP_OK) {
		pipe_free(e);
		return er;
	}
	*out = e;
	return OP_OK;
}

enum op_err
engine_pipe_write(void *p, const void *data, size_t len)
{
	struct engine_pipe	*e = p;
	char			 size[32];
	enum op_err		 er;

	if (len == 0)
		return OP_OK;
	if (!e->chunked)
		return put(e, data, len);
	snprintf(size, sizeof(size), "%zx\r\n", len);
	if ((er = put(e, size, strlen(size))) != OP_OK ||
	    (er = put(e, data, len)) != OP_OK)
		return er;
	return put(e, "\r\n", 2);
}

enum op_err
engine_pipe_close(struct engine_pipe *e, struct op_buf *log, int *exit_code)
{
	enum op_err	er = OP_OK;
	int		eof = 0;

	*exit_code = -1;
	if (e->chunked)
		er = put(e, "0\r\n\r\n", 5);
	else if (shutdown(e->fd, SHUT_WR) != 0)	/* EOF on its stdin */
		er = OP_EUNAVAIL;
	while (er == OP_OK && !eof)
		er = pump(e, IO_MS, &eof);
	if (er == OP_OK && e->chunked) {
		/* "HTTP/1.1 200 OK": extracted. Else the engine's message. */
		if (e->head.data != NULL &&
		    strncmp(e->head.data, "HTTP/1.1 200", 12) == 0)
			*exit_code = 0;
		else if (log != NULL && e->head.data != NULL) {
			const char *body = strstr(e->head.data, "\r\n\r\n");

			(void)op_buf_addf(log, "%.300s", body ? body + 4 :
			    e->head.data);
		}
	} else if (er == OP_OK) {
		er = exec_exit(e->d, e->exec_id, exit_code);
		if (log != NULL && e->out.len > 0)
			(void)op_buf_add(log, e->out.data, e->out.len);
	}
	pipe_free(e);
	return er;
}
