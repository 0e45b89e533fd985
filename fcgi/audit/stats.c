/*
 * stats.c — GET /api/audit/stats: counts over a time range (the last 7
 * days unless asked), with the filters and scoping of filter.c.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define ACTORS_MAX	"100"	/* by_actor: the busiest ones */
#define TIME_FMT	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

/* Run sql (its condition from f) into *res. */
static enum op_err
run(struct op_req *r, const struct audit_filter *f, const char *sql,
    PGresult **res)
{
	if (sql == NULL)
		return OP_ENOMEM;
	return op_db_exec(r->db, res, sql, f->n, f->params);
}

/*
 * Pin the range: since defaults to 7 days before until, until to now;
 * both come back in one form (UTC, microseconds), so the range answered
 * is the one counted.
 */
static enum op_err
pin_range(struct op_req *r, struct audit_filter *f)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT to_char(s AT TIME ZONE"
	    " 'UTC', " TIME_FMT "), to_char(u AT TIME ZONE 'UTC', " TIME_FMT
	    ") FROM (SELECT COALESCE($1::timestamptz, COALESCE($2::timestamptz,"
	    " now()) - interval '7 days') AS s, COALESCE($2::timestamptz,"
	    " now()) AS u) x", f->since, f->until)) != OP_OK)
		return er;
	f->since = op_req_strdup(r, PQgetvalue(res, 0, 0));
	f->until = op_req_strdup(r, PQgetvalue(res, 0, 1));
	PQclear(res);
	return f->since != NULL && f->until != NULL ? OP_OK : OP_ENOMEM;
}

/* [{key: …, "count": n}] from rows of (value, count). */
static json_t *
counts(const PGresult *res, const char *key)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; a != NULL && i < PQntuples(res); i++)
		json_array_append_new(a, json_pack("{s:o, s:I}", key,
		    PQgetisnull(res, i, 0) ? json_null() :
		    json_string(PQgetvalue(res, i, 0)), "count",
		    (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10)));
	return a;
}

static json_int_t
num(const PGresult *res, int col)
{
	return (json_int_t)strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

/*
 * GET /api/audit/stats — {"range": {since, until}, "by_action": [...],
 * "by_actor": [...] (the 100 busiest), "by_outcome": {success, failure},
 * "failures_24h": n (the failures of the last day, whatever the range)}.
 */
enum op_err
audit_stats(struct op_req *r)
{
	struct audit_filter	 f, day;
	PGresult		*act = NULL, *who = NULL, *out = NULL;
	PGresult		*fail = NULL;
	enum op_err		 er;

	if ((er = audit_filter_parse(r, 0, &f)) != OP_OK ||
	    (er = pin_range(r, &f)) != OP_OK)
		return er;
	day = f;
	if ((er = audit_filter_range(r, &f)) != OP_OK ||
	    (er = audit_filter_and(r, &day, "e.time >= now() - ", "24 hours",
	    "::interval")) != OP_OK ||
	    (er = audit_filter_and(r, &day, "e.outcome = ", "failure", "")) !=
	    OP_OK)
		return er;
	if ((er = run(r, &f, op_req_printf(r, "SELECT e.action, count(*)"
	    " FROM audit.entries e WHERE %s GROUP BY e.action"
	    " ORDER BY 2 DESC, 1", f.where), &act)) != OP_OK ||
	    (er = run(r, &f, op_req_printf(r, "SELECT e.actor_id, count(*)"
	    " FROM audit.entries e WHERE %s GROUP BY e.actor_id"
	    " ORDER BY 2 DESC, 1 NULLS LAST LIMIT " ACTORS_MAX, f.where),
	    &who)) != OP_OK ||
	    (er = run(r, &f, op_req_printf(r, "SELECT"
	    " count(*) FILTER (WHERE e.outcome = 'success'),"
	    " count(*) FILTER (WHERE e.outcome = 'failure')"
	    " FROM audit.entries e WHERE %s", f.where), &out)) != OP_OK ||
	    (er = run(r, &day, op_req_printf(r, "SELECT count(*)"
	    " FROM audit.entries e WHERE %s", day.where), &fail)) != OP_OK)
		goto done;
	er = op_reply_json(r, 200, json_pack("{s:{s:s, s:s}, s:o, s:o,"
	    " s:{s:I, s:I}, s:I}",
	    "range", "since", f.since, "until", f.until,
	    "by_action", counts(act, "action"),
	    "by_actor", counts(who, "user_id"),
	    "by_outcome", "success", num(out, 0), "failure", num(out, 1),
	    "failures_24h", num(fail, 0)));
done:
	PQclear(act);
	PQclear(who);
	PQclear(out);
	PQclear(fail);
	return er;
}
