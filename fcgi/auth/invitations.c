/*
 * invitations.c — a team invites an email address to a role; the token
 * is single-use, expires, and only the account with that email may
 * accept it.
 */
#include <ctype.h>
#include <string.h>

#include "auth.h"

#define INVITATION_COLUMNS \
	"i.id, i.team_id, i.email, i.role, i.expires_at, i.accepted_at, " \
	"i.created_at"

static const struct op_field invite_fields[] = {
	{ "email", OP_FT_STRING, OP_FF_REQUIRED, 3, 254, op_valid_email },
	{ "role", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, op_valid_role },
};

/* POST /api/teams/:id/invitations → {id, token, expires_at, …} */
enum op_err
invitations_create(struct op_req *r)
{
	struct op_value	 v[nitems(invite_fields)];
	const char	*team = r->params[0];
	enum op_role	 mine, want;
	PGresult	*res = NULL;
	char		*token, *hash, *email;
	json_t		*inv;
	enum op_err	 er;

	if ((er = op_team_authorize(r, team, OP_ACT_MEMBERS, &mine)) != OP_OK ||
	    (er = op_fields_body(r, invite_fields, nitems(invite_fields), v)) !=
	    OP_OK)
		return er;
	(void)op_role_parse(v[1].s, &want);
	if (want == OP_ROLE_OWNER && mine != OP_ROLE_OWNER)
		return op_fail(r, OP_EFORBIDDEN, "owner_only",
		    "only an owner may invite an owner", "role");
	if ((email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	if ((er = token_new(r, "opi_", &token, &hash)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK)
		goto out;
	if ((er = op_db_execv(r->db, &res, "INSERT INTO auth.invitations AS i"
	    " (team_id, email, role, token_hash, invited_by, expires_at)"
	    " VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))"
	    " RETURNING " INVITATION_COLUMNS, team, email, v[1].s, hash,
	    r->auth.user_id, op_req_printf(r, "%d", INVITE_DAYS))) != OP_OK ||
	    (er = op_event_emit(r, "team.member_invited", team, "invitation",
	    op_db_get(res, 0, "id"), json_pack("{s:s, s:s}", "email", email,
	    "role", v[1].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	inv = op_db_row_json(res, 0);
	json_object_set_new(inv, "token", json_string(token));
	er = op_reply_json(r, 201, inv);
out:
	PQclear(res);
	return er;
}

/* GET /api/teams/:id/invitations — the pending ones. */
enum op_err
invitations_list(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_role	 mine;
	enum op_err	 er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_MEMBERS, &mine)) !=
	    OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " INVITATION_COLUMNS
	    " FROM auth.invitations i WHERE i.team_id = $1"
	    " AND i.accepted_at IS NULL AND i.expires_at > now()"
	    " ORDER BY i.created_at, i.id", r->params[0])) != OP_OK)
		return er;
	/* The whole list: it is bounded, so it is one page. */
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}

/* DELETE /api/teams/:id/invitations/:invitation_id — withdraw one. */
enum op_err
invitations_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_role	 mine;
	const char	*why;
	enum op_err	 er;

	if ((er = op_team_authorize(r, r->params[0], OP_ACT_MEMBERS, &mine)) !=
	    OP_OK)
		return er;
	if (op_valid_uuid(r->params[1], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such invitation", NULL);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "DELETE FROM auth.invitations"
	    " WHERE id = $1 AND team_id = $2 AND accepted_at IS NULL"
	    " RETURNING id", r->params[1], r->params[0])) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such invitation", NULL);
		goto out;
	}
	if ((er = op_event_emit(r, "team.invitation_revoked", r->params[0],
	    "invitation", r->params[1], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_empty(r, 204);
out:
	PQclear(res);
	return er;
}

/* POST /api/invitations/:token/accept — by the invited account only. */
enum op_err
invitations_accept(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*token = r->params[0], *team;
	char		 hash[65];
	enum op_err	 er;

	if (token == NULL || strncmp(token, "opi_", 4) != 0 ||
	    strlen(token) > 128)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such invitation", NULL);
	op_sha256_hex(token, strlen(token), hash);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT i.id, i.team_id, i.role,"
	    " i.accepted_at IS NULL AND i.expires_at > now(),"
	    " i.email = (SELECT email FROM auth.users WHERE id = $2)"
	    " FROM auth.invitations i WHERE i.token_hash = $1 FOR UPDATE",
	    hash, r->auth.user_id)) != OP_OK)
		goto out;
	/* Someone else's invitation is as absent as an unknown one. */
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 4)[0] != 't') {
		er = op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such invitation for this account", NULL);
		goto out;
	}
	if (PQgetvalue(res, 0, 3)[0] != 't') {
		er = op_fail(r, OP_ECONFLICT, "invitation_used_or_expired",
		    "this invitation was used or has expired", NULL);
		goto out;
	}
	team = PQgetvalue(res, 0, 1);
	er = op_db_execv(r->db, NULL, "INSERT INTO auth.members (team_id,"
	    " user_id, role) VALUES ($1, $2, $3)", team, r->auth.user_id,
	    PQgetvalue(res, 0, 2));
	if (er == OP_ECONFLICT) {
		er = op_fail(r, er, "already_member",
		    "you are already in this team", NULL);
		goto out;
	}
	if (er != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.invitations SET"
	    " accepted_at = now(), accepted_by = $2 WHERE id = $1",
	    PQgetvalue(res, 0, 0), r->auth.user_id)) != OP_OK ||
	    (er = op_event_emit(r, "team.member_added", team, "user",
	    r->auth.user_id, json_pack("{s:s, s:s}", "role",
	    PQgetvalue(res, 0, 2), "invitation_id", PQgetvalue(res, 0, 0)))) !=
	    OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_json(r, 200, json_pack("{s:s, s:s}", "team_id", team,
	    "role", PQgetvalue(res, 0, 2)));
out:
	PQclear(res);
	return er;
}
