/*
 * page.c — reading builds or deployments: one row as JSON, or a page of
 * them, newest first: one project's (the caller may read it), or every
 * one of the caller's teams (all of them for an instance admin),
 * keyset-paginated by ?after= and ?limit=.
 */
#include <stdio.h>

#include "builds.h"

#define LIMIT_DEFAULT	50

json_t *
row_json(struct op_req *r, const char *sql, const char *id)
{
	PGresult	*res = NULL;
	json_t		*o = NULL;

	if (op_db_execv(r->db, &res, sql, id) == OP_OK && PQntuples(res) == 1)
		o = op_db_row_json(res, 0);
	PQclear(res);
	return o;
}

enum op_err
page_reply(struct op_req *r, const char *sql, const struct op_value *project,
    const struct op_value *status, const struct op_value *limit,
    const struct op_value *after)
{
	PGresult	*res = NULL;
	const char	*team = NULL;
	long long	 n = limit->set ? limit->i : LIMIT_DEFAULT;
	char		 more[24];
	enum op_err	 er;

	if (project->set && (er = op_project_authorize(r, project->s,
	    OP_ACT_READ, &team)) != OP_OK)
		return er;
	/* One more than asked: whether a next page exists. */
	snprintf(more, sizeof(more), "%lld", n + 1);
	if ((er = op_db_execv(r->db, &res, sql, project->set ? project->s :
	    NULL, status != NULL && status->set ? status->s : NULL,
	    after->set ? after->s : NULL, more, r->auth.admin ? "t" : "f",
	    r->auth.user_id)) != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, n);
	PQclear(res);
	return er;
}
