/*
 * main.c — opctl: the global options, the command tables and the exit
 * statuses. `opctl --help` is the reference; docs/opctl.md the manual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

#define OPCTL_VERSION	"0.1.0"

static const struct opctl_cmd *const tables[] = {
	opctl_auth_cmds, opctl_project_cmds, opctl_container_cmds,
	opctl_source_cmds, opctl_deploy_cmds, opctl_backup_cmds,
	opctl_audit_cmds, NULL,
};

static void
usage(FILE *f)
{
	const struct opctl_cmd	*c;
	size_t			 t;

	fputs("usage: opctl [--json] [--url URL] COMMAND [ARGS]\n\n"
	    "Drive an OpenPanel over its REST API.\n\nCommands:\n", f);
	for (t = 0; tables[t] != NULL; t++)
		for (c = tables[t]; c->group != NULL; c++)
			if (strlen(c->usage) <= 46)
				fprintf(f, "  %-46s  %s\n", c->usage, c->summary);
			else
				fprintf(f, "  %s\n  %-46s  %s\n", c->usage, "",
				    c->summary);
	fputs("\nOptions:\n"
	    "  --json      print the API's JSON (for scripts)\n"
	    "  --url URL   the panel (else OPENPANEL_URL, the config file,"
	    " " OPCTL_URL_DEFAULT ")\n"
	    "  -h, --help  this text; COMMAND --help for one command's\n"
	    "  --version   opctl's version\n"
	    "\nProjects and containers are named by id or by name.\n"
	    "\nConfiguration: $XDG_CONFIG_HOME/openpanel/config (else"
	    " ~/.config/openpanel/config),\nmode 0600, written by `opctl"
	    " login`. OPENPANEL_URL and OPENPANEL_TOKEN (an API\ntoken)"
	    " override it.\n"
	    "\nExit status:\n"
	    "  0  done\n"
	    "  1  the API refused (not found, invalid, conflict, forbidden)\n"
	    "  2  bad command line\n"
	    "  3  not signed in, or the credentials are bad or expired\n"
	    "  4  the panel cannot be reached, or failed (5xx, 429)\n"
	    "  5  a followed build or deployment failed\n", f);
}

/* Print the usage lines of group's commands to f: how many there are. */
static int
group_usage(FILE *f, const char *group)
{
	const struct opctl_cmd	*c;
	size_t			 t;
	int			 n = 0;

	for (t = 0; tables[t] != NULL; t++)
		for (c = tables[t]; c->group != NULL; c++)
			if (strcmp(c->group, group) == 0 && ++n)
				fprintf(f, "usage: opctl %s\n", c->usage);
	return n;
}

/* The command named by argv[0] (and argv[1]): run it. */
static enum opctl_exit
dispatch(struct opctl *o, int argc, char **argv)
{
	const struct opctl_cmd	*c = NULL;
	const char		*verb = argc > 1 ? argv[1] : NULL;
	size_t			 t;

	for (t = 0; tables[t] != NULL && c == NULL; t++)
		c = opctl_cmd_find(tables[t], argv[0], verb);
	if (c != NULL)
		return c->fn(o, c, argc - (c->verb ? 2 : 1),
		    argv + (c->verb ? 2 : 1));
	if (verb != NULL && (strcmp(verb, "--help") == 0 ||
	    strcmp(verb, "-h") == 0) && group_usage(stdout, argv[0]) > 0)
		return OPCTL_OK;
	if (verb != NULL)
		fprintf(stderr, "opctl: no command %s %s\n", argv[0], verb);
	else
		fprintf(stderr, "opctl: no command %s\n", argv[0]);
	if (group_usage(stderr, argv[0]) == 0)
		fprintf(stderr, "opctl --help lists the commands\n");
	return OPCTL_EUSAGE;
}

int
main(int argc, char **argv)
{
	struct opctl	 o;
	const char	*url = NULL;
	enum opctl_exit	 rc;
	int		 i;

	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o.json = 1;
		} else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strncmp(argv[i], "--url=", 6) == 0) {
			url = argv[i] + 6;
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return OPCTL_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("opctl %s\n", OPCTL_VERSION);
			return OPCTL_OK;
		} else {
			fprintf(stderr, "opctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return OPCTL_EUSAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return OPCTL_EUSAGE;
	}
	if (opctl_config_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"),
	    o.cfg_path, sizeof(o.cfg_path)) != 0)
		return opctl_fail(OPCTL_EUSAGE, "neither HOME nor"
		    " XDG_CONFIG_HOME is an absolute path");
	if (opctl_config_load(&o.cfg, o.cfg_path) != 0)
		return OPCTL_EUSAGE;
	if (url != NULL && opctl_config_set(&o.cfg.env_url, url) != 0)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (o.curl = curl_easy_init()) == NULL)
		return opctl_fail(OPCTL_ENET, "cannot start libcurl");
	rc = dispatch(&o, argc - i, argv + i);
	curl_easy_cleanup(o.curl);
	curl_global_cleanup();
	opctl_config_clear(&o.cfg);
	fflush(stdout);
	return (int)rc;
}
