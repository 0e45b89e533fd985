/*
 * twofactor.c — TOTP (RFC 6238) enrolment: a pending secret, enabled by a
 * first good code which also yields single-use recovery codes; disabled
 * with the password and a code.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

#define RECOVERY_CODES	10

/* POST /api/auth/totp/setup — a new pending secret, not yet in force. */
enum op_err
totp_setup(struct op_req *r)
{
	unsigned char	 secret[OP_TOTP_SECRET_LEN];
	char		 b32[64], *sealed = NULL;
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT totp_enabled, email FROM"
	    " auth.users WHERE id = $1 FOR UPDATE", r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_EUNAUTH, "unauthenticated", "no such user",
		    NULL);
		goto out;
	}
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		er = op_fail(r, OP_ECONFLICT, "totp_already_enabled",
		    "two-factor authentication is already on; disable it first",
		    NULL);
		goto out;
	}
	if ((er = op_random(secret, sizeof(secret))) != OP_OK)
		goto out;
	if (op_base32_encode(secret, sizeof(secret), b32, sizeof(b32)) < 0) {
		er = OP_EINTERNAL;
		goto out;
	}
	if ((er = op_secret_seal(secret, sizeof(secret), &sealed)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.users SET"
	    " totp_secret = $2, totp_last_step = 0 WHERE id = $1",
	    r->auth.user_id, sealed)) != OP_OK ||
	    (er = op_event_emit(r, "user.totp_setup_started", NULL, "user",
	    r->auth.user_id, NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_json(r, 200, json_pack("{s:s, s:s}", "secret", b32,
	    "otpauth_uri", op_req_printf(r, "otpauth://totp/OpenPanel:%s?"
	    "secret=%s&issuer=OpenPanel&algorithm=SHA1&digits=%d&period=%d",
	    op_req_urlencode(r, PQgetvalue(res, 0, 1)), b32, OP_TOTP_DIGITS,
	    OP_TOTP_STEP)));
out:
	op_wipe(secret, sizeof(secret));
	op_wipe(b32, sizeof(b32));
	free(sealed);
	PQclear(res);
	return er;
}

/* Make RECOVERY_CODES fresh codes ("abcde-fghij"), storing their hashes. */
static enum op_err
recovery_codes_new(struct op_req *r, json_t *out)
{
	static const char	 alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char		 raw[10];
	char			 code[12], hash[65];
	enum op_err		 er;
	int			 i, j;

	if ((er = op_db_execv(r->db, NULL, "DELETE FROM auth.recovery_codes"
	    " WHERE user_id = $1", r->auth.user_id)) != OP_OK)
		return er;
	for (i = 0; i < RECOVERY_CODES; i++) {
		if ((er = op_random(raw, sizeof(raw))) != OP_OK)
			return er;
		for (j = 0; j < 10; j++)
			code[j < 5 ? j : j + 1] = alphabet[raw[j] & 31];
		code[5] = '-';
		code[11] = '\0';
		op_sha256_hex(code, 11, hash);
		if ((er = op_db_execv(r->db, NULL, "INSERT INTO"
		    " auth.recovery_codes (user_id, code_hash) VALUES ($1, $2)",
		    r->auth.user_id, hash)) != OP_OK)
			return er;
		json_array_append_new(out, json_string(code));
	}
	op_wipe(raw, sizeof(raw));
	return OP_OK;
}

static const struct op_field enable_fields[] = {
	{ "code", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 6, 6,
	    op_valid_totp_code },
};

/* POST /api/auth/totp/enable — a good code turns the pending secret on. */
enum op_err
totp_enable(struct op_req *r)
{
	struct op_value	 v[nitems(enable_fields)];
	PGresult	*res = NULL;
	json_t		*codes = NULL;
	enum op_err	 er;

	if ((er = op_fields_body(r, enable_fields, nitems(enable_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT totp_enabled, totp_secret,"
	    " totp_last_step FROM auth.users WHERE id = $1 FOR UPDATE",
	    r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 1)) {
		er = op_fail(r, OP_ECONFLICT, "totp_not_set_up",
		    "call POST /api/auth/totp/setup first", NULL);
		goto out;
	}
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		er = op_fail(r, OP_ECONFLICT, "totp_already_enabled",
		    "two-factor authentication is already on", NULL);
		goto out;
	}
	er = second_factor(r, r->auth.user_id, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), v[0].s);
	if (er == OP_EUNAUTH) {
		er = op_fail(r, OP_EINVAL, "invalid_totp",
		    "the code does not match; check the device's clock",
		    "code");
		goto out;
	}
	if (er != OP_OK)
		goto out;
	if ((codes = json_array()) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = recovery_codes_new(r, codes)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.users SET"
	    " totp_enabled = true, updated_at = now() WHERE id = $1",
	    r->auth.user_id)) != OP_OK ||
	    (er = op_event_emit(r, "user.totp_enabled", NULL, "user",
	    r->auth.user_id, NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_json(r, 200, json_pack("{s:O}", "recovery_codes",
	    codes));
out:
	json_decref(codes);
	PQclear(res);
	return er;
}

static const struct op_field disable_fields[] = {
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 1, 1024,
	    op_valid_text },
	{ "code", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 6, 11,
	    op_valid_totp_code },
};

/* POST /api/auth/totp/disable — the password and a code turn it off. */
enum op_err
totp_disable(struct op_req *r)
{
	struct op_value	 v[nitems(disable_fields)];
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_fields_body(r, disable_fields, nitems(disable_fields),
	    v)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT totp_enabled, totp_secret,"
	    " totp_last_step, password_hash FROM auth.users WHERE id = $1"
	    " FOR UPDATE", r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 't') {
		er = op_fail(r, OP_ECONFLICT, "totp_not_enabled",
		    "two-factor authentication is not on", NULL);
		goto out;
	}
	er = op_password_verify(PQgetvalue(res, 0, 3), v[0].s);
	if (er == OP_EUNAUTH) {
		er = op_fail(r, OP_EFORBIDDEN, "wrong_password",
		    "the password is wrong", "password");
		goto out;
	}
	if (er != OP_OK)
		goto out;
	er = second_factor(r, r->auth.user_id, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 2), v[1].s);
	if (er == OP_EUNAUTH) {
		er = op_fail(r, OP_EFORBIDDEN, "invalid_totp",
		    "the code is wrong or was already used", "code");
		goto out;
	}
	if (er != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.users SET"
	    " totp_enabled = false, totp_secret = NULL, totp_last_step = 0,"
	    " updated_at = now() WHERE id = $1", r->auth.user_id)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM auth.recovery_codes"
	    " WHERE user_id = $1", r->auth.user_id)) != OP_OK ||
	    (er = op_event_emit(r, "user.totp_disabled", NULL, "user",
	    r->auth.user_id, NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_empty(r, 204);
out:
	PQclear(res);
	return er;
}
