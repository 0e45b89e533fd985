/*
 * cmd_containers.c — `opctl containers list|show|start|stop|restart|logs`:
 * a project's containers and their lifecycle; logs as the API keeps them
 * (GET /api/containers/{id}/logs) and, with --follow, live from the
 * gateway's stream /api/live/logs/{id} (docs/live.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	containers_list, containers_show, containers_act,
    containers_logs;

const struct opctl_cmd opctl_container_cmds[] = {
	{ "containers", "list", containers_list, "containers list"
	    " [--project PROJECT]", "your teams' containers" },
	{ "containers", "show", containers_show, "containers show CONTAINER",
	    "one container" },
	{ "containers", "start", containers_act, "containers start CONTAINER",
	    "start it" },
	{ "containers", "stop", containers_act, "containers stop CONTAINER",
	    "stop it" },
	{ "containers", "restart", containers_act, "containers restart"
	    " CONTAINER", "restart it" },
	{ "containers", "logs", containers_logs, "containers logs CONTAINER"
	    " [--tail N] [--since TIME] [--follow]", "its log lines, or live" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col container_cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "NAME", "name", OPCTL_FMT_TEXT },
	{ "STATE", "state", OPCTL_FMT_TEXT },
	{ "HEALTH", "health", OPCTL_FMT_TEXT },
	{ "IMAGE", "image", OPCTL_FMT_TEXT },
	{ "PROJECT", "project_id", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static const struct opctl_col container_record[] = {
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Name", "name", OPCTL_FMT_TEXT },
	{ "Project", "project_id", OPCTL_FMT_TEXT },
	{ "Image", "image", OPCTL_FMT_TEXT },
	{ "State", "state", OPCTL_FMT_TEXT },
	{ "Health", "health", OPCTL_FMT_TEXT },
	{ "Exit code", "exit_code", OPCTL_FMT_TEXT },
	{ "Ports", "published", OPCTL_FMT_TEXT },
	{ "Command", "command", OPCTL_FMT_TEXT },
	{ "CPUs", "cpus", OPCTL_FMT_TEXT },
	{ "Memory (MiB)", "memory_mb", OPCTL_FMT_TEXT },
	{ "Restart", "restart", OPCTL_FMT_TEXT },
	{ "Engine id", "docker_id", OPCTL_FMT_SHORT },
	{ "Started", "started_at", OPCTL_FMT_TIME },
	{ "Finished", "finished_at", OPCTL_FMT_TIME },
	{ "Created", "created_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

static enum opctl_exit
containers_list(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*project = NULL, pid[OPCTL_ID_LEN + 1], *path;
	json_t			*list = NULL;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "project", OPCTL_OPT_VALUE, &project },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if (project != NULL &&
	    (rc = opctl_resolve(o, "project", project, pid)) != OPCTL_OK)
		return rc;
	if ((path = opctl_query(strdup("/api/containers"), "project_id",
	    project ? pid : NULL)) == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_list_all(o, path, &list)) == OPCTL_OK)
		rc = opctl_show_list(o, list, container_cols);
	json_decref(list);
	free(path);
	return rc;
}

static enum opctl_exit
containers_show(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			 id[OPCTL_ID_LEN + 1], path[96];
	json_t			*c = NULL;
	enum opctl_exit		 rc;

	OPCTL_ARGS(NULL, 1, 1);
	if ((rc = opctl_resolve(o, "container", a.pos[0], id)) != OPCTL_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/containers/%s", id);
	if ((rc = opctl_call_json(o, "GET", path, NULL, &c)) == OPCTL_OK)
		rc = opctl_show_one(o, c, container_record);
	json_decref(c);
	return rc;
}

/* start, stop, restart: POST /api/containers/{id}/<verb>. */
static enum opctl_exit
containers_act(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	const char		*verb = cmd->verb;
	char			 id[OPCTL_ID_LEN + 1], path[128];
	json_t			*c = NULL;
	enum opctl_exit		 rc;

	OPCTL_ARGS(NULL, 1, 1);
	if ((rc = opctl_resolve(o, "container", a.pos[0], id)) != OPCTL_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/containers/%s/%s", id, verb);
	if ((rc = opctl_call_json(o, "POST", path, NULL, &c)) == OPCTL_OK) {
		if (o->json)
			opctl_json(stdout, c);
		else
			printf("%s: %s\n", opctl_str(c, "name", id),
			    opctl_str(c, "state", "?"));
	}
	json_decref(c);
	return rc;
}

/* Docker's RFC 3339 time with up to 9 digits of fraction: a < b ? -1 :
 * a > b. Texts that are not such times compare as text. */
static int
time_cmp(const char *a, const char *b)
{
	char		 fa[10] = "000000000", fb[10] = "000000000";
	const char	*p;
	size_t		 i;
	int		 c;

	if (strlen(a) < 19 || strlen(b) < 19 || (c = strncmp(a, b, 19)) != 0)
		return strcmp(a, b);
	for (p = a + 19, i = 0; *p == '.' && p[i + 1] >= '0' &&
	    p[i + 1] <= '9' && i < 9; i++)
		fa[i] = p[i + 1];
	for (p = b + 19, i = 0; *p == '.' && p[i + 1] >= '0' &&
	    p[i + 1] <= '9' && i < 9; i++)
		fb[i] = p[i + 1];
	return strcmp(fa, fb);
}

/* What a live log line needs: the time of the last line shown already. */
struct log_follow {
	struct opctl	*o;
	char		 last[64];
};

/* One message of /api/live/logs/{id}: {"time", "stream", "line"}. */
static void
on_log_message(const char *data, size_t len, void *arg)
{
	struct log_follow	*f = arg;
	json_t			*m = json_loadb(data, len, 0, NULL);
	const char		*t = opctl_str(m, "time", NULL);
	const char		*s = opctl_str(m, "stream", "-");
	const char		*l = opctl_str(m, "line", NULL);
	char			*text;

	if (t != NULL && l != NULL && (f->last[0] == '\0' ||
	    time_cmp(t, f->last) > 0)) {
		if (f->o->json) {
			json_dumpf(m, stdout, JSON_COMPACT);
			putchar('\n');
		} else if ((text = opctl_strf("%s %s %s", t, s, l)) != NULL) {
			opctl_line(stdout, text);
			free(text);
		}
		fflush(stdout);
		snprintf(f->last, sizeof(f->last), "%s", t);
	}
	json_decref(m);
}

/* The lines kept (text, one per line), printed; the last one's time into
 * last. */
static void
print_kept(const char *text, char *last, size_t lastlen)
{
	const char	*p = text, *nl, *sp;
	char		*line;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		line = nl ? strndup(p, (size_t)(nl - p)) : strdup(p);
		if (line != NULL && line[0] != '\0') {
			opctl_line(stdout, line);
			if ((sp = strchr(line, ' ')) != NULL)
				snprintf(last, lastlen, "%.*s", (int)(sp - line),
				    line);
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	fflush(stdout);
}

static enum opctl_exit
containers_logs(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	struct opctl_resp	 r = { 0 };
	struct opctl_stream	 st;
	struct log_follow	 f = { o, "" };
	char			*tail = NULL, *since = NULL, *path = NULL;
	char			 id[OPCTL_ID_LEN + 1], live[96];
	long long		 n;
	int			 follow = 0;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "tail", OPCTL_OPT_VALUE, &tail },
		{ "since", OPCTL_OPT_VALUE, &since },
		{ "follow", OPCTL_OPT_FLAG, &follow },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if (tail != NULL && opctl_args_number(tail, 1, 100000, &n) != 0)
		return opctl_fail(OPCTL_EUSAGE, "--tail: a number of lines,"
		    " 1 to 100000");
	if ((rc = opctl_resolve(o, "container", a.pos[0], id)) != OPCTL_OK)
		return rc;
	path = opctl_query(opctl_query(opctl_strf("/api/containers/%s/logs",
	    id), "tail", tail), "since", since);
	if (path == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	/* With --json the kept lines are skipped: the stream's JSON only. */
	if ((!follow || !o->json) &&
	    (rc = opctl_call(o, "GET", path, NULL, &r)) == OPCTL_OK)
		print_kept(r.body ? r.body : "", f.last, sizeof(f.last));
	opctl_resp_clear(&r);
	free(path);
	if (rc != OPCTL_OK || !follow)
		return rc;
	snprintf(live, sizeof(live), "/api/live/logs/%s", id);
	if (opctl_stream_open(o, &st, live, on_log_message, &f) != 0)
		return opctl_fail(OPCTL_ENET, "out of memory");
	rc = opctl_stream_run(o, &st);	/* until interrupted */
	opctl_stream_close(&st);
	return rc;
}
