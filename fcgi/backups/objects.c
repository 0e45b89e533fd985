/*
 * objects.c — what the handlers share about a team's rows (storage
 * targets, backups, schedules): authorising through the row's team, where
 * absent and another team's are the same 404, answering one row, and
 * reading and deleting one by its id in the path.
 */
#include <stdio.h>

#include "backups.h"

enum op_err
object_authorize(struct op_req *r, const char *table, const char *id,
    enum op_action act, const char *what, const char **team)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*why;
	char		 sql[128];
	enum op_err	 er;

	*team = NULL;
	if (id == NULL || op_valid_uuid(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", what, NULL);
	snprintf(sql, sizeof(sql), "SELECT team_id FROM backups.%s WHERE"
	    " id = $1", table);
	if ((er = op_db_execv(r->db, &res, sql, id)) != OP_OK)
		return er;
	if (PQntuples(res) == 1)
		*team = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	if (*team == NULL || (er = op_team_authorize(r, *team, act, &role)) ==
	    OP_ENOTFOUND)
		return op_fail(r, OP_ENOTFOUND, "not_found", what, NULL);
	return er;
}

enum op_err
object_reply(struct op_req *r, int status, const char *select,
    const char *id, const char *what)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, select, id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", what, NULL);
	else
		er = op_reply_row(r, status, res, 0);
	PQclear(res);
	return er;
}

enum op_err
object_list(struct op_req *r, const char *select)
{
	static const struct op_field fields[] = {
		{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36,
		  op_valid_uuid },
		{ "limit", OP_FT_INT, 0, 1, 200, NULL },
		{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	};
	struct op_value	 v[nitems(fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if ((er = op_team_authorize(r, v[0].s, OP_ACT_READ, &role)) != OP_OK)
		return er == OP_ENOTFOUND ? op_fail(r, er, "not_found",
		    "no such team", NULL) : er;
	limit = v[1].set ? v[1].i : 50;
	if ((er = op_db_execv(r->db, &res, select, v[0].s, v[2].s,
	    op_req_printf(r, "%lld", limit + 1))) != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

enum op_err
object_get(struct op_req *r, const char *table, const char *what,
    const char *select)
{
	const char	*team;
	enum op_err	 er;

	if ((er = object_authorize(r, table, r->params[0], OP_ACT_READ, what,
	    &team)) != OP_OK)
		return er;
	return object_reply(r, 200, select, r->params[0], what);
}

enum op_err
object_delete(struct op_req *r, const char *table, enum op_action act,
    const char *what, const char *subject,
    enum op_err (*guard)(struct op_req *, const char *id))
{
	const char	*team;
	char		 sql[128];
	enum op_err	 er;

	if ((er = object_authorize(r, table, r->params[0], act, what,
	    &team)) != OP_OK)
		return er;
	snprintf(sql, sizeof(sql), "DELETE FROM backups.%s WHERE id = $1",
	    table);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (guard != NULL && (er = guard(r, r->params[0])) != OP_OK) ||
	    (er = op_db_execv(r->db, NULL, sql, r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, op_req_printf(r, "%s.deleted", subject),
	    team, subject, r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		return er;
	}
	return op_reply_empty(r, 204);
}
