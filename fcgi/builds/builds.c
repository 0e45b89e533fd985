/*
 * builds.c — POST /api/builds and what reads builds: a build is queued
 * in the transaction that creates it (the worker claims it), and answered
 * at once with 202.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builds.h"

#define BUILD_COLUMNS	"b.id, b.project_id, b.git_url, b.git_ref, b.commit," \
	" b.dockerfile, b.context, b.build_args, b.deploy, b.trigger," \
	" b.status, b.image, b.error, b.attempts, (SELECT d.id FROM" \
	" builds.deployments d WHERE d.build_id = b.id ORDER BY" \
	" d.created_at LIMIT 1) AS deployment_id, b.created_at," \
	" b.started_at, b.finished_at, (extract(epoch FROM b.finished_at -" \
	" b.started_at) * 1000)::bigint AS duration_ms"

enum op_err
valid_source_url(const char *s, const char **why)
{
	return git_local_allowed(s) ? OP_OK : op_valid_git_url(s, why);
}

enum op_err
build_args_check(struct op_req *r, json_t *args, const char *field)
{
	const char	*key, *why;
	json_t		*v;

	if (json_object_size(args) > 64)
		return op_fail(r, OP_EINVAL, "invalid_build_args", "at most 64 "
		    "build arguments", field);
	json_object_foreach(args, key, v) {
		if (op_valid_env_key(key, &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_build_args",
			    op_req_printf(r, "build argument name %s", why),
			    field);
		if (!json_is_string(v) || json_string_length(v) > 4096 ||
		    !op_utf8_clean(json_string_value(v), json_string_length(v),
		    1))
			return op_fail(r, OP_EINVAL, "invalid_build_args",
			    "build argument values must be text of at most "
			    "4096 bytes",
			    op_req_printf(r, "%s.%s", field, key));
	}
	return OP_OK;
}

/* A newer build supersedes the project's queued ones: each is cancelled,
 * with an event saying by which. */
static enum op_err
supersede(struct op_req *r, const struct build_input *in, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_execv(r->db, &res, "UPDATE builds.builds SET status ="
	    " 'cancelled', error = 'superseded by build ' || $2,"
	    " finished_at = now() WHERE project_id = $1 AND status ="
	    " 'queued' RETURNING id", in->project_id, id)) != OP_OK)
		return er;
	for (i = 0; i < PQntuples(res) && er == OP_OK; i++)
		er = op_event_emit(r, "build.cancelled", in->team_id, "build",
		    PQgetvalue(res, i, 0), json_pack("{s:s, s:s}",
		    "project_id", in->project_id, "superseded_by", id));
	PQclear(res);
	return er;
}

enum op_err
build_enqueue(struct op_req *r, const struct build_input *in, char id[37])
{
	char		*args;
	enum op_err	 er;

	if ((er = op_uuid(id)) != OP_OK)
		return er;
	if ((args = in->build_args != NULL ? json_dumps(in->build_args,
	    JSON_COMPACT) : strdup("{}")) == NULL)
		return OP_ENOMEM;
	if ((!op_db_in_tx(r->db) && (er = op_db_begin(r->db)) != OP_OK) ||
	    (er = supersede(r, in, id)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO builds.builds (id,"
	    " project_id, team_id, git_url, git_ref, dockerfile, context,"
	    " build_args, deploy, trigger, created_by, request_id) VALUES ($1,"
	    " $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)", id,
	    in->project_id, in->team_id, in->git_url, in->git_ref,
	    in->dockerfile, in->context, args, in->deploy ? "t" : "f",
	    in->trigger, r->auth.authenticated ? r->auth.user_id : NULL,
	    r->request_id)) != OP_OK)
		goto out;
	if ((er = op_db_execv(r->db, NULL, "SELECT pg_notify('builds_jobs',"
	    " 'build')")) != OP_OK)
		goto out;
	er = op_event_emit(r, "build.queued", in->team_id, "build", id,
	    json_pack("{s:s, s:s, s:s, s:s}", "project_id", in->project_id,
	    "git_url", in->git_url, "git_ref", in->git_ref, "trigger",
	    in->trigger));
out:
	free(args);
	return er;
}

json_t *
build_json(struct op_req *r, const char *id)
{
	return row_json(r, "SELECT " BUILD_COLUMNS " FROM builds.builds b WHERE"
	    " b.id = $1", id);
}

static const struct op_field create_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "git_url", OP_FT_STRING, 0, 1, 2048, valid_source_url },
	{ "git_ref", OP_FT_STRING, 0, 1, 255, op_valid_git_ref },
	{ "dockerfile", OP_FT_STRING, 0, 1, 1024, op_valid_repo_path },
	{ "context", OP_FT_STRING, 0, 1, 1024, op_valid_repo_path },
	{ "build_args", OP_FT_OBJECT, 0, 0, 64, NULL },
	{ "deploy", OP_FT_BOOL, 0, 0, 0, NULL },
};
enum { C_PROJECT, C_URL, C_REF, C_DOCKERFILE, C_CONTEXT, C_ARGS, C_DEPLOY };

/* What the body leaves out comes from the project's source. */
static enum op_err
source_defaults(struct op_req *r, struct op_value *v, struct build_input *in)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT git_url, git_ref,"
	    " dockerfile, context, build_args::text FROM builds.sources"
	    " WHERE project_id = $1", in->project_id)) != OP_OK)
		return er;
	if (PQntuples(res) == 1 && (!v[C_URL].set || strcmp(v[C_URL].s,
	    PQgetvalue(res, 0, 0)) == 0)) {
		in->git_url = op_req_strdup(r, PQgetvalue(res, 0, 0));
		in->git_ref = op_req_strdup(r, PQgetvalue(res, 0, 1));
		in->dockerfile = op_req_strdup(r, PQgetvalue(res, 0, 2));
		in->context = op_req_strdup(r, PQgetvalue(res, 0, 3));
		in->build_args = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
		op_req_own_json(r, in->build_args);
	}
	PQclear(res);
	if (v[C_URL].set)
		in->git_url = v[C_URL].s;
	if (in->git_url == NULL)
		return op_fail(r, OP_EINVAL, "missing_field", "git_url is required "
		    "when the project has no source", "git_url");
	if (v[C_REF].set)
		in->git_ref = v[C_REF].s;
	if (v[C_DOCKERFILE].set)
		in->dockerfile = v[C_DOCKERFILE].s;
	if (v[C_CONTEXT].set)
		in->context = v[C_CONTEXT].s;
	if (v[C_ARGS].set)
		in->build_args = v[C_ARGS].j;
	if (in->git_ref == NULL)
		in->git_ref = "main";
	if (in->dockerfile == NULL)
		in->dockerfile = "Dockerfile";
	if (in->context == NULL)
		in->context = ".";
	return OP_OK;
}

/* POST /api/builds */
enum op_err
builds_create(struct op_req *r)
{
	struct op_value		v[nitems(create_fields)];
	struct build_input	in;
	char			id[37];
	enum op_err		er;

	memset(&in, 0, sizeof(in));
	if ((er = op_fields_body(r, create_fields, nitems(create_fields),
	    v)) != OP_OK ||
	    (v[C_ARGS].set && (er = build_args_check(r, v[C_ARGS].j,
	    "build_args")) != OP_OK) ||
	    (er = op_project_authorize(r, v[C_PROJECT].s, OP_ACT_OPERATE,
	    &in.team_id)) != OP_OK)
		return er;
	in.project_id = v[C_PROJECT].s;
	in.deploy = v[C_DEPLOY].set && v[C_DEPLOY].i;
	in.trigger = "api";
	if ((er = source_defaults(r, v, &in)) != OP_OK ||
	    (er = build_enqueue(r, &in, id)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, build_json(r, id));
}

enum op_err
row_authorize(struct op_req *r, const char *sql, const char *what,
    const char *id, enum op_action act, const char **project_id,
    const char **team_id)
{
	PGresult	*res = NULL;
	const char	*why;
	enum op_err	 er;

	if (op_valid_uuid(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", op_req_printf(r,
		    "no such %s", what), NULL);
	if ((er = op_db_execv(r->db, &res, sql, id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found", op_req_printf(r,
		    "no such %s", what), NULL);
	}
	*project_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	er = op_project_authorize(r, *project_id, act, team_id);
	if (er == OP_ENOTFOUND)
		er = op_fail(r, er, "not_found", op_req_printf(r, "no such %s",
		    what), NULL);
	return er;
}

/* A build of the caller's teams, authorised for act. */
static enum op_err
build_authorize(struct op_req *r, const char *id, enum op_action act)
{
	const char	*project, *team;

	return row_authorize(r, "SELECT project_id FROM builds.builds WHERE"
	    " id = $1", "build", id, act, &project, &team);
}

/* GET /api/builds/:id */
enum op_err
builds_get(struct op_req *r)
{
	enum op_err	er;

	if ((er = build_authorize(r, r->params[0], OP_ACT_READ)) != OP_OK)
		return er;
	return op_reply_json(r, 200, build_json(r, r->params[0]));
}

/* GET /api/builds/:id/logs — the whole log so far, as text. */
enum op_err
builds_logs(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = build_authorize(r, r->params[0], OP_ACT_READ)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT COALESCE(string_agg(line,"
	    " E'\\n' ORDER BY seq) || E'\\n', '') FROM builds.build_logs"
	    " WHERE build_id = $1", r->params[0])) != OP_OK)
		return er;
	er = op_reply_text(r, 200, "text/plain; charset=utf-8",
	    PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
	return er;
}

/*
 * POST /api/builds/:id/cancel — a queued build is cancelled at once; a
 * running one is asked to stop (its worker sees it within seconds). A
 * finished build is a 409.
 */
enum op_err
builds_cancel(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*status;
	enum op_err	 er;

	if ((er = build_authorize(r, r->params[0], OP_ACT_OPERATE)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT status, team_id FROM"
	    " builds.builds WHERE id = $1 FOR UPDATE", r->params[0])) != OP_OK)
		return er;
	status = op_req_strdup(r, PQgetvalue(res, 0, 0));
	if (strcmp(status, "queued") == 0)
		er = op_db_execv(r->db, NULL, "UPDATE builds.builds SET status ="
		    " 'cancelled', error = 'cancelled', finished_at = now()"
		    " WHERE id = $1", r->params[0]);
	else if (strcmp(status, "running") == 0)
		er = op_db_execv(r->db, NULL, "UPDATE builds.builds SET cancel ="
		    " true WHERE id = $1", r->params[0]);
	else
		er = op_fail(r, OP_ECONFLICT, "finished", op_req_printf(r,
		    "the build has already %s", status), NULL);
	if (er == OP_OK)
		er = op_event_emit(r, "build.cancel_requested", PQgetvalue(res,
		    0, 1), "build", r->params[0], NULL);
	PQclear(res);
	if (er != OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, build_json(r, r->params[0]));
}

/* One of a build's statuses. */
static enum op_err
valid_status(const char *s, const char **why)
{
	static const char *const all[] = { "queued", "running", "succeeded",
	    "failed", "cancelled" };
	size_t	i;

	for (i = 0; i < nitems(all); i++)
		if (strcmp(s, all[i]) == 0)
			return OP_OK;
	*why = "must be queued, running, succeeded, failed or cancelled";
	return OP_EINVAL;
}

static const struct op_field list_fields[] = {
	{ "project_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "status", OP_FT_STRING, 0, 1, 16, valid_status },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/builds[?project_id=&status=] — newest first. */
enum op_err
builds_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	return page_reply(r, PAGE_SQL(BUILD_COLUMNS, "builds.builds", "b"),
	    &v[0], &v[1], &v[2], &v[3]);
}
