/*
 * env.c — environment variables of a project and of each container.
 * A secret value is sealed at rest and never answered, only that it is
 * set; managing secrets takes the secrets permission. Changes reach a
 * container when it is next recreated (PUT /api/containers/:id).
 */
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define ENV_MAX		256
#define VALUE_MAX	32768

/* {"items": [{key, value|null, secret}]} for one scope. */
static enum op_err
env_reply(struct op_req *r, const char *project_id, const char *container_id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT key, CASE WHEN secret THEN"
	    " NULL ELSE value END AS value, secret, updated_at FROM"
	    " projects.env WHERE project_id = $1 AND container_id IS NOT"
	    " DISTINCT FROM $2::uuid ORDER BY key", project_id,
	    container_id)) != OP_OK)
		return er;
	/* The whole list: it is bounded, so it is one page. */
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}

/*
 * Check one entry of a PUT body: "value", {"value", "secret"} or null.
 * *secret is set for secret entries.
 */
static enum op_err
entry_check(struct op_req *r, const char *key, json_t *v, const char **value,
    int *secret)
{
	const char	*why, *field = op_req_printf(r, "%.64s", key);
	json_t		*val;

	*value = NULL;
	*secret = 0;
	if (op_valid_env_key(key, &why) != OP_OK)
		return op_fail(r, OP_EINVAL, "invalid_key", op_req_printf(r,
		    "%s %s", field, why), field);
	if (json_is_null(v))
		return OP_OK;
	val = v;
	if (json_is_object(v)) {
		val = json_object_get(v, "value");
		*secret = json_is_true(json_object_get(v, "secret"));
		if (json_object_size(v) > 2 || (json_object_size(v) == 2 &&
		    !json_is_boolean(json_object_get(v, "secret"))))
			return op_fail(r, OP_EINVAL, "invalid_value",
			    op_req_printf(r, "%s must be {value, secret}",
			    field), field);
	}
	if (!json_is_string(val) || json_string_length(val) > VALUE_MAX ||
	    !op_utf8_clean(json_string_value(val), json_string_length(val), 1))
		return op_fail(r, OP_EINVAL, "invalid_value", op_req_printf(r,
		    "%s must be text up to 32 KiB", field), field);
	*value = json_string_value(val);
	return OP_OK;
}

/* Is key of this scope (container_id NULL: the project's) a secret? */
int
env_is_secret(struct op_req *r, const char *project_id, const char *container_id,
    const char *key)
{
	PGresult	*res = NULL;
	int		 yes;

	yes = op_db_execv(r->db, &res, "SELECT 1 FROM projects.env WHERE"
	    " project_id = $1 AND container_id IS NOT DISTINCT FROM $2::uuid"
	    " AND key = $3 AND secret", project_id, container_id, key) ==
	    OP_OK && PQntuples(res) > 0;
	PQclear(res);
	return yes;
}

/* Apply a PUT body to one scope inside the open transaction. */
static enum op_err
env_apply(struct op_req *r, const char *project_id, const char *container_id,
    const char *team_id)
{
	const char	*key, *value;
	json_t		*v, *changed = json_array();
	char		*sealed;
	enum op_role	 role;
	enum op_err	 er = OP_OK;
	int		 secret;

	json_object_foreach(r->body, key, v) {
		if ((er = entry_check(r, key, v, &value, &secret)) != OP_OK)
			break;
		/* Setting a secret, or touching one, is managing secrets. */
		if ((secret || env_is_secret(r, project_id, container_id, key)) &&
		    (er = op_team_authorize(r, team_id, OP_ACT_SECRETS,
		    &role)) != OP_OK)
			break;
		if (value == NULL)
			er = op_db_execv(r->db, NULL, "DELETE FROM projects.env"
			    " WHERE project_id = $1 AND container_id IS NOT"
			    " DISTINCT FROM $2::uuid AND key = $3", project_id,
			    container_id, key);
		else {
			sealed = NULL;
			if (secret && (er = op_secret_seal(value,
			    strlen(value), &sealed)) != OP_OK)
				break;
			er = op_db_execv(r->db, NULL, "INSERT INTO projects.env"
			    " (project_id, container_id, key, value, secret)"
			    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id,"
			    " COALESCE(container_id, '00000000-0000-0000-0000-"
			    "000000000000'), key) DO UPDATE SET value = $4,"
			    " secret = $5, updated_at = now()", project_id,
			    container_id, key, sealed ? sealed : value,
			    secret ? "true" : "false");
			free(sealed);
		}
		if (er != OP_OK)
			break;
		json_array_append_new(changed, json_string(key));
	}
	if (er == OP_OK)
		er = op_event_emit(r, "project.env_changed", team_id,
		    container_id ? "container" : "project",
		    container_id ? container_id : project_id,
		    json_pack("{s:O}", "keys", changed));
	json_decref(changed);
	return er;
}

/* The checks both scopes share before a PUT. */
static enum op_err
put_body(struct op_req *r)
{
	if (r->body == NULL || !json_is_object(r->body))
		return op_fail(r, OP_EBADREQ, "body_not_object", "the body must"
		    " be an object of KEY: value, {value, secret} or null",
		    NULL);
	if (json_object_size(r->body) > ENV_MAX)
		return op_fail(r, OP_EINVAL, "too_many_variables",
		    "at most 256 variables per call", NULL);
	return OP_OK;
}

/* GET /api/projects/:id/env */
enum op_err
env_project_get(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = project_authorize(r, r->params[0], OP_ACT_READ, &team)) !=
	    OP_OK)
		return er;
	return env_reply(r, r->params[0], NULL);
}

/* PUT /api/projects/:id/env — set (or with null, delete) variables. */
enum op_err
env_project_put(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = project_authorize(r, r->params[0], OP_ACT_EDIT, &team)) !=
	    OP_OK || (er = put_body(r)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = env_apply(r, r->params[0], NULL, team)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return env_reply(r, r->params[0], NULL);
}

/* GET /api/containers/:id/env */
enum op_err
env_container_get(struct op_req *r)
{
	struct container	c;
	enum op_err		er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_READ, &c)) !=
	    OP_OK)
		return er;
	return env_reply(r, c.project_id, c.id);
}

/* PUT /api/containers/:id/env */
enum op_err
env_container_put(struct op_req *r)
{
	struct container	c;
	enum op_err		er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_EDIT, &c)) !=
	    OP_OK || (er = put_body(r)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = env_apply(r, c.project_id, c.id, c.team_id)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return env_reply(r, c.project_id, c.id);
}

enum op_err
env_effective(struct op_req *r, const char *project_id,
    const char *container_id, int container_plain, json_t **out)
{
	PGresult	*res = NULL;
	unsigned char	*plain;
	size_t		 len;
	json_t		*env;
	enum op_err	 er;
	int		 i;

	*out = NULL;
	/* Project-wide first, so the container's own win. */
	if ((er = op_db_execv(r->db, &res, "SELECT key, value, secret FROM"
	    " projects.env WHERE project_id = $1 AND (container_id IS NULL OR"
	    " (container_id = $2 AND ($3 OR secret)))"
	    " ORDER BY container_id NULLS FIRST, key", project_id, container_id,
	    container_plain ? "true" : "false")) != OP_OK)
		return er;
	env = json_object();
	for (i = 0; i < PQntuples(res) && er == OP_OK; i++) {
		if (PQgetvalue(res, i, 2)[0] != 't') {
			json_object_set_new(env, PQgetvalue(res, i, 0),
			    json_string(PQgetvalue(res, i, 1)));
			continue;
		}
		if ((er = op_secret_open(PQgetvalue(res, i, 1), &plain,
		    &len)) != OP_OK) {
			op_error("env %s: a secret does not open under the "
			    "master key", PQgetvalue(res, i, 0));
			er = OP_EINTERNAL;
			break;
		}
		json_object_set_new(env, PQgetvalue(res, i, 0),
		    json_stringn((char *)plain, len));
		op_wipe(plain, len);
		free(plain);
	}
	PQclear(res);
	if (er != OP_OK) {
		json_decref(env);
		return er;
	}
	*out = env;
	return OP_OK;
}
