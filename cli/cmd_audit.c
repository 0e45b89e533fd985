/*
 * cmd_audit.c — `opctl audit list`: the audit trail, newest first, one
 * page at a time (GET /api/audit/logs), with its filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

static opctl_cmd_run	audit_list;

const struct opctl_cmd opctl_audit_cmds[] = {
	{ "audit", "list", audit_list, "audit list [--team TEAM] [--actor"
	    " USER_ID] [--action A] [--subject-kind K] [--subject-id ID]"
	    " [--outcome success|failure] [--since TIME] [--until TIME]"
	    " [--limit N] [--after SEQ]", "the audit trail, newest first" },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct opctl_col audit_cols[] = {
	{ "SEQ", "seq", OPCTL_FMT_TEXT },
	{ "TIME", "time", OPCTL_FMT_TIME },
	{ "ACTION", "action", OPCTL_FMT_TEXT },
	{ "OUTCOME", "outcome", OPCTL_FMT_TEXT },
	{ "SUBJECT", "subject.kind", OPCTL_FMT_TEXT },
	{ "SUBJECT ID", "subject.id", OPCTL_FMT_TEXT },
	{ "ACTOR", "actor.user_id", OPCTL_FMT_TEXT },
	{ "IP", "actor.ip", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static enum opctl_exit
audit_list(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	char			*team = NULL, *actor = NULL, *action = NULL;
	char			*kind = NULL, *subject = NULL, *outcome = NULL;
	char			*since = NULL, *until = NULL, *limit = NULL;
	char			*after = NULL, *path, tid[OPCTL_ID_LEN + 1];
	const char		*next;
	json_t			*page = NULL;
	long long		 n;
	enum opctl_exit		 rc;
	const struct opctl_opt	 opts[] = {
		{ "team", OPCTL_OPT_VALUE, &team },
		{ "actor", OPCTL_OPT_VALUE, &actor },
		{ "action", OPCTL_OPT_VALUE, &action },
		{ "subject-kind", OPCTL_OPT_VALUE, &kind },
		{ "subject-id", OPCTL_OPT_VALUE, &subject },
		{ "outcome", OPCTL_OPT_VALUE, &outcome },
		{ "since", OPCTL_OPT_VALUE, &since },
		{ "until", OPCTL_OPT_VALUE, &until },
		{ "limit", OPCTL_OPT_VALUE, &limit },
		{ "after", OPCTL_OPT_VALUE, &after },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if (limit != NULL && opctl_args_number(limit, 1, 200, &n) != 0)
		return opctl_fail(OPCTL_EUSAGE, "--limit: 1 to 200 entries");
	if (team != NULL && (rc = opctl_resolve_team(o, team, tid)) != OPCTL_OK)
		return rc;
	path = opctl_query(opctl_query(opctl_query(opctl_query(opctl_query(
	    opctl_query(opctl_query(opctl_query(opctl_query(opctl_query(
	    strdup("/api/audit/logs"), "team_id", team ? tid : NULL),
	    "actor_id", actor), "action", action), "subject_kind", kind),
	    "subject_id", subject), "outcome", outcome), "since", since),
	    "until", until), "limit", limit), "after", after);
	if (path == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if ((rc = opctl_call_json(o, "GET", path, NULL, &page)) == OPCTL_OK) {
		rc = opctl_show_list(o, page, audit_cols);
		next = json_string_value(json_object_get(page, "next"));
		if (!o->json && next != NULL)
			fprintf(stderr, "(more: --after %s)\n", next);
	}
	json_decref(page);
	free(path);
	return rc;
}
