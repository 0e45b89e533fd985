/*
 * pgenv.c — a libpq connection string as the environment of a libpq
 * client program (pg_dump, psql): each setting in its PG* variable, so
 * that no password in it ever shows in a process's argv, where ps and
 * /proc/<pid>/cmdline show it to every user of the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"

enum op_err
op_pgenv(const char *conninfo, char ***out, const char **why)
{
	PQconninfoOption	*opts, *o;
	char			*err = NULL, **env;
	size_t			 n = 0, cap = 2, len;
	enum op_err		 er = OP_OK;

	*out = NULL;
	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		*why = "the database settings do not parse";
		er = err != NULL ? OP_EINVAL : OP_ENOMEM;
		PQfreemem(err);
		return er;
	}
	for (o = opts; o->keyword != NULL; o++)
		cap++;
	if ((env = calloc(cap, sizeof(*env))) == NULL ||
	    (env[n++] = strdup("PATH=/usr/bin:/bin")) == NULL)
		er = OP_ENOMEM;
	for (o = opts; er == OP_OK && o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (o->envvar == NULL) {
			*why = "a database setting has no environment variable";
			er = OP_EINVAL;
			break;
		}
		len = strlen(o->envvar) + strlen(o->val) + 2;
		if ((env[n] = malloc(len)) == NULL) {
			er = OP_ENOMEM;
			break;
		}
		snprintf(env[n++], len, "%s=%s", o->envvar, o->val);
	}
	PQconninfoFree(opts);
	if (er != OP_OK) {
		if (er == OP_ENOMEM)
			*why = "out of memory";
		op_pgenv_free(env);
		return er;
	}
	*out = env;
	return OP_OK;
}

void
op_pgenv_free(char **env)
{
	char	**p;

	if (env == NULL)
		return;
	for (p = env; *p != NULL; p++) {
		op_wipe(*p, strlen(*p));
		free(*p);
	}
	free(env);
}
