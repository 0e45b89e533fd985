/*
 * image.c — Dockerfile builds through the engine's /build: the context
 * tar streamed to the engine (mapped, never read into memory), build
 * arguments as the API's JSON (no shell anywhere), the engine's cache,
 * and its output line by line into the build log as it comes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builds.h"

#define BUILD_LINE_MAX	(1024 * 1024)	/* one JSON message of the engine */

struct build_stream {
	struct op_req	*r;
	struct job	*job;
	struct op_buf	 json;		/* a partial JSON message */
	struct op_buf	 text;		/* a partial line of output */
	char		 image_id[80];
	char		 error[512];
	int		 stopped;	/* cancelled, or the lease lost */
};

/* The engine's text into the log, whole lines at a time. */
static void
stream_text(struct build_stream *s, const char *text)
{
	char	*nl;
	size_t	 keep;

	if (op_buf_add(&s->text, text, strlen(text)) != OP_OK) {
		op_buf_reset(&s->text);
		return;
	}
	if ((nl = strrchr(s->text.data, '\n')) == NULL)
		return;
	(void)buildlog_add(s->r, s->job->id, s->text.data,
	    (size_t)(nl - s->text.data));
	keep = s->text.len - (size_t)(nl + 1 - s->text.data);
	memmove(s->text.data, nl + 1, keep);
	s->text.len = keep;
	s->text.data[keep] = '\0';
}

/* One JSON message of the engine's build stream. */
static void
stream_message(struct build_stream *s, const char *msg, size_t len)
{
	json_t		*m = json_loadb(msg, len, 0, NULL), *aux;
	const char	*v;

	if (m == NULL)
		return;
	if ((v = json_string_value(json_object_get(m, "stream"))) != NULL)
		stream_text(s, v);
	else if ((v = json_string_value(json_object_get(m, "status"))) != NULL)
		stream_text(s, op_req_printf(s->r, "%s\n", v));
	if ((v = json_string_value(json_object_get(m, "error"))) != NULL) {
		snprintf(s->error, sizeof(s->error), "%s", v);
		stream_text(s, op_req_printf(s->r, "%s\n", v));
	}
	aux = json_object_get(m, "aux");
	if ((v = json_string_value(json_object_get(aux, "ID"))) != NULL)
		snprintf(s->image_id, sizeof(s->image_id), "%s", v);
	json_decref(m);
}

/* The engine's bytes: split into messages at newlines. */
static int
stream_sink(void *arg, const char *data, size_t len)
{
	struct build_stream	*s = arg;
	const char		*p, *nl;

	if (s->job->cancel || job_abandoned(s->job)) {
		s->stopped = 1;
		return 1;
	}
	if (op_buf_add(&s->json, data, len) != OP_OK)
		return 1;
	p = s->json.data;
	while ((nl = memchr(p, '\n', s->json.len - (size_t)(p -
	    s->json.data))) != NULL) {
		stream_message(s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	s->json.len -= (size_t)(p - s->json.data);
	memmove(s->json.data, p, s->json.len + 1);
	return 0;
}

/* The /build query: tag, Dockerfile, arguments and labels, no pull. */
static const char *
build_path(struct op_req *r, const char *build_id, const char *dockerfile,
    json_t *build_args, const char *tag)
{
	json_t		*labels;
	char		*args, *lab;
	const char	*path;

	labels = json_pack("{s:s}", "io.openpanel.build", build_id);
	args = build_args != NULL ? json_dumps(build_args, JSON_COMPACT) :
	    NULL;
	lab = json_dumps(labels, JSON_COMPACT);
	json_decref(labels);
	path = op_req_printf(r, "/build?t=%s&dockerfile=%s&buildargs=%s"
	    "&labels=%s&rm=1&forcerm=1&pull=0", op_req_urlencode(r, tag),
	    op_req_urlencode(r, dockerfile), op_req_urlencode(r, args ? args :
	    "{}"), op_req_urlencode(r, lab ? lab : "{}"));
	free(args);
	free(lab);
	return path;
}

/* Map dir/context.tar: *map and *len; the caller munmaps. */
static enum op_err
context_map(const char *dir, void **map, size_t *len)
{
	char		path[4096];
	struct stat	st;
	long long	max = op_config_int("OP_BUILD_CONTEXT_MAX_MB", 512, 1,
	    65536);
	int		fd;

	snprintf(path, sizeof(path), "%s/context.tar", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return OP_EIO;
	if (fstat(fd, &st) != 0 || st.st_size == 0) {
		close(fd);
		return OP_EIO;
	}
	if (st.st_size > max * 1024 * 1024) {
		close(fd);
		return OP_ETOOLARGE;
	}
	*len = (size_t)st.st_size;
	*map = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	return *map == MAP_FAILED ? OP_EIO : OP_OK;
}

struct op_docker *
builds_engine(void)
{
	static struct op_docker	*d;

	if (d == NULL)
		(void)op_docker_open(op_config_get("OP_DOCKER_SOCKET",
		    "/var/run/docker.sock"), &d);
	return d;
}

enum op_err
image_build(struct op_req *r, struct job *j, const char *dir,
    const char *dockerfile, json_t *build_args, const char *tag,
    char image_id[80], const char **why)
{
	struct build_stream	 s;
	void			*map;
	size_t			 len;
	long			 status;
	int			 timeout = (int)op_config_int(
	    "OP_BUILD_TIMEOUT_S", 1800, 10, 86400) * 1000;
	enum op_err		 er;

	*why = NULL;
	if (builds_engine() == NULL)
		return OP_EUNAVAIL;
	if ((er = context_map(dir, &map, &len)) != OP_OK) {
		*why = er == OP_ETOOLARGE ? "the build context is larger than "
		    "OP_BUILD_CONTEXT_MAX_MB" : "the build context is missing";
		return OP_EINVAL;
	}
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.job = j;
	op_buf_init(&s.json, BUILD_LINE_MAX);
	op_buf_init(&s.text, BUILD_LINE_MAX);
	(void)buildlog_printf(r, j->id, "building %s (%zu bytes of context)",
	    tag, len);
	er = op_docker_stream(builds_engine(), "POST", build_path(r, j->id,
	    dockerfile, build_args, tag), "application/x-tar", map, len, timeout,
	    stream_sink, &s, &status);
	munmap(map, len);
	if (s.text.len > 0)
		(void)buildlog_add(r, j->id, s.text.data, s.text.len);
	op_buf_clear(&s.json);
	op_buf_clear(&s.text);
	if (s.stopped)
		*why = j->cancel ? "cancelled" : "the worker lost its lease, or"
		    " is stopping";
	else if (er == OP_ETIMEOUT)
		*why = "the build ran past OP_BUILD_TIMEOUT_S";
	else if (er != OP_OK)
		return er;	/* the engine away: a retry may do */
	else if (status != 200)
		*why = op_req_printf(r, "the engine refused the build (HTTP "
		    "%ld)", status);
	else if (s.error[0] != '\0')
		*why = op_req_strdup(r, s.error);
	else if (s.image_id[0] == '\0')
		*why = "the engine reported no image";
	if (*why != NULL)
		return OP_EINVAL;
	snprintf(image_id, 80, "%s", s.image_id);
	return OP_OK;
}

void
image_prune(struct op_req *r, const char *project_id, int keep)
{
	PGresult	*res = NULL;
	json_t		*reply = NULL;
	char		 skip[16];
	long		 status;
	int		 i;

	snprintf(skip, sizeof(skip), "%d", keep);
	if (builds_engine() == NULL || op_db_execv(r->db, &res, "SELECT image FROM"
	    " builds.builds b WHERE project_id = $1 AND status = 'succeeded'"
	    " AND image IS NOT NULL AND image NOT IN (SELECT image FROM"
	    " builds.deployments WHERE project_id = $1 AND status IN"
	    " ('succeeded', 'running', 'queued') UNION SELECT previous_image"
	    " FROM builds.deployments WHERE project_id = $1 AND previous_image"
	    " IS NOT NULL AND status = 'succeeded')"
	    " ORDER BY finished_at DESC OFFSET $2::int", project_id, skip) !=
	    OP_OK)
		return;
	for (i = 0; i < PQntuples(res); i++) {
		if (op_docker_call(builds_engine(), "DELETE", op_req_printf(r,
		    "/images/%s", op_req_urlencode(r, PQgetvalue(res, i, 0))),
		    NULL, 30000, &status, &reply) == OP_OK && status == 200)
			op_info("removed old image %s", PQgetvalue(res, i, 0));
		json_decref(reply);
		reply = NULL;
	}
	PQclear(res);
	r->err.set = 0;
}
