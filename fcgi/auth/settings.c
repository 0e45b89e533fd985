/*
 * settings.c — instance settings, for instance admins: name, public URL,
 * whether sign-up is open, the host paths containers may mount. Each key
 * is declared here with its default; other services read them through
 * the auth.settings_v view.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static const struct op_field settings_fields[] = {
	{ "instance_name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "public_url", OP_FT_STRING, OP_FF_NULLABLE, 8, 2048, op_valid_url },
	{ "signup_open", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "bind_mount_allowlist", OP_FT_ARRAY, 0, 0, 32, NULL },
	/* The ACME CA op-infra orders certificates from. */
	{ "acme_directory", OP_FT_STRING, OP_FF_NULLABLE, 8, 2048, op_valid_url },
	{ "acme_ca_bundle", OP_FT_STRING, OP_FF_NULLABLE, 1, 65536,
	    op_valid_pem_certs },
	{ "acme_email", OP_FT_STRING, OP_FF_NULLABLE, 3, 254, op_valid_email },
};

/* Each allowed host path: absolute, clean, and never the root itself. */
static enum op_err
allowlist_check(struct op_req *r, json_t *list)
{
	const char	*why;
	json_t		*p;
	size_t		 i;

	json_array_foreach(list, i, p)
		if (!json_is_string(p) || op_valid_container_path(
		    json_string_value(p), &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_path",
			    op_req_printf(r, "bind_mount_allowlist[%zu] must be "
			    "an absolute host path other than /", i),
			    "bind_mount_allowlist");
	return OP_OK;
}

/* The stored settings over the defaults, as one object. */
static enum op_err
settings_load(struct op_req *r, json_t **out)
{
	PGresult	*res = NULL;
	json_t		*s, *v;
	enum op_err	 er;
	int		 i;

	*out = NULL;
	if ((er = op_db_exec(r->db, &res, "SELECT key, value FROM"
	    " auth.settings ORDER BY key", 0, NULL)) != OP_OK)
		return er;
	s = json_pack("{s:s, s:n, s:b, s:[], s:n, s:n, s:n}", "instance_name",
	    "OpenPanel", "public_url", "signup_open", 0, "bind_mount_allowlist",
	    "acme_directory", "acme_ca_bundle", "acme_email");
	for (i = 0; s != NULL && i < PQntuples(res); i++) {
		if (json_object_get(s, PQgetvalue(res, i, 0)) == NULL)
			continue;	/* a key another version wrote */
		if ((v = json_loads(PQgetvalue(res, i, 1), JSON_DECODE_ANY,
		    NULL)) != NULL)
			json_object_set_new(s, PQgetvalue(res, i, 0), v);
	}
	PQclear(res);
	if (s == NULL)
		return OP_ENOMEM;
	*out = s;
	return OP_OK;
}

/* GET /api/settings */
enum op_err
settings_get(struct op_req *r)
{
	json_t		*s;
	enum op_err	 er;

	if ((er = settings_load(r, &s)) != OP_OK)
		return er;
	return op_reply_json(r, 200, s);
}

/* PUT /api/settings — the keys given are set; the others stay. */
enum op_err
settings_put(struct op_req *r)
{
	struct op_value	 v[nitems(settings_fields)];
	json_t		*s, *j;
	char		*text;
	enum op_err	 er;
	size_t		 i;

	if ((er = op_fields_body(r, settings_fields, nitems(settings_fields),
	    v)) != OP_OK ||
	    (v[3].set && (er = allowlist_check(r, v[3].j)) != OP_OK))
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	for (i = 0; i < nitems(settings_fields); i++) {
		if (!v[i].set)
			continue;
		j = json_object_get(r->body, settings_fields[i].name);
		if ((text = json_dumps(j, JSON_ENCODE_ANY)) == NULL)
			return OP_ENOMEM;
		er = op_db_execv(r->db, NULL, "INSERT INTO auth.settings (key,"
		    " value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE"
		    " SET value = $2::jsonb, updated_at = now()",
		    settings_fields[i].name, text);
		free(text);
		if (er != OP_OK)
			return er;
	}
	if ((er = op_event_emit(r, "settings.updated", NULL, "settings", NULL,
	    json_deep_copy(r->body))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK ||
	    (er = settings_load(r, &s)) != OP_OK)
		return er;
	return op_reply_json(r, 200, s);
}
