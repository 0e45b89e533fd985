/*
 * rollout.c — the container side of a zero-downtime deployment, for
 * op-builds over the internal socket (these routes are OP_R_INTERNAL).
 *
 * op-builds orchestrates: it asks for a candidate (a second engine
 * container of the same definition with the new image, started beside
 * the running one, its ports published on free loopback ports), waits
 * until the candidate is healthy, points the gateway at it, and only
 * then asks for the promotion (the old one stopped and removed, the row
 * naming the candidate). A candidate that never becomes healthy is
 * discarded and the old one never stops serving. op-projects stays the
 * only writer of containers and the only place the container policy is
 * applied.
 *
 * A swarm container (mode "swarm") has no candidate: its service is
 * rolled to the new image by Swarm itself (start-first, rolled back when
 * the new tasks fail), and op-builds follows the service's update state
 * on the engine until Swarm says it completed or rolled back; the
 * promotion then only reads the service back into the row.
 */
#include <string.h>

#include "projects.h"

static const struct op_field candidate_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 63, op_valid_slug },
	{ "image", OP_FT_STRING, OP_FF_REQUIRED, 1, 512, op_valid_image },
	{ "deployment", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "port", OP_FT_INT, 0, 1, 65535, NULL },
};
enum { F_PROJECT, F_NAME, F_IMAGE, F_DEPLOYMENT, F_PORT };

/* The answer: which container, which engine container, its ports. */
static enum op_err
reply_candidate(struct op_req *r, int status, const struct container *c,
    const char *docker_id, const char *previous_image)
{
	json_t		*inspect = NULL, *ports;
	enum op_err	 er;

	if ((er = engine_inspect(r, docker_id, &inspect)) != OP_OK)
		return er;
	ports = engine_published(json_object_get(json_object_get(inspect,
	    "NetworkSettings"), "Ports"));
	json_decref(inspect);
	return op_reply_json(r, status, json_pack("{s:s, s:s, s:b, s:s?,"
	    " s:o}", "container_id", c->id, "docker_id", docker_id,
	    "created", status == 201, "previous_image", previous_image,
	    "ports", ports));
}

/* The project's team, or OP_ENOTFOUND. */
static enum op_err
project_team(struct op_req *r, const char *project_id, const char **team)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT team_id FROM"
	    " projects.projects WHERE id = $1", project_id)) != OP_OK)
		return er;
	if (PQntuples(res) == 1)
		*team = op_req_strdup(r, PQgetvalue(res, 0, 0));
	else
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such project",
		    "project_id");
	PQclear(res);
	return er;
}

/* The project's container called name: OP_OK with c->id NULL if none. */
static enum op_err
find_named(struct op_req *r, const char *project_id, const char *name,
    struct container *c)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	memset(c, 0, sizeof(*c));
	if ((er = op_db_execv(r->db, &res, "SELECT id FROM projects.containers"
	    " WHERE project_id = $1 AND name = $2", project_id, name)) !=
	    OP_OK)
		return er;
	if (PQntuples(res) == 1)
		er = container_load(r, PQgetvalue(res, 0, 0), c);
	PQclear(res);
	return er;
}

/* A first deployment: the container itself, created and started. */
static enum op_err
first_container(struct op_req *r, struct op_value *v, const char *team)
{
	struct container	c;
	json_t			*spec;
	enum op_err		 er;

	spec = json_pack("{s:n, s:[], s:[], s:n, s:n, s:s, s:n, s:{}}",
	    "command", "ports", "volumes", "cpus", "memory_mb", "restart",
	    "unless-stopped", "healthcheck", "labels");
	if (spec == NULL)
		return OP_ENOMEM;
	op_req_own_json(r, spec);
	if (v[F_PORT].set)
		json_array_append_new(json_object_get(spec, "ports"), json_pack(
		    "{s:I, s:n, s:s}", "container", (json_int_t)v[F_PORT].i,
		    "host", "protocol", "tcp"));
	memset(&c, 0, sizeof(c));
	c.project_id = v[F_PROJECT].s;
	c.team_id = team;
	c.name = v[F_NAME].s;
	c.image = v[F_IMAGE].s;
	c.spec = spec;
	c.deployment = v[F_DEPLOYMENT].s;
	if ((er = container_launch(r, &c, NULL, NULL, 1)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		(void)engine_remove(r, &c);
		return er;
	}
	(void)engine_refresh(r, &c);
	r->err.set = 0;
	return reply_candidate(r, 201, &c, c.docker_id, NULL);
}

/* A candidate this deployment made before (a retried job) that still
 * runs the image: reuse it. Anything else under its name is removed. */
static const char *
earlier_candidate(struct op_req *r, const char *name, const char *image)
{
	struct container	 stale;
	json_t			*reply = NULL;
	const char		*id = NULL, *running;

	if (engine_inspect(r, name, &reply) != OP_OK) {
		r->err.set = 0;
		return NULL;
	}
	running = json_string_value(json_object_get(json_object_get(reply,
	    "Config"), "Image"));
	if (json_is_true(json_object_get(json_object_get(reply, "State"),
	    "Running")) && running != NULL && strcmp(running, image) == 0)
		id = op_req_strdup(r, json_string_value(json_object_get(reply,
		    "Id")));
	else {
		memset(&stale, 0, sizeof(stale));
		stale.docker_id = name;
		(void)engine_remove(r, &stale);
		r->err.set = 0;
	}
	json_decref(reply);
	return id;
}

/* The definition with every host port left to the engine: the running
 * container holds the fixed ones. */
static json_t *
ephemeral_ports(struct op_req *r, json_t *spec)
{
	json_t	*copy = json_deep_copy(spec), *p;
	size_t	 i;

	if (copy == NULL)
		return NULL;
	op_req_own_json(r, copy);
	json_array_foreach(json_object_get(copy, "ports"), i, p)
		json_object_set_new(p, "host", json_null());
	return copy;
}

/* Roll c's service to image (unless its spec runs it already: a retried
 * job) and answer {container_id, docker_id: the service, mode: swarm}. */
static enum op_err
swarm_candidate(struct op_req *r, struct container *c, const char *image,
    const char *deployment)
{
	json_t		*svc = NULL, *ports;
	const char	*running, *previous = c->image;
	enum op_err	 er;

	if (c->docker_id == NULL)
		return op_fail(r, OP_ECONFLICT, "not_created",
		    "the container has no service", NULL);
	if ((er = engine_call(r, "GET", op_req_printf(r, "/services/%s",
	    c->docker_id), NULL, "inspect service", 200, 200, &svc)) != OP_OK)
		return er;
	op_req_own_json(r, svc);
	running = json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(svc, "Spec"), "TaskTemplate"),
	    "ContainerSpec"), "Image"));
	if ((running == NULL || strcmp(running, image) != 0) &&
	    (er = service_image(r, c, image, deployment)) != OP_OK)
		return er;
	ports = json_loads("[]", 0, NULL);
	return op_reply_json(r, 200, json_pack("{s:s, s:s, s:b, s:s?, s:o,"
	    " s:s}", "container_id", c->id, "docker_id", c->docker_id,
	    "created", 0, "previous_image", previous, "ports", ports, "mode",
	    "swarm"));
}

/*
 * POST /api/containers/candidates (internal) — {project_id, name, image,
 * deployment, port?}. The project's container called name gets a started
 * candidate running image (200); a project without one gets the container
 * itself (201, nothing to replace). The row is not changed by a candidate.
 */
enum op_err
rollout_candidate(struct op_req *r)
{
	struct op_value		 v[nitems(candidate_fields)];
	struct container	 old, next;
	json_t			*env = NULL;
	const char		*team = NULL, *id;
	char			 name[64], suffix[16];
	enum op_err		 er;

	if ((er = op_fields_body(r, candidate_fields,
	    nitems(candidate_fields), v)) != OP_OK ||
	    (er = project_team(r, v[F_PROJECT].s, &team)) != OP_OK ||
	    (er = find_named(r, v[F_PROJECT].s, v[F_NAME].s, &old)) != OP_OK)
		return er;
	if (old.id == NULL)
		return first_container(r, v, team);
	if (spec_is_swarm(old.spec))
		return swarm_candidate(r, &old, v[F_IMAGE].s,
		    v[F_DEPLOYMENT].s);
	snprintf(suffix, sizeof(suffix), "-%.8s", v[F_DEPLOYMENT].s);
	name_container(old.id, name);
	if ((id = earlier_candidate(r, op_req_printf(r, "%s%s", name, suffix),
	    v[F_IMAGE].s)) != NULL)
		return reply_candidate(r, 200, &old, id, old.image);
	next = old;
	next.image = v[F_IMAGE].s;
	next.docker_id = NULL;
	next.deployment = v[F_DEPLOYMENT].s;
	if ((next.spec = ephemeral_ports(r, old.spec)) == NULL)
		return OP_ENOMEM;
	if ((er = env_for(r, &next, NULL, &env)) != OP_OK)
		return er;
	er = engine_create(r, &next, env, suffix);
	json_decref(env);
	if (er != OP_OK)
		return er;
	if ((er = engine_start(r, &next)) != OP_OK) {
		struct op_error_detail	err = r->err;

		(void)engine_remove(r, &next);
		r->err = err;
		return er;
	}
	return reply_candidate(r, 200, &old, next.docker_id, old.image);
}

/* Does the engine's container docker_id belong to container c (and
 * not already serve as it)? Its image in *image. */
static enum op_err
candidate_of(struct op_req *r, const struct container *c,
    const char *docker_id, const char **image)
{
	json_t		*reply = NULL, *config;
	const char	*owner;
	enum op_err	 er;

	if ((er = engine_inspect(r, docker_id, &reply)) != OP_OK)
		return er == OP_ENOTFOUND ? op_fail(r, er, "not_found",
		    "no such candidate", "docker_id") : er;
	config = json_object_get(reply, "Config");
	owner = json_string_value(json_object_get(json_object_get(config,
	    "Labels"), "io.openpanel.container"));
	if (owner == NULL || strcmp(owner, c->id) != 0)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such candidate",
		    "docker_id");
	else if ((*image = op_req_strdup(r, json_string_value(
	    json_object_get(config, "Image")))) == NULL)
		er = OP_EINTERNAL;
	json_decref(reply);
	return er;
}

/* An engine container's id (12 to 64 lower-case hex digits) or a
 * service's (lower-case letters and digits). */
static enum op_err
valid_docker_id(const char *s, const char **why)
{
	size_t	n = strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz");

	if (n < 12 || n > 64 || s[n] != '\0') {
		*why = "must be an engine container or service id";
		return OP_EINVAL;
	}
	return OP_OK;
}

static const struct op_field promote_fields[] = {
	{ "docker_id", OP_FT_STRING, OP_FF_REQUIRED, 12, 64, valid_docker_id },
};

/* Swap the row over to the candidate: the old engine container stops
 * (its grace period drains it) and goes, the candidate takes its name. */
static enum op_err
promote(struct op_req *r, struct container *c, const char *docker_id,
    const char *image)
{
	struct container	 next = *c;
	char			 name[64];
	enum op_err		 er;

	if (c->docker_id != NULL) {
		(void)engine_stop(r, c);
		if ((er = engine_remove(r, c)) != OP_OK && er != OP_ENOTFOUND)
			return er;
		r->err.set = 0;
	}
	next.docker_id = docker_id;
	next.image = image;
	name_container(c->id, name);
	(void)engine_rename(r, &next, name);
	r->err.set = 0;
	if ((er = op_db_execv(r->db, NULL, "UPDATE projects.containers SET"
	    " image = $2, docker_id = $3, health = NULL, exit_code = NULL,"
	    " updated_at = now() WHERE id = $1", c->id, image, docker_id)) !=
	    OP_OK || (er = op_event_emit(r, "container.updated", c->team_id,
	    "container", c->id, json_pack("{s:s, s:s, s:s?}", "image", image,
	    "docker_id", docker_id, "previous_image", c->image))) != OP_OK)
		return er;
	return engine_refresh(r, &next);
}

/*
 * POST /api/containers/:id/promote (internal) — {docker_id}: the
 * candidate becomes the container. Promoting what already serves is a
 * no-op (a retried job).
 */
enum op_err
rollout_promote(struct op_req *r)
{
	struct op_value		 v[nitems(promote_fields)];
	struct container	 c;
	const char		*image;
	enum op_err		 er;

	if ((er = op_fields_body(r, promote_fields, nitems(promote_fields),
	    v)) != OP_OK || (er = container_lock(r, r->params[0], 0)) !=
	    OP_OK || (er = container_load(r, r->params[0], &c)) != OP_OK)
		return er;
	if (c.docker_id == NULL || strcmp(c.docker_id, v[0].s) != 0) {
		if ((er = candidate_of(r, &c, v[0].s, &image)) != OP_OK ||
		    (er = promote(r, &c, v[0].s, image)) != OP_OK)
			return er;
	} else if (spec_is_swarm(c.spec) && (er = engine_refresh(r, &c)) !=
	    OP_OK)	/* the service Swarm rolled, read back into the row */
		return er;
	if ((er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 200, container_json(r, c.id));
}

/*
 * DELETE /api/containers/:id/candidates/:docker_id (internal) — remove a
 * candidate that will not serve. What the container runs now is refused;
 * one already gone is fine.
 */
enum op_err
rollout_discard(struct op_req *r)
{
	struct container	 c, cand;
	const char		*image, *why;
	enum op_err		 er;

	if ((er = container_load(r, r->params[0], &c)) != OP_OK)
		return er;
	if (valid_docker_id(r->params[1], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such candidate", NULL);
	if (c.docker_id != NULL && strcmp(c.docker_id, r->params[1]) == 0)
		return op_fail(r, OP_ECONFLICT, "serving",
		    "this engine container is the one serving", NULL);
	if ((er = candidate_of(r, &c, r->params[1], &image)) == OP_OK) {
		memset(&cand, 0, sizeof(cand));
		cand.docker_id = r->params[1];
		(void)engine_stop(r, &cand);
		er = engine_remove(r, &cand);
	}
	if (er != OP_OK && er != OP_ENOTFOUND)
		return er;
	r->err.set = 0;
	return op_reply_empty(r, 204);
}
