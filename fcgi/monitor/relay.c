/*
 * relay.c — the team event stream, live: a thread reads op:events in a
 * consumer group of its own ("monitor") and publishes each event that
 * belongs to a team to the channel events/<team_id>. Live data is a view,
 * not the record (the trail is op-audit's), so entries are read with
 * NOACK and a new group starts at the stream's end: nothing is replayed.
 */
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "monitor.h"

#define STREAM		"op:events"
#define GROUP		"monitor"
#define BATCH		"100"
#define BLOCK_MS	"1000"

/* A new group starts at the stream's end: live data is not replayed. */
static enum op_err
group_ensure(redisContext *rc)
{
	return op_redis_group_ensure(rc, STREAM, GROUP, "$");
}

/* Publish an event (its JSON text) to its team's channel, if it has one. */
static void
event_publish(const char *text)
{
	json_t		*ev;
	const char	*team;
	char		 channel[64];

	if ((ev = json_loads(text, 0, NULL)) == NULL)
		return;
	team = json_string_value(json_object_get(ev, "team_id"));
	if (team != NULL && snprintf(channel, sizeof(channel), "events/%s",
	    team) < (int)sizeof(channel))
		(void)op_live_publish(channel, text, strlen(text));
	json_decref(ev);
}

/* Each entry of a list: its "event" field published. */
static void
entries_publish(redisReply *list)
{
	const char	*ev;
	size_t		 i;

	for (i = 0; list != NULL && i < list->elements; i++)
		if ((ev = op_redis_entry_field(list->element[i], "event")) !=
		    NULL)
			event_publish(ev);
}

static enum op_err
relay_read(redisContext *rc, const char *me)
{
	const char	*argv[] = { "XREADGROUP", "GROUP", GROUP, me, "COUNT",
	    BATCH, "BLOCK", BLOCK_MS, "NOACK", "STREAMS", STREAM, ">" };
	redisReply	*rep, *s;

	rep = redisCommandArgv(rc, (int)nitems(argv), argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		if (rep != NULL && strncmp(rep->str, "NOGROUP", 7) == 0)
			(void)group_ensure(rc);
		freeReplyObject(rep);
		return OP_EUNAVAIL;
	}
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
	    (s = rep->element[0])->type == REDIS_REPLY_ARRAY &&
	    s->elements == 2)
		entries_publish(s->element[1]);
	freeReplyObject(rep);
	return OP_OK;
}

static volatile int	*relay_stop;	/* the worker's stop flag */

static void *
relay_main(void *arg)
{
	volatile int	*stop = relay_stop;
	redisContext	*rc = NULL;
	char		 me[128], host[64];

	(void)arg;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s-monitor", host);
	while (!*stop) {
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
		}
		if (relay_read(rc, me) != OP_OK)
			poll(NULL, 0, 1000);
	}
	if (rc != NULL)
		redisFree(rc);
	return NULL;
}

enum op_err
relay_start(volatile int *stop)
{
	pthread_t	t;
	sigset_t	block, old;

	/* The thread never takes the signals: the worker's thread must. */
	relay_stop = stop;
	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&t, NULL, relay_main, NULL) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return OP_ENOMEM;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_detach(t);
	return OP_OK;
}
