/*
 * cmd_deploy.c — `opctl deploy`, `opctl builds …`, `opctl deployments …`:
 * build a project's source and deploy it (POST /api/builds with deploy),
 * or deploy an image (POST /api/deployments), following it to the end
 * with --follow; the builds and deployments kept, their logs, rollback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	jobs_list, jobs_show, deploy, builds_logs,
    deployments_rollback;

const struct opctl_cmd opctl_deploy_cmds[] = {
	{ "deploy", NULL, deploy, "deploy PROJECT [--ref REF] [--git-url URL]"
	    " [--build-only] [--follow]", "build the source and deploy it" },
	{ "deploy", NULL, deploy, "deploy PROJECT --image IMAGE [--follow]",
	    "deploy an image" },
	{ "builds", "list", jobs_list, "builds list [--project PROJECT]"
	    " [--status STATUS]", "builds, newest first" },
	{ "builds", "show", jobs_show, "builds show BUILD", "one build" },
	{ "builds", "logs", builds_logs, "builds logs BUILD [--follow]",
	    "its log, or live to its end" },
	{ "deployments", "list", jobs_list, "deployments list"
	    " [--project PROJECT]", "deployments, newest first" },
	{ "deployments", "show", jobs_show, "deployments show"
	    " DEPLOYMENT", "one deployment" },
	{ "deployments", "rollback", deployments_rollback, "deployments"
	    " rollback DEPLOYMENT [--follow]", "deploy again what it replaced" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col build_cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "STATUS", "status", OPCTL_FMT_TEXT },
	{ "REF", "git_ref", OPCTL_FMT_TEXT },
	{ "COMMIT", "commit", OPCTL_FMT_SHORT },
	{ "CREATED", "created_at", OPCTL_FMT_TIME },
	{ "TOOK", "duration_ms", OPCTL_FMT_MS },
	{ "ERROR", "error", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static const struct opctl_col build_record[] = {
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Project", "project_id", OPCTL_FMT_TEXT },
	{ "Status", "status", OPCTL_FMT_TEXT },
	{ "Repository", "git_url", OPCTL_FMT_TEXT },
	{ "Ref", "git_ref", OPCTL_FMT_TEXT },
	{ "Commit", "commit", OPCTL_FMT_TEXT },
	{ "Dockerfile", "dockerfile", OPCTL_FMT_TEXT },
	{ "Context", "context", OPCTL_FMT_TEXT },
	{ "Image", "image", OPCTL_FMT_TEXT },
	{ "Deploy", "deploy", OPCTL_FMT_TEXT },
	{ "Deployment", "deployment_id", OPCTL_FMT_TEXT },
	{ "Trigger", "trigger", OPCTL_FMT_TEXT },
	{ "Attempts", "attempts", OPCTL_FMT_TEXT },
	{ "Error", "error", OPCTL_FMT_TEXT },
	{ "Created", "created_at", OPCTL_FMT_TIME },
	{ "Started", "started_at", OPCTL_FMT_TIME },
	{ "Finished", "finished_at", OPCTL_FMT_TIME },
	{ "Took", "duration_ms", OPCTL_FMT_MS },
	{ NULL, NULL, 0 },
};

static const struct opctl_col deployment_cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "STATUS", "status", OPCTL_FMT_TEXT },
	{ "KIND", "kind", OPCTL_FMT_TEXT },
	{ "CONTAINER", "container", OPCTL_FMT_TEXT },
	{ "IMAGE", "image", OPCTL_FMT_TEXT },
	{ "CREATED", "created_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

static const struct opctl_col deployment_record[] = {
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Project", "project_id", OPCTL_FMT_TEXT },
	{ "Status", "status", OPCTL_FMT_TEXT },
	{ "Kind", "kind", OPCTL_FMT_TEXT },
	{ "Image", "image", OPCTL_FMT_TEXT },
	{ "Previous image", "previous_image", OPCTL_FMT_TEXT },
	{ "Build", "build_id", OPCTL_FMT_TEXT },
	{ "Rollback of", "rollback_of", OPCTL_FMT_TEXT },
	{ "Container", "container", OPCTL_FMT_TEXT },
	{ "Container id", "container_id", OPCTL_FMT_TEXT },
	{ "Port", "port", OPCTL_FMT_TEXT },
	{ "Hostname", "hostname", OPCTL_FMT_TEXT },
	{ "Attempts", "attempts", OPCTL_FMT_TEXT },
	{ "Error", "error", OPCTL_FMT_TEXT },
	{ "Created", "created_at", OPCTL_FMT_TIME },
	{ "Started", "started_at", OPCTL_FMT_TIME },
	{ "Finished", "finished_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

/* A queued job's answer: its JSON, or one line naming it. */
static void
tell_queued(struct opctl *o, const char *what, json_t *job, int follow)
{
	if (o->json && !follow)
		opctl_json(stdout, job);
	else
		fprintf(o->json ? stderr : stdout, "%s %s queued\n", what,
		    opctl_str(job, "id", "?"));
}

/* Follow the deployment a build queued (its deployment_id). */
static enum opctl_exit
follow_build_deployment(struct opctl *o, json_t *build)
{
	const char	*dep = json_string_value(json_object_get(build,
			    "deployment_id"));
	json_t		*d = NULL;
	enum opctl_exit	 rc;

	if (dep == NULL || !opctl_is_uuid(dep))
		return opctl_fail(OPCTL_EFAILED, "the build queued no"
		    " deployment");
	rc = opctl_follow_deployment(o, dep, &d);
	if (o->json && d != NULL)
		opctl_json(stdout, d);
	json_decref(d);
	return rc;
}

/* deploy --image: POST /api/deployments. */
static enum opctl_exit
deploy_image(struct opctl *o, const char *project, const char *image,
    int follow)
{
	json_t		*body, *d = NULL, *end = NULL;
	enum opctl_exit	 rc;

	if ((body = json_pack("{s:s,s:s}", "project_id", project, "image",
	    image)) == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	rc = opctl_call_json(o, "POST", "/api/deployments", body, &d);
	json_decref(body);
	if (rc == OPCTL_OK)
		tell_queued(o, "deployment", d, follow);
	if (rc == OPCTL_OK && follow) {
		rc = opctl_follow_deployment(o, json_string_value(
		    json_object_get(d, "id")), &end);
		if (o->json && end != NULL)
			opctl_json(stdout, end);
	}
	json_decref(d);
	json_decref(end);
	return rc;
}

/* deploy: POST /api/builds with deploy (unless build_only). */
static enum opctl_exit
deploy_source(struct opctl *o, const char *project, const char *ref,
    const char *git_url, int build_only, int follow)
{
	json_t		*body, *b = NULL, *end = NULL;
	enum opctl_exit	 rc;

	body = json_pack("{s:s,s:b}", "project_id", project, "deploy",
	    !build_only);
	if (body != NULL && ref != NULL)
		json_object_set_new(body, "git_ref", json_string(ref));
	if (body != NULL && git_url != NULL)
		json_object_set_new(body, "git_url", json_string(git_url));
	if (body == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	rc = opctl_call_json(o, "POST", "/api/builds", body, &b);
	json_decref(body);
	if (rc == OPCTL_OK)
		tell_queued(o, "build", b, follow);
	if (rc == OPCTL_OK && follow) {
		rc = opctl_follow_build(o, json_string_value(json_object_get(b,
		    "id")), &end);
		if (rc == OPCTL_OK && !build_only)
			rc = follow_build_deployment(o, end);
		else if (o->json && end != NULL)
			opctl_json(stdout, end);
	}
	json_decref(b);
	json_decref(end);
	return rc;
}

static enum opctl_exit
deploy(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*ref = NULL, *git_url = NULL, *image = NULL;
	char			 pid[OPCTL_ID_LEN + 1];
	int			 follow = 0, build_only = 0;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "ref", OPCTL_OPT_VALUE, &ref },
		{ "git-url", OPCTL_OPT_VALUE, &git_url },
		{ "image", OPCTL_OPT_VALUE, &image },
		{ "build-only", OPCTL_OPT_FLAG, &build_only },
		{ "follow", OPCTL_OPT_FLAG, &follow },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if (image != NULL && (ref != NULL || git_url != NULL || build_only))
		return opctl_fail(OPCTL_EUSAGE, "--image deploys an image:"
		    " not with --ref, --git-url or --build-only");
	if ((rc = opctl_resolve(o, "project", a.pos[0], pid)) != OPCTL_OK)
		return rc;
	if (image != NULL)
		return deploy_image(o, pid, image, follow);
	return deploy_source(o, pid, ref, git_url, build_only, follow);
}

/* builds list, deployments list: GET /api/<group>[?project_id=…]
 * [&status=…], as a table or JSON. */
static enum opctl_exit
jobs_list(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*project = NULL, *status = NULL, *path;
	char			 pid[OPCTL_ID_LEN + 1];
	int			 builds = strcmp(cmd->group, "builds") == 0;
	json_t			*list = NULL;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "project", OPCTL_OPT_VALUE, &project },
		{ "status", OPCTL_OPT_VALUE, &status },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if (status != NULL && !builds)
		return opctl_fail(OPCTL_EUSAGE, "deployments list has no"
		    " --status");
	if (project != NULL &&
	    (rc = opctl_resolve(o, "project", project, pid)) != OPCTL_OK)
		return rc;
	path = opctl_query(opctl_query(opctl_strf("/api/%s", cmd->group),
	    "project_id", project ? pid : NULL), "status", status);
	if (path == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_list_all(o, path, &list)) == OPCTL_OK)
		rc = opctl_show_list(o, list, builds ? build_cols :
		    deployment_cols);
	json_decref(list);
	free(path);
	return rc;
}

/* builds show, deployments show: GET /api/<group>/<id>. */
static enum opctl_exit
jobs_show(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			 path[128];
	json_t			*j = NULL;
	enum opctl_exit		 rc;

	OPCTL_ARGS(NULL, 1, 1);
	if (!opctl_is_uuid(a.pos[0]))
		return opctl_fail(OPCTL_EUSAGE, "%s: not an id", a.pos[0]);
	snprintf(path, sizeof(path), "/api/%s/%s", cmd->group, a.pos[0]);
	if ((rc = opctl_call_json(o, "GET", path, NULL, &j)) == OPCTL_OK)
		rc = opctl_show_one(o, j, strcmp(cmd->group, "builds") == 0 ?
		    build_record : deployment_record);
	json_decref(j);
	return rc;
}

static enum opctl_exit
builds_logs(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	struct opctl_resp	 r = { 0 };
	char			 path[128];
	json_t			*b = NULL;
	int			 follow = 0;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "follow", OPCTL_OPT_FLAG, &follow },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if (!opctl_is_uuid(a.pos[0]))
		return opctl_fail(OPCTL_EUSAGE, "%s: not an id", a.pos[0]);
	if (follow) {
		rc = opctl_follow_build(o, a.pos[0], &b);
		if (o->json && b != NULL)
			opctl_json(stdout, b);
		json_decref(b);
		return rc;
	}
	snprintf(path, sizeof(path), "/api/builds/%s/logs", a.pos[0]);
	if ((rc = opctl_call(o, "GET", path, NULL, &r)) == OPCTL_OK &&
	    r.body != NULL)
		fwrite(r.body, 1, r.len, stdout);
	opctl_resp_clear(&r);
	return rc;
}

static enum opctl_exit
deployments_rollback(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			 path[128];
	json_t			*d = NULL, *end = NULL;
	int			 follow = 0;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "follow", OPCTL_OPT_FLAG, &follow },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if (!opctl_is_uuid(a.pos[0]))
		return opctl_fail(OPCTL_EUSAGE, "%s: not an id", a.pos[0]);
	snprintf(path, sizeof(path), "/api/deployments/%s/rollback", a.pos[0]);
	if ((rc = opctl_call_json(o, "POST", path, NULL, &d)) == OPCTL_OK)
		tell_queued(o, "rollback deployment", d, follow);
	if (rc == OPCTL_OK && follow) {
		rc = opctl_follow_deployment(o, json_string_value(
		    json_object_get(d, "id")), &end);
		if (o->json && end != NULL)
			opctl_json(stdout, end);
	}
	json_decref(d);
	json_decref(end);
	return rc;
}
