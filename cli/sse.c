/*
 * sse.c — the live streams (docs/live.md) as EventSource: a parser of
 * text/event-stream (lines of "data:", blank line ends an event, ':' a
 * comment such as nchan's pings) and a subscription over libcurl.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

/* The longest line kept: "data: " and an event. */
#define LINE_MAX_BYTES	(OPCTL_EVENT_MAX + 16)

void
opctl_sse_init(struct opctl_sse *s, opctl_sse_fn fn, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->arg = arg;
}

void
opctl_sse_clear(struct opctl_sse *s)
{
	free(s->line);
	free(s->data);
	opctl_sse_init(s, NULL, NULL);
}

/* The line gathered so far is whole: act on it. */
static int
end_line(struct opctl_sse *s)
{
	const char	*v;
	size_t		 n = s->linelen;
	int		 rc = 0;

	if (n > 0 && s->line[n - 1] == '\r')
		n--;
	if (n == 0) {			/* a blank line ends the event */
		if (s->has_data && !s->overflow && s->fn != NULL)
			s->fn(s->data ? s->data : "", s->datalen, s->arg);
		s->datalen = 0;
		s->has_data = s->overflow = 0;
	} else if (n >= 5 && memcmp(s->line, "data:", 5) == 0) {
		v = s->line + 5;
		n -= 5;
		if (n > 0 && *v == ' ') {
			v++;
			n--;
		}
		if (s->has_data && !s->overflow)
			rc = opctl_append(&s->data, &s->datalen, &s->datacap,
			    "\n", 1, SIZE_MAX);
		if (s->datalen + n > OPCTL_EVENT_MAX)
			s->overflow = 1;
		else if (rc == 0)
			rc = opctl_append(&s->data, &s->datalen, &s->datacap,
			    v, n, SIZE_MAX);
		s->has_data = 1;
	}
	/* Comments (":"), "id:", "event:", "retry:" and the rest: skipped. */
	s->linelen = 0;
	return rc;
}

int
opctl_sse_feed(struct opctl_sse *s, const char *p, size_t n)
{
	const char	*nl;
	size_t		 take;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		/* A line past the bound is skipped to its end, and its event
		 * dropped. */
		if (s->linelen + take > LINE_MAX_BYTES)
			s->line_overflow = 1;
		if (!s->line_overflow && take > 0 && opctl_append(&s->line,
		    &s->linelen, &s->linecap, p, take, SIZE_MAX) != 0)
			return -1;
		if (nl == NULL)
			return 0;
		if (s->line_overflow) {
			s->overflow = s->has_data = 1;
			s->line_overflow = 0;
			s->linelen = 0;
		} else if (end_line(s) != 0) {
			return -1;
		}
		n -= take + 1;
		p = nl + 1;
	}
	return 0;
}

/* libcurl's write callback of a stream: a 200's bytes into the parser, a
 * refusal's body kept to explain it. */
static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct opctl_stream	*st = arg;
	size_t			 len = size * n;

	if (st->status == 0)
		curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &st->status);
	if (st->status == 200)
		return opctl_sse_feed(&st->sse, p, len) == 0 ? len : 0;
	return opctl_append(&st->errbody, &st->errlen, &st->errcap, p, len,
	    65536) == 0 ? len : 0;
}

/* (Re)set the handle for st->path with the credentials in force. */
static int
stream_setup(struct opctl *o, struct opctl_stream *st)
{
	curl_slist_free_all(st->hdrs);
	st->hdrs = NULL;
	st->status = 0;
	free(st->errbody);
	st->errbody = NULL;
	st->errlen = st->errcap = 0;
	if (opctl_http_prepare(o, st->h, st->path, &st->hdrs) != 0 ||
	    (st->hdrs = curl_slist_append(st->hdrs,
	    "Accept: text/event-stream")) == NULL)
		return -1;
	curl_easy_setopt(st->h, CURLOPT_HTTPHEADER, st->hdrs);
	curl_easy_setopt(st->h, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(st->h, CURLOPT_WRITEDATA, st);
	/* nchan pings every 30 s: over a minute of silence is a dead link. */
	curl_easy_setopt(st->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(st->h, CURLOPT_LOW_SPEED_TIME, 75L);
	return 0;
}

int
opctl_stream_open(struct opctl *o, struct opctl_stream *st,
    const char *path, opctl_sse_fn fn, void *arg)
{
	memset(st, 0, sizeof(*st));
	opctl_sse_init(&st->sse, fn, arg);
	if ((st->h = curl_easy_init()) == NULL ||
	    (st->path = strdup(path)) == NULL || stream_setup(o, st) != 0) {
		opctl_stream_close(st);
		return -1;
	}
	return 0;
}

enum opctl_exit
opctl_stream_error(struct opctl_stream *st, CURLcode cr)
{
	char	 text[1024];

	if (st->status != 0 && st->status != 200) {
		opctl_error_text(st->status, st->errbody, NULL, text,
		    sizeof(text));
		return opctl_fail(opctl_exit_for(st->status), "%s", text);
	}
	if (cr != CURLE_OK)
		return opctl_fail(OPCTL_ENET, "the live stream failed: %s",
		    curl_easy_strerror(cr));
	return opctl_fail(OPCTL_ENET, "the live stream ended");
}

enum opctl_exit
opctl_stream_run(struct opctl *o, struct opctl_stream *st)
{
	CURLcode	 cr = curl_easy_perform(st->h);

	if (st->status == 0)
		curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &st->status);
	/* An expired session: renew it and subscribe again, once. */
	if (st->status == 401 && o->cfg.refresh_token != NULL &&
	    o->cfg.token == NULL && o->cfg.env_token == NULL &&
	    opctl_refresh(o) == OPCTL_OK) {
		if (stream_setup(o, st) == 0)
			cr = curl_easy_perform(st->h);
	}
	if (cr == CURLE_OK && st->status == 200)
		return OPCTL_OK;
	return opctl_stream_error(st, cr);
}

void
opctl_stream_close(struct opctl_stream *st)
{
	if (st->h != NULL)
		curl_easy_cleanup(st->h);
	curl_slist_free_all(st->hdrs);
	free(st->errbody);
	free(st->path);
	opctl_sse_clear(&st->sse);
	memset(st, 0, sizeof(*st));
}
