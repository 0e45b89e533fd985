/*
 * outbox.c — the relay from a service's outbox table to the Redis stream
 * op:events. A row is marked sent only after XADD succeeded, in the same
 * transaction that locked it, so an event is never lost while Redis is
 * down. The publish itself is idempotent on the event id (a timed-out
 * XADD that Redis applied later is not added again); a crash between
 * XADD and COMMIT is covered by the same key, and consumers are
 * idempotent on the event id besides.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "openpanel.h"

#define STREAM		"op:events"
#define STREAM_MAXLEN	"1000000"	/* approximate cap on the stream */
#define BATCH		"200"
#define KEEP_SENT	"7 days"
#define PUBLISHED_TTL	"691200"	/* seconds: KEEP_SENT and a day */

/*
 * XADD one event, unless its id was published before: a call whose answer
 * timed out (Redis frozen, or slow) may still have been applied, and the
 * row is then sent again. A key per event id, set in the same script as
 * the XADD, makes the publish idempotent for as long as sent rows are
 * kept. OP_OK on an entry id, or on "seen" for one published before.
 */
static enum op_err
publish(redisContext *rc, const char *id, const char *type, const char *ev)
{
	static const char script[] =
	    "if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[5]) then"
	    " return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*',"
	    " 'id', ARGV[1], 'type', ARGV[2], 'event', ARGV[3]) end"
	    " return 'seen'";
	char		 seen[128];
	const char	*argv[] = { "EVAL", script, "2", STREAM, seen, id, type,
	    ev, STREAM_MAXLEN, PUBLISHED_TTL };
	redisReply	*rep;
	enum op_err	 er = OP_EUNAVAIL;

	snprintf(seen, sizeof(seen), STREAM ":published:%s", id);
	rep = redisCommandArgv(rc, (int)nitems(argv), argv, NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_STRING)
		er = OP_OK;
	else if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		op_warn("redis XADD: %s", rep->str);
	freeReplyObject(rep);
	return er;
}

/* Publish one batch; *count is how many went out. */
static enum op_err
relay_batch(struct op_db *db, redisContext *rc, const char *schema,
    int *count)
{
	PGresult	*res = NULL;
	char		 sql[512];
	enum op_err	 er;
	int		 i;

	*count = 0;
	if ((er = op_db_begin(db)) != OP_OK)
		return er;
	snprintf(sql, sizeof(sql), "SELECT seq, id, type, event::text FROM "
	    "%s.outbox WHERE sent_at IS NULL ORDER BY seq LIMIT " BATCH
	    " FOR UPDATE SKIP LOCKED", schema);
	if ((er = op_db_exec(db, &res, sql, 0, NULL)) != OP_OK)
		goto out;
	snprintf(sql, sizeof(sql), "UPDATE %s.outbox SET sent_at = now() "
	    "WHERE seq = $1", schema);
	for (i = 0; i < PQntuples(res); i++) {
		if ((er = publish(rc, PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3))) != OP_OK)
			break;
		if ((er = op_db_execv(db, NULL, sql,
		    PQgetvalue(res, i, 0))) != OP_OK)
			goto out;
		(*count)++;
	}
	/* Commit what was published even when Redis failed midway. */
	if (op_db_commit(db) != OP_OK && er == OP_OK)
		er = OP_EUNAVAIL;
out:
	PQclear(res);
	op_db_rollback(db);
	return er;
}

/* Drop rows sent long ago; the stream and the audit trail keep them. */
static void
prune(struct op_db *db, const char *schema)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "DELETE FROM %s.outbox WHERE sent_at < "
	    "now() - interval '" KEEP_SENT "'", schema);
	(void)op_db_exec(db, NULL, sql, 0, NULL);
}

/* Wait for a NOTIFY on the listening connection, or for timeout_ms. */
static void
wait_notify(struct op_db *db, int timeout_ms)
{
	PGconn		*c = op_db_conn(db);
	PGnotify	*n;
	struct pollfd	 pfd;

	if (c == NULL || PQsocket(c) < 0) {
		poll(NULL, 0, timeout_ms);
		return;
	}
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) > 0)
		PQconsumeInput(c);
	while ((n = PQnotifies(c)) != NULL)
		PQfreemem(n);
}

static enum op_err
listen_on(struct op_db *db, const char *schema)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "LISTEN %s_outbox", schema);
	return op_db_exec(db, NULL, sql, 0, NULL);
}

enum op_err
op_outbox_relay(const char *conninfo, const char *schema,
    const char *redis_addr, volatile int *stop)
{
	struct op_db	*db = NULL;
	redisContext	*rc = NULL;
	enum op_err	 er;
	time_t		 last_prune = 0;
	int		 count, listening = 0;

	if ((er = op_db_open(conninfo, &db)) != OP_OK)
		return er;
	while (!*stop) {
		if (!listening || op_db_conn(db) == NULL)
			listening = listen_on(db, schema) == OP_OK;
		if (rc == NULL || rc->err) {
			if (rc != NULL)
				redisFree(rc);
			if (op_redis_open(redis_addr, 2000, &rc) != OP_OK) {
				rc = NULL;
				wait_notify(db, 1000);
				continue;
			}
		}
		er = relay_batch(db, rc, schema, &count);
		if (er == OP_EUNAVAIL && op_db_conn(db) == NULL)
			listening = 0;
		if (er == OP_OK && count > 0)
			continue;	/* more may be waiting */
		if (time(NULL) - last_prune > 600) {
			prune(db, schema);
			last_prune = time(NULL);
		}
		wait_notify(db, 1000);
	}
	if (rc != NULL)
		redisFree(rc);
	op_db_close(db);
	return OP_OK;
}
