/*
 * teams.c — teams: the unit that owns projects, and whose members hold
 * roles. The creator is the first owner.
 */
#include <string.h>

#include "auth.h"

#define TEAM_COLUMNS	"t.id, t.name, t.created_at, t.updated_at"

/* GET /api/teams — the caller's teams (every team, for instance admins). */
enum op_err
teams_list(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*after;
	long long	 limit;
	enum op_err	 er;

	if ((er = page_args(r, &limit, &after)) != OP_OK)
		return er;
	er = op_db_execv(r->db, &res, "SELECT " TEAM_COLUMNS ", m.role"
	    " FROM auth.teams t LEFT JOIN auth.members m ON m.team_id = t.id"
	    " AND m.user_id = $1 WHERE (m.user_id IS NOT NULL OR $2)"
	    " AND ($3::uuid IS NULL OR (t.created_at, t.id) > (SELECT"
	    " created_at, id FROM auth.teams WHERE id = $3::uuid))"
	    " ORDER BY t.created_at, t.id LIMIT $4", r->auth.user_id,
	    r->auth.admin ? "true" : "false", after,
	    op_req_printf(r, "%lld", limit + 1));
	if (er == OP_OK)
		er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

static const struct op_field team_fields[] = {
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
};

/* POST /api/teams */
enum op_err
teams_create(struct op_req *r)
{
	struct op_value	 v[nitems(team_fields)];
	PGresult	*res = NULL;
	json_t		*team;
	enum op_err	 er;

	if ((er = op_fields_body(r, team_fields, nitems(team_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO auth.teams AS t (name)"
	    " VALUES ($1) RETURNING " TEAM_COLUMNS, v[0].s)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO auth.members (team_id,"
	    " user_id, role) VALUES ($1, $2, 'owner')",
	    op_db_get(res, 0, "id"), r->auth.user_id)) != OP_OK ||
	    (er = op_event_emit(r, "team.created", op_db_get(res, 0, "id"),
	    "team", op_db_get(res, 0, "id"), json_pack("{s:s}", "name",
	    v[0].s))) != OP_OK ||
	    (er = op_event_emit(r, "team.member_added", op_db_get(res, 0, "id"),
	    "user", r->auth.user_id, json_pack("{s:s}", "role", "owner"))) !=
	    OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	team = op_db_row_json(res, 0);
	json_object_set_new(team, "role", json_string("owner"));
	er = op_reply_json(r, 201, team);
out:
	PQclear(res);
	return er;
}

/* GET /api/teams/:id — with the caller's role in it. */
enum op_err
teams_get(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	json_t		*team;
	enum op_err	 er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_READ, &role)) !=
	    OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " TEAM_COLUMNS ","
	    " (SELECT count(*) FROM auth.members WHERE team_id = t.id)"
	    " AS member_count FROM auth.teams t WHERE t.id = $1",
	    r->params[0])) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such team", NULL);
		goto out;
	}
	team = op_db_row_json(res, 0);
	json_object_set_new(team, "role", json_string(op_role_name(role)));
	er = op_reply_json(r, 200, team);
out:
	PQclear(res);
	return er;
}

/* PATCH /api/teams/:id — owners rename. */
enum op_err
teams_update(struct op_req *r)
{
	struct op_value	 v[nitems(team_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_TEAM, &role)) !=
	    OP_OK ||
	    (er = op_fields_body(r, team_fields, nitems(team_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "UPDATE auth.teams AS t SET"
	    " name = $2, updated_at = now() WHERE id = $1 RETURNING "
	    TEAM_COLUMNS, r->params[0], v[0].s)) != OP_OK ||
	    (er = op_event_emit(r, "team.updated", r->params[0], "team",
	    r->params[0], json_pack("{s:s}", "name", v[0].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 200, res, 0);
out:
	PQclear(res);
	return er;
}

/* DELETE /api/teams/:id — owners only; members and invitations go too. */
enum op_err
teams_delete(struct op_req *r)
{
	enum op_role	role;
	enum op_err	er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_TEAM, &role)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM auth.teams WHERE"
	    " id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "team.deleted", r->params[0], "team",
	    r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}
