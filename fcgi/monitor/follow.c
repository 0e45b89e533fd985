/*
 * follow.c — one log follower per running container, however many people
 * watch: a thread follows the engine's log stream of its container and
 * publishes each line to the live channel logs/<container_id>, where nchan
 * keeps the recent ones for late joiners. The stream is reopened every
 * few seconds from the timestamp of the last line it published, which it
 * never repeats.
 * A swarm container's follower follows its service's logs: every task's
 * lines, on whichever node, multiplexed like a container's (plain with a
 * TTY), without task details (details=0). Its tasks' lines interleave out
 * of time order, so a line is dropped as seen only when it is no later
 * than where the stream was opened from, not than the last line sent.
 * A follower no longer wanted (its container gone, or the worker
 * stopping) leaves its stream within about a second, however quiet the
 * stream or hung the engine; followers_free waits for every one.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define STREAM_MS	10000	/* one follow call, then reopened */
#define FIRST_TAIL	"100"	/* lines a new follower starts with */
#define LINE_MAX_BYTES	(16u * 1024)
#define PAUSE_STEP_MS	100	/* a paused follower looks at wanted */

struct follower {
	struct watched	 c;
	pthread_t	 thread;
	int		 used;
	atomic_int	 wanted;	/* cleared when the container is gone */
	atomic_int	 done;		/* set by the thread as it ends */
	volatile int	*stop;		/* the worker's: no follower is wanted */
};

struct followers {
	struct follower	 f[FOLLOWERS_MAX];
	volatile int	*stop;
};

/* One stream's worth of state, as the sink sees it. */
struct follow_ctx {
	struct follower		*f;
	struct op_docker_demux	 dm;
	struct op_buf		 line[2];	/* stdout, stderr */
	int64_t			 last;		/* ns of the latest line sent */
	int64_t			 from;		/* last, when the stream opened */
	int			 raw;		/* a TTY: not multiplexed */
	char			 channel[64];
};

/* Is f still wanted: its container running, the worker not stopping? */
static int
follower_wanted(struct follower *f)
{
	return atomic_load(&f->wanted) && !*f->stop;
}

/* "2026-11-29T04:44:41.815258565Z" → nanoseconds since the epoch; -1. */
static int64_t
stamp_ns(const char *ts, size_t len)
{
	char		 whole[32];
	const char	*dot;
	int64_t		 sec, ns = 0;
	size_t		 i, n;
	int		 digits = 0;

	if ((dot = memchr(ts, '.', len)) == NULL)
		dot = ts + len - 1;		/* at the Z */
	n = (size_t)(dot - ts);
	if (n + 2 > sizeof(whole))
		return -1;
	memcpy(whole, ts, n);
	whole[n] = 'Z';
	whole[n + 1] = '\0';
	if (op_parse_time(whole, &sec) != OP_OK)
		return -1;
	for (i = n + 1; i < len && ts[i] >= '0' && ts[i] <= '9'; i++)
		if (digits < 9) {
			ns = ns * 10 + (ts[i] - '0');
			digits++;
		}
	for (; digits < 9; digits++)
		ns *= 10;
	return sec * 1000000000 + ns;
}

/* Publish one complete line "TIMESTAMP text" of stream (1 or 2). */
static void
line_publish(struct follow_ctx *c, int stream, const char *data, size_t len)
{
	const char	*sp;
	json_t		*msg;
	char		*text;
	int64_t		 ns;

	if ((sp = memchr(data, ' ', len)) == NULL)
		return;
	if ((ns = stamp_ns(data, (size_t)(sp - data))) < 0 || ns <= c->from)
		return;		/* seen already, before a reopen */
	if (ns > c->last)
		c->last = ns;
	msg = json_pack("{s:s%, s:s, s:s%}", "time", data,
	    (size_t)(sp - data), "stream", stream == 2 ? "stderr" : "stdout",
	    "line", sp + 1, len - (size_t)(sp - data) - 1);
	if (msg == NULL)	/* not UTF-8: sent as the bytes we can */
		msg = json_pack("{s:s%, s:s, s:s}", "time", data,
		    (size_t)(sp - data), "stream", stream == 2 ? "stderr" :
		    "stdout", "line", "(line not valid UTF-8)");
	if (msg != NULL && (text = json_dumps(msg, JSON_COMPACT)) != NULL) {
		(void)op_live_publish(c->channel, text, strlen(text));
		free(text);
	}
	json_decref(msg);
}

/* Payload bytes of one stream: complete lines are published. */
static void
on_payload(void *arg, int stream, const char *data, size_t len)
{
	struct follow_ctx	*c = arg;
	struct op_buf		*b = &c->line[stream == 2];
	const char		*nl;
	size_t			 n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (b->len + n > LINE_MAX_BYTES)	/* a runaway line */
			n = b->len < LINE_MAX_BYTES ? LINE_MAX_BYTES - b->len : 0;
		if (n > 0)
			(void)op_buf_add(b, data, n);
		if (nl == NULL)
			return;
		line_publish(c, stream, b->data ? b->data : "", b->len);
		op_buf_reset(b);
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
}

static int
sink(void *arg, const char *data, size_t len)
{
	struct follow_ctx	*c = arg;

	if (!follower_wanted(c->f))
		return 1;
	if (!c->raw && op_docker_demux(&c->dm, data, len, on_payload, c) ==
	    OP_OK)
		return 0;
	c->raw = 1;		/* a TTY container: its stream is plain */
	on_payload(c, 1, data, len);
	return 0;
}

/* The follow path: from the last line sent, or the last few lines; a
 * swarm container's service's (its since is whole seconds: the lines of
 * that second already sent are dropped as seen). */
static void
follow_path(struct follow_ctx *c, char *out, size_t outsz)
{
	const char	*kind = c->f->c.swarm ? "services" : "containers";

	c->from = c->last;
	if (c->last > 0 && c->f->c.swarm)
		snprintf(out, outsz, "/services/%s/logs?follow=1&stdout=1"
		    "&stderr=1&timestamps=1&since=%lld", c->f->c.docker_id,
		    (long long)(c->last / 1000000000));
	else if (c->last > 0)
		snprintf(out, outsz, "/containers/%s/logs?follow=1&stdout=1"
		    "&stderr=1&timestamps=1&since=%lld.%09lld",
		    c->f->c.docker_id, (long long)(c->last / 1000000000),
		    (long long)(c->last % 1000000000));
	else
		snprintf(out, outsz, "/%s/%s/logs?follow=1&stdout=1"
		    "&stderr=1&timestamps=1&tail=" FIRST_TAIL, kind,
		    c->f->c.docker_id);
}

/* Wait up to ms, in short steps, unless the follower is let go. */
static void
pause_while_wanted(struct follower *f, int ms)
{
	for (; ms > 0 && follower_wanted(f); ms -= PAUSE_STEP_MS)
		poll(NULL, 0, PAUSE_STEP_MS);
}

/* The engine client's cancel question: is this follower unwanted? */
static int
unwanted(void *arg)
{
	return !follower_wanted(arg);
}

static void *
follower_main(void *arg)
{
	struct follower		*f = arg;
	struct follow_ctx	 c;
	struct op_docker	*d = NULL;
	char			 path[256];
	long			 status;
	enum op_err		 er;

	memset(&c, 0, sizeof(c));
	c.f = f;
	op_buf_init(&c.line[0], LINE_MAX_BYTES + 1);
	op_buf_init(&c.line[1], LINE_MAX_BYTES + 1);
	snprintf(c.channel, sizeof(c.channel), "logs/%s", f->c.id);
	if (op_docker_open(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"), &d) != OP_OK)
		goto out;
	op_docker_cancel_on(d, unwanted, f);
	while (follower_wanted(f)) {
		memset(&c.dm, 0, sizeof(c.dm));
		follow_path(&c, path, sizeof(path));
		er = op_docker_stream(d, "GET", path, NULL, NULL, 0, STREAM_MS,
		    sink, &c, &status);
		if (status == 404)
			break;		/* the container (service) is gone */
		if (er != OP_ETIMEOUT)
			pause_while_wanted(f, 1000);	/* the engine away */
	}
out:
	op_docker_close(d);
	op_buf_clear(&c.line[0]);
	op_buf_clear(&c.line[1]);
	atomic_store(&f->done, 1);
	return NULL;
}

enum op_err
followers_new(volatile int *stop, struct followers **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return OP_ENOMEM;
	(*out)->stop = stop;
	return OP_OK;
}

/* Is a container of this id in w[0..n)? (w is sorted by id.) */
static int
watched_has(const struct watched *w, size_t n, const char *id)
{
	size_t	lo = 0, hi = n, mid;
	int	cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((cmp = strcmp(w[mid].id, id)) == 0)
			return 1;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static struct follower *
follower_find(struct followers *fs, const char *id)
{
	size_t	i;

	for (i = 0; i < FOLLOWERS_MAX; i++)
		if (fs->f[i].used && strcmp(fs->f[i].c.id, id) == 0)
			return &fs->f[i];
	return NULL;
}

static void
follower_start(struct followers *fs, const struct watched *c)
{
	struct follower	*f = NULL;
	pthread_attr_t	 attr;
	sigset_t	 block, old;
	size_t		 i;

	for (i = 0; i < FOLLOWERS_MAX && f == NULL; i++)
		if (!fs->f[i].used)
			f = &fs->f[i];
	if (f == NULL)
		return;
	memset(f, 0, sizeof(*f));
	f->c = *c;
	f->stop = fs->stop;
	atomic_store(&f->wanted, 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	sigfillset(&block);	/* signals are the worker thread's */
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&f->thread, &attr, follower_main, f) == 0)
		f->used = 1;
	else
		op_warn("monitor: no thread to follow container %s", c->id);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

void
followers_sync(struct followers *fs, const struct watched *w, size_t n)
{
	struct follower	*f;
	size_t		 i;

	for (i = 0; i < FOLLOWERS_MAX; i++) {
		f = &fs->f[i];
		if (!f->used)
			continue;
		if (!watched_has(w, n, f->c.id))
			atomic_store(&f->wanted, 0);
		if (atomic_load(&f->done)) {	/* ended: its slot is free */
			pthread_join(f->thread, NULL);
			f->used = 0;
		}
	}
	for (i = 0; i < n; i++) {
		f = follower_find(fs, w[i].id);
		if (f != NULL && strcmp(f->c.docker_id, w[i].docker_id) != 0)
			atomic_store(&f->wanted, 0);	/* recreated */
		else if (f == NULL)
			follower_start(fs, &w[i]);
	}
}

void
followers_free(struct followers *fs)
{
	size_t	i;

	if (fs == NULL)
		return;
	for (i = 0; i < FOLLOWERS_MAX; i++)
		atomic_store(&fs->f[i].wanted, 0);
	for (i = 0; i < FOLLOWERS_MAX; i++)
		if (fs->f[i].used)
			pthread_join(fs->f[i].thread, NULL);
	free(fs);
}
