/*
 * args.c — a command's options, declared in a table: flags and options
 * with a value (--name VALUE or --name=VALUE), positionals between them,
 * "--" to end the options; --json and -h/--help for every command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

/* The option of opts named name (len bytes), or NULL. */
static const struct opctl_opt *
opt_find(const struct opctl_opt *opts, const char *name, size_t len)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (strlen(opts->name) == len &&
		    strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

/* One "--name[=value]" at argv[*i] (the value maybe argv[*i + 1]). */
static int
parse_long(struct opctl_args *a, int argc, char **argv, int *i,
    const struct opctl_opt *opts, char *err, size_t errlen)
{
	char			*name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t			 len = eq != NULL ? (size_t)(eq - name) :
				    strlen(name);
	const struct opctl_opt	*o = opt_find(opts, name, len);

	if (o == NULL && eq == NULL && strcmp(name, "json") == 0) {
		a->json = 1;
		return 0;
	}
	if (o == NULL && eq == NULL && strcmp(name, "help") == 0) {
		a->help = 1;
		return 0;
	}
	if (o == NULL) {
		snprintf(err, errlen, "unknown option --%.*s", (int)len, name);
		return -1;
	}
	if (o->kind == OPCTL_OPT_FLAG) {
		if (eq != NULL) {
			snprintf(err, errlen, "--%s takes no value", o->name);
			return -1;
		}
		*(int *)o->dest = 1;
		return 0;
	}
	if (eq != NULL) {
		*(char **)o->dest = eq + 1;
		return 0;
	}
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "--%s needs a value", o->name);
		return -1;
	}
	*(char **)o->dest = argv[++*i];
	return 0;
}

int
opctl_args_parse(struct opctl_args *a, int argc, char **argv,
    const struct opctl_opt *opts, char *err, size_t errlen)
{
	int	 i, options = 1;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char	*s = argv[i];

		if (options && strcmp(s, "--") == 0) {
			options = 0;
		} else if (options && strncmp(s, "--", 2) == 0) {
			if (parse_long(a, argc, argv, &i, opts, err, errlen) != 0)
				return -1;
		} else if (options && strcmp(s, "-h") == 0) {
			a->help = 1;
		} else if (options && s[0] == '-' && s[1] != '\0') {
			snprintf(err, errlen, "unknown option %s", s);
			return -1;
		} else if (a->npos >= OPCTL_POS_MAX) {
			snprintf(err, errlen, "too many arguments");
			return -1;
		} else {
			a->pos[a->npos++] = argv[i];
		}
	}
	return 0;
}

int
opctl_args_number(const char *s, long long min, long long max,
    long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
opctl_is_uuid(const char *s)
{
	size_t	 i;

	for (i = 0; i < OPCTL_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return s[OPCTL_ID_LEN] == '\0';
}
