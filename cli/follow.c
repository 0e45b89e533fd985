/*
 * follow.c — a build or a deployment to its end, as a person watches it.
 *
 * A build's lines come live from /api/live/builds/{id} while its status
 * is asked once a second; once it has ended, what the stream did not
 * bring is taken from the record (GET /api/builds/{id}/logs: "the rows
 * are the record", the stream only a view). The lines printed are the
 * log's own: control bytes were cleaned by the panel and again here.
 * Lines go to stdout, or to stderr with --json, where stdout gets the
 * final object alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opctl.h"

#define POLL_MS		1000	/* how often the status is asked */
#define STATUS_TRIES	5	/* asks in a row that may fail for a blip */

/* What a followed build has shown so far. */
struct build_watch {
	FILE	*out;
	size_t	 shown;		/* lines printed */
	char	*last;		/* the last of them */
};

static void
watch_line(struct build_watch *w, const char *line, size_t len)
{
	char	*copy = strndup(line, len);

	if (copy == NULL)
		return;
	opctl_line(w->out, copy);
	fflush(w->out);
	free(w->last);
	w->last = copy;
	w->shown++;
}

static void
on_build_line(const char *data, size_t len, void *arg)
{
	watch_line(arg, data, len);
}

static int
is_terminal(const char *status)
{
	static const char	*ends[] = { "succeeded", "failed", "cancelled",
		    "rolled_back", NULL };
	size_t			 i;

	for (i = 0; status != NULL && ends[i] != NULL; i++)
		if (strcmp(status, ends[i]) == 0)
			return 1;
	return 0;
}

/* The start of line i (of n lines at text), its length in *len. */
static const char *
nth_line(const char *text, size_t i, size_t *len)
{
	const char	*p = text, *nl;

	for (; i > 0 && (nl = strchr(p, '\n')) != NULL; i--)
		p = nl + 1;
	nl = strchr(p, '\n');
	*len = nl ? (size_t)(nl - p) : strlen(p);
	return p;
}

size_t
opctl_follow_resume(const char *text, size_t n, size_t shown,
    const char *last)
{
	const char	*p;
	size_t		 i, len, want;

	if (last == NULL || shown == 0)
		return 0;
	want = strlen(last);
	if (shown <= n) {
		p = nth_line(text, shown - 1, &len);
		if (len == want && memcmp(p, last, len) == 0)
			return shown;
	}
	for (i = n; i > 0; i--) {
		p = nth_line(text, i - 1, &len);
		if (len == want && memcmp(p, last, len) == 0)
			return i;
	}
	return n;
}

/* Print the lines of the record that the stream did not bring. */
static enum opctl_exit
catch_up(struct opctl *o, const char *id, struct build_watch *w)
{
	struct opctl_resp	 r = { 0 };
	char			 path[96];
	const char		*text, *p;
	size_t			 n = 0, i, len;
	enum opctl_exit		 rc;

	snprintf(path, sizeof(path), "/api/builds/%s/logs", id);
	if ((rc = opctl_call(o, "GET", path, NULL, &r)) != OPCTL_OK)
		return rc;
	text = r.body ? r.body : "";
	for (p = text; *p != '\0'; p++)
		if (*p == '\n' || p[1] == '\0')
			n++;
	for (i = opctl_follow_resume(text, n, w->shown, w->last); i < n;
	    i++) {
		p = nth_line(text, i, &len);
		watch_line(w, p, len);
	}
	opctl_resp_clear(&r);
	return OPCTL_OK;
}

/* Say that the build or deployment obj did not succeed, and why. */
static enum opctl_exit
tell_failure(const char *kind, const char *id, const json_t *obj)
{
	char	 status[32], err[1024];

	opctl_cell(json_object_get(obj, "status"), OPCTL_FMT_TEXT, status,
	    sizeof(status));
	opctl_cell(json_object_get(obj, "error"), OPCTL_FMT_TEXT, err,
	    sizeof(err));
	return opctl_fail(OPCTL_EFAILED, "%s %s %s: %s", kind, id, status, err);
}

/* GET path into *obj; its "status" into *status (owned by *obj). A
 * passing failure (the panel away a moment, 5xx, 429: said as it happens)
 * is tried again, a second apart, STATUS_TRIES times in all: watching
 * must not end for a blip while the job goes on. */
static enum opctl_exit
get_status(struct opctl *o, const char *path, json_t **obj,
    const char **status)
{
	struct timespec	 pause = { 1, 0 };
	enum opctl_exit	 rc;
	int		 tries = 0;

	do {
		if (tries > 0)
			nanosleep(&pause, NULL);
		json_decref(*obj);
		*obj = NULL;
		*status = NULL;
		rc = opctl_call_json(o, "GET", path, NULL, obj);
	} while (rc == OPCTL_ENET && ++tries < STATUS_TRIES);
	if (rc == OPCTL_OK)
		*status = json_string_value(json_object_get(*obj, "status"));
	return rc;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the stream (if open) until the build at path has ended. */
static enum opctl_exit
watch_until_end(struct opctl *o, CURLM *m, int streaming, const char *path,
    json_t **b)
{
	const char	*status = NULL;
	long long	 next = 0;
	enum opctl_exit	 rc = OPCTL_OK;
	int		 running = streaming, left;
	struct timespec	 pause = { 0, POLL_MS * 1000000L / 4 };

	for (;;) {
		if (now_ms() >= next) {
			rc = get_status(o, path, b, &status);
			if (rc != OPCTL_OK || is_terminal(status))
				return rc;
			next = now_ms() + POLL_MS;
		}
		if (running) {
			/* A stream that ends early leaves the polling. */
			curl_multi_perform(m, &running);
			while (curl_multi_info_read(m, &left) != NULL)
				continue;
			curl_multi_poll(m, NULL, 0, POLL_MS / 4, NULL);
		} else {
			nanosleep(&pause, NULL);
		}
	}
}

enum opctl_exit
opctl_follow_build(struct opctl *o, const char *id, json_t **build)
{
	struct build_watch	 w = { o->json ? stderr : stdout, 0, NULL };
	struct opctl_stream	 st;
	char			 path[96], live[96];
	json_t			*b = NULL;
	const char		*status;
	CURLM			*m = curl_multi_init();
	enum opctl_exit		 rc;
	int			 streaming = 0;

	snprintf(path, sizeof(path), "/api/builds/%s", id);
	snprintf(live, sizeof(live), "/api/live/builds/%s", id);
	if (m != NULL && opctl_stream_open(o, &st, live, on_build_line,
	    &w) == 0) {
		streaming = curl_multi_add_handle(m, st.h) == CURLM_OK;
		if (!streaming)
			opctl_stream_close(&st);
	}
	rc = watch_until_end(o, m, streaming, path, &b);
	if (streaming) {
		if (st.status != 0 && st.status != 200)
			(void)opctl_stream_error(&st, CURLE_OK);
		curl_multi_remove_handle(m, st.h);
		opctl_stream_close(&st);
	}
	if (rc == OPCTL_OK)
		rc = catch_up(o, id, &w);
	status = json_string_value(json_object_get(b, "status"));
	if (rc == OPCTL_OK && (status == NULL ||
	    strcmp(status, "succeeded") != 0)) {
		rc = tell_failure("build", id, b);
	} else if (rc == OPCTL_OK) {
		fprintf(w.out, "build %s succeeded: %s\n", id,
		    opctl_str(b, "image", "?"));
	}
	free(w.last);
	curl_multi_cleanup(m);
	if (build != NULL)
		*build = b;
	else
		json_decref(b);
	return rc;
}

enum opctl_exit
opctl_follow_deployment(struct opctl *o, const char *id, json_t **dep)
{
	FILE		*out = o->json ? stderr : stdout;
	char		 path[96], seen[32] = "";
	json_t		*d = NULL;
	const char	*status = NULL, *host;
	struct timespec	 pause = { 0, POLL_MS * 1000000L / 2 };
	enum opctl_exit	 rc;

	snprintf(path, sizeof(path), "/api/deployments/%s", id);
	for (;;) {
		if ((rc = get_status(o, path, &d, &status)) != OPCTL_OK)
			break;
		if (status != NULL && strcmp(status, seen) != 0) {
			fprintf(out, "deployment %s: %s\n", id, status);
			fflush(out);
			snprintf(seen, sizeof(seen), "%s", status);
		}
		if (is_terminal(status))
			break;
		nanosleep(&pause, NULL);
	}
	if (rc == OPCTL_OK && (status == NULL ||
	    strcmp(status, "succeeded") != 0)) {
		rc = tell_failure("deployment", id, d);
	} else if (rc == OPCTL_OK) {
		host = json_string_value(json_object_get(d, "hostname"));
		fprintf(out, "deployed %s to %s%s%s\n",
		    opctl_str(d, "image", "?"), opctl_str(d, "container", "?"),
		    host ? " at " : "", host ? host : "");
	}
	if (dep != NULL)
		*dep = d;
	else
		json_decref(d);
	return rc;
}
