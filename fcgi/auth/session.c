/*
 * session.c — sessions and their tokens: issuing a pair, refreshing it
 * (a spent refresh token presented again ends the whole session), logout,
 * the browser cookies, and small helpers the other handlers share.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

char *
str_lower(struct op_req *r, const char *s)
{
	char	*p = op_req_strdup(r, s), *q;

	for (q = p; q != NULL && *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

enum op_err
token_new(struct op_req *r, const char *prefix, char **token, char **hash)
{
	char		 raw[64];
	enum op_err	 er;

	*token = *hash = NULL;
	if ((er = op_random_token(raw, sizeof(raw), 32)) != OP_OK)
		return er;
	if ((*token = op_req_printf(r, "%s%s", prefix, raw)) == NULL ||
	    (*hash = op_req_alloc(r, 65)) == NULL)
		return OP_ENOMEM;
	op_sha256_hex(*token, strlen(*token), *hash);
	op_wipe(raw, sizeof(raw));
	return OP_OK;
}

/* Set-Cookie for name with the attributes every panel cookie shares. */
static void
cookie_set(struct op_req *r, const char *name, const char *value,
    const char *path, long max_age, int httponly)
{
	op_reply_header(r, "Set-Cookie", op_req_printf(r,
	    "%s=%s; Path=%s; Max-Age=%ld; SameSite=Strict%s%s", name, value,
	    path, max_age, httponly ? "; HttpOnly" : "",
	    r->tls ? "; Secure" : ""));
}

static void
cookies_set(struct op_req *r, const char *access, const char *refresh)
{
	char	csrf[48];

	cookie_set(r, "op_access", access, "/", ACCESS_TTL, 1);
	cookie_set(r, "op_refresh", refresh, "/api/auth", SESSION_DAYS *
	    86400L, 1);
	if (op_random_token(csrf, sizeof(csrf), 24) == OP_OK)
		cookie_set(r, "op_csrf", csrf, "/", SESSION_DAYS * 86400L, 0);
}

void
cookies_clear(struct op_req *r)
{
	cookie_set(r, "op_access", "", "/", 0, 1);
	cookie_set(r, "op_refresh", "", "/api/auth", 0, 1);
	cookie_set(r, "op_csrf", "", "/", 0, 0);
}

enum op_err
session_issue(struct op_req *r, const char *user_id, const char *session_id,
    json_t *user)
{
	PGresult	*res = NULL;
	char		*refresh, *hash, *access = NULL;
	const char	*sid = session_id;
	json_t		*out;
	enum op_err	 er;

	if ((er = token_new(r, "opr_", &refresh, &hash)) != OP_OK)
		goto out;
	if (sid == NULL) {
		er = op_db_execv(r->db, &res, "INSERT INTO auth.sessions"
		    " (user_id, ip, user_agent, expires_at) VALUES ($1, $2,"
		    " left($3, 256), now() + make_interval(days => $4))"
		    " RETURNING id", user_id, r->remote_addr, r->user_agent,
		    op_req_printf(r, "%d", SESSION_DAYS));
		if (er != OP_OK)
			goto out;
		sid = op_req_strdup(r, PQgetvalue(res, 0, 0));
	}
	if ((er = op_db_execv(r->db, NULL, "INSERT INTO auth.refresh_tokens"
	    " (hash, session_id) VALUES ($1, $2)", hash, sid)) != OP_OK)
		goto out;
	if ((er = op_jwt_issue(user_id, sid, (int64_t)time(NULL), ACCESS_TTL,
	    &access)) != OP_OK)
		goto out;
	if ((er = op_db_commit(r->db)) != OP_OK)
		goto out;
	out = json_pack("{s:s, s:s, s:s, s:i}", "access_token", access,
	    "refresh_token", refresh, "token_type", "Bearer",
	    "expires_in", ACCESS_TTL);
	if (out != NULL && user != NULL) {
		json_object_set_new(out, "user", user);
		user = NULL;
	}
	cookies_set(r, access, refresh);
	er = op_reply_json(r, 200, out);
out:
	json_decref(user);
	free(access);
	PQclear(res);
	return er;
}

enum op_err
sessions_revoke_user(struct op_req *r, const char *user_id, const char *keep)
{
	return op_db_execv(r->db, NULL, "UPDATE auth.sessions SET"
	    " revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"
	    " AND ($2::uuid IS NULL OR id <> $2::uuid)", user_id,
	    keep != NULL && *keep != '\0' ? keep : NULL);
}

static const struct op_field refresh_fields[] = {
	{ "refresh_token", OP_FT_STRING, OP_FF_SECRET, 1, 256, NULL },
};

/* POST /api/auth/refresh — a new pair for a live refresh token. */
enum op_err
session_refresh(struct op_req *r)
{
	struct op_value	 v[nitems(refresh_fields)];
	PGresult	*res = NULL;
	const char	*token, *csrf, *header, *sid, *uid;
	char		 hash[65];
	enum op_err	 er;

	memset(v, 0, sizeof(v));
	if (r->body != NULL && (er = op_fields_body(r, refresh_fields,
	    nitems(refresh_fields), v)) != OP_OK)
		return er;
	token = v[0].s;
	if (token == NULL) {	/* the browser: cookie plus CSRF header */
		token = op_req_cookie(r, "op_refresh");
		csrf = op_req_cookie(r, "op_csrf");
		header = op_req_header(r, "HTTP_X_CSRF_TOKEN");
		if (token != NULL && (csrf == NULL || header == NULL ||
		    strlen(csrf) != strlen(header) ||
		    !op_ct_equal(csrf, header, strlen(csrf))))
			return op_fail(r, OP_EFORBIDDEN, "csrf_failed",
			    "the X-CSRF-Token header is missing or wrong",
			    NULL);
	}
	if (token == NULL || strlen(token) > 256)
		return op_fail(r, OP_EUNAUTH, "invalid_refresh_token",
		    "no refresh token", "refresh_token");
	op_sha256_hex(token, strlen(token), hash);

	if ((er = op_db_begin(r->db)) != OP_OK)
		goto out;
	er = op_db_execv(r->db, &res,
	    "SELECT t.spent_at IS NOT NULL, s.id, s.user_id,"
	    " s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled"
	    " FROM auth.refresh_tokens t JOIN auth.sessions s"
	    " ON s.id = t.session_id JOIN auth.users u ON u.id = s.user_id"
	    " WHERE t.hash = $1 FOR UPDATE OF t, s", hash);
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 3)[0] != 't') {
		er = op_fail(r, OP_EUNAUTH, "invalid_refresh_token",
		    "the refresh token is not valid", "refresh_token");
		goto out;
	}
	sid = op_req_strdup(r, PQgetvalue(res, 0, 1));
	uid = op_req_strdup(r, PQgetvalue(res, 0, 2));
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		/* Replayed: someone else may hold the pair. End it all. */
		if ((er = op_db_execv(r->db, NULL, "UPDATE auth.sessions SET"
		    " revoked_at = now() WHERE id = $1", sid)) != OP_OK ||
		    (er = op_event_emit(r, "session.revoked", NULL, "session",
		    sid, json_pack("{s:s, s:s}", "reason", "refresh_reused",
		    "user_id", uid))) != OP_OK ||
		    (er = op_db_commit(r->db)) != OP_OK)
			goto out;
		er = op_fail(r, OP_EUNAUTH, "refresh_token_reused",
		    "this refresh token was already used; the session has "
		    "ended", "refresh_token");
		goto out;
	}
	if ((er = op_db_execv(r->db, NULL, "UPDATE auth.refresh_tokens SET"
	    " spent_at = now() WHERE hash = $1", hash)) != OP_OK)
		goto out;
	/* The session's holder is the caller: the trail names them. */
	snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s", uid);
	if ((er = op_event_emit(r, "session.refreshed", NULL, "session", sid,
	    NULL)) != OP_OK)
		goto out;
	er = session_issue(r, uid, sid, NULL);
out:
	PQclear(res);
	return er;
}

/* POST /api/auth/logout — this session ends, its tokens with it. */
enum op_err
session_logout(struct op_req *r)
{
	enum op_err	er;

	if (r->auth.session_id[0] == '\0')
		return op_fail(r, OP_EBADREQ, "not_a_session",
		    "API tokens are revoked with DELETE /api/tokens/:id", NULL);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE auth.sessions SET"
	    " revoked_at = now() WHERE id = $1 AND user_id = $2",
	    r->auth.session_id, r->auth.user_id)) != OP_OK ||
	    (er = op_event_emit(r, "user.logout", NULL, "user",
	    r->auth.user_id, NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	cookies_clear(r);
	return op_reply_empty(r, 204);
}

static const struct op_field page_fields[] = {
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

enum op_err
page_args(struct op_req *r, long long *limit, const char **after)
{
	struct op_value	v[nitems(page_fields)];
	enum op_err	er;

	*limit = 50;
	*after = NULL;
	if ((er = op_fields_query(r, page_fields, nitems(page_fields), v)) !=
	    OP_OK)
		return er;
	if (v[0].set)
		*limit = v[0].i;
	*after = v[1].s;
	return OP_OK;
}
