/*
 * events.c — the event envelope, written to the service's outbox in the
 * same transaction as the change it reports (outbox.c publishes it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openpanel.h"

enum op_err
op_uuid(char out[37])
{
	unsigned char	b[16];
	enum op_err	er;

	if ((er = op_random(b, sizeof(b))) != OP_OK)
		return er;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return OP_OK;
}

static void
now_rfc3339(char out[48])
{
	struct timespec	ts;
	struct tm	tm;
	char		date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s.%03dZ", date, (int)(ts.tv_nsec / 1000000) % 1000);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

enum op_err
op_event_emit(struct op_req *r, const char *type, const char *team_id,
    const char *subject_kind, const char *subject_id, json_t *data)
{
	char		 id[37], when[48], sql[256];
	json_t		*ev;
	char		*text = NULL;
	enum op_err	 er;

	if ((er = op_uuid(id)) != OP_OK) {
		json_decref(data);
		return er;
	}
	now_rfc3339(when);
	ev = json_pack("{s:s, s:s, s:s, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o},"
	    " s:o, s:o}",
	    "id", id, "type", type, "time", when,
	    "team_id", str_or_null(team_id),
	    "actor", "user_id", str_or_null(r->auth.user_id),
	    "ip", str_or_null(r->remote_addr),
	    "user_agent", str_or_null(r->user_agent),
	    "subject", "kind", str_or_null(subject_kind),
	    "id", str_or_null(subject_id),
	    "request_id", str_or_null(r->request_id),
	    "data", data ? data : json_object());
	if (ev == NULL || (text = json_dumps(ev, JSON_COMPACT)) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO %s.outbox (id, type, event) "
	    "VALUES ($1, $2, $3::jsonb)", r->service->schema);
	if ((er = op_db_execv(r->db, NULL, sql, id, type, text)) != OP_OK)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT pg_notify('%s_outbox', '')",
	    r->service->schema);
	er = op_db_exec(r->db, NULL, sql, 0, NULL);
out:
	free(text);
	json_decref(ev);
	return er;
}
