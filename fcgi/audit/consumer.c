/*
 * consumer.c — op:events into the trail. The consumer reads the stream in
 * its own group ("audit", from the stream's start) through lib/stream.c
 * and appends each event in a transaction; only then is it acknowledged.
 * Killed at any instant it loses nothing (what was not acknowledged is
 * read again, or reclaimed from a dead consumer) and writes nothing twice
 * (appends are idempotent on the event id).
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

#define BLOCK_MS	1000
#define RETENTION_EVERY	3600	/* seconds between retention passes */

struct consumer {
	struct op_stream	 st;
	struct op_db		*db;
};

/* Append one event as its text was published (the chain hashes those
 * bytes): OP_EINVAL (skipped, acknowledged) when it is not an event. */
static enum op_err
append(void *arg, json_t *ev)
{
	struct consumer	*c = arg;
	enum op_err	 er;
	int		 added;

	(void)ev;
	if ((er = op_db_begin(c->db)) == OP_OK &&
	    (er = chain_append(c->db, c->st.text, &added)) == OP_OK)
		er = op_db_commit(c->db);
	op_db_rollback(c->db);
	if (er == OP_EINVAL)
		op_warn("audit: an entry is not an event; skipped");
	return er;
}

enum op_err
consumer_run(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	struct consumer	 c;
	char		 me[128], host[64];
	time_t		 pruned = 0;

	(void)svc;
	/* A stable name: a restarted consumer finds its own pending. */
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s-%s", host,
	    op_config_get("OP_AUDIT_CONSUMER", "audit"));
	memset(&c, 0, sizeof(c));
	c.st.group = "audit";
	c.st.consumer = me;
	c.db = db;
	while (!*stop) {
		if (time(NULL) - pruned >= RETENTION_EVERY) {
			(void)retention_run(db);	/* logs its own failure */
			pruned = time(NULL);
		}
		/* The database or Redis down: wait, retry. */
		if (op_stream_poll(&c.st, BLOCK_MS, append, &c) != OP_OK)
			poll(NULL, 0, 1000);
	}
	op_stream_close(&c.st);
	return OP_OK;
}
