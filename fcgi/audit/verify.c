/*
 * verify.c — GET /api/audit/verify: walk the chain from its anchor and
 * report the first row that does not hold: one changed in place (its
 * hash), one removed (the next row's link), one whose columns were made
 * to say something else than its event, or rows cut from the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define BATCH	"1000"

/* Do a row's columns say what its event says? NULL, or why not. */
static const char *
disagreement(PGresult *res, int i)
{
	static const struct { const char *col, *sub, *key; } map[] = {
		{ "event_id", NULL, "id" },
		{ "action", NULL, "type" },
		{ "time", NULL, "time" },
		{ "team_id", NULL, "team_id" },
		{ "actor_id", "actor", "user_id" },
		{ "actor_ip", "actor", "ip" },
		{ "user_agent", "actor", "user_agent" },
		{ "subject_kind", "subject", "kind" },
		{ "subject_id", "subject", "id" },
		{ "request_id", NULL, "request_id" },
	};
	const char	*col, *want;
	json_t		*ev, *o;
	size_t		 k;
	const char	*why = NULL;

	if ((ev = json_loads(op_db_get(res, i, "event"), 0, NULL)) == NULL)
		return "its event is not JSON any more";
	for (k = 0; k < nitems(map) && why == NULL; k++) {
		o = map[k].sub ? json_object_get(ev, map[k].sub) : ev;
		want = json_string_value(json_object_get(o, map[k].key));
		col = op_db_get(res, i, map[k].col);
		if ((want == NULL) != (col == NULL) ||
		    (want != NULL && strcmp(want, col) != 0))
			why = "its columns no longer match its event";
	}
	if (why == NULL && strcmp(chain_outcome(op_db_get(res, i, "action"),
	    ev), op_db_get(res, i, "outcome")) != 0)
		why = "its outcome no longer matches its event";
	json_decref(ev);
	return why;
}

/* The reply for a chain that does not hold at row i of res. */
static enum op_err
broken(struct op_req *r, PGresult *res, int i, const char *why,
    long long rows)
{
	return op_reply_json(r, 200, json_pack("{s:b, s:I, s:{s:I, s:s, s:s}}",
	    "ok", 0, "rows_checked", rows, "first_bad", "seq",
	    (json_int_t)strtoll(op_db_get(res, i, "seq"), NULL, 10),
	    "event_id", op_db_get(res, i, "event_id"), "reason", why));
}

enum op_err
audit_verify(struct op_req *r)
{
	PGresult	*head = NULL, *res = NULL;
	const char	*why;
	char		 prev[65], hash[65], last[32];
	long long	 rows = 0;
	enum op_err	 er;
	int		 i, n;

	if ((er = op_db_exec(r->db, &head, "SELECT anchor, anchor_seq, hash"
	    " FROM audit.head WHERE id = 1", 0, NULL)) != OP_OK)
		return er;
	snprintf(prev, sizeof(prev), "%s", PQgetvalue(head, 0, 0));
	snprintf(last, sizeof(last), "%s", PQgetvalue(head, 0, 1));
	do {
		PQclear(res);
		if ((er = op_db_execv(r->db, &res, "SELECT seq, event_id, event,"
		    " to_char(time AT TIME ZONE 'UTC',"
		    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS time, action,"
		    " team_id, actor_id, actor_ip, user_agent, subject_kind,"
		    " subject_id, request_id, outcome, prev_hash, hash"
		    " FROM audit.entries WHERE seq > $1 ORDER BY seq LIMIT "
		    BATCH, last)) != OP_OK)
			goto out;
		n = PQntuples(res);
		for (i = 0; i < n; i++, rows++) {
			if (strcmp(op_db_get(res, i, "prev_hash"), prev) != 0) {
				er = broken(r, res, i, "the row before it was "
				    "changed or removed", rows);
				goto out;
			}
			chain_hash(op_db_get(res, i, "event"), prev, hash);
			if (strcmp(hash, op_db_get(res, i, "hash")) != 0) {
				er = broken(r, res, i, "it was changed", rows);
				goto out;
			}
			if ((why = disagreement(res, i)) != NULL) {
				er = broken(r, res, i, why, rows);
				goto out;
			}
			snprintf(prev, sizeof(prev), "%s", hash);
		}
		if (n > 0)
			snprintf(last, sizeof(last), "%s",
			    op_db_get(res, n - 1, "seq"));
	} while (n > 0);
	if (strcmp(prev, PQgetvalue(head, 0, 2)) != 0)
		er = op_reply_json(r, 200, json_pack("{s:b, s:I, s:{s:s}}",
		    "ok", 0, "rows_checked", rows, "first_bad", "reason",
		    "rows at the end of the trail were removed"));
	else
		er = op_reply_json(r, 200, json_pack("{s:b, s:I, s:s}", "ok",
		    1, "rows_checked", rows, "head", prev));
out:
	PQclear(res);
	PQclear(head);
	return er;
}
