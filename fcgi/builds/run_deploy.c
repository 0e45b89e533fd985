/*
 * run_deploy.c — one claimed deployment, without dropping a request:
 *
 *   1. op-projects starts a candidate beside the running container (or,
 *      on a first deployment, the container itself);
 *   2. we wait until the candidate is ready (health.c);
 *   3. the gateway's upstream for the container is pointed at the
 *      candidate's port, nginx -t checks it, nginx reloads (lib/proxy.c);
 *   4. after a drain period for requests still on the old one, op-projects
 *      promotes the candidate: the old container stops and goes.
 *
 * A candidate that never becomes ready is discarded before anything
 * routes to it: the old container never stopped serving. A promotion
 * that fails leaves the candidate serving and the job retried (the next
 * try finds the same candidate running and promotes it).
 *
 * A swarm container has no candidate: op-projects asks Swarm to roll its
 * service to the new image (start-first), we follow the update until
 * Swarm ends it (swarm_wait.c), and the promotion reads the service back
 * into the row; a failed update is rolled back by Swarm and the
 * deployment fails with Swarm's reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builds.h"

#define INTERNAL_MS	330000	/* a candidate may need a pull (as the
				   gateway's internal location allows) */

struct deploy_row {
	const char	*project_id;
	const char	*team_id;
	const char	*image;
	const char	*container;
	const char	*health_path;	/* NULL: none */
	const char	*kind;
	const char	*rollback_of;	/* NULL unless a rollback */
	long long	 port;		/* 0: none */
};

/* The candidate op-projects made. */
struct candidate {
	const char	*container_id;
	const char	*docker_id;
	const char	*previous_image;	/* NULL on a first deployment */
	json_t		*ports;			/* borrowed from reply */
	int		 created;		/* first deployment */
	int		 swarm;			/* a service Swarm rolls */
};

static const char *
col(struct op_req *r, const PGresult *res, const char *name)
{
	const char	*v = op_db_get(res, 0, name);

	return v != NULL ? op_req_strdup(r, v) : NULL;
}

static enum op_err
load(struct op_req *r, const char *id, struct deploy_row *d)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT project_id, team_id, image,"
	    " container, health_path, kind, rollback_of, port, request_id"
	    " FROM builds.deployments WHERE id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	d->project_id = col(r, res, "project_id");
	d->team_id = col(r, res, "team_id");
	d->image = col(r, res, "image");
	d->container = col(r, res, "container");
	d->health_path = col(r, res, "health_path");
	d->kind = col(r, res, "kind");
	d->rollback_of = col(r, res, "rollback_of");
	if (op_db_get(res, 0, "port") != NULL)
		(void)op_strtonum(op_db_get(res, 0, "port"), 1, 65535, &d->port);
	r->request_id = col(r, res, "request_id");
	PQclear(res);
	return OP_OK;
}

/* The error message of an internal answer. */
static const char *
internal_why(struct op_req *r, long status, json_t *reply)
{
	const char	*m = json_string_value(json_object_get(json_object_get(
	    reply, "error"), "message"));

	return op_req_printf(r, "op-projects answered %ld: %s", status,
	    m ? m : "no reason given");
}

/* Ask op-projects for a candidate: OP_EINVAL with *why when it refused,
 * OP_EUNAVAIL when it could not be asked (retry). */
static enum op_err
candidate_get(struct op_req *r, struct job *j, const struct deploy_row *d,
    struct candidate *c, json_t **reply, const char **why)
{
	json_t		*body;
	long		 status;
	enum op_err	 er;

	body = json_pack("{s:s, s:s, s:s, s:s}", "project_id", d->project_id,
	    "name", d->container, "image", d->image, "deployment", j->id);
	if (d->port > 0)
		json_object_set_new(body, "port", json_integer(d->port));
	er = op_internal_call(r->request_id, "POST",
	    "/api/containers/candidates", body, INTERNAL_MS, &status, reply);
	json_decref(body);
	if (er != OP_OK || status >= 500 || status == 0)
		return OP_EUNAVAIL;
	if (status != 200 && status != 201) {
		*why = internal_why(r, status, *reply);
		return OP_EINVAL;
	}
	c->container_id = op_req_strdup(r, json_string_value(json_object_get(
	    *reply, "container_id")));
	c->docker_id = op_req_strdup(r, json_string_value(json_object_get(
	    *reply, "docker_id")));
	c->previous_image = json_string_value(json_object_get(*reply,
	    "previous_image"));
	c->previous_image = c->previous_image ? op_req_strdup(r,
	    c->previous_image) : NULL;
	c->ports = json_object_get(*reply, "ports");
	c->created = status == 201;
	c->swarm = json_string_value(json_object_get(*reply, "mode")) != NULL &&
	    strcmp(json_string_value(json_object_get(*reply, "mode")),
	    "swarm") == 0;
	return c->container_id && c->docker_id ? OP_OK : OP_EUNAVAIL;
}

/* The host port published for container port p, or 0. */
static long
host_port(json_t *ports, long p)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(ports, i, e)
		if (json_integer_value(json_object_get(e, "container")) == p)
			return (long)json_integer_value(json_object_get(e,
			    "host"));
	return 0;
}

/* Point the container's upstream (and its generated site) at the
 * candidate: OP_EINVAL with *why when the gateway refused. */
static enum op_err
route(struct op_req *r, const struct deploy_row *d, const struct candidate *c,
    const char *hostname, const char **why)
{
	struct op_proxy_change	 ch[2];
	struct op_proxy_site	 site;
	struct op_buf		 out;
	char			 upstream[64], *ups, *srv;
	enum op_err		 er;

	if (d->port == 0 || op_proxy_dir() == NULL)
		return OP_OK;	/* nothing to route */
	op_proxy_upstream_name(c->container_id, d->port, upstream);
	memset(&site, 0, sizeof(site));
	site.hostname = hostname;
	site.upstream = upstream;
	ups = op_proxy_upstreams_text(c->container_id, c->ports);
	srv = op_proxy_site_text(&site);
	if (ups == NULL || srv == NULL) {
		free(ups);
		free(srv);
		*why = "the new container's routing could not be rendered";
		return OP_EINVAL;
	}
	ch[0] = (struct op_proxy_change){ op_req_printf(r,
	    "upstreams/%s.conf", c->container_id), ups };
	ch[1] = (struct op_proxy_change){ op_req_printf(r,
	    "sites/app-%s.conf", c->container_id), srv };
	op_buf_init(&out, 4096);
	er = op_proxy_apply(ch, 2, &out);
	if (er == OP_EINVAL)
		*why = op_req_printf(r, "the gateway refused the new routing: "
		    "%s", out.data ? out.data : "nginx -t failed");
	op_buf_clear(&out);
	free(ups);
	free(srv);
	return er;
}

/* Throw the candidate away (it will not serve). */
static void
discard(struct op_req *r, const struct candidate *c)
{
	json_t	*reply = NULL;
	long	 status;

	if (c->created)
		return;		/* the container itself: it stays, failing */
	(void)op_internal_call(r->request_id, "DELETE", op_req_printf(r,
	    "/api/containers/%s/candidates/%s", c->container_id, c->docker_id),
	    NULL, INTERNAL_MS, &status, &reply);
	json_decref(reply);
}

/* The candidate takes the container's place. */
static enum op_err
promote(struct op_req *r, const struct candidate *c)
{
	json_t		*body, *reply = NULL;
	long		 status;
	enum op_err	 er;

	if (c->created)
		return OP_OK;
	usleep((useconds_t)op_config_int("OP_DEPLOY_DRAIN_MS", 1500, 0,
	    600000) * 1000);
	body = json_pack("{s:s}", "docker_id", c->docker_id);
	er = op_internal_call(r->request_id, "POST", op_req_printf(r,
	    "/api/containers/%s/promote", c->container_id), body, INTERNAL_MS,
	    &status, &reply);
	json_decref(body);
	json_decref(reply);
	return er == OP_OK && status == 200 ? OP_OK : OP_EUNAVAIL;
}

static void
finish(struct op_req *r, struct job *j, const struct deploy_row *d,
    const char *hostname, const char *why)
{
	const char	*type = why == NULL ? "deployment.succeeded" :
	    "deployment.failed";

	if (job_owned(r, j) != OP_OK ||
	    op_db_execv(r->db, NULL, "UPDATE builds.deployments SET status ="
	    " $2, error = $3, hostname = $4, finished_at = now(),"
	    " lease_owner = NULL WHERE id = $1", j->id, why == NULL ?
	    "succeeded" : "failed", why, hostname) != OP_OK ||
	    op_event_emit(r, type, d->team_id, "deployment", j->id, json_pack(
	    "{s:s, s:s, s:s, s:s?}", "project_id", d->project_id, "image",
	    d->image, "kind", d->kind, "error", why)) != OP_OK)
		goto fail;
	if (why == NULL && d->rollback_of != NULL &&
	    (op_db_execv(r->db, NULL, "UPDATE builds.deployments SET status ="
	    " 'rolled_back' WHERE id = $1 AND status = 'succeeded'",
	    d->rollback_of) != OP_OK ||
	    op_event_emit(r, "deployment.rolled_back", d->team_id,
	    "deployment", d->rollback_of, json_pack("{s:s, s:s, s:s}",
	    "project_id", d->project_id, "image", d->image, "by", j->id)) !=
	    OP_OK))
		goto fail;
	if (op_db_commit(r->db) == OP_OK)
		return;
fail:
	op_db_rollback(r->db);
}

static enum op_err
started(struct op_req *r, struct job *j, const struct deploy_row *d)
{
	enum op_err	er;

	if ((er = job_owned(r, j)) != OP_OK ||
	    (er = op_event_emit(r, "deployment.started", d->team_id,
	    "deployment", j->id, json_pack("{s:s, s:s, s:s}", "project_id",
	    d->project_id, "image", d->image, "kind", d->kind))) != OP_OK)
		return er;
	return op_db_commit(r->db);
}

/* A swarm container's deployment: Swarm's rolling update followed to its
 * end, the row read back (the promotion answers the container with the
 * ports its new tasks publish), and the gateway pointed at them. */
static enum op_err
swarm_roll(struct op_req *r, struct job *j, const struct deploy_row *d,
    const struct candidate *c, const char *hostname, const char **why)
{
	struct candidate	 now = *c;
	json_t			*body, *reply = NULL;
	long			 status;
	enum op_err		 er;

	if ((er = swarm_wait(r, j, builds_engine(), c->docker_id, d->image,
	    why)) != OP_OK)
		return er;
	body = json_pack("{s:s}", "docker_id", c->docker_id);
	er = op_internal_call(r->request_id, "POST", op_req_printf(r,
	    "/api/containers/%s/promote", c->container_id), body, INTERNAL_MS,
	    &status, &reply);
	json_decref(body);
	if (er == OP_OK && status == 200) {
		now.ports = json_object_get(reply, "published");
		er = route(r, d, &now, hostname, why);
	} else
		er = OP_EUNAVAIL;
	json_decref(reply);
	return er;
}

/* Steps 2 to 4 on a candidate; *why when the version will not serve. */
static enum op_err
roll(struct op_req *r, struct job *j, const struct deploy_row *d,
    const struct candidate *c, const char *hostname, const char **why)
{
	struct health_target	t = { c->docker_id, host_port(c->ports,
	    d->port), d->health_path };
	enum op_err		er;

	if (builds_engine() == NULL)
		return OP_EUNAVAIL;
	if (c->swarm)
		return swarm_roll(r, j, d, c, hostname, why);
	if ((er = health_wait(r, j, builds_engine(), &t, why)) != OP_OK ||
	    (er = route(r, d, c, hostname, why)) != OP_OK) {
		if (er == OP_EINVAL)
			discard(r, c);
		return er;
	}
	return promote(r, c);
}

void
deploy_run(struct op_req *r, struct job *j)
{
	struct deploy_row	 d;
	struct candidate	 c;
	json_t			*reply = NULL;
	const char		*why = NULL, *hostname;
	enum op_err		 er;

	memset(&d, 0, sizeof(d));
	memset(&c, 0, sizeof(c));
	if (load(r, j->id, &d) != OP_OK || started(r, j, &d) != OP_OK) {
		op_db_rollback(r->db);
		return;
	}
	hostname = deploy_hostname(r, d.container, d.project_id);
	er = candidate_get(r, j, &d, &c, &reply, &why);
	if (er == OP_OK)
		(void)op_db_execv(r->db, NULL, "UPDATE builds.deployments SET"
		    " container_id = $2, previous_image = COALESCE("
		    "previous_image, $3) WHERE id = $1", j->id, c.container_id,
		    c.previous_image);
	if (er == OP_OK)
		er = roll(r, j, &d, &c, hostname, &why);
	json_decref(reply);
	if (er == OP_OK)
		finish(r, j, &d, d.port > 0 && op_proxy_dir() != NULL ?
		    hostname : NULL, NULL);
	else if (job_abandoned(j))
		op_info("deployment %s: left to its lease", j->id);
	else if (er == OP_EINVAL)
		finish(r, j, &d, NULL, why);
	else
		(void)job_retry(r, j, "op-projects or the engine is away");
}
