/*
 * history.c — GET /api/metrics/history: the one-minute rollups of a
 * container (one of the caller's teams') or of the host (instance admins),
 * for one metric over a range, in steps of whole minutes: the charts of
 * the web UI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"

#define POINTS_MAX	10080	/* a week of minutes */

static const struct op_field history_fields[] = {
	{ "container_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "host", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "metric", OP_FT_STRING, OP_FF_REQUIRED, 1, 32, NULL },
	{ "since", OP_FT_TIME, 0, 20, 40, NULL },
	{ "until", OP_FT_TIME, 0, 20, 40, NULL },
	{ "step", OP_FT_INT, 0, 60, 86400, NULL },
};
enum { F_CONTAINER, F_HOST, F_METRIC, F_SINCE, F_UNTIL, F_STEP };

/* The metrics rolled up, and which subjects have them. */
static const struct {
	const char	*name;
	int		 container;
} metrics[] = {
	{ "cpu_percent", 1 }, { "mem_bytes", 1 }, { "net_rx_bytes", 1 },
	{ "net_tx_bytes", 1 }, { "disk_used_bytes", 0 }, { "load1", 0 },
};

static int
metric_known(const char *m, int container)
{
	size_t	i;

	for (i = 0; i < nitems(metrics); i++)
		if (strcmp(metrics[i].name, m) == 0)
			return !container || metrics[i].container;
	return 0;
}

/* The subject the caller may read: a container of its teams, or host. */
static enum op_err
subject_pick(struct op_req *r, const struct op_value *v, const char **out)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	*out = NULL;
	if (v[F_CONTAINER].set == (v[F_HOST].set && v[F_HOST].i))
		return op_fail(r, OP_EINVAL, "invalid_subject",
		    "ask for one container_id, or host=true", "container_id");
	if (!v[F_CONTAINER].set) {
		if (!r->auth.admin)
			return op_fail(r, OP_EFORBIDDEN, "forbidden",
			    "the host's history is for instance admins", "host");
		*out = "host";
		return OP_OK;
	}
	if ((er = op_db_execv(r->db, &res, "SELECT team_id FROM"
	    " projects.containers_v WHERE id = $1", v[F_CONTAINER].s)) !=
	    OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such container",
		    "container_id");
	else if ((er = op_team_authorize(r, PQgetvalue(res, 0, 0),
	    OP_ACT_READ, &role)) == OP_ENOTFOUND)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such container",
		    "container_id");
	PQclear(res);
	if (er == OP_OK)
		*out = v[F_CONTAINER].s;
	return er;
}

enum op_err
history_get(struct op_req *r)
{
	struct op_value	 v[nitems(history_fields)];
	PGresult	*res = NULL;
	const char	*subject;
	json_t		*points;
	long long	 step, since, until;
	enum op_err	 er;
	int		 i;

	if ((er = op_fields_query(r, history_fields, nitems(history_fields),
	    v)) != OP_OK || (er = subject_pick(r, v, &subject)) != OP_OK)
		return er;
	if (!metric_known(v[F_METRIC].s, strcmp(subject, "host") != 0))
		return op_fail(r, OP_EINVAL, "invalid_metric",
		    "no such metric for this subject", "metric");
	step = v[F_STEP].set ? v[F_STEP].i : 60;
	until = v[F_UNTIL].set ? v[F_UNTIL].i : (long long)time(NULL);
	since = v[F_SINCE].set ? v[F_SINCE].i : until - 3600;
	if (step % 60 != 0)
		return op_fail(r, OP_EINVAL, "invalid_step",
		    "step must be whole minutes (a multiple of 60)", "step");
	if (since > until || (until - since) / step > POINTS_MAX)
		return op_fail(r, OP_EINVAL, "invalid_range", op_req_printf(r,
		    "since must precede until, with at most %d steps between",
		    POINTS_MAX), "since");
	if ((er = op_db_execv(r->db, &res, "SELECT to_char(to_timestamp("
	    "floor(extract(epoch FROM minute) / $3) * $3) AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS t, sum(avg * samples) /"
	    " sum(samples), max(max) FROM monitor.rollups WHERE subject = $1"
	    " AND metric = $2 AND minute >= to_timestamp($4) AND minute <="
	    " to_timestamp($5) GROUP BY t ORDER BY t", subject,
	    v[F_METRIC].s, op_req_printf(r, "%lld", step),
	    op_req_printf(r, "%lld", since), op_req_printf(r, "%lld", until)))
	    != OP_OK)
		return er;
	points = json_array();
	for (i = 0; points != NULL && i < PQntuples(res); i++)
		json_array_append_new(points, json_pack("{s:s, s:f, s:f}",
		    "time", PQgetvalue(res, i, 0), "avg",
		    strtod(PQgetvalue(res, i, 1), NULL), "max",
		    strtod(PQgetvalue(res, i, 2), NULL)));
	PQclear(res);
	return op_reply_json(r, 200, json_pack("{s:s, s:s, s:I, s:o}",
	    "subject", subject, "metric", v[F_METRIC].s, "step",
	    (json_int_t)step, "points", points));
}
