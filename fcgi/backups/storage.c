/*
 * storage.c — /api/storage: a team's storage targets. Creating one tests
 * it (the bucket answers to the credentials; the directory can be
 * written) before it is kept; the secret key is sealed at rest and never
 * answered.
 */
#include <stdlib.h>
#include <string.h>

#include "backups.h"

#define STORAGE_COLUMNS	"s.id, s.team_id, s.name, s.type, s.endpoint," \
	" s.region, s.bucket, s.prefix, s.path_style, s.access_key," \
	" s.path, (s.secret_key IS NOT NULL) AS secret_key_set, s.created_at"

enum op_err
storage_authorize(struct op_req *r, const char *id, enum op_action act,
    const char **team_id)
{
	return object_authorize(r, "storage", id, act,
	    "no such storage target", team_id);
}

static enum op_err
storage_reply(struct op_req *r, int status, const char *id)
{
	return object_reply(r, status, "SELECT " STORAGE_COLUMNS
	    " FROM backups.storage s WHERE s.id = $1", id,
	    "no such storage target");
}

static enum op_err
valid_type(const char *s, const char **why)
{
	if (strcmp(s, "s3") != 0 && strcmp(s, "local") != 0) {
		*why = "must be s3 or local";
		return OP_EINVAL;
	}
	return OP_OK;
}

/* Printable ASCII without spaces: keys and secrets. */
static enum op_err
valid_key(const char *s, const char **why)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~') {
			*why = "must be printable ASCII without spaces";
			return OP_EINVAL;
		}
	return OP_OK;
}

static const struct op_field create_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "type", OP_FT_STRING, OP_FF_REQUIRED, 1, 8, valid_type },
	{ "endpoint", OP_FT_STRING, 0, 1, 512, op_valid_endpoint },
	{ "region", OP_FT_STRING, 0, 1, 32, op_valid_region },
	{ "bucket", OP_FT_STRING, 0, 3, 63, op_valid_bucket },
	{ "prefix", OP_FT_STRING, 0, 0, 512, op_valid_object_prefix },
	{ "path_style", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "access_key", OP_FT_STRING, 0, 1, 128, valid_key },
	{ "secret_key", OP_FT_STRING, OP_FF_SECRET, 1, 256, valid_key },
	{ "path", OP_FT_STRING, 0, 1, 1024, op_valid_abs_path },
};
enum { F_TEAM, F_NAME, F_TYPE, F_ENDPOINT, F_REGION, F_BUCKET, F_PREFIX,
	F_PATH_STYLE, F_ACCESS, F_SECRET, F_PATH };

/* The fields one type needs, and none of the other's. */
static enum op_err
fields_for_type(struct op_req *r, struct op_value *v)
{
	static const int	s3[] = { F_ENDPOINT, F_REGION, F_BUCKET,
				    F_ACCESS, F_SECRET };
	size_t			i;

	if (strcmp(v[F_TYPE].s, "s3") == 0) {
		for (i = 0; i < nitems(s3); i++)
			if (!v[s3[i]].set)
				return op_fail(r, OP_EINVAL, "missing_field",
				    "an s3 target needs this field",
				    create_fields[s3[i]].name);
		if (v[F_PATH].set)
			return op_fail(r, OP_EINVAL, "invalid_field",
			    "an s3 target has no path", "path");
		return OP_OK;
	}
	if (!v[F_PATH].set)
		return op_fail(r, OP_EINVAL, "missing_field",
		    "a local target needs a path", "path");
	for (i = 0; i < nitems(s3); i++)
		if (v[s3[i]].set)
			return op_fail(r, OP_EINVAL, "invalid_field",
			    "a local target takes only a path",
			    create_fields[s3[i]].name);
	if (v[F_PREFIX].set || v[F_PATH_STYLE].set)
		return op_fail(r, OP_EINVAL, "invalid_field",
		    "a local target takes only a path", v[F_PREFIX].set ?
		    "prefix" : "path_style");
	return OP_OK;
}

/* POST /api/storage */
enum op_err
storage_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	struct target	 t;
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*why, *name;
	char		*sealed = NULL, *real = NULL;
	enum op_err	 er;

	memset(&t, 0, sizeof(t));
	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK || (er = fields_for_type(r, v)) != OP_OK)
		return er;
	er = op_team_authorize(r, v[F_TEAM].s, OP_ACT_SECRETS, &role);
	if (er == OP_ENOTFOUND)
		return op_fail(r, OP_EINVAL, "invalid_team_id",
		    "no such team", "team_id");
	if (er != OP_OK)
		return er;
	snprintf(t.type, sizeof(t.type), "%s", v[F_TYPE].s);
	if (strcmp(t.type, "local") == 0) {
		if ((er = local_resolve(v[F_PATH].s, &real, &why)) != OP_OK)
			return er == OP_ENOMEM ? er : op_fail(r, OP_EINVAL,
			    "invalid_path", why, "path");
		t.path = real;
	} else {
		/* Borrowed for the check only: nothing here frees them. */
		t.endpoint = (char *)(uintptr_t)v[F_ENDPOINT].s;
		t.region = (char *)(uintptr_t)v[F_REGION].s;
		t.bucket = (char *)(uintptr_t)v[F_BUCKET].s;
		t.access_key = (char *)(uintptr_t)v[F_ACCESS].s;
		t.secret_key = (char *)(uintptr_t)v[F_SECRET].s;
		t.path_style = v[F_PATH_STYLE].set ? (int)v[F_PATH_STYLE].i : 1;
	}
	if (target_check(&t, &why) != OP_OK) {
		er = op_fail(r, OP_EINVAL, "storage_unreachable", why,
		    strcmp(t.type, "s3") == 0 ? "endpoint" : "path");
		goto out;
	}
	if (strcmp(t.type, "s3") == 0 && (er = op_secret_seal(v[F_SECRET].s,
	    strlen(v[F_SECRET].s), &sealed)) != OP_OK)
		goto out;
	name = v[F_NAME].set ? v[F_NAME].s : strcmp(t.type, "s3") == 0 ?
	    op_req_printf(r, "%s/%s", v[F_BUCKET].s, v[F_PREFIX].set ?
	    v[F_PREFIX].s : "") : real;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO backups.storage"
	    " (team_id, name, type, endpoint, region, bucket, prefix,"
	    " path_style, access_key, secret_key, path) VALUES ($1, $2, $3,"
	    " $4, $5, $6, COALESCE($7, ''), COALESCE($8::boolean, true), $9,"
	    " $10, $11) RETURNING id", v[F_TEAM].s, name, t.type,
	    v[F_ENDPOINT].s, v[F_REGION].s, v[F_BUCKET].s, v[F_PREFIX].s,
	    v[F_PATH_STYLE].set ? (v[F_PATH_STYLE].i ? "true" : "false") :
	    NULL, v[F_ACCESS].s, sealed, real)) != OP_OK ||
	    (er = op_event_emit(r, "storage.created", v[F_TEAM].s, "storage",
	    PQgetvalue(res, 0, 0), json_pack("{s:s}", "type", t.type))) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		if (er == OP_ECONFLICT)
			er = op_fail(r, er, "name_taken", "the team already has"
			    " a storage target of that name", "name");
		goto out;
	}
	er = storage_reply(r, 201, PQgetvalue(res, 0, 0));
out:
	free(sealed);
	free(real);
	PQclear(res);
	return er;
}

/* GET /api/storage?team_id= */
enum op_err
storage_list(struct op_req *r)
{
	return object_list(r, "SELECT " STORAGE_COLUMNS
	    " FROM backups.storage s WHERE s.team_id = $1"
	    " AND ($2::uuid IS NULL OR (s.created_at, s.id) > (SELECT"
	    "  created_at, id FROM backups.storage WHERE id = $2::uuid))"
	    " ORDER BY s.created_at, s.id LIMIT $3");
}

/* GET /api/storage/:id */
enum op_err
storage_get(struct op_req *r)
{
	return object_get(r, "storage", "no such storage target",
	    "SELECT " STORAGE_COLUMNS " FROM backups.storage s WHERE s.id = $1");
}

/* A target that still keeps backups stays. */
static enum op_err
storage_unused(struct op_req *r, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT 1 FROM backups.backups"
	    " WHERE storage_id = $1 AND status <> 'failed' LIMIT 1", id)) !=
	    OP_OK)
		return er;
	if (PQntuples(res) > 0)
		er = op_fail(r, OP_ECONFLICT, "storage_in_use", "backups are "
		    "kept on this target: delete them first", NULL);
	PQclear(res);
	return er;
}

/* DELETE /api/storage/:id — refused while backups are kept there. */
enum op_err
storage_delete(struct op_req *r)
{
	return object_delete(r, "storage", OP_ACT_SECRETS,
	    "no such storage target", "storage", storage_unused);
}
