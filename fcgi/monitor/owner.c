/*
 * owner.c — whose is an alert rule or a notification channel: the one
 * check every handler of them starts with; and a team's list of them.
 */
#include "monitor.h"

enum op_err
monitor_owner(struct op_req *r, const char *table, enum op_action act,
    const char **team)
{
	PGresult	*res = NULL;
	const char	*why, *what;
	char		*sql;
	enum op_role	 role;
	enum op_err	 er;

	*team = NULL;
	what = op_req_printf(r, "no such %s", table[0] == 'c' ?
	    "notification channel" : "alert rule");
	if (r->params[0] == NULL || op_valid_uuid(r->params[0], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", what, NULL);
	sql = op_req_printf(r, "SELECT team_id FROM monitor.%s WHERE id = $1",
	    table);
	if (sql == NULL)
		return OP_ENOMEM;
	if ((er = op_db_execv(r->db, &res, sql, r->params[0])) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", what, NULL);
	else if ((er = op_team_authorize(r, PQgetvalue(res, 0, 0), act,
	    &role)) == OP_ENOTFOUND)
		er = op_fail(r, er, "not_found", what, NULL);
	if (er == OP_OK)
		*team = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	return er == OP_OK && *team == NULL ? OP_ENOMEM : er;
}

static const struct op_field team_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
};

enum op_err
monitor_team_list(struct op_req *r, const char *sql)
{
	struct op_value	 v[nitems(team_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	if ((er = op_fields_query(r, team_fields, nitems(team_fields), v)) !=
	    OP_OK || (er = op_team_authorize(r, v[0].s, OP_ACT_READ, &role)) !=
	    OP_OK || (er = op_db_execv(r->db, &res, sql, v[0].s)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}
