/*
 * check.c — the gateway's auth_request target: is this request allowed?
 *
 * nginx asks before every protected request, passing the caller's
 * Authorization header and cookies and the original method and URI.
 * The answer is always empty: 204 with the identity in X-OP-* headers
 * (nginx hands them to the service as FastCGI params), or 401/403 with
 * the reason in X-OP-Error. Never a 5xx for anything the client sent:
 * nginx would turn it into a 500 (a dependency being down is the one
 * exception: it is a 403 with X-OP-Error "unavailable", which the gateway
 * answers as a 503).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

#define TOKEN_MAX	4096

static enum op_err
deny(struct op_req *r, int status, const char *why)
{
	op_buf_reset(&r->headers);
	op_reply_header(r, "X-OP-Error", why);
	return op_reply_empty(r, status);
}

/*
 * A path fit for the trail: without its query, and with each segment
 * that is one of the panel's credentials ("opi_…", "opk_…": invitation
 * tokens travel in paths) replaced by "-".
 */
static const char *
redacted(struct op_req *r, const char *uri)
{
	char	*out, *seg;
	size_t	 n;

	if (uri == NULL)
		return "";
	n = strcspn(uri, "?");
	if ((out = op_req_printf(r, "%.*s", (int)n, uri)) == NULL)
		return "";
	for (seg = out; (seg = strchr(seg, '/')) != NULL; ) {
		seg++;
		if (strncmp(seg, "op", 2) == 0 && seg[2] >= 'a' &&
		    seg[2] <= 'z' && seg[3] == '_') {
			n = strcspn(seg, "/");
			memmove(seg + 1, seg + n, strlen(seg + n) + 1);
			seg[0] = '-';
		}
	}
	return out;
}

/*
 * Refuse a change a known caller asked for, leaving request.denied in
 * the trail (the caller's id is known: the token was good).
 */
static enum op_err
denied(struct op_req *r, const char *method, const char *why)
{
	const char	*uri = op_req_param(r, "OP_ORIG_URI");

	if (op_db_begin(r->db) != OP_OK || op_event_emit(r,
	    "request.denied", NULL, "route", NULL, json_pack("{s:s, s:s, s:s}",
	    "method", method ? method : "", "path", redacted(r, uri),
	    "reason", why)) != OP_OK || op_db_commit(r->db) != OP_OK)
		op_db_rollback(r->db);
	return deny(r, 403, why);
}

static int
safe_method(const char *m)
{
	return m == NULL || strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

static const char *
scope_name(enum op_scope s)
{
	return s == OP_SCOPE_WRITE ? "write" : s == OP_SCOPE_METRICS ?
	    "metrics" : "read";
}

/* Let the caller in as c says: its identity, for the service's request
 * and the trail. */
static void
admit(struct op_req *r, const struct checked *c)
{
	snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s", c->user_id);
	op_reply_header(r, "X-OP-User", c->user_id);
	op_reply_header(r, c->key[0] == 'k' ? "X-OP-Token" : "X-OP-Session",
	    c->ref);
	op_reply_header(r, "X-OP-Scope", scope_name(c->scope));
	op_reply_header(r, "X-OP-Admin", c->admin ? "1" : "0");
	r->auth.scope = c->scope;
	r->auth.admin = c->admin;
}

/* Fill c from the one row of res: id (ref), user id, is_admin, expiry
 * (unix seconds, 0 for none), scope. */
static void
found(struct checked *c, PGresult *res)
{
	const char	*scope = PQgetvalue(res, 0, 4);

	snprintf(c->ref, sizeof(c->ref), "%s", PQgetvalue(res, 0, 0));
	snprintf(c->user_id, sizeof(c->user_id), "%s", PQgetvalue(res, 0, 1));
	c->admin = PQgetvalue(res, 0, 2)[0] == 't';
	c->expires = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	c->scope = strcmp(scope, "write") == 0 ? OP_SCOPE_WRITE :
	    strcmp(scope, "metrics") == 0 ? OP_SCOPE_METRICS : OP_SCOPE_READ;
}

/* An API token ("opk_…"): known, not expired, its user enabled. Its use
 * is recorded when the check asks PostgreSQL (checked.c keeps the answer
 * for a second). */
static enum op_err
check_api_token(struct op_req *r, const char *token)
{
	struct checked	 c = { 0 };
	PGresult	*res = NULL;
	char		 hash[65];
	enum op_err	 er;

	op_sha256_hex(token, strlen(token), hash);
	snprintf(c.key, sizeof(c.key), "k:%s", hash);
	if (checked_find(c.key, &c)) {
		admit(r, &c);
		return OP_OK;
	}
	c.generation = op_pool_generation();
	er = op_db_execv(r->db, &res,
	    "UPDATE auth.api_tokens t SET last_used_at = now()"
	    " FROM auth.users u WHERE t.hash = $1 AND u.id = t.user_id"
	    " AND NOT u.disabled AND (t.expires_at IS NULL OR"
	    " t.expires_at > now())"
	    " RETURNING t.id, t.user_id, u.is_admin,"
	    " coalesce(floor(extract(epoch FROM t.expires_at))::bigint, 0),"
	    " t.scope, t.hash", hash);
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1 ||
	    !op_ct_equal(PQgetvalue(res, 0, 5), hash, 64)) {
		er = OP_EUNAUTH;
		goto out;
	}
	found(&c, res);
	checked_keep(&c);
	admit(r, &c);
out:
	PQclear(res);
	return er;
}

/* An access token: a valid JWT whose session is still open. */
static enum op_err
check_access_token(struct op_req *r, const char *token)
{
	struct op_claims	 claims;
	struct checked		 c = { 0 };
	PGresult		*res = NULL;
	const char		*why;
	enum op_err		 er;

	if (op_jwt_verify(token, (int64_t)time(NULL), &claims) != OP_OK ||
	    op_valid_uuid(claims.sub, &why) != OP_OK ||
	    op_valid_uuid(claims.sid, &why) != OP_OK)
		return OP_EUNAUTH;
	snprintf(c.key, sizeof(c.key), "s:%s", claims.sid);
	if (checked_find(c.key, &c) && strcmp(c.user_id, claims.sub) == 0) {
		admit(r, &c);
		return OP_OK;
	}
	c.generation = op_pool_generation();
	er = op_db_execv(r->db, &res,
	    "SELECT s.id, s.user_id, u.is_admin,"
	    " floor(extract(epoch FROM s.expires_at))::bigint, 'write'"
	    " FROM auth.sessions s JOIN auth.users u"
	    " ON u.id = s.user_id WHERE s.id = $1 AND s.user_id = $2"
	    " AND s.revoked_at IS NULL AND s.expires_at > now()"
	    " AND NOT u.disabled", claims.sid, claims.sub);
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = OP_EUNAUTH;
		goto out;
	}
	found(&c, res);
	checked_keep(&c);
	admit(r, &c);
out:
	PQclear(res);
	return er;
}

/* Cookie sessions must echo the CSRF cookie in a header on writes. */
static int
csrf_ok(struct op_req *r)
{
	const char	*cookie = op_req_cookie(r, "op_csrf");
	const char	*header = op_req_header(r, "HTTP_X_CSRF_TOKEN");

	return cookie != NULL && header != NULL && strlen(cookie) >= 16 &&
	    strlen(cookie) == strlen(header) &&
	    op_ct_equal(cookie, header, strlen(cookie));
}

/* A metrics token reads GET /api/metrics and nothing else. */
static int
metrics_route(const char *method, const char *uri)
{
	return uri != NULL && safe_method(method) &&
	    strncmp(uri, "/api/metrics", 12) == 0 &&
	    (uri[12] == '\0' || uri[12] == '?');
}

/* A live channel: only for a member of the team it belongs to. */
static enum op_err
check_reach(struct op_req *r)
{
	const char	*uri = op_req_param(r, "OP_ORIG_URI");
	enum op_err	 er;

	if (live_is_channel(uri)) {
		if ((er = live_authorize(r, uri)) == OP_EUNAVAIL)
			return deny(r, 403, "unavailable");
		if (er != OP_OK)	/* the gateway answers 404 */
			return deny(r, 403, "not_found");
	}
	return op_reply_empty(r, 204);
}

enum op_err
auth_check(struct op_req *r)
{
	const char	*authz = op_req_header(r, "HTTP_AUTHORIZATION");
	const char	*method = op_req_param(r, "OP_ORIG_METHOD");
	const char	*token = NULL;
	int		 from_cookie = 0;
	enum op_err	 er;

	if (authz != NULL) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return deny(r, 401, "malformed_authorization");
		token = authz + 7;
	} else if ((token = op_req_cookie(r, "op_access")) != NULL)
		from_cookie = 1;
	if (token == NULL || *token == '\0')
		return deny(r, 401, "unauthenticated");
	if (strlen(token) > TOKEN_MAX)
		return deny(r, 401, "invalid_token");
	if (strncmp(token, "opk_", 4) == 0)
		er = check_api_token(r, token);
	else
		er = check_access_token(r, token);
	if (er == OP_EUNAUTH)
		return deny(r, 401, "invalid_token");
	if (er != OP_OK)	/* the gateway answers 503 for this one */
		return deny(r, 403, "unavailable");
	if (r->auth.scope == OP_SCOPE_METRICS &&
	    !metrics_route(method, op_req_param(r, "OP_ORIG_URI")))
		return deny(r, 403, "metrics_only_token");
	if (from_cookie && !safe_method(method) && !csrf_ok(r))
		return denied(r, method, "csrf_failed");
	if (r->auth.scope != OP_SCOPE_WRITE && !safe_method(method))
		return denied(r, method, "read_only_token");
	return check_reach(r);
}
