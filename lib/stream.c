/*
 * stream.c — reading op:events in a consumer group of one's own, for
 * workers that act on other services' events. A pass reads what this
 * consumer left pending first, then what dead consumers left pending too
 * long (XAUTOCLAIM), then new entries; each entry is acknowledged only
 * once its handler has dealt with it, so a worker killed at any instant
 * loses nothing (handlers must be idempotent on the event).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "openpanel.h"

#define STREAM		"op:events"
#define BATCH		"50"
#define RECLAIM_MS	"30000"	/* pending this long: its consumer died */

/* Connect and create the group (from s->start, else the stream's start)
 * when missing. */
static enum op_err
connect_group(struct op_stream *s)
{
	enum op_err	 er;

	if (s->rc != NULL && !s->rc->err)
		return OP_OK;
	op_stream_close(s);
	if ((er = op_redis_open(op_config_get("OP_REDIS", "127.0.0.1:6379"),
	    5000, &s->rc)) != OP_OK)
		return er;
	s->backlog = 1;
	return op_redis_group_ensure(s->rc, STREAM, s->group,
	    s->start != NULL ? s->start : "0");
}

/* Hand each entry of list to fn and acknowledge it; stop at the first fn
 * cannot deal with now (it stays pending). *n: entries seen. */
static enum op_err
deliver(struct op_stream *s, const redisReply *list, op_stream_fn fn,
    void *arg, size_t *n)
{
	const redisReply	*e;
	const char		*ack[] = { "XACK", STREAM, s->group, NULL };
	json_t			*ev;
	enum op_err		 er;
	size_t			 i;

	*n = 0;
	for (i = 0; list != NULL && list->type == REDIS_REPLY_ARRAY &&
	    i < list->elements; i++) {
		e = list->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		(*n)++;
		s->text = op_redis_entry_field(e, "event");
		ev = s->text != NULL ? json_loads(s->text, 0, NULL) : NULL;
		er = ev != NULL ? fn(arg, ev) : OP_EINVAL;
		json_decref(ev);
		s->text = NULL;
		if (er != OP_OK && er != OP_EINVAL)
			return er;	/* read again on a later pass */
		ack[3] = e->element[0]->str;
		freeReplyObject(redisCommandArgv(s->rc, 4, ack, NULL));
	}
	return OP_OK;
}

/* XREADGROUP from `from` ("0": our pending; ">": new, blocking). */
static enum op_err
read_from(struct op_stream *s, const char *from, int block_ms,
    op_stream_fn fn, void *arg, size_t *n)
{
	char		 block[16];
	const char	*argv[] = { "XREADGROUP", "GROUP", s->group, s->consumer,
	    "COUNT", BATCH, "BLOCK", block, "STREAMS", STREAM, from };
	redisReply	*rep, *one;
	enum op_err	 er = OP_OK;

	*n = 0;
	snprintf(block, sizeof(block), "%d", block_ms);
	rep = redisCommandArgv(s->rc, (int)nitems(argv), argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		if (rep != NULL && strncmp(rep->str, "NOGROUP", 7) == 0)
			op_stream_close(s);	/* the stream was deleted */
		freeReplyObject(rep);
		return OP_EUNAVAIL;
	}
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    (one = rep->element[0])->type == REDIS_REPLY_ARRAY &&
	    one->elements == 2)
		er = deliver(s, one->element[1], fn, arg, n);
	freeReplyObject(rep);
	return er;
}

/* Entries other consumers of the group left pending too long. */
static enum op_err
reclaim(struct op_stream *s, op_stream_fn fn, void *arg, size_t *n)
{
	const char	*argv[] = { "XAUTOCLAIM", STREAM, s->group, s->consumer,
	    RECLAIM_MS, "0-0", "COUNT", BATCH };
	redisReply	*rep;
	enum op_err	 er = OP_OK;

	*n = 0;
	rep = redisCommandArgv(s->rc, (int)nitems(argv), argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		return OP_EUNAVAIL;
	}
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2)
		er = deliver(s, rep->element[1], fn, arg, n);
	freeReplyObject(rep);
	return er;
}

/*
 * One pass over the group: this consumer's pending entries, else those
 * reclaimed from dead consumers, else new ones (waiting up to block_ms).
 * fn answers OP_OK (done), OP_EINVAL (not for it: skipped) or another
 * error (kept pending, the pass stops). OP_EUNAVAIL when Redis is down.
 */
enum op_err
op_stream_poll(struct op_stream *s, int block_ms, op_stream_fn fn, void *arg)
{
	size_t		n;
	enum op_err	er;

	if ((er = connect_group(s)) != OP_OK)
		return er;
	if (s->backlog) {
		er = read_from(s, "0", 0, fn, arg, &n);
		s->backlog = er != OP_OK || n > 0;
		return er;
	}
	if ((er = reclaim(s, fn, arg, &n)) != OP_OK || n > 0)
		return er;
	er = read_from(s, ">", block_ms, fn, arg, &n);
	if (er != OP_OK)
		s->backlog = 1;
	return er;
}

/* Let the connection go (a later poll connects again). */
void
op_stream_close(struct op_stream *s)
{
	if (s->rc != NULL)
		redisFree(s->rc);
	s->rc = NULL;
}
