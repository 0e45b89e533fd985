/*
 * containers.c — a project's containers: their definitions in the
 * database and their life on the engine, kept in step. The engine goes
 * first and the row follows in one transaction with its event, so a
 * failure leaves no row claiming a container that does not exist (an
 * engine container left without a row is the reconciler's to remove).
 */
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define CONTAINER_COLUMNS \
	"c.id, c.project_id, p.team_id, c.name, c.image, c.spec, " \
	"c.docker_id, c.state, c.health, c.exit_code, c.ports, " \
	"c.started_at, c.finished_at, c.swarm, c.created_at, c.updated_at"

/* Fill c from row i of res (columns as CONTAINER_COLUMNS). */
static enum op_err
container_row(struct op_req *r, PGresult *res, int i, struct container *c)
{
	memset(c, 0, sizeof(*c));
	c->id = op_req_strdup(r, op_db_get(res, i, "id"));
	c->project_id = op_req_strdup(r, op_db_get(res, i, "project_id"));
	c->team_id = op_req_strdup(r, op_db_get(res, i, "team_id"));
	c->name = op_req_strdup(r, op_db_get(res, i, "name"));
	c->image = op_req_strdup(r, op_db_get(res, i, "image"));
	c->state = op_req_strdup(r, op_db_get(res, i, "state"));
	if (op_db_get(res, i, "docker_id") != NULL)
		c->docker_id = op_req_strdup(r, op_db_get(res, i, "docker_id"));
	c->spec = json_loads(op_db_get(res, i, "spec"), 0, NULL);
	if (c->spec == NULL || c->id == NULL)
		return OP_ENOMEM;
	/* The request owns it from here: freed with the request. */
	return op_req_own_json(r, c->spec);
}

enum op_err
container_load(struct op_req *r, const char *id, struct container *c)
{
	PGresult	*res = NULL;
	const char	*why;
	enum op_err	 er;

	memset(c, 0, sizeof(*c));
	if (id == NULL || op_valid_uuid(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such container", NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT " CONTAINER_COLUMNS
	    " FROM projects.containers c JOIN projects.projects p"
	    " ON p.id = c.project_id WHERE c.id = $1",
	    id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such container", NULL);
	}
	er = container_row(r, res, 0, c);
	PQclear(res);
	return er;
}

enum op_err
container_authorize(struct op_req *r, const char *id, enum op_action act,
    struct container *c)
{
	enum op_role	role;
	enum op_err	er;

	if ((er = container_load(r, id, c)) != OP_OK)
		return er;
	er = op_team_authorize(r, c->team_id, act, &role);
	if (er == OP_ENOTFOUND)
		er = op_fail(r, er, "not_found", "no such container", NULL);
	return er;
}

/* Row i as the API answers it: the definition's fields at top level. */
static json_t *
row_json(const PGresult *res, int i)
{
	json_t	*o = op_db_row_json(res, i), *spec;

	if (o == NULL)
		return NULL;
	/* "ports" is the engine's: published; the definition's wins. */
	json_object_set(o, "published", json_object_get(o, "ports"));
	spec = json_object_get(o, "spec");
	json_object_update(o, spec);
	json_object_del(o, "spec");
	return o;
}

json_t *
container_json(struct op_req *r, const char *id)
{
	PGresult	*res = NULL;
	json_t		*o = NULL;

	if (op_db_execv(r->db, &res, "SELECT " CONTAINER_COLUMNS
	    " FROM projects.containers c JOIN projects.projects p"
	    " ON p.id = c.project_id WHERE c.id = $1", id) == OP_OK &&
	    PQntuples(res) == 1)
		o = row_json(res, 0);
	PQclear(res);
	return o;
}

static const struct op_field list_fields[] = {
	{ "project_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/containers[?project_id=] — the caller's teams' containers. */
enum op_err
containers_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	const char	*team;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	if (v[0].set && (er = project_authorize(r, v[0].s, OP_ACT_READ,
	    &team)) != OP_OK)
		return er;
	limit = v[1].set ? v[1].i : 50;
	if ((er = op_db_execv(r->db, &res, "SELECT " CONTAINER_COLUMNS
	    " FROM projects.containers c JOIN projects.projects p"
	    " ON p.id = c.project_id WHERE"
	    " ($2 OR p.team_id IN (SELECT team_id FROM auth.team_members_v"
	    "  WHERE user_id = $1))"
	    " AND ($3::uuid IS NULL OR c.project_id = $3::uuid)"
	    " AND ($4::uuid IS NULL OR (c.created_at, c.id) > (SELECT"
	    "  created_at, id FROM projects.containers WHERE id = $4::uuid))"
	    " ORDER BY c.created_at, c.id LIMIT $5", r->auth.user_id,
	    r->auth.admin ? "true" : "false", v[0].s, v[2].s,
	    op_req_printf(r, "%lld", limit + 1))) != OP_OK)
		return er;
	er = op_reply_json(r, 200, op_db_page_json(res, limit, row_json));
	PQclear(res);
	return er;
}

/* Store the body's env (plain values) for the container, replacing its
 * plain entries; secrets are set through /env. */
static enum op_err
env_store(struct op_req *r, const struct container *c, json_t *env)
{
	const char	*key;
	json_t		*v;
	enum op_err	 er;

	if (env == NULL)
		return OP_OK;
	if ((er = op_db_execv(r->db, NULL, "DELETE FROM projects.env WHERE"
	    " container_id = $1 AND NOT secret", c->id)) != OP_OK)
		return er;
	json_object_foreach(env, key, v)
		if ((er = op_db_execv(r->db, NULL, "INSERT INTO projects.env"
		    " (project_id, container_id, key, value) VALUES ($1, $2,"
		    " $3, $4) ON CONFLICT (project_id, COALESCE(container_id,"
		    " '00000000-0000-0000-0000-000000000000'), key) DO UPDATE"
		    " SET value = $4, secret = false, updated_at = now()",
		    c->project_id, c->id, key, json_string_value(v))) != OP_OK)
			return er;
	return OP_OK;
}

/*
 * The environment the engine gets: the stored one, where a body's env
 * replaces the container's own plain values (as env_store will), then
 * the body's on top.
 */
enum op_err
env_for(struct op_req *r, const struct container *c, json_t *body_env,
    json_t **out)
{
	json_t		*env;
	enum op_err	 er;

	if ((er = env_effective(r, c->project_id, c->id, body_env == NULL,
	    &env)) != OP_OK)
		return er;
	if (body_env != NULL)
		json_object_update(env, body_env);
	*out = env;
	return OP_OK;
}

enum op_err
container_name_free(struct op_req *r, const char *project_id,
    const char *name)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT 1 FROM projects.containers"
	    " WHERE project_id = $1 AND name = $2", project_id, name)) != OP_OK)
		return er;
	if (PQntuples(res) > 0)
		er = op_fail(r, OP_ECONFLICT, "name_taken", "the project "
		    "already has a container with this name", "name");
	PQclear(res);
	return er;
}

/* Store sealed secrets for the container (in the open transaction). */
static enum op_err
secrets_store(struct op_req *r, const struct container *c, json_t *secrets)
{
	const char	*key;
	json_t		*v;
	char		*sealed;
	enum op_err	 er = OP_OK;

	json_object_foreach(secrets, key, v) {
		if ((er = op_secret_seal(json_string_value(v),
		    json_string_length(v), &sealed)) != OP_OK)
			break;
		er = op_db_execv(r->db, NULL, "INSERT INTO projects.env"
		    " (project_id, container_id, key, value, secret) VALUES"
		    " ($1, $2, $3, $4, true)", c->project_id, c->id, key, sealed);
		free(sealed);
		if (er != OP_OK)
			break;
	}
	return er;
}

enum op_err
container_launch(struct op_req *r, struct container *c, json_t *body_env,
    json_t *secrets, int start)
{
	json_t		*env = NULL;
	char		 id[37], *spec_text = NULL;
	enum op_err	 er;

	if ((er = op_uuid(id)) != OP_OK)
		return er;
	c->id = op_req_strdup(r, id);
	c->docker_id = NULL;
	if ((er = env_for(r, c, body_env, &env)) != OP_OK)
		return er;
	if (secrets != NULL)
		json_object_update(env, secrets);
	if (spec_is_swarm(c->spec))
		er = service_create(r, c, env, start);
	else if ((er = engine_create(r, c, env, NULL)) == OP_OK && start)
		er = engine_start(r, c);
	json_decref(env);
	if (er != OP_OK)
		return er;
	if ((spec_text = json_dumps(c->spec, JSON_COMPACT)) == NULL)
		return OP_ENOMEM;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO projects.containers"
	    " (id, project_id, name, image, spec, docker_id) VALUES ($1, $2,"
	    " $3, $4, $5::jsonb, $6)", c->id, c->project_id, c->name, c->image,
	    spec_text, c->docker_id)) != OP_OK ||
	    (er = env_store(r, c, body_env)) != OP_OK ||
	    (secrets != NULL && (er = secrets_store(r, c, secrets)) != OP_OK))
		goto out;
	er = op_event_emit(r, "container.created", c->team_id, "container",
	    c->id, json_pack("{s:s, s:s, s:s}", "project_id", c->project_id,
	    "name", c->name, "image", c->image));
out:
	free(spec_text);
	return er;
}

enum op_err
container_discard(struct op_req *r, struct container *c)
{
	return spec_is_swarm(c->spec) ? service_remove(r, c) :
	    engine_remove(r, c);
}

/* POST /api/containers */
enum op_err
containers_create(struct op_req *r)
{
	struct spec_input in;
	struct container c;
	enum op_err	 er;

	if ((er = spec_parse(r, 1, &in)) != OP_OK)
		return er;
	op_req_own_json(r, in.spec);
	memset(&c, 0, sizeof(c));
	if ((er = project_authorize(r, in.project_id, OP_ACT_EDIT,
	    &c.team_id)) != OP_OK ||
	    (er = container_name_free(r, in.project_id, in.name)) != OP_OK)
		return er;
	c.project_id = in.project_id;
	c.name = in.name;
	c.image = in.image;
	c.spec = in.spec;
	if ((er = container_launch(r, &c, in.env, NULL, in.start)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		(void)container_discard(r, &c);
		return er;
	}
	(void)engine_refresh(r, &c);
	r->err.set = 0;
	return op_reply_json(r, 201, container_json(r, c.id));
}

/* GET /api/containers/:id — the engine's view refreshed first. */
enum op_err
containers_get(struct op_req *r)
{
	struct container	c;
	enum op_err		er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_READ, &c)) !=
	    OP_OK)
		return er;
	if ((er = engine_refresh(r, &c)) != OP_OK && er != OP_EUNAVAIL)
		return er;
	r->err.set = 0;		/* the engine down: answer what we know */
	return op_reply_json(r, 200, container_json(r, c.id));
}

/* Overwriting a secret with a plain value is managing secrets. */
static enum op_err
env_secrets_guard(struct op_req *r, const struct container *c, json_t *env)
{
	const char	*key;
	json_t		*v;
	enum op_role	 role;

	json_object_foreach(env, key, v)
		if (env_is_secret(r, c->project_id, c->id, key))
			return op_team_authorize(r, c->team_id, OP_ACT_SECRETS,
			    &role);
	return OP_OK;
}

/* Remove a "-next" an update that died halfway left, unless it is what
 * the row now runs (a rename that failed). */
static void
stale_next_remove(struct op_req *r, const struct container *c,
    const char *name)
{
	struct container	 stale;
	json_t			*reply = NULL;
	const char		*id;

	memset(&stale, 0, sizeof(stale));
	stale.docker_id = op_req_printf(r, "%s-next", name);
	if (engine_inspect(r, stale.docker_id, &reply) == OP_OK) {
		id = json_string_value(json_object_get(reply, "Id"));
		if (id != NULL && (c->docker_id == NULL ||
		    strcmp(id, c->docker_id) != 0))
			(void)engine_remove(r, &stale);
	}
	json_decref(reply);
	r->err.set = 0;
}

/*
 * Put the new container in the old one's place: stop the old, start the
 * new, and only then remove the old. Whatever fails before the removal
 * leaves the old one as it was (running again if it ran) and the new one
 * gone, with the failure answered.
 */
static enum op_err
swap(struct op_req *r, struct container *old, struct container *next,
    int was_running)
{
	struct op_error_detail	 err;
	enum op_err		 er;

	if (was_running && (er = engine_stop(r, old)) != OP_OK)
		goto undo;
	if (was_running && (er = engine_start(r, next)) != OP_OK)
		goto undo;
	if ((er = engine_remove(r, old)) != OP_OK)
		goto undo;
	return OP_OK;
undo:
	err = r->err;
	(void)engine_remove(r, next);
	if (was_running)
		(void)engine_start(r, old);
	r->err = err;
	return er;
}

/* Make next (the new definition of old) beside old and swap it in,
 * the engine's container taking old's name. Consumes env. */
static enum op_err
replace(struct op_req *r, struct container *old, struct container *next,
    json_t *env)
{
	char		 name[64];
	int		 was_running;
	enum op_err	 er;

	(void)engine_refresh(r, old);
	r->err.set = 0;
	was_running = old->state != NULL && strcmp(old->state, "running") == 0;
	name_container(old->id, name);
	stale_next_remove(r, old, name);
	er = engine_create(r, next, env, "-next");
	json_decref(env);
	if (er != OP_OK || (er = swap(r, old, next, was_running)) != OP_OK)
		return er;
	/* The old one is gone: the row describes the new one from here. */
	(void)engine_rename(r, next, name);
	r->err.set = 0;
	return OP_OK;
}

/*
 * PUT /api/containers/:id — a new definition. The new container is made
 * beside the old one and swapped in (see swap); a definition the engine
 * refuses, or that does not start, leaves the old one serving and the
 * row as it was. The row stays locked throughout, so the reconciler
 * does not report the swap's moving parts.
 */
enum op_err
containers_update(struct op_req *r)
{
	struct spec_input in;
	struct container old, next;
	json_t		*merged, *env = NULL;
	char		*spec_text = NULL;
	enum op_err	 er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_EDIT, &old)) !=
	    OP_OK || (er = spec_parse(r, 0, &in)) != OP_OK)
		return er;
	op_req_own_json(r, in.spec);
	if ((er = env_secrets_guard(r, &old, in.env)) != OP_OK)
		return er;
	if ((er = spec_swarm_check(r, old.spec, in.spec)) != OP_OK)
		return er;
	if ((merged = spec_merge(old.spec, in.spec)) == NULL)
		return OP_ENOMEM;
	op_req_own_json(r, merged);
	next = old;
	next.spec = merged;
	next.image = in.image ? in.image : old.image;
	next.docker_id = NULL;
	if ((er = container_lock(r, old.id, 0)) != OP_OK ||
	    (er = env_for(r, &next, in.env, &env)) != OP_OK)
		return er;
	if (spec_is_swarm(merged)) {	/* Swarm rolls its own tasks */
		next.docker_id = old.docker_id;
		er = next.docker_id == NULL ? op_fail(r, OP_ECONFLICT,
		    "not_created", "the container has no service", NULL) :
		    service_update(r, &next, env);
		json_decref(env);
		if (er != OP_OK)
			return er;
	} else if ((er = replace(r, &old, &next, env)) != OP_OK)
		return er;
	if ((spec_text = json_dumps(merged, JSON_COMPACT)) == NULL)
		return OP_ENOMEM;
	er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
	    " image = $2, spec = $3::jsonb, docker_id = $4, health = NULL,"
	    " exit_code = NULL, updated_at = now() WHERE id = $1", next.id,
	    next.image, spec_text, next.docker_id);
	free(spec_text);
	if (er != OP_OK ||
	    (er = env_store(r, &next, in.env)) != OP_OK ||
	    (er = op_event_emit(r, "container.updated", next.team_id,
	    "container", next.id, json_pack("{s:s, s:s}", "image", next.image,
	    "previous_image", old.image))) != OP_OK ||
	    (er = engine_refresh(r, &next)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 200, container_json(r, next.id));
}

/* A database's container goes with its database, through its API. */
static enum op_err
not_a_database(struct op_req *r, const struct container *c)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT id FROM projects.databases"
	    " WHERE container_id = $1", c->id)) != OP_OK)
		return er;
	if (PQntuples(res) > 0)
		er = op_fail(r, OP_ECONFLICT, "is_database", op_req_printf(r,
		    "this container is database %s: delete it with DELETE "
		    "/api/databases/%s", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 0)), NULL);
	PQclear(res);
	return er;
}

/* DELETE /api/containers/:id — the engine's container, then the row. */
enum op_err
containers_delete(struct op_req *r)
{
	struct container	c;
	enum op_err		er;

	if ((er = container_authorize(r, r->params[0], OP_ACT_DELETE, &c)) !=
	    OP_OK || (er = not_a_database(r, &c)) != OP_OK ||
	    (er = container_lock(r, c.id, 0)) != OP_OK)
		return er;
	if ((er = container_discard(r, &c)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM projects.containers"
	    " WHERE id = $1", c.id)) != OP_OK ||
	    (er = op_event_emit(r, "container.deleted", c.team_id, "container",
	    c.id, json_pack("{s:s, s:s}", "project_id", c.project_id, "name",
	    c.name))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	op_proxy_forget(c.id);
	return op_reply_empty(r, 204);
}
