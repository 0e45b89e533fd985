/*
 * signup.c — open sign-up: when an instance admin has set signup_open,
 * anyone may create an account of their own (never an instance admin;
 * they belong to no team until they create one or accept an
 * invitation). Closed, the answer says so and nothing is written.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

static const struct op_field signup_fields[] = {
	{ "email", OP_FT_STRING, OP_FF_REQUIRED, 3, 254, op_valid_email },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 10, 512,
	    op_valid_password },
};

/* Whether sign-up is open, read inside r's transaction when it has one
 * (FOR SHARE: an admin closing it waits for the sign-up to finish). */
static enum op_err
signup_is_open(struct op_req *r, int lock, int *open)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	*open = 0;
	if ((er = op_db_exec(r->db, &res, lock ? "SELECT value = 'true' FROM"
	    " auth.settings WHERE key = 'signup_open' FOR SHARE" : "SELECT"
	    " value = 'true' FROM auth.settings WHERE key = 'signup_open'", 0,
	    NULL)) != OP_OK)
		return er;
	*open = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return OP_OK;
}

static enum op_err
closed(struct op_req *r)
{
	return op_fail(r, OP_EFORBIDDEN, "signup_closed", "sign-up is closed: "
	    "an instance admin creates accounts", NULL);
}

/* GET /api/auth/signup — {"open": bool}, for the sign-in screen. */
enum op_err
signup_get(struct op_req *r)
{
	enum op_err	er;
	int		open;

	if ((er = signup_is_open(r, 0, &open)) != OP_OK)
		return er;
	return op_reply_json(r, 200, json_pack("{s:b}", "open", open));
}

/* POST /api/auth/signup — {email, name, password}: the new account
 * (201), to sign in with; 403 signup_closed when sign-up is not open. */
enum op_err
signup_create(struct op_req *r)
{
	struct op_value	 v[nitems(signup_fields)];
	PGresult	*res = NULL;
	char		 hash[128], *email;
	enum op_err	 er;
	int		 open;

	if ((er = op_fields_body(r, signup_fields, nitems(signup_fields),
	    v)) != OP_OK)
		return er;
	if ((email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	/* Refuse before hashing: a closed panel spends no CPU on it. */
	if ((er = signup_is_open(r, 0, &open)) != OP_OK)
		return er;
	if (!open)
		return closed(r);
	if ((er = op_password_hash(v[2].s, hash, sizeof(hash))) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = signup_is_open(r, 1, &open)) != OP_OK)
		goto out;
	if (!open) {
		er = closed(r);
		goto out;
	}
	if ((er = user_insert(r, email, v[1].s, hash, 0, "signup", &res)) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 201, res, 0);
out:
	op_wipe(hash, sizeof(hash));
	PQclear(res);
	return er;
}
