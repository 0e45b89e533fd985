/*
 * logs.c — GET /api/audit/logs: the trail, newest first, a page at a
 * time (keyset on seq), with the filters of filter.c; and how one entry
 * reads in the API.
 */
#include <string.h>

#include "audit.h"

/* A column as a JSON string, or null. */
static json_t *
col(const PGresult *res, int i, const char *name)
{
	const char	*v = op_db_get(res, i, name);

	return v != NULL ? json_string(v) : json_null();
}

json_t *
audit_entry_json(const PGresult *res, int i)
{
	const char	*seq = op_db_get(res, i, "seq");
	const char	*data = op_db_get(res, i, "data");
	json_t		*d = NULL;
	long long	 n = 0;

	(void)op_strtonum(seq != NULL ? seq : "", 1, INT64_MAX, &n);
	/* The event's own "data", as published: an object, or null for an
	 * event that had none. */
	if (data != NULL)
		d = json_loads(data, JSON_DECODE_ANY, NULL);
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o},"
	    " s:{s:o, s:o}, s:o, s:o, s:o, s:o}",
	    "seq", (json_int_t)n,
	    "event_id", col(res, i, "event_id"),
	    "time", col(res, i, "time"),
	    "action", col(res, i, "action"),
	    "team_id", col(res, i, "team_id"),
	    "actor",
	    "user_id", col(res, i, "actor_id"),
	    "ip", col(res, i, "actor_ip"),
	    "user_agent", col(res, i, "user_agent"),
	    "subject",
	    "kind", col(res, i, "subject_kind"),
	    "id", col(res, i, "subject_id"),
	    "request_id", col(res, i, "request_id"),
	    "outcome", col(res, i, "outcome"),
	    "data", d != NULL ? d : json_null(),
	    "hash", col(res, i, "hash"));
}

/*
 * GET /api/audit/logs — {"items": [...], "next": the seq to pass as
 * `after` for older rows, or null}. Newest first: `after` is exclusive.
 */
enum op_err
audit_logs(struct op_req *r)
{
	struct audit_filter	 f;
	PGresult		*res = NULL;
	const char		*lim, *sql;
	enum op_err		 er;

	if ((er = audit_filter_parse(r, AUDIT_F_PAGE, &f)) != OP_OK ||
	    (er = audit_filter_range(r, &f)) != OP_OK)
		return er;
	if (f.after != NULL &&
	    (er = audit_filter_and(r, &f, "e.seq < ", f.after, "::bigint")) !=
	    OP_OK)
		return er;
	/* One row more than the page: op_db_page_json's sign of a next. */
	if ((lim = op_req_printf(r, "%lld", f.limit + 1)) == NULL ||
	    (lim = audit_filter_bind(r, &f, lim)) == NULL ||
	    (sql = op_req_printf(r, "SELECT " AUDIT_COLUMNS " FROM"
	    " audit.entries e WHERE %s ORDER BY e.seq DESC LIMIT %s", f.where,
	    lim)) == NULL)
		return OP_ENOMEM;
	if ((er = op_db_exec(r->db, &res, sql, f.n, f.params)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, op_db_page_json(res, f.limit,
	    audit_entry_json));
	PQclear(res);
	return er;
}
