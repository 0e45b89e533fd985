/*
 * live.c — may this caller subscribe to that live channel? The gateway's
 * check sees the original URI of a subscription (/api/live/<kind>/<id>);
 * a table says, for each kind of channel, how to find the team the id
 * belongs to, and the caller must be able to read that team. Anything
 * absent, malformed or another team's is OP_ENOTFOUND: the gateway
 * answers it as a 404, the same as for any other object not yours.
 */
#include <string.h>

#include "auth.h"

#define LIVE_PREFIX	"/api/live/"

/*
 * Kind → the query that answers the team of an id ($1), one row or none.
 * Each is a view another service publishes: a view not there yet (a
 * service not installed) is an error the check answers as "not found".
 */
static const struct live_kind {
	const char	*kind;
	const char	*team_sql;
} live_kinds[] = {
	{ "logs",	"SELECT team_id FROM projects.containers_v WHERE id = $1" },
	{ "metrics",	"SELECT team_id FROM projects.containers_v WHERE id = $1" },
	{ "builds",	"SELECT team_id FROM builds.builds_v WHERE id = $1" },
	{ "events",	"SELECT id FROM auth.teams_v WHERE id = $1" },
};

int
live_is_channel(const char *uri)
{
	return uri != NULL && strncmp(uri, LIVE_PREFIX,
	    strlen(LIVE_PREFIX)) == 0;
}

/* The table entry of a channel "<kind>/<id>", or NULL. */
static const struct live_kind *
live_kind_find(const char *channel)
{
	size_t	 i, n = strcspn(channel, "/");

	for (i = 0; i < nitems(live_kinds); i++)
		if (strlen(live_kinds[i].kind) == n &&
		    strncmp(live_kinds[i].kind, channel, n) == 0)
			return &live_kinds[i];
	return NULL;
}

enum op_err
live_authorize(struct op_req *r, const char *uri)
{
	const struct live_kind	*k;
	PGresult		*res = NULL;
	char			*channel;
	enum op_role		 role;
	enum op_err		 er;

	channel = op_req_printf(r, "%.*s", (int)strcspn(uri +
	    strlen(LIVE_PREFIX), "?"), uri + strlen(LIVE_PREFIX));
	if (channel == NULL)
		return OP_ENOMEM;
	if (op_live_channel_check(channel) != OP_OK ||
	    (k = live_kind_find(channel)) == NULL)
		return OP_ENOTFOUND;
	er = op_db_execv(r->db, &res, k->team_sql, strchr(channel, '/') + 1);
	if (er == OP_EUNAVAIL)
		goto out;
	if (er != OP_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		er = OP_ENOTFOUND;	/* absent, or its view is not there */
		goto out;
	}
	er = op_team_authorize(r, PQgetvalue(res, 0, 0), OP_ACT_READ, &role);
	if (er != OP_EUNAVAIL && er != OP_OK)
		er = OP_ENOTFOUND;
out:
	PQclear(res);
	return er;
}
