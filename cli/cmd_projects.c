/*
 * cmd_projects.c — `opctl projects list|show|create|delete`: a team's
 * projects (GET/POST /api/projects, GET/DELETE /api/projects/{id}).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	projects_list, projects_show, projects_create,
    projects_delete;

const struct opctl_cmd opctl_project_cmds[] = {
	{ "projects", "list", projects_list, "projects list [--team TEAM]",
	    "your teams' projects" },
	{ "projects", "show", projects_show, "projects show PROJECT",
	    "one project" },
	{ "projects", "create", projects_create, "projects create NAME"
	    " [--team TEAM] [--description TEXT]", "a new project" },
	{ "projects", "delete", projects_delete, "projects delete PROJECT"
	    " [--volumes]", "delete it and its containers" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col project_cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "NAME", "name", OPCTL_FMT_TEXT },
	{ "CONTAINERS", "container_count", OPCTL_FMT_TEXT },
	{ "CREATED", "created_at", OPCTL_FMT_TIME },
	{ "DESCRIPTION", "description", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static const struct opctl_col project_record[] = {
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Name", "name", OPCTL_FMT_TEXT },
	{ "Team", "team_id", OPCTL_FMT_TEXT },
	{ "Description", "description", OPCTL_FMT_TEXT },
	{ "Containers", "container_count", OPCTL_FMT_TEXT },
	{ "Created", "created_at", OPCTL_FMT_TIME },
	{ "Updated", "updated_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

static enum opctl_exit
projects_list(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*team = NULL, tid[OPCTL_ID_LEN + 1], *path;
	json_t			*list = NULL;
	enum opctl_exit		 rc = OPCTL_OK;
	const struct opctl_opt	 opts[] = {
		{ "team", OPCTL_OPT_VALUE, &team },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if (team != NULL && (rc = opctl_resolve_team(o, team, tid)) != OPCTL_OK)
		return rc;
	path = opctl_query(strdup("/api/projects"), "team_id", team ? tid :
	    NULL);
	if (path == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_list_all(o, path, &list)) == OPCTL_OK)
		rc = opctl_show_list(o, list, project_cols);
	json_decref(list);
	free(path);
	return rc;
}

static enum opctl_exit
projects_show(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			 id[OPCTL_ID_LEN + 1], path[96];
	json_t			*p = NULL;
	enum opctl_exit		 rc;

	OPCTL_ARGS(NULL, 1, 1);
	if ((rc = opctl_resolve(o, "project", a.pos[0], id)) != OPCTL_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/projects/%s", id);
	if ((rc = opctl_call_json(o, "GET", path, NULL, &p)) == OPCTL_OK)
		rc = opctl_show_one(o, p, project_record);
	json_decref(p);
	return rc;
}

static enum opctl_exit
projects_create(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*team = NULL, *desc = NULL;
	char			 tid[OPCTL_ID_LEN + 1];
	json_t			*body, *p = NULL;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "team", OPCTL_OPT_VALUE, &team },
		{ "description", OPCTL_OPT_VALUE, &desc },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if ((rc = opctl_resolve_team(o, team, tid)) != OPCTL_OK)
		return rc;
	body = json_pack("{s:s,s:s}", "team_id", tid, "name", a.pos[0]);
	if (body != NULL && desc != NULL)
		json_object_set_new(body, "description", json_string(desc));
	if (body == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_call_json(o, "POST", "/api/projects", body, &p)) ==
	    OPCTL_OK)
		rc = opctl_show_one(o, p, project_record);
	json_decref(body);
	json_decref(p);
	return rc;
}

static enum opctl_exit
projects_delete(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	struct opctl_resp	 r = { 0 };
	char			 id[OPCTL_ID_LEN + 1], path[128];
	int			 volumes = 0;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "volumes", OPCTL_OPT_FLAG, &volumes },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 1, 1);
	if ((rc = opctl_resolve(o, "project", a.pos[0], id)) != OPCTL_OK)
		return rc;
	snprintf(path, sizeof(path), "/api/projects/%s%s", id,
	    volumes ? "?volumes=true" : "");
	if ((rc = opctl_call(o, "DELETE", path, NULL, &r)) == OPCTL_OK &&
	    !o->json)
		printf("deleted project %s\n", id);
	opctl_resp_clear(&r);
	return rc;
}
