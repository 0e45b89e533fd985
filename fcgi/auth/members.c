/*
 * members.c — who is in a team, with which role. Only owners make or
 * unmake owners, and a team never loses its last owner.
 */
#include <string.h>
#include <strings.h>

#include "auth.h"

#define MEMBER_COLUMNS	"m.user_id, u.email, u.name, m.role, m.created_at"

/* GET /api/teams/:id/members */
enum op_err
members_list(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_READ, &role)) !=
	    OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " MEMBER_COLUMNS
	    " FROM auth.members m JOIN auth.users u ON u.id = m.user_id"
	    " WHERE m.team_id = $1 ORDER BY m.created_at, m.user_id",
	    r->params[0])) != OP_OK)
		return er;
	/* The whole list: it is bounded, so it is one page. */
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}

/*
 * Lock the team's membership and load target's role: OP_ENOTFOUND when
 * target is not a member. *owners is how many owners the team has.
 */
static enum op_err
member_load(struct op_req *r, const char *team, const char *target,
    enum op_role *role, long long *owners)
{
	PGresult	*res = NULL;
	const char	*why;
	enum op_err	 er;

	*role = OP_ROLE_VIEWER;
	*owners = 0;
	if (target == NULL || op_valid_uuid(target, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such member",
		    NULL);
	if ((er = op_db_execv(r->db, NULL, "SELECT 1 FROM auth.teams WHERE"
	    " id = $1 FOR UPDATE", team)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT m.role, (SELECT count(*)"
	    " FROM auth.members o WHERE o.team_id = $1 AND o.role = 'owner')"
	    " FROM auth.members m WHERE m.team_id = $1 AND m.user_id = $2",
	    team, target)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such member",
		    NULL);
		goto out;
	}
	if ((er = op_role_parse(PQgetvalue(res, 0, 0), role)) != OP_OK) {
		er = OP_EINTERNAL;
		goto out;
	}
	er = op_strtonum(PQgetvalue(res, 0, 1), 0, 1LL << 40, owners);
out:
	PQclear(res);
	return er;
}

static const struct op_field member_fields[] = {
	{ "role", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, op_valid_role },
};

/* PATCH /api/teams/:id/members/:user_id — change a member's role. */
enum op_err
members_update(struct op_req *r)
{
	struct op_value	 v[nitems(member_fields)];
	const char	*team = r->params[0], *target = r->params[1];
	enum op_role	 mine, theirs, want;
	long long	 owners;
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_team_authorize(r, team, OP_ACT_MEMBERS, &mine)) != OP_OK ||
	    (er = op_fields_body(r, member_fields, nitems(member_fields), v)) !=
	    OP_OK)
		return er;
	(void)op_role_parse(v[0].s, &want);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = member_load(r, team, target, &theirs, &owners)) != OP_OK)
		goto out;
	if ((want == OP_ROLE_OWNER || theirs == OP_ROLE_OWNER) &&
	    mine != OP_ROLE_OWNER) {
		er = op_fail(r, OP_EFORBIDDEN, "owner_only",
		    "only an owner may make or unmake owners", "role");
		goto out;
	}
	if (theirs == OP_ROLE_OWNER && want != OP_ROLE_OWNER && owners <= 1) {
		er = op_fail(r, OP_ECONFLICT, "last_owner",
		    "a team must keep at least one owner", "role");
		goto out;
	}
	if ((er = op_db_execv(r->db, &res, "UPDATE auth.members m SET"
	    " role = $3 FROM auth.users u WHERE m.team_id = $1"
	    " AND m.user_id = $2 AND u.id = m.user_id RETURNING "
	    MEMBER_COLUMNS, team, target, v[0].s)) != OP_OK ||
	    (er = op_event_emit(r, "team.member_role_changed", team, "user",
	    target, json_pack("{s:s, s:s}", "from", op_role_name(theirs),
	    "to", v[0].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 200, res, 0);
out:
	PQclear(res);
	return er;
}

/* DELETE /api/teams/:id/members/:user_id — remove, or leave oneself. */
enum op_err
members_delete(struct op_req *r)
{
	const char	*team = r->params[0], *target = r->params[1];
	enum op_role	 mine, theirs;
	long long	 owners;
	enum op_err	 er;
	int		 self = target != NULL &&
			    strcasecmp(target, r->auth.user_id) == 0;

	er = op_team_authorize(r, team, self ? OP_ACT_READ : OP_ACT_MEMBERS,
	    &mine);
	if (er != OP_OK)
		return er;
	if (self && r->auth.scope != OP_SCOPE_WRITE)
		return op_fail(r, OP_EFORBIDDEN, "read_only_token",
		    "this token may only read", NULL);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = member_load(r, team, target, &theirs, &owners)) != OP_OK)
		return er;
	if (theirs == OP_ROLE_OWNER && !self && mine != OP_ROLE_OWNER)
		return op_fail(r, OP_EFORBIDDEN, "owner_only",
		    "only an owner may remove an owner", NULL);
	if (theirs == OP_ROLE_OWNER && owners <= 1)
		return op_fail(r, OP_ECONFLICT, "last_owner",
		    "a team must keep at least one owner", NULL);
	if ((er = op_db_execv(r->db, NULL, "DELETE FROM auth.members WHERE"
	    " team_id = $1 AND user_id = $2", team, target)) != OP_OK ||
	    (er = op_event_emit(r, "team.member_removed", team, "user", target,
	    json_pack("{s:s, s:b}", "role", op_role_name(theirs), "left",
	    self))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}
