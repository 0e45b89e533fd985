/*
 * tokens.c — personal API tokens: shown once, stored hashed, scoped read,
 * write or metrics (GET /api/metrics only), optionally expiring.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"

#define TOKENS_PER_USER	100
#define TOKEN_COLUMNS	"t.id, t.name, t.scope, t.prefix, t.expires_at, " \
			"t.last_used_at, t.created_at"

static const struct op_field token_fields[] = {
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "scope", OP_FT_STRING, OP_FF_REQUIRED, 1, 8, op_valid_scope },
	{ "expires_at", OP_FT_TIME, OP_FF_NULLABLE, 20, 40, NULL },
};

/* POST /api/tokens → {id, token, …}; the token is never shown again. */
enum op_err
tokens_create(struct op_req *r)
{
	struct op_value	 v[nitems(token_fields)];
	PGresult	*res = NULL;
	char		*token, *hash;
	json_t		*out;
	enum op_err	 er;

	if ((er = op_fields_body(r, token_fields, nitems(token_fields), v)) !=
	    OP_OK)
		return er;
	if (v[2].set && !v[2].null && v[2].i <= (long long)time(NULL))
		return op_fail(r, OP_EINVAL, "invalid_expires_at",
		    "expires_at must be in the future", "expires_at");
	/* The metrics cover every team and the host: an instance's view. */
	if (strcmp(v[1].s, "metrics") == 0 && !r->auth.admin)
		return op_fail(r, OP_EFORBIDDEN, "forbidden",
		    "only instance admins may create metrics tokens", "scope");
	if ((er = token_new(r, "opk_", &token, &hash)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT count(*) FROM"
	    " auth.api_tokens WHERE user_id = $1", r->auth.user_id)) != OP_OK)
		goto out;
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= TOKENS_PER_USER) {
		er = op_fail(r, OP_ECONFLICT, "too_many_tokens",
		    "delete an unused token first", NULL);
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((er = op_db_execv(r->db, &res, "INSERT INTO auth.api_tokens AS t"
	    " (user_id, name, scope, hash, prefix, expires_at) VALUES"
	    " ($1, $2, $3, $4, left($5, 12), $6::timestamptz)"
	    " RETURNING " TOKEN_COLUMNS, r->auth.user_id, v[0].s, v[1].s,
	    hash, token, v[2].set && !v[2].null ? v[2].s : NULL)) != OP_OK ||
	    (er = op_event_emit(r, "token.created", NULL, "token",
	    op_db_get(res, 0, "id"), json_pack("{s:s, s:s}", "name", v[0].s,
	    "scope", v[1].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	out = op_db_row_json(res, 0);
	json_object_set_new(out, "token", json_string(token));
	er = op_reply_json(r, 201, out);
out:
	PQclear(res);
	return er;
}

/* GET /api/tokens — the caller's own tokens, never their secrets. */
enum op_err
tokens_list(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*after;
	long long	 limit;
	enum op_err	 er;

	if ((er = page_args(r, &limit, &after)) != OP_OK)
		return er;
	er = op_db_execv(r->db, &res, "SELECT " TOKEN_COLUMNS
	    " FROM auth.api_tokens t WHERE t.user_id = $1 AND ($2::uuid IS"
	    " NULL OR (t.created_at, t.id) > (SELECT created_at, id FROM"
	    " auth.api_tokens WHERE id = $2::uuid)) ORDER BY t.created_at,"
	    " t.id LIMIT $3", r->auth.user_id, after,
	    op_req_printf(r, "%lld", limit + 1));
	if (er == OP_OK)
		er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

/* DELETE /api/tokens/:id — it stops working at once. */
enum op_err
tokens_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*why;
	enum op_err	 er;

	if (op_valid_uuid(r->params[0], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such token",
		    NULL);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "DELETE FROM auth.api_tokens WHERE"
	    " id = $1 AND user_id = $2 RETURNING name", r->params[0],
	    r->auth.user_id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such token",
		    NULL);
		goto out;
	}
	if ((er = op_event_emit(r, "token.revoked", NULL, "token",
	    r->params[0], json_pack("{s:s}", "name", PQgetvalue(res, 0, 0)))) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_empty(r, 204);
out:
	PQclear(res);
	return er;
}
