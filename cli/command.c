/*
 * command.c — what every command does alike: parse its arguments against
 * its table (printing its usage for --help or a mistake), and print an
 * answer as a table or a record, or as the API's JSON with --json.
 */
#include <stdio.h>
#include <string.h>

#include "opctl.h"

const struct opctl_cmd *
opctl_cmd_find(const struct opctl_cmd *cmds, const char *group,
    const char *verb)
{
	for (; cmds->group != NULL; cmds++)
		if (strcmp(cmds->group, group) == 0 && (cmds->verb == NULL ||
		    (verb != NULL && strcmp(cmds->verb, verb) == 0)))
			return cmds;
	return NULL;
}

int
opctl_cmd_args(struct opctl *o, const struct opctl_cmd *cmd,
    struct opctl_args *a, int argc, char **argv,
    const struct opctl_opt *opts, int minpos, int maxpos)
{
	char	 err[256];

	if (opctl_args_parse(a, argc, argv, opts, err, sizeof(err)) != 0) {
		fprintf(stderr, "opctl: %s\nusage: opctl %s\n", err, cmd->usage);
		return OPCTL_EUSAGE;
	}
	if (a->help) {
		printf("usage: opctl %s\n  %s\n", cmd->usage, cmd->summary);
		return -1;
	}
	if (a->npos < minpos || a->npos > maxpos) {
		fprintf(stderr, "opctl: %s\nusage: opctl %s\n", a->npos < minpos ?
		    "missing arguments" : "too many arguments", cmd->usage);
		return OPCTL_EUSAGE;
	}
	if (a->json)
		o->json = 1;
	return 0;
}

enum opctl_exit
opctl_show_list(struct opctl *o, json_t *list, const struct opctl_col *cols)
{
	if (o->json)
		opctl_json(stdout, list);
	else
		opctl_table(stdout, json_object_get(list, "items"), cols);
	return OPCTL_OK;
}

enum opctl_exit
opctl_show_one(struct opctl *o, json_t *obj, const struct opctl_col *cols)
{
	if (o->json)
		opctl_json(stdout, obj);
	else
		opctl_record(stdout, obj, cols);
	return OPCTL_OK;
}

