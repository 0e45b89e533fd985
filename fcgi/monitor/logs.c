/*
 * logs.c — GET /api/logs: the panel's own structured logs, for instance
 * admins. Every service writes one JSON object per line to stderr (log.c);
 * under `make run` and where systemd appends them to files, those files
 * are in OP_LOG_DIR. The tail of each is read and filtered by service,
 * minimum level, request id and time; the newest lines come first.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define TAIL_BYTES	(2L * 1024 * 1024)	/* of each file, read at most */
#define LINE_MAX_LEN	(64 * 1024)
#define LIMIT_DEFAULT	100

static const struct op_field log_fields[] = {
	{ "service", OP_FT_STRING, 0, 1, 64, op_valid_slug },
	{ "level", OP_FT_STRING, 0, 4, 5, NULL },
	{ "request_id", OP_FT_STRING, 0, 1, 64, op_valid_slug },
	{ "since", OP_FT_TIME, 0, 20, 40, NULL },
	{ "until", OP_FT_TIME, 0, 20, 40, NULL },
	{ "limit", OP_FT_INT, 0, 1, 1000, NULL },
};
enum { F_SERVICE, F_LEVEL, F_REQUEST_ID, F_SINCE, F_UNTIL, F_LIMIT };

static const char *const levels[] = { "debug", "info", "warn", "error" };

static int
level_rank(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(levels); i++)
		if (strcmp(s, levels[i]) == 0)
			return (int)i;
	return -1;
}

struct log_query {
	const struct op_value	*v;
	int			 min_level;
	json_t			*items;		/* matching lines */
};

static int
line_matches(const struct log_query *q, json_t *line)
{
	const char	*t = json_string_value(json_object_get(line, "time"));
	const char	*svc, *rid;
	int64_t		 when;

	svc = json_string_value(json_object_get(line, "service"));
	rid = json_string_value(json_object_get(line, "request_id"));
	if (t == NULL || svc == NULL || op_parse_time(t, &when) != OP_OK ||
	    level_rank(json_string_value(json_object_get(line, "level"))) <
	    q->min_level)
		return 0;
	if (q->v[F_SERVICE].set && strcmp(svc, q->v[F_SERVICE].s) != 0)
		return 0;
	if (q->v[F_REQUEST_ID].set && (rid == NULL ||
	    strcmp(rid, q->v[F_REQUEST_ID].s) != 0))
		return 0;
	if (q->v[F_SINCE].set && when < q->v[F_SINCE].i)
		return 0;
	return !q->v[F_UNTIL].set || when <= q->v[F_UNTIL].i;
}

/* The matching lines of the tail of one file into q->items. */
static void
file_scan(struct log_query *q, const char *path)
{
	FILE	*f;
	char	*line;
	json_t	*j;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if ((line = malloc(LINE_MAX_LEN)) == NULL)
		goto out;
	/* From the tail, past the partial line it starts in. */
	if (fseek(f, -TAIL_BYTES, SEEK_END) != 0)
		rewind(f);
	else if (fgets(line, LINE_MAX_LEN, f) == NULL)
		goto out;
	while (fgets(line, LINE_MAX_LEN, f) != NULL) {
		if (line[0] != '{' || (j = json_loads(line, 0, NULL)) == NULL)
			continue;	/* not one of ours */
		if (line_matches(q, j))
			json_array_append(q->items, j);
		json_decref(j);
	}
out:
	free(line);
	fclose(f);
}

/* Newest first; equal times in file order. */
static int
by_time_desc(const void *a, const void *b)
{
	const char	*ta = json_string_value(json_object_get(
	    *(json_t *const *)a, "time"));
	const char	*tb = json_string_value(json_object_get(
	    *(json_t *const *)b, "time"));

	return strcmp(tb ? tb : "", ta ? ta : "");
}

static json_t *
newest(json_t *items, size_t limit)
{
	json_t	**v, *out = json_array();
	size_t	  i, n = json_array_size(items);

	if (out == NULL || (v = calloc(n + 1, sizeof(*v))) == NULL)
		return out;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(items, i);
	qsort(v, n, sizeof(*v), by_time_desc);
	for (i = 0; i < n && i < limit; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

enum op_err
logs_get(struct op_req *r)
{
	struct op_value	 v[nitems(log_fields)];
	struct log_query q;
	const char	*dir = op_config_get("OP_LOG_DIR", NULL);
	struct dirent	*e;
	DIR		*d;
	size_t		 n;
	enum op_err	 er;

	if ((er = op_fields_query(r, log_fields, nitems(log_fields), v)) !=
	    OP_OK)
		return er;
	memset(&q, 0, sizeof(q));
	q.v = v;
	if (v[F_LEVEL].set && (q.min_level = level_rank(v[F_LEVEL].s)) < 0)
		return op_fail(r, OP_EINVAL, "invalid_level",
		    "level must be debug, info, warn or error", "level");
	if (dir == NULL || (d = opendir(dir)) == NULL)
		return op_fail(r, OP_EUNAVAIL, "logs_unavailable",
		    "the panel's log directory (OP_LOG_DIR) is not readable",
		    NULL);
	q.items = json_array();
	while (q.items != NULL && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (e->d_name[0] != '.' && n > 4 &&
		    strcmp(e->d_name + n - 4, ".log") == 0)
			file_scan(&q, op_req_printf(r, "%s/%s", dir, e->d_name));
	}
	closedir(d);
	if (q.items == NULL)
		return OP_ENOMEM;
	er = op_reply_json(r, 200, json_pack("{s:o, s:n}", "items",
	    newest(q.items, v[F_LIMIT].set ? (size_t)v[F_LIMIT].i :
	    LIMIT_DEFAULT), "next"));
	json_decref(q.items);
	return er;
}
