/*
 * users.c — instance admins manage the accounts of the instance.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"

/* A path :id that is not a UUID names nothing. */
static enum op_err
user_id_param(struct op_req *r, const char **id)
{
	const char	*why;

	*id = r->params[0];
	if (*id == NULL || op_valid_uuid(*id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such user",
		    NULL);
	return OP_OK;
}

/* GET /api/users — every account, oldest first, keyset-paged. */
enum op_err
users_list(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*after;
	long long	 limit;
	enum op_err	 er;

	if ((er = page_args(r, &limit, &after)) != OP_OK)
		return er;
	er = op_db_execv(r->db, &res, "SELECT " USER_COLUMNS
	    " FROM auth.users u WHERE $1::uuid IS NULL OR (u.created_at, u.id)"
	    " > (SELECT created_at, id FROM auth.users WHERE id = $1::uuid)"
	    " ORDER BY u.created_at, u.id LIMIT $2", after,
	    op_req_printf(r, "%lld", limit + 1));
	if (er == OP_OK)
		er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

static const struct op_field create_fields[] = {
	{ "email", OP_FT_STRING, OP_FF_REQUIRED, 3, 254, op_valid_email },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 10, 512,
	    op_valid_password },
	{ "is_admin", OP_FT_BOOL, 0, 0, 0, NULL },
};

enum op_err
user_insert(struct op_req *r, const char *email, const char *name,
    const char *hash, int is_admin, const char *via, PGresult **res)
{
	enum op_err	er;

	er = op_db_execv(r->db, res, "INSERT INTO auth.users AS u (email,"
	    " name, password_hash, is_admin) VALUES ($1, $2, $3, $4)"
	    " RETURNING " USER_COLUMNS, email, name, hash,
	    is_admin ? "true" : "false");
	if (er == OP_ECONFLICT)
		return op_fail(r, er, "email_taken",
		    "an account with this email exists", "email");
	if (er != OP_OK)
		return er;
	/* Made by no one signed in (setup, sign-up): its own actor. */
	if (r->auth.user_id[0] == '\0')
		snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s",
		    op_db_get(*res, 0, "id"));
	return op_event_emit(r, "user.created", NULL, "user",
	    op_db_get(*res, 0, "id"), json_pack("{s:s, s:b, s:s*}", "email",
	    email, "is_admin", is_admin, "via", via));
}

/* POST /api/users */
enum op_err
users_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	char		 hash[128], *email;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK)
		return er;
	if ((email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	if ((er = op_password_hash(v[2].s, hash, sizeof(hash))) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK)
		goto out;
	if ((er = user_insert(r, email, v[1].s, hash, (int)v[3].i, NULL,
	    &res)) != OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 201, res, 0);
out:
	op_wipe(hash, sizeof(hash));
	PQclear(res);
	return er;
}

/* GET /api/users/:id */
enum op_err
users_get(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*id;
	enum op_err	 er;

	if ((er = user_id_param(r, &id)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " USER_COLUMNS
	    " FROM auth.users u WHERE u.id = $1", id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such user",
		    NULL);
	else
		er = op_reply_row(r, 200, res, 0);
out:
	PQclear(res);
	return er;
}

static const struct op_field update_fields[] = {
	{ "email", OP_FT_STRING, 0, 3, 254, op_valid_email },
	{ "name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "password", OP_FT_STRING, OP_FF_SECRET, 10, 512, op_valid_password },
	{ "is_admin", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "disabled", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* OP_ECONFLICT when the change would leave the instance without an
 * enabled admin. */
static enum op_err
keeps_an_admin(struct op_req *r, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	er = op_db_execv(r->db, &res, "SELECT count(*) FROM auth.users"
	    " WHERE is_admin AND NOT disabled AND id <> $1", id);
	if (er == OP_OK && strcmp(PQgetvalue(res, 0, 0), "0") == 0)
		er = op_fail(r, OP_ECONFLICT, "last_admin",
		    "the instance must keep at least one enabled admin", NULL);
	PQclear(res);
	return er;
}

/* PATCH /api/users/:id — disabling ends the user's sessions. */
enum op_err
users_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	PGresult	*res = NULL;
	char		 hash[128] = "";
	const char	*id, *email = NULL;
	enum op_err	 er;

	if ((er = user_id_param(r, &id)) != OP_OK ||
	    (er = op_fields_body(r, update_fields, nitems(update_fields), v)) !=
	    OP_OK)
		return er;
	if (v[0].set && (email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	if (v[2].set &&
	    (er = op_password_hash(v[2].s, hash, sizeof(hash))) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_exec(r->db, NULL, "LOCK TABLE auth.users IN SHARE ROW"
	    " EXCLUSIVE MODE", 0, NULL)) != OP_OK)
		goto out;
	if (((v[3].set && !v[3].i) || (v[4].set && v[4].i)) &&
	    (er = keeps_an_admin(r, id)) != OP_OK)
		goto out;
	er = op_db_execv(r->db, &res, "UPDATE auth.users AS u SET"
	    " email = COALESCE($2, email), name = COALESCE($3, name),"
	    " password_hash = COALESCE($4, password_hash),"
	    " is_admin = COALESCE($5::boolean, is_admin),"
	    " disabled = COALESCE($6::boolean, disabled), updated_at = now()"
	    " WHERE id = $1 RETURNING " USER_COLUMNS, id, email,
	    v[1].set ? v[1].s : NULL, v[2].set ? hash : NULL,
	    v[3].set ? (v[3].i ? "true" : "false") : NULL,
	    v[4].set ? (v[4].i ? "true" : "false") : NULL);
	if (er == OP_ECONFLICT) {
		er = op_fail(r, er, "email_taken",
		    "an account with this email exists", "email");
		goto out;
	}
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such user",
		    NULL);
		goto out;
	}
	if (((v[4].set && v[4].i) || v[2].set) &&
	    (er = sessions_revoke_user(r, id, NULL)) != OP_OK)
		goto out;
	if ((er = op_event_emit(r, "user.updated", NULL, "user", id,
	    json_pack("{s:b, s:b, s:b, s:b, s:b}", "email", v[0].set,
	    "name", v[1].set, "password", v[2].set, "is_admin", v[3].set,
	    "disabled", v[4].set))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 200, res, 0);
out:
	op_wipe(hash, sizeof(hash));
	PQclear(res);
	return er;
}

/* DELETE /api/users/:id — not the last admin, and teams keep an owner. */
enum op_err
users_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*id;
	enum op_err	 er;

	if ((er = user_id_param(r, &id)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_exec(r->db, NULL, "LOCK TABLE auth.users, auth.members"
	    " IN SHARE ROW EXCLUSIVE MODE", 0, NULL)) != OP_OK ||
	    (er = keeps_an_admin(r, id)) != OP_OK)
		goto out;
	if ((er = op_db_execv(r->db, &res, "SELECT m.team_id FROM"
	    " auth.members m WHERE m.user_id = $1 AND m.role = 'owner'"
	    " AND NOT EXISTS (SELECT 1 FROM auth.members o WHERE"
	    " o.team_id = m.team_id AND o.role = 'owner' AND o.user_id <> $1)"
	    " LIMIT 1", id)) != OP_OK)
		goto out;
	if (PQntuples(res) > 0) {
		er = op_fail(r, OP_ECONFLICT, "last_owner",
		    "this user is the last owner of a team; transfer it first",
		    NULL);
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((er = op_db_execv(r->db, &res, "DELETE FROM auth.users WHERE"
	    " id = $1 RETURNING email", id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such user",
		    NULL);
		goto out;
	}
	if ((er = op_event_emit(r, "user.deleted", NULL, "user", id,
	    json_pack("{s:s}", "email", PQgetvalue(res, 0, 0)))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_empty(r, 204);
out:
	PQclear(res);
	return er;
}
