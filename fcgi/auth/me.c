/*
 * me.c — the caller's own account: who am I, and changing my password.
 */
#include <string.h>

#include "auth.h"

/* GET /api/auth/me — the user, 2FA state, and teams with roles. */
enum op_err
me_get(struct op_req *r)
{
	PGresult	*res = NULL, *teams = NULL;
	json_t		*user, *list;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_execv(r->db, &res, "SELECT " USER_COLUMNS
	    " FROM auth.users u WHERE u.id = $1", r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_EUNAUTH, "unauthenticated", "no such user",
		    NULL);
		goto out;
	}
	if ((er = op_db_execv(r->db, &teams, "SELECT t.id, t.name, m.role"
	    " FROM auth.members m JOIN auth.teams t ON t.id = m.team_id"
	    " WHERE m.user_id = $1 ORDER BY t.name, t.id",
	    r->auth.user_id)) != OP_OK)
		goto out;
	user = op_db_row_json(res, 0);
	list = json_array();
	for (i = 0; i < PQntuples(teams); i++)
		json_array_append_new(list, op_db_row_json(teams, i));
	json_object_set_new(user, "teams", list);
	json_object_set_new(user, "auth", json_pack("{s:s, s:s}",
	    "kind", r->auth.session_id[0] ? "session" : "api_token",
	    "scope", r->auth.scope == OP_SCOPE_WRITE ? "write" : "read"));
	er = op_reply_json(r, 200, user);
out:
	PQclear(res);
	PQclear(teams);
	return er;
}

static const struct op_field password_fields[] = {
	{ "current_password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 1,
	    1024, op_valid_text },
	{ "new_password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 10, 512,
	    op_valid_password },
};

/* POST /api/auth/password — every other session of the user ends. */
enum op_err
me_password(struct op_req *r)
{
	struct op_value	 v[nitems(password_fields)];
	PGresult	*res = NULL;
	char		 hash[128];
	enum op_err	 er;

	if ((er = op_fields_body(r, password_fields, nitems(password_fields),
	    v)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT password_hash FROM"
	    " auth.users WHERE id = $1 FOR UPDATE", r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_EUNAUTH, "unauthenticated", "no such user",
		    NULL);
		goto out;
	}
	er = op_password_verify(PQgetvalue(res, 0, 0), v[0].s);
	if (er == OP_EUNAUTH) {
		er = op_fail(r, OP_EFORBIDDEN, "wrong_password",
		    "the current password is wrong", "current_password");
		goto out;
	}
	if (er != OP_OK ||
	    (er = op_password_hash(v[1].s, hash, sizeof(hash))) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.users SET"
	    " password_hash = $2, updated_at = now() WHERE id = $1",
	    r->auth.user_id, hash)) != OP_OK ||
	    (er = sessions_revoke_user(r, r->auth.user_id,
	    r->auth.session_id)) != OP_OK ||
	    (er = op_event_emit(r, "user.password_changed", NULL, "user",
	    r->auth.user_id, NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_empty(r, 204);
out:
	op_wipe(hash, sizeof(hash));
	PQclear(res);
	return er;
}
