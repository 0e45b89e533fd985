/*
 * templates.c — a catalogue of ready-made apps, kept as JSON files in the
 * repository (templates/), deployed into a project as its containers.
 * Every container a template makes goes through the same definition
 * checks and policy as one a client asks for directly.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define TEMPLATE_MAX	(256 * 1024)
#define TEMPLATES_MAX	500
#define VALUE_MAX	4096

static const char *
templates_dir(void)
{
	return op_config_get("OP_TEMPLATES_DIR",
	    "/usr/local/share/openpanel/templates");
}

/* Template id, parsed from its file; OP_ENOTFOUND when there is none. */
static enum op_err
template_load(struct op_req *r, const char *id, json_t **out)
{
	const char	*why;
	char		 path[4096];
	json_error_t	 jerr;
	json_t		*t;

	*out = NULL;
	if (id == NULL || op_valid_slug(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such template",
		    NULL);
	snprintf(path, sizeof(path), "%s/%s.json", templates_dir(), id);
	t = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (t == NULL && jerr.line == -1 && jerr.position == 0)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such template",
		    NULL);
	if (t == NULL || !json_is_object(t) || json_object_size(t) == 0 ||
	    json_dumpb(t, NULL, 0, 0) > TEMPLATE_MAX) {
		op_error("template %s: %s", path, t ? "not an object" :
		    jerr.text);
		json_decref(t);
		return OP_EINTERNAL;
	}
	*out = t;
	return op_req_own_json(r, t);
}

/* The summary a list shows. */
static json_t *
summary(json_t *t)
{
	return json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(t, "id"),
	    "name", json_object_get(t, "name"), "description",
	    json_object_get(t, "description"), "variables",
	    json_object_get(t, "variables"));
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a,
	    "id")), json_string_value(json_object_get(*(json_t *const *)b,
	    "id")));
}

/* GET /api/templates */
enum op_err
templates_list(struct op_req *r)
{
	DIR		*d;
	struct dirent	*e;
	json_t		*all[TEMPLATES_MAX], *t, *items;
	char		 id[256];
	size_t		 n = 0, i, len;

	if ((d = opendir(templates_dir())) == NULL)
		return op_reply_json(r, 200, json_pack("{s:[], s:n}", "items",
		    "next"));
	while ((e = readdir(d)) != NULL && n < TEMPLATES_MAX) {
		len = strlen(e->d_name);
		if (len < 6 || len >= sizeof(id) ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(len - 5), e->d_name);
		if (template_load(r, id, &t) == OP_OK &&
		    json_is_string(json_object_get(t, "id")))
			all[n++] = t;
		r->err.set = 0;
	}
	closedir(d);
	qsort(all, n, sizeof(all[0]), cmp_id);
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, summary(all[i]));
	return op_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items,
	    "next"));
}

/* GET /api/templates/:id */
enum op_err
templates_get(struct op_req *r)
{
	json_t		*t;
	enum op_err	 er;

	if ((er = template_load(r, r->params[0], &t)) != OP_OK)
		return er;
	return op_reply_json(r, 200, json_incref(t));
}

/*
 * The value of every declared variable: the caller's, the default, or a
 * generated secret. *secret_vars collects the names of generated ones.
 */
static enum op_err
resolve(struct op_req *r, json_t *t, json_t *given, json_t **values,
    json_t **secret_vars)
{
	const char	*name, *why, *gen;
	json_t		*var, *v, *out = json_object(), *secret = json_object();
	char		 token[48];
	size_t		 i;

	*values = *secret_vars = NULL;
	op_req_own_json(r, out);
	op_req_own_json(r, secret);
	json_object_foreach(given, name, v)
		if (json_object_get(t, "variables") == NULL ||
		    !json_is_string(v) || json_string_length(v) > VALUE_MAX ||
		    op_valid_text(json_string_value(v), &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_value",
			    "values must be text of up to 4 KiB", "values");
	json_array_foreach(json_object_get(t, "variables"), i, var) {
		name = json_string_value(json_object_get(var, "name"));
		if (name == NULL)
			return OP_EINTERNAL;
		gen = json_string_value(json_object_get(var, "generate"));
		if (gen != NULL && strcmp(gen, "secret") == 0)
			json_object_set_new(secret, name, json_true());
		if ((v = json_object_get(given, name)) != NULL)
			json_object_set(out, name, v);
		else if ((v = json_object_get(var, "default")) != NULL &&
		    json_is_string(v))
			json_object_set(out, name, v);
		else if (gen != NULL && strcmp(gen, "secret") == 0) {
			if (op_random_token(token, sizeof(token), 24) != OP_OK)
				return OP_EINTERNAL;
			json_object_set_new(out, name, json_string(token));
			op_wipe(token, sizeof(token));
		} else
			return op_fail(r, OP_EINVAL, "missing_variable",
			    op_req_printf(r, "the template needs a value for "
			    "%s", name), op_req_printf(r, "values.%s", name));
	}
	json_object_foreach(given, name, v)
		if (json_object_get(out, name) == NULL)
			return op_fail(r, OP_EBADREQ, "unknown_variable",
			    op_req_printf(r, "the template has no variable "
			    "%.64s", name), "values");
	*values = out;
	*secret_vars = secret;
	return OP_OK;
}

/*
 * A container's env with "${VAR}" replaced by its value; entries whose
 * value is exactly a generated secret move to *secrets.
 */
static enum op_err
substitute(struct op_req *r, json_t *env, json_t *values, json_t *secret_vars,
    json_t **plain, json_t **secrets)
{
	const char	*key, *s, *var;
	json_t		*v;
	size_t		 n;

	*plain = json_object();
	*secrets = json_object();
	op_req_own_json(r, *plain);
	op_req_own_json(r, *secrets);
	json_object_foreach(env, key, v) {
		s = json_string_value(v);
		n = s ? strlen(s) : 0;
		if (s != NULL && n > 3 && strncmp(s, "${", 2) == 0 &&
		    s[n - 1] == '}') {
			var = op_req_printf(r, "%.*s", (int)(n - 3), s + 2);
			if (json_object_get(values, var) == NULL)
				return OP_EINTERNAL;	/* a broken template */
			json_object_set(json_object_get(secret_vars, var) ?
			    *secrets : *plain, key, json_object_get(values, var));
		} else
			json_object_set(*plain, key, v);
	}
	return OP_OK;
}

static const struct op_field deploy_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "values", OP_FT_OBJECT, 0, 0, 64, NULL },
};

/* Undo the containers a failed deploy made, keeping the failure's
 * detail for the answer. */
static void
undeploy(struct op_req *r, struct container *made, size_t n)
{
	struct op_error_detail	err = r->err;

	op_db_rollback(r->db);
	while (n-- > 0) {
		(void)engine_remove(r, &made[n]);
		if (op_db_begin(r->db) != OP_OK ||
		    op_db_execv(r->db, NULL, "DELETE FROM projects.containers"
		    " WHERE id = $1", made[n].id) != OP_OK ||
		    op_event_emit(r, "container.deleted", made[n].team_id,
		    "container", made[n].id, json_pack("{s:s, s:s}",
		    "project_id", made[n].project_id, "reason",
		    "template deploy failed")) != OP_OK ||
		    op_db_commit(r->db) != OP_OK)
			op_db_rollback(r->db);
	}
	r->err = err;
}

/* POST /api/templates/:id/deploy {project_id, values?} */
enum op_err
templates_deploy(struct op_req *r)
{
	struct op_value	 v[nitems(deploy_fields)];
	struct container made[16], c;
	struct spec_input in;
	json_t		*t, *values, *secret_vars, *def, *body, *plain, *secrets;
	json_t		*request_body, *ids = json_array();
	const char	*team;
	size_t		 i, n = 0;
	enum op_err	 er;

	op_req_own_json(r, ids);
	if ((er = template_load(r, r->params[0], &t)) != OP_OK ||
	    (er = op_fields_body(r, deploy_fields, nitems(deploy_fields), v)) !=
	    OP_OK ||
	    (er = project_authorize(r, v[0].s, OP_ACT_EDIT, &team)) != OP_OK ||
	    (er = resolve(r, t, v[1].j, &values, &secret_vars)) != OP_OK)
		return er;
	if (json_array_size(json_object_get(t, "containers")) > nitems(made))
		return OP_EINTERNAL;
	request_body = r->body;
	json_array_foreach(json_object_get(t, "containers"), i, def) {
		/* The template's container, checked as a client's would be. */
		body = json_deep_copy(def);
		json_object_del(body, "env");
		json_object_set_new(body, "project_id", json_string(v[0].s));
		op_req_own_json(r, body);
		r->body = body;
		er = spec_parse(r, 1, &in);
		r->body = request_body;
		if (er != OP_OK ||
		    (er = container_name_free(r, v[0].s, in.name)) != OP_OK)
			goto fail;
		op_req_own_json(r, in.spec);
		if ((er = substitute(r, json_object_get(def, "env"), values,
		    secret_vars, &plain, &secrets)) != OP_OK)
			goto fail;
		memset(&c, 0, sizeof(c));
		c.project_id = v[0].s;
		c.team_id = team;
		c.name = in.name;
		c.image = in.image;
		c.spec = in.spec;
		if ((er = container_launch(r, &c, plain, secrets, 1)) != OP_OK ||
		    (er = op_db_commit(r->db)) != OP_OK) {
			op_db_rollback(r->db);
			(void)engine_remove(r, &c);
			goto fail;
		}
		made[n++] = c;
		json_array_append_new(ids, json_string(c.id));
	}
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_event_emit(r, "template.deployed", team, "project",
	    v[0].s, json_pack("{s:s, s:O}", "template", r->params[0],
	    "containers", ids))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto fail;
	body = json_array();
	for (i = 0; i < n; i++) {
		(void)engine_refresh(r, &made[i]);
		json_array_append_new(body, container_json(r, made[i].id));
	}
	r->err.set = 0;
	return op_reply_json(r, 201, json_pack("{s:s, s:s, s:o}", "template",
	    r->params[0], "project_id", v[0].s, "containers", body));
fail:
	undeploy(r, made, n);
	return er;
}
