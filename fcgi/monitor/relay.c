/*
 * relay.c — the team event stream, live: a thread reads op:events in a
 * consumer group of its own ("monitor") through lib/stream.c and
 * publishes each event that belongs to a team to the channel
 * events/<team_id>; a build or backup failure also fires the team's rules
 * of that kind. Live data is a view, not the record (the trail is
 * op-audit's), so a new group starts at the stream's end: nothing old is
 * replayed. An entry is acknowledged once handled; one whose rules could
 * not be written is read again (its live copy may go out twice, its
 * notifications once: they are deduplicated by the event id).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

#define BLOCK_MS	1000

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
static enum op_err
event_alert(struct op_db *db, json_t *ev, const char *text)
{
	const char	*type = json_string_value(json_object_get(ev, "type"));
	size_t		 i;

	for (i = 0; type != NULL && i < nitems(failures); i++)
		if (strcmp(type, failures[i].type) == 0)
			break;
	if (type == NULL || i == nitems(failures))
		return OP_OK;
	return op_db_execv(db, NULL, "INSERT INTO monitor.deliveries"
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

struct relay {
	struct op_stream	 st;
	struct op_db		*db;	/* its own: for the failure rules */
};

/* Publish an event to its team's channel, if it has one, and fire the
 * rules a failure event fires (lib/stream.c's op_stream_fn). */
static enum op_err
event_relay(void *arg, json_t *ev)
{
	struct relay	*rl = arg;
	const char	*team = json_string_value(json_object_get(ev, "team_id"));
	const char	*why;
	char		 channel[64];

	if (team == NULL || op_valid_uuid(team, &why) != OP_OK)
		return OP_OK;		/* no team: nobody's live stream */
	snprintf(channel, sizeof(channel), "events/%s", team);
	(void)op_live_publish(channel, rl->st.text, strlen(rl->st.text));
	return event_alert(rl->db, ev, rl->st.text);
}

static volatile int	*relay_stop;	/* the worker's stop flag */

static void *
relay_main(void *arg)
{
	volatile int	*stop = relay_stop;
	struct relay	 rl;
	char		 me[128], host[64], conninfo[1024];

	(void)arg;
	memset(&rl, 0, sizeof(rl));
	if (op_db_conninfo("monitor", conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &rl.db) != OP_OK) {
		op_warn("monitor: the event relay has no database");
		return NULL;
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s-monitor", host);
	rl.st.group = "monitor";
	rl.st.consumer = me;
	rl.st.start = "$";
	while (!*stop)
		if (op_stream_poll(&rl.st, BLOCK_MS, event_relay, &rl) != OP_OK)
			monitor_nap(stop, 1000);	/* Redis or the database */
	op_stream_close(&rl.st);
	op_db_close(rl.db);
	return NULL;
}

enum op_err
relay_start(volatile int *stop, pthread_t *t)
{
	relay_stop = stop;
	return monitor_thread_start(t, relay_main);
}
