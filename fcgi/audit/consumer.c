/*
 * consumer.c — op:events into the trail. The consumer reads the stream in
 * its own group ("audit"), appends each event in a transaction, and only
 * then acknowledges it: killed at any instant it loses nothing (what was
 * not acknowledged is read again) and writes nothing twice (appends are
 * idempotent on the event id). Entries a dead consumer left pending are
 * reclaimed after a while with XAUTOCLAIM.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "audit.h"

#define STREAM		"op:events"
#define GROUP		"audit"
#define BATCH		"100"
#define BLOCK_MS	"1000"
#define RECLAIM_MS	"30000"	/* pending this long: its consumer died */
#define RETENTION_EVERY	3600	/* seconds between retention passes */

/* Create the group (reading from the stream's start) if it is missing. */
static enum op_err
group_ensure(redisContext *rc)
{
	return op_redis_group_ensure(rc, STREAM, GROUP, "0");
}

static void
ack(redisContext *rc, const char *id)
{
	const char	*argv[] = { "XACK", STREAM, GROUP, id };

	freeReplyObject(redisCommandArgv(rc, (int)nitems(argv), argv, NULL));
}

/*
 * Append and acknowledge each entry of a list; stop at the first the
 * database cannot take (it stays pending, to be read again). *n is how
 * many were handled.
 */
static enum op_err
handle(redisContext *rc, struct op_db *db, redisReply *list, size_t *n)
{
	redisReply	*e;
	const char	*ev;
	enum op_err	 er;
	size_t		 i;
	int		 added;

	*n = 0;
	for (i = 0; list != NULL && i < list->elements; i++) {
		e = list->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		if ((ev = op_redis_entry_field(e, "event")) == NULL) {
			ack(rc, e->element[0]->str);	/* not an event */
			continue;
		}
		if ((er = op_db_begin(db)) == OP_OK &&
		    (er = chain_append(db, ev, &added)) == OP_OK)
			er = op_db_commit(db);
		op_db_rollback(db);
		if (er == OP_EINVAL) {
			op_warn("audit: entry %s is not an event; skipped",
			    e->element[0]->str);
		} else if (er != OP_OK)
			return er;
		ack(rc, e->element[0]->str);
		(*n)++;
	}
	return OP_OK;
}

/* XREADGROUP from `from` (">" new, "0" this consumer's pending). */
static enum op_err
read_group(redisContext *rc, struct op_db *db, const char *me,
    const char *from, size_t *n)
{
	const char	*argv[] = { "XREADGROUP", "GROUP", GROUP, me, "COUNT",
	    BATCH, "BLOCK", BLOCK_MS, "STREAMS", STREAM, from };
	redisReply	*rep, *s;
	enum op_err	 er = OP_OK;

	*n = 0;
	rep = redisCommandArgv(rc, (int)nitems(argv), argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		if (rep != NULL && strncmp(rep->str, "NOGROUP", 7) == 0)
			(void)group_ensure(rc);	/* the stream was deleted */
		freeReplyObject(rep);
		return OP_EUNAVAIL;
	}
	/* [[stream, [entries]]], or nil when BLOCK ran out. */
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    (s = rep->element[0])->type == REDIS_REPLY_ARRAY &&
	    s->elements == 2)
		er = handle(rc, db, s->element[1], n);
	freeReplyObject(rep);
	return er;
}

/* Take over entries other consumers left pending too long. */
static enum op_err
reclaim(redisContext *rc, struct op_db *db, const char *me, size_t *n)
{
	const char	*argv[] = { "XAUTOCLAIM", STREAM, GROUP, me,
	    RECLAIM_MS, "0-0", "COUNT", BATCH };
	redisReply	*rep;
	enum op_err	 er = OP_OK;

	*n = 0;
	rep = redisCommandArgv(rc, (int)nitems(argv), argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		freeReplyObject(rep);
		return OP_EUNAVAIL;
	}
	/* [next-id, [entries], [deleted ids]] */
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2)
		er = handle(rc, db, rep->element[1], n);
	freeReplyObject(rep);
	return er;
}

enum op_err
consumer_run(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	redisContext	*rc = NULL;
	char		 me[128], host[64];
	size_t		 n;
	enum op_err	 er;
	int		 backlog = 1;	/* first, what is pending for us */
	time_t		 pruned = 0;

	/* A stable name: a restarted consumer finds its own pending. */
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s-%s", host,
	    op_config_get("OP_AUDIT_CONSUMER", "audit"));
	while (!*stop) {
		if (time(NULL) - pruned >= RETENTION_EVERY) {
			(void)retention_run(db);	/* logs its own failure */
			pruned = time(NULL);
		}
		if (rc == NULL || rc->err) {
			if (rc != NULL)
				redisFree(rc);
			rc = NULL;
			if (op_redis_open(op_config_get("OP_REDIS",
			    "127.0.0.1:6379"), 5000, &rc) != OP_OK ||
			    group_ensure(rc) != OP_OK) {
				poll(NULL, 0, 1000);
				continue;
			}
			backlog = 1;
		}
		if (backlog) {
			er = read_group(rc, db, me, "0", &n);
			backlog = er != OP_OK || n > 0;
		} else if ((er = reclaim(rc, db, me, &n)) == OP_OK && n == 0)
			er = read_group(rc, db, me, ">", &n);
		if (er != OP_OK) {	/* the database or Redis: wait, retry */
			backlog = 1;
			poll(NULL, 0, 1000);
		}
	}
	if (rc != NULL)
		redisFree(rc);
	return OP_OK;
}
