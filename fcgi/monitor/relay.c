/*
 * relay.c — the team event stream, live: a thread reads op:events in a
 * consumer group of its own ("monitor") and publishes each event that
 * belongs to a team to the channel events/<team_id>; a build or backup
 * failure also fires the team's rules of that kind. Live data is a view,
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

/* Rules of the kind an event type fires (build.failed, backup.failed). */
static const struct {
	const char	*type;
	const char	*kind;
} failures[] = {
	{ "build.failed", "build_failed" },
	{ "backup.failed", "backup_failed" },
};

/*
 * A failure event fires the team's enabled rules of its kind: one
 * delivery per channel, once per event (its id is in the dedup key).
 * There is nothing to resolve: the next failure fires again.
 */
static void
event_alert(struct op_db *db, json_t *ev, const char *text)
{
	const char	*type = json_string_value(json_object_get(ev, "type"));
	size_t		 i;

	for (i = 0; type != NULL && i < nitems(failures); i++)
		if (strcmp(type, failures[i].type) == 0)
			break;
	if (type == NULL || i == nitems(failures) || db == NULL)
		return;
	(void)op_db_execv(db, NULL, "INSERT INTO monitor.deliveries"
	    " (channel_id, rule_id, dedup_key, status, payload) SELECT ch, r.id,"
	    " r.id || ':' || ch || ':' || ($1::jsonb ->> 'id'), 'firing',"
	    " jsonb_build_object('status', 'firing', 'team_id', r.team_id,"
	    " 'rule', jsonb_build_object('id', r.id, 'name', r.name, 'kind',"
	    " r.kind, 'threshold', NULL), 'subject', $1::jsonb #>> '{subject,id}',"
	    " 'subject_name', $1::jsonb #>> '{subject,kind}', 'value', NULL,"
	    " 'since', $1::jsonb ->> 'time', 'event', $1::jsonb, 'summary',"
	    " 'FIRING: ' || r.name || ' (' || r.kind || ') on ' ||"
	    " COALESCE($1::jsonb #>> '{subject,kind}', '') || ' ' ||"
	    " COALESCE($1::jsonb #>> '{subject,id}', '')) FROM monitor.rules r,"
	    " unnest(r.channel_ids) AS ch WHERE r.enabled AND r.kind = $2 AND"
	    " r.team_id = ($1::jsonb ->> 'team_id')::uuid"
	    " ON CONFLICT (dedup_key) DO NOTHING", text, failures[i].kind);
}

/* Publish an event (its JSON text) to its team's channel, if it has one,
 * and fire the rules a failure event fires. */
static void
event_publish(struct op_db *db, const char *text)
{
	json_t		*ev;
	const char	*team;
	char		 channel[64];
	const char	*why;

	if ((ev = json_loads(text, 0, NULL)) == NULL)
		return;
	team = json_string_value(json_object_get(ev, "team_id"));
	if (team != NULL && op_valid_uuid(team, &why) == OP_OK &&
	    snprintf(channel, sizeof(channel), "events/%s", team) <
	    (int)sizeof(channel)) {
		(void)op_live_publish(channel, text, strlen(text));
		event_alert(db, ev, text);
	}
	json_decref(ev);
}

/* Each entry of a list: its "event" field published. */
static void
entries_publish(struct op_db *db, redisReply *list)
{
	const char	*ev;
	size_t		 i;

	for (i = 0; list != NULL && i < list->elements; i++)
		if ((ev = op_redis_entry_field(list->element[i], "event")) !=
		    NULL)
			event_publish(db, ev);
}

static enum op_err
relay_read(redisContext *rc, struct op_db *db, const char *me)
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
		entries_publish(db, s->element[1]);
	freeReplyObject(rep);
	return OP_OK;
}

static volatile int	*relay_stop;	/* the worker's stop flag */

static void *
relay_main(void *arg)
{
	volatile int	*stop = relay_stop;
	redisContext	*rc = NULL;
	struct op_db	*db = NULL;
	char		 me[128], host[64], conninfo[1024];

	(void)arg;
	/* Its own connection, for the rules failure events fire. */
	if (op_db_conninfo("monitor", conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &db) != OP_OK)
		db = NULL;
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
		if (relay_read(rc, db, me) != OP_OK)
			poll(NULL, 0, 1000);
	}
	if (rc != NULL)
		redisFree(rc);
	op_db_close(db);
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
