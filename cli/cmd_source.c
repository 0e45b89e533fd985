/*
 * cmd_source.c — `opctl source show|set`: the git repository a project
 * builds from and what its deployments replace (GET and PUT
 * /api/projects/{id}/source). `set` sends the whole source: what it
 * leaves out takes the API's default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	source_show, source_set;

const struct opctl_cmd opctl_source_cmds[] = {
	{ "source", "show", source_show, "source show PROJECT",
	    "the project's git source" },
	{ "source", "set", source_set, "source set PROJECT GIT_URL [--ref REF]"
	    " [--port N] [--health-path PATH] [--container NAME]"
	    " [--dockerfile FILE] [--context DIR] [--no-auto-deploy]",
	    "link the project to a repository" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col source_record[] = {
	{ "Project", "project_id", OPCTL_FMT_TEXT },
	{ "Repository", "git_url", OPCTL_FMT_TEXT },
	{ "Ref", "git_ref", OPCTL_FMT_TEXT },
	{ "Dockerfile", "dockerfile", OPCTL_FMT_TEXT },
	{ "Context", "context", OPCTL_FMT_TEXT },
	{ "Container", "container", OPCTL_FMT_TEXT },
	{ "Port", "port", OPCTL_FMT_TEXT },
	{ "Health path", "health_path", OPCTL_FMT_TEXT },
	{ "Auto deploy", "auto_deploy", OPCTL_FMT_TEXT },
	{ "HTTPS token", "has_token", OPCTL_FMT_TEXT },
	{ "Deploy key", "deploy_key_public", OPCTL_FMT_TEXT },
	{ "Webhook id", "hook_id", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

/* GET or PUT /api/projects/{project}/source, shown. */
static enum opctl_exit
source_call(struct opctl *o, const char *method, const char *project,
    json_t *body)
{
	char		 id[OPCTL_ID_LEN + 1], *path;
	json_t		*s = NULL;
	enum opctl_exit	 rc;

	if ((rc = opctl_resolve(o, "project", project, id)) != OPCTL_OK)
		return rc;
	if ((path = opctl_strf("/api/projects/%s/source", id)) == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_call_json(o, method, path, body, &s)) == OPCTL_OK)
		rc = opctl_show_one(o, s, source_record);
	json_decref(s);
	free(path);
	return rc;
}

static enum opctl_exit
source_show(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;

	OPCTL_ARGS(NULL, 1, 1);
	return source_call(o, "GET", a.pos[0], NULL);
}

static enum opctl_exit
source_set(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*ref = NULL, *port = NULL, *health = NULL;
	char			*container = NULL, *dockerfile = NULL;
	char			*context = NULL;
	int			 manual = 0;
	long long		 n = 0;
	json_t			*body;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "ref", OPCTL_OPT_VALUE, &ref },
		{ "port", OPCTL_OPT_VALUE, &port },
		{ "health-path", OPCTL_OPT_VALUE, &health },
		{ "container", OPCTL_OPT_VALUE, &container },
		{ "dockerfile", OPCTL_OPT_VALUE, &dockerfile },
		{ "context", OPCTL_OPT_VALUE, &context },
		{ "no-auto-deploy", OPCTL_OPT_FLAG, &manual },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 2, 2);
	if (port != NULL && opctl_args_number(port, 1, 65535, &n) != 0)
		return opctl_fail(OPCTL_EUSAGE, "--port: 1 to 65535");
	body = json_pack("{s:s,s:b}", "git_url", a.pos[1], "auto_deploy",
	    !manual);
	if (body == NULL ||
	    (ref && json_object_set_new(body, "git_ref", json_string(ref))) ||
	    (port && json_object_set_new(body, "port", json_integer(n))) ||
	    (health && json_object_set_new(body, "health_path",
	    json_string(health))) ||
	    (container && json_object_set_new(body, "container",
	    json_string(container))) ||
	    (dockerfile && json_object_set_new(body, "dockerfile",
	    json_string(dockerfile))) ||
	    (context && json_object_set_new(body, "context",
	    json_string(context)))) {
		json_decref(body);
		return opctl_fail(OPCTL_ENET, "out of memory");
	}
	rc = source_call(o, "PUT", a.pos[0], body);
	json_decref(body);
	return rc;
}
