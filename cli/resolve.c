/*
 * resolve.c — objects named on the command line by id or by name: a
 * UUID is taken as it is (the API says whether it exists); a name is
 * looked up in the caller's list and must name exactly one object.
 */
#include <stdio.h>
#include <string.h>

#include "opctl.h"

/* The id of the one member of items whose key is name, into out. */
static enum opctl_exit
pick_named(json_t *items, const char *key, const char *name,
    const char *what, char *out)
{
	const char	*id = NULL, *v;
	size_t		 i, hits = 0;
	json_t		*it;

	json_array_foreach(items, i, it) {
		v = json_string_value(json_object_get(it, key));
		if (v != NULL && strcmp(v, name) == 0) {
			hits++;
			id = json_string_value(json_object_get(it, "id"));
		}
	}
	if (hits == 0 || id == NULL || !opctl_is_uuid(id))
		return opctl_fail(OPCTL_EAPI, "no %s named \"%s\"", what, name);
	if (hits > 1)
		return opctl_fail(OPCTL_EAPI, "%zu of your %ss are named \"%s\":"
		    " give its id", hits, what, name);
	memcpy(out, id, OPCTL_ID_LEN + 1);
	return OPCTL_OK;
}

enum opctl_exit
opctl_resolve(struct opctl *o, const char *kind, const char *arg, char *out)
{
	json_t		*list = NULL;
	char		 path[64];
	enum opctl_exit	 rc;

	if (opctl_is_uuid(arg)) {
		memcpy(out, arg, OPCTL_ID_LEN + 1);
		return OPCTL_OK;
	}
	snprintf(path, sizeof(path), "/api/%ss", kind);
	if ((rc = opctl_list_all(o, path, &list)) == OPCTL_OK)
		rc = pick_named(json_object_get(list, "items"), "name", arg,
		    kind, out);
	json_decref(list);
	return rc;
}

enum opctl_exit
opctl_resolve_team(struct opctl *o, const char *arg, char *out)
{
	json_t		*me = NULL, *teams;
	const char	*id;
	enum opctl_exit	 rc;

	if (arg != NULL && opctl_is_uuid(arg)) {
		memcpy(out, arg, OPCTL_ID_LEN + 1);
		return OPCTL_OK;
	}
	if ((rc = opctl_call_json(o, "GET", "/api/auth/me", NULL, &me)) !=
	    OPCTL_OK)
		return rc;
	teams = json_object_get(me, "teams");
	if (arg != NULL) {
		rc = pick_named(teams, "name", arg, "team", out);
	} else if (json_array_size(teams) != 1) {
		rc = opctl_fail(OPCTL_EUSAGE, "you are in %zu teams: name one"
		    " with --team", json_array_size(teams));
	} else {
		id = json_string_value(json_object_get(json_array_get(teams, 0),
		    "id"));
		if (id != NULL && opctl_is_uuid(id))
			memcpy(out, id, OPCTL_ID_LEN + 1);
		else
			rc = opctl_fail(OPCTL_ENET, "the panel sent a bad team");
	}
	json_decref(me);
	return rc;
}
