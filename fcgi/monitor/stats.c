/*
 * stats.c — GET /api/stats: the dashboard's counts over the caller's
 * teams (those it is a member of; ?team_id= narrows to one), never
 * another team's: projects, containers by state, builds in the last 24
 * hours (when op-builds publishes builds.builds_v), and what is failing.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

static const struct op_field stats_fields[] = {
	{ "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

static json_int_t
count_of(const PGresult *res, int row, int col)
{
	return (json_int_t)strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Builds of the teams in the last day; JSON null while op-builds is not
 * there to publish them (its view has no created_at yet, or no view). */
static json_t *
builds_24h(struct op_req *r, const char *teams)
{
	PGresult	*res = NULL;
	json_t		*out = json_null();

	if (op_db_exec(r->db, &res, "SELECT 1 FROM information_schema.columns"
	    " WHERE table_schema = 'builds' AND table_name = 'builds_v' AND"
	    " column_name = 'created_at'", 0, NULL) != OP_OK ||
	    PQntuples(res) != 1)
		goto out;
	PQclear(res);
	res = NULL;
	if (op_db_execv(r->db, &res, "SELECT count(*) FROM builds.builds_v"
	    " WHERE team_id = ANY($1::uuid[]) AND created_at > now() -"
	    " interval '24 hours'", teams) == OP_OK)
		out = json_integer(count_of(res, 0, 0));
out:
	PQclear(res);
	return out;
}

enum op_err
stats_get(struct op_req *r)
{
	struct op_value	 v[nitems(stats_fields)];
	PGresult	*res = NULL;
	json_t		*states = NULL;
	const char	*teams;
	enum op_err	 er;
	int		 i;

	if ((er = op_fields_query(r, stats_fields, nitems(stats_fields), v)) !=
	    OP_OK)
		return er;
	/* The caller's teams as a uuid[] literal: the scope of every count. */
	if ((er = op_db_execv(r->db, &res, "SELECT COALESCE(array_agg(team_id"
	    " ORDER BY team_id), '{}')::text FROM auth.team_members_v WHERE"
	    " user_id = $1 AND ($2::uuid IS NULL OR team_id = $2::uuid)",
	    r->auth.user_id, v[0].set ? v[0].s : NULL)) != OP_OK)
		goto out;
	teams = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (v[0].set && strcmp(teams, "{}") == 0) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such team",
		    "team_id");
		goto out;
	}
	if ((er = op_db_execv(r->db, &res, "SELECT s.state, count(c.id) FROM"
	    " unnest(ARRAY['created', 'running', 'paused', 'restarting',"
	    " 'exited', 'dead']) AS s(state) LEFT JOIN projects.containers_v c"
	    " ON c.state = s.state AND c.team_id = ANY($1::uuid[])"
	    " GROUP BY s.state", teams)) != OP_OK)
		goto out;
	states = json_object();
	for (i = 0; i < PQntuples(res); i++)
		json_object_set_new(states, PQgetvalue(res, i, 0),
		    json_integer(count_of(res, i, 1)));
	PQclear(res);
	res = NULL;
	if ((er = op_db_execv(r->db, &res, "SELECT"
	    " (SELECT count(*) FROM projects.projects_v WHERE"
	    "  team_id = ANY($1::uuid[])),"
	    " (SELECT count(*) FROM projects.containers_v WHERE"
	    "  team_id = ANY($1::uuid[])),"
	    " (SELECT count(*) FROM projects.containers_v WHERE"
	    "  team_id = ANY($1::uuid[]) AND health = 'unhealthy'),"
	    " (SELECT count(*) FROM projects.containers_v WHERE"
	    "  team_id = ANY($1::uuid[]) AND state IN ('restarting', 'dead')),"
	    " cardinality($1::uuid[])", teams)) != OP_OK)
		goto out;
	er = op_reply_json(r, 200, json_pack("{s:I, s:I, s:{s:I, s:o}, s:o,"
	    " s:{s:I, s:I}}",
	    "teams", count_of(res, 0, 4),
	    "projects", count_of(res, 0, 0),
	    "containers", "total", count_of(res, 0, 1), "by_state", states,
	    "builds_24h", builds_24h(r, teams),
	    "failing", "unhealthy", count_of(res, 0, 2), "restarting_or_dead",
	    count_of(res, 0, 3)));
	states = NULL;
out:
	json_decref(states);
	PQclear(res);
	return er;
}
