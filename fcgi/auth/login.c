/*
 * login.c — POST /api/auth/login: password, then the second factor when
 * it is on; throttled per account and per client address; every attempt
 * leaves an event.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

static const struct op_field login_fields[] = {
	{ "email", OP_FT_STRING, OP_FF_REQUIRED, 3, 254, op_valid_email },
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 1, 1024,
	    op_valid_text },
	{ "totp_code", OP_FT_STRING, OP_FF_SECRET, 6, 11, op_valid_totp_code },
};

/* A hash to verify against when the account does not exist, so that a
 * missing account takes as long to refuse as a wrong password. */
static char	decoy[128];

/* OP_ERATE when the account or the address failed too often lately. */
static enum op_err
throttled(struct op_req *r, const char *email)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	er = op_db_execv(r->db, &res, "SELECT"
	    " (SELECT count(*) FROM auth.login_failures WHERE email = $1"
	    "  AND at > now() - interval '15 minutes'),"
	    " (SELECT count(*) FROM auth.login_failures WHERE ip = $2"
	    "  AND at > now() - interval '15 minutes')", email,
	    r->remote_addr);
	if (er != OP_OK)
		goto out;
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= FAILS_PER_EMAIL ||
	    strtol(PQgetvalue(res, 0, 1), NULL, 10) >= FAILS_PER_IP)
		er = op_fail(r, OP_ERATE, "too_many_attempts",
		    "too many failed sign-ins; try again in 15 minutes", NULL);
out:
	PQclear(res);
	return er;
}

/* Record a failure (its own transaction) and answer 401 with code. */
static enum op_err
failed(struct op_req *r, const char *email, const char *user_id,
    const char *code, const char *message)
{
	enum op_err	er;

	op_db_rollback(r->db);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO auth.login_failures"
	    " (email, ip) VALUES ($1, $2)", email, r->remote_addr)) != OP_OK ||
	    (er = op_event_emit(r, "user.login_failed", NULL, "user", user_id,
	    json_pack("{s:s, s:s}", "email", email, "reason", code))) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		return er;
	r->failure_recorded = 1;
	return op_fail(r, OP_EUNAUTH, code, message, NULL);
}

/* A recovery code, spent on use. OP_EUNAUTH when unknown or used. */
static enum op_err
recovery_spend(struct op_req *r, const char *user_id, const char *code)
{
	PGresult	*res = NULL;
	char		 hash[65];
	char		*norm = str_lower(r, code);
	enum op_err	 er;

	if (norm == NULL)
		return OP_ENOMEM;
	op_sha256_hex(norm, strlen(norm), hash);
	er = op_db_execv(r->db, &res, "UPDATE auth.recovery_codes SET"
	    " used_at = now() WHERE user_id = $1 AND code_hash = $2"
	    " AND used_at IS NULL RETURNING 1", user_id, hash);
	if (er == OP_OK && PQntuples(res) != 1)
		er = OP_EUNAUTH;
	PQclear(res);
	return er;
}

enum op_err
second_factor(struct op_req *r, const char *user_id, const char *sealed,
    const char *last_step, const char *code)
{
	unsigned char	*secret = NULL;
	size_t		 len = 0;
	long long	 last = 0;
	int64_t		 step;
	enum op_err	 er;

	if (strlen(code) != OP_TOTP_DIGITS)
		return recovery_spend(r, user_id, code);
	if (sealed == NULL || op_secret_open(sealed, &secret, &len) != OP_OK)
		return OP_EINTERNAL;
	(void)op_strtonum(last_step, 0, 1LL << 62, &last);
	er = op_totp_verify(secret, len, code, (int64_t)time(NULL), last,
	    &step);
	op_wipe(secret, len);
	free(secret);
	if (er != OP_OK)
		return OP_EUNAUTH;
	return op_db_execv(r->db, NULL, "UPDATE auth.users SET"
	    " totp_last_step = $2 WHERE id = $1", user_id,
	    op_req_printf(r, "%lld", (long long)step));
}

enum op_err
login(struct op_req *r)
{
	struct op_value	 v[nitems(login_fields)];
	PGresult	*res = NULL;
	const char	*uid, *hash;
	char		*email;
	json_t		*user;
	enum op_err	 er;

	if ((er = op_fields_body(r, login_fields, nitems(login_fields), v)) !=
	    OP_OK)
		return er;
	if ((email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	if ((er = throttled(r, email)) == OP_ERATE) {
		/* Leave a trace of the refused attempt, then refuse it. */
		if (op_db_begin(r->db) == OP_OK && op_event_emit(r,
		    "user.login_failed", NULL, "user", NULL, json_pack(
		    "{s:s, s:s}", "email", email, "reason",
		    "too_many_attempts")) == OP_OK &&
		    op_db_commit(r->db) == OP_OK)
			r->failure_recorded = 1;
		return er;
	}
	if (er != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK)
		goto out;
	er = op_db_execv(r->db, &res, "SELECT " USER_COLUMNS ","
	    " u.password_hash, u.totp_secret, u.totp_last_step"
	    " FROM auth.users u WHERE u.email = $1 FOR UPDATE", email);
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		if (decoy[0] == '\0')
			op_password_hash("decoy password", decoy, sizeof(decoy));
		(void)op_password_verify(decoy, v[1].s);
		er = failed(r, email, NULL, "invalid_credentials",
		    "wrong email or password");
		goto out;
	}
	uid = op_req_strdup(r, op_db_get(res, 0, "id"));
	hash = op_db_get(res, 0, "password_hash");
	er = op_password_verify(hash, v[1].s);
	if (er == OP_EUNAUTH || (er == OP_OK &&
	    op_db_get(res, 0, "disabled")[0] == 't')) {
		er = failed(r, email, uid, "invalid_credentials",
		    "wrong email or password");
		goto out;
	}
	if (er != OP_OK)
		goto out;
	if (op_db_get(res, 0, "totp_enabled")[0] == 't') {
		if (!v[2].set) {
			er = op_fail(r, OP_EUNAUTH, "totp_required",
			    "enter the code from your authenticator app",
			    "totp_code");
			goto out;
		}
		er = second_factor(r, uid, op_db_get(res, 0, "totp_secret"),
		    op_db_get(res, 0, "totp_last_step"), v[2].s);
		if (er == OP_EUNAUTH) {
			er = failed(r, email, uid, "invalid_totp",
			    "the code is wrong or was already used");
			goto out;
		}
		if (er != OP_OK)
			goto out;
	}
	/* The identity of the new session is the caller's from now on. */
	snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s", uid);
	if ((er = op_db_execv(r->db, NULL, "DELETE FROM auth.login_failures"
	    " WHERE email = $1", email)) != OP_OK ||
	    (er = op_event_emit(r, "user.login", NULL, "user", uid,
	    json_pack("{s:b}", "totp", op_db_get(res, 0,
	    "totp_enabled")[0] == 't'))) != OP_OK)
		goto out;
	user = op_db_row_json(res, 0);
	json_object_del(user, "password_hash");
	json_object_del(user, "totp_secret");
	json_object_del(user, "totp_last_step");
	er = session_issue(r, uid, NULL, user);
out:
	PQclear(res);
	return er;
}
