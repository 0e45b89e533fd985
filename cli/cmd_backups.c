/*
 * cmd_backups.c — `opctl backups list|create`: a team's backups (GET
 * /api/backups) and a backup of a database or a volume now, as a job
 * (POST /api/backups).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	backups_list, backups_create;

const struct opctl_cmd opctl_backup_cmds[] = {
	{ "backups", "list", backups_list, "backups list [--team TEAM]",
	    "a team's backups, newest first" },
	{ "backups", "create", backups_create, "backups create --storage ID"
	    " (--container CONTAINER [--volume NAME] | --panel) [--encrypt]",
	    "back up a database, a volume, or the panel itself (admins) now" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col backup_cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "STATUS", "status", OPCTL_FMT_TEXT },
	{ "KIND", "kind", OPCTL_FMT_TEXT },
	{ "CONTAINER", "container_id", OPCTL_FMT_TEXT },
	{ "VOLUME", "volume", OPCTL_FMT_TEXT },
	{ "SIZE", "size", OPCTL_FMT_BYTES },
	{ "CREATED", "created_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

static const struct opctl_col backup_record[] = {
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Status", "status", OPCTL_FMT_TEXT },
	{ "Kind", "kind", OPCTL_FMT_TEXT },
	{ "Container", "container_id", OPCTL_FMT_TEXT },
	{ "Volume", "volume", OPCTL_FMT_TEXT },
	{ "Engine", "engine", OPCTL_FMT_TEXT },
	{ "Storage", "storage_id", OPCTL_FMT_TEXT },
	{ "Encrypted", "encrypted", OPCTL_FMT_TEXT },
	{ "Size", "size", OPCTL_FMT_BYTES },
	{ "Checksum", "checksum", OPCTL_FMT_TEXT },
	{ "Error", "error", OPCTL_FMT_TEXT },
	{ "Created", "created_at", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

static enum opctl_exit
backups_list(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*team = NULL, tid[OPCTL_ID_LEN + 1], *path;
	json_t			*list = NULL;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "team", OPCTL_OPT_VALUE, &team },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if ((rc = opctl_resolve_team(o, team, tid)) != OPCTL_OK)
		return rc;
	if ((path = opctl_query(strdup("/api/backups"), "team_id", tid)) ==
	    NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_list_all(o, path, &list)) == OPCTL_OK)
		rc = opctl_show_list(o, list, backup_cols);
	json_decref(list);
	free(path);
	return rc;
}

static enum opctl_exit
backups_create(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*storage = NULL, *container = NULL;
	char			*volume = NULL, cid[OPCTL_ID_LEN + 1];
	int			 encrypt = 0, panel = 0;
	json_t			*body, *b = NULL;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "storage", OPCTL_OPT_VALUE, &storage },
		{ "container", OPCTL_OPT_VALUE, &container },
		{ "volume", OPCTL_OPT_VALUE, &volume },
		{ "encrypt", OPCTL_OPT_FLAG, &encrypt },
		{ "panel", OPCTL_OPT_FLAG, &panel },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	/* Exactly one of --container and --panel; --volume with the first. */
	if (storage == NULL || (container != NULL) + panel != 1 ||
	    (panel && volume != NULL))
		return opctl_fail(OPCTL_EUSAGE, "backups create needs --storage"
		    " and either --container or --panel");
	if (panel)
		body = json_pack("{s:s,s:s,s:b}", "storage_id", storage, "kind",
		    "panel", "encrypt", encrypt);
	else if ((rc = opctl_resolve(o, "container", container, cid)) !=
	    OPCTL_OK)
		return rc;
	else
		body = json_pack("{s:s,s:s,s:s,s:b}", "storage_id", storage,
		    "kind", volume ? "volume" : "database", "container_id", cid,
		    "encrypt", encrypt);
	if (body != NULL && volume != NULL)
		json_object_set_new(body, "volume", json_string(volume));
	if (body == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_call_json(o, "POST", "/api/backups", body, &b)) ==
	    OPCTL_OK)
		rc = opctl_show_one(o, b, backup_record);
	json_decref(body);
	json_decref(b);
	return rc;
}
