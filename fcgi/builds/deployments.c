/*
 * deployments.c — deploying an image or a build, reading deployments,
 * and rolling one back. A deployment is queued in the transaction that
 * creates it; the worker runs it (run_deploy.c).
 */
#include <stdio.h>
#include <string.h>

#include "builds.h"

#define DEPLOYMENT_COLUMNS "d.id, d.project_id, d.build_id, d.kind," \
	" d.rollback_of, d.image, d.container, d.port, d.health_path," \
	" d.container_id, d.previous_image, d.hostname, d.status, d.error," \
	" d.attempts, d.created_at, d.started_at, d.finished_at"

const char *
deploy_hostname(struct op_req *r, const char *container,
    const char *project_id)
{
	return op_req_printf(r, "%s-%.8s.%s", container, project_id,
	    op_config_get("OP_APPS_DOMAIN", "localhost"));
}

enum op_err
deploy_enqueue(struct op_req *r, const struct deploy_input *in, char id[37])
{
	PGresult	*res = NULL;
	const char	*container = "app", *port = NULL, *health = NULL;
	enum op_err	 er;

	/* A rollback goes where the deployment it undoes went. */
	if ((er = op_uuid(id)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, in->rollback_of != NULL ?
	    "SELECT container, port, health_path FROM builds.deployments"
	    " WHERE id = $1" : "SELECT container, port, health_path FROM"
	    " builds.sources WHERE project_id = $1", in->rollback_of != NULL ?
	    in->rollback_of : in->project_id)) != OP_OK)
		return er;
	if (PQntuples(res) == 1) {
		container = op_req_strdup(r, PQgetvalue(res, 0, 0));
		port = PQgetisnull(res, 0, 1) ? NULL :
		    op_req_strdup(r, PQgetvalue(res, 0, 1));
		health = PQgetisnull(res, 0, 2) ? NULL :
		    op_req_strdup(r, PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	if ((!op_db_in_tx(r->db) && (er = op_db_begin(r->db)) != OP_OK) ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO builds.deployments"
	    " (id, project_id, team_id, build_id, kind, rollback_of, image,"
	    " container, port, health_path, created_by, request_id) VALUES"
	    " ($1, $2, $3, $4, $5, $6, $7, $8, $9::int, $10, $11, $12)", id,
	    in->project_id, in->team_id, in->build_id, in->kind,
	    in->rollback_of, in->image, container, port, health,
	    r->auth.authenticated ? r->auth.user_id : NULL,
	    r->request_id)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "SELECT pg_notify('builds_jobs',"
	    " 'deployment')")) != OP_OK)
		return er;
	return op_event_emit(r, "deployment.queued", in->team_id, "deployment",
	    id, json_pack("{s:s, s:s, s:s, s:s?}", "project_id",
	    in->project_id, "image", in->image, "kind", in->kind, "build_id",
	    in->build_id));
}

json_t *
deployment_json(struct op_req *r, const char *id)
{
	return row_json(r, "SELECT " DEPLOYMENT_COLUMNS " FROM"
	    " builds.deployments d WHERE d.id = $1", id);
}

static const struct op_field create_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "image", OP_FT_STRING, 0, 1, 512, op_valid_image },
	{ "build_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* The image of a succeeded build of the project. */
static enum op_err
build_image(struct op_req *r, const char *project_id, const char *build_id,
    const char **image)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT status, image FROM"
	    " builds.builds WHERE id = $1 AND project_id = $2", build_id,
	    project_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such build in "
		    "this project", "build_id");
	else if (strcmp(PQgetvalue(res, 0, 0), "succeeded") != 0)
		er = op_fail(r, OP_ECONFLICT, "not_built", "only a succeeded "
		    "build can be deployed", "build_id");
	else
		*image = op_req_strdup(r, PQgetvalue(res, 0, 1));
	PQclear(res);
	return er;
}

/* POST /api/deployments — {project_id, image | build_id} */
enum op_err
deployments_create(struct op_req *r)
{
	struct op_value		v[nitems(create_fields)];
	struct deploy_input	in;
	char			id[37];
	enum op_err		er;

	memset(&in, 0, sizeof(in));
	if ((er = op_fields_body(r, create_fields, nitems(create_fields),
	    v)) != OP_OK)
		return er;
	if (v[1].set == v[2].set)
		return op_fail(r, OP_EINVAL, "image_or_build", "give exactly one of "
		    "image and build_id", v[1].set ? "build_id" : "image");
	if ((er = op_project_authorize(r, v[0].s, OP_ACT_OPERATE,
	    &in.team_id)) != OP_OK)
		return er;
	in.project_id = v[0].s;
	in.kind = "deploy";
	in.image = v[1].set ? v[1].s : NULL;
	in.build_id = v[2].set ? v[2].s : NULL;
	if ((v[2].set && (er = build_image(r, in.project_id, in.build_id,
	    &in.image)) != OP_OK) ||
	    (er = deploy_enqueue(r, &in, id)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, deployment_json(r, id));
}

/* A deployment of the caller's teams: its project and team. */
static enum op_err
deployment_authorize(struct op_req *r, const char *id, enum op_action act,
    const char **project_id, const char **team_id)
{
	return row_authorize(r, "SELECT project_id FROM builds.deployments"
	    " WHERE id = $1", "deployment", id, act, project_id, team_id);
}

/* GET /api/deployments/:id */
enum op_err
deployments_get(struct op_req *r)
{
	const char	*project, *team;
	enum op_err	 er;

	if ((er = deployment_authorize(r, r->params[0], OP_ACT_READ, &project,
	    &team)) != OP_OK)
		return er;
	return op_reply_json(r, 200, deployment_json(r, r->params[0]));
}

/*
 * POST /api/deployments/:id/rollback — deploy again, the same way, the
 * image this deployment replaced. When that succeeds, this one is marked
 * rolled_back. Nothing to roll back to (a first deployment) is a 409.
 */
enum op_err
deployments_rollback(struct op_req *r)
{
	struct deploy_input	 in;
	PGresult		*res = NULL;
	char			 id[37];
	enum op_err		 er;

	memset(&in, 0, sizeof(in));
	if ((er = deployment_authorize(r, r->params[0], OP_ACT_OPERATE,
	    &in.project_id, &in.team_id)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT status, previous_image FROM"
	    " builds.deployments WHERE id = $1", r->params[0])) != OP_OK)
		return er;
	if (strcmp(PQgetvalue(res, 0, 0), "succeeded") != 0)
		er = op_fail(r, OP_ECONFLICT, "not_deployed", "only a succeeded "
		    "deployment can be rolled back", NULL);
	else if (PQgetisnull(res, 0, 1))
		er = op_fail(r, OP_ECONFLICT, "nothing_to_roll_back", "this "
		    "deployment replaced nothing", NULL);
	else
		in.image = op_req_strdup(r, PQgetvalue(res, 0, 1));
	PQclear(res);
	if (er != OP_OK)
		return er;
	in.kind = "rollback";
	in.rollback_of = r->params[0];
	if ((er = deploy_enqueue(r, &in, id)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, deployment_json(r, id));
}

static const struct op_field list_fields[] = {
	{ "project_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/deployments[?project_id=] — newest first. */
enum op_err
deployments_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	return page_reply(r, PAGE_SQL(DEPLOYMENT_COLUMNS,
	    "builds.deployments", "d"), &v[0], NULL, &v[1], &v[2]);
}
