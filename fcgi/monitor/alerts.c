/*
 * alerts.c — a team's alert rules: a kind of condition (a container down
 * or restarting in a loop, its health check failing, CPU or memory above
 * a level, the disk almost full, a certificate close to expiry, a build
 * or backup failed), on one container or all of the team's, held for a
 * while, told to channels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define RULE_COLUMNS	"id, team_id, name, kind, container_id, threshold," \
			" for_seconds, to_jsonb(channel_ids) AS channel_ids, enabled,"	\
			" created_at, updated_at"
#define RULES_PER_TEAM	200
#define CHANNELS_PER_RULE 10

/* Each kind: its threshold's bounds (none when max is 0), and whether it
 * is about containers (so container_id may narrow it). */
static const struct rule_kind {
	const char	*name;
	double		 min, max;
	int		 container;
} rule_kinds[] = {
	{ "container_down",		0, 0,		1 },
	{ "container_restarting",	0, 0,		1 },
	{ "health_failing",		0, 0,		1 },
	{ "cpu_above",			0, 25600,	1 },	/* % of a CPU */
	{ "memory_above",		0, 100,		1 },	/* % of limit */
	{ "disk_above",			0, 100,		0 },	/* % used */
	{ "cert_expiry",		0, 3650,	0 },	/* days left */
	{ "build_failed",		0, 0,		0 },
	{ "backup_failed",		0, 0,		0 },
};

static const struct rule_kind *
kind_find(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(rule_kinds); i++)
		if (strcmp(s, rule_kinds[i].name) == 0)
			return &rule_kinds[i];
	return NULL;
}

static enum op_err
valid_kind(const char *s, const char **why)
{
	if (kind_find(s) == NULL) {
		*why = "must be container_down, container_restarting,"
		    " health_failing, cpu_above, memory_above, disk_above,"
		    " cert_expiry, build_failed or backup_failed";
		return OP_EINVAL;
	}
	return OP_OK;
}

/* The rule with its firing subjects (id, name, since, value). */
static enum op_err
rule_reply(struct op_req *r, int status, const char *id)
{
	PGresult	*res = NULL, *st = NULL;
	json_t		*out, *firing;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_execv(r->db, &res, "SELECT " RULE_COLUMNS " FROM"
	    " monitor.rules WHERE id = $1", id)) != OP_OK ||
	    (er = op_db_execv(r->db, &st, "SELECT subject, subject_name AS"
	    " name, firing_since AS since, value FROM monitor.rule_states"
	    " WHERE rule_id = $1 AND firing_since IS NOT NULL ORDER BY"
	    " subject", id)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such alert rule",
		    NULL);
		goto out;
	}
	out = op_db_row_json(res, 0);
	firing = json_array();
	for (i = 0; i < PQntuples(st); i++)
		json_array_append_new(firing, op_db_row_json(st, i));
	json_object_set_new(out, "firing", firing);
	er = op_reply_json(r, status, out);
out:
	PQclear(res);
	PQclear(st);
	return er;
}

/* GET /api/alerts?team_id= */
enum op_err
alerts_list(struct op_req *r)
{
	return monitor_team_list(r, "SELECT " RULE_COLUMNS ", (SELECT"
	    " count(*) FROM monitor.rule_states s WHERE s.rule_id = r.id AND"
	    " s.firing_since IS NOT NULL) AS firing FROM monitor.rules r"
	    " WHERE team_id = $1 ORDER BY name");
}

enum { F_TEAM, F_NAME, F_KIND, F_CONTAINER, F_THRESHOLD, F_FOR,
	F_CHANNELS, F_ENABLED };

static const struct op_field rule_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "kind", OP_FT_STRING, OP_FF_REQUIRED, 1, 32, valid_kind },
	{ "container_id", OP_FT_STRING, OP_FF_NULLABLE, 36, 36, op_valid_uuid },
	{ "threshold", OP_FT_NUMBER, OP_FF_NULLABLE, 0, 25600, NULL },
	{ "for_seconds", OP_FT_INT, 0, 0, 86400, NULL },
	{ "channel_ids", OP_FT_ARRAY, 0, 0, CHANNELS_PER_RULE, NULL },
	{ "enabled", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* A threshold where the kind wants one, within its bounds; none else. */
static enum op_err
threshold_check(struct op_req *r, const struct rule_kind *k,
    const struct op_value *t)
{
	int	 has = t->set && !t->null;

	if (k->max == 0 && has)
		return op_fail(r, OP_EINVAL, "invalid_threshold",
		    op_req_printf(r, "%s takes no threshold", k->name),
		    "threshold");
	if (k->max > 0 && (!has || !isfinite(t->d) || t->d < k->min ||
	    t->d > k->max))
		return op_fail(r, OP_EINVAL, "invalid_threshold",
		    op_req_printf(r, "%s needs a threshold from %g to %g",
		    k->name, k->min, k->max), "threshold");
	return OP_OK;
}

/* The channel ids as a uuid[] literal, each a channel of team. */
static enum op_err
channels_check(struct op_req *r, const char *team, json_t *ids,
    const char **out)
{
	PGresult	*res = NULL;
	json_t		*id;
	char		*text;
	const char	*why;
	enum op_err	 er;
	size_t		 i;

	*out = "{}";
	json_array_foreach(ids, i, id)
		if (!json_is_string(id) || op_valid_uuid(json_string_value(id),
		    &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_channel_ids",
			    "channel_ids must be channel ids", "channel_ids");
	if ((text = json_dumps(ids, JSON_COMPACT)) == NULL)
		return OP_ENOMEM;
	er = op_db_execv(r->db, &res, "SELECT COALESCE(array_agg(DISTINCT"
	    " x)::text, '{}'), count(DISTINCT x) = (SELECT count(*) FROM"
	    " monitor.channels c WHERE c.team_id = $2 AND c.id IN (SELECT"
	    " DISTINCT y::uuid FROM jsonb_array_elements_text($1) y)) FROM"
	    " jsonb_array_elements_text($1) x", text, team);
	free(text);
	if (er != OP_OK)
		return er;
	if (PQgetvalue(res, 0, 1)[0] != 't')
		er = op_fail(r, OP_EINVAL, "invalid_channel_ids",
		    "every channel must be one of the team's", "channel_ids");
	else
		*out = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	return er;
}

/* container_id only for container kinds, and one of the team's. */
static enum op_err
container_check(struct op_req *r, const struct rule_kind *k,
    const char *team, const struct op_value *c)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if (!c->set || c->null)
		return OP_OK;
	if (!k->container)
		return op_fail(r, OP_EINVAL, "invalid_container_id",
		    op_req_printf(r, "%s is not about containers", k->name),
		    "container_id");
	if ((er = op_db_execv(r->db, &res, "SELECT 1 FROM"
	    " projects.containers_v WHERE id = $1 AND team_id = $2", c->s,
	    team)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_EINVAL, "invalid_container_id",
		    "no such container in the team", "container_id");
	PQclear(res);
	return er;
}

/* POST /api/alerts */
enum op_err
alerts_create(struct op_req *r)
{
	struct op_value		 v[nitems(rule_fields)];
	const struct rule_kind	*k;
	PGresult		*res = NULL;
	enum op_role		 role;
	const char		*channels = "{}";
	enum op_err		 er;

	if ((er = op_fields_body(r, rule_fields, nitems(rule_fields), v)) !=
	    OP_OK ||
	    (er = op_team_authorize(r, v[F_TEAM].s, OP_ACT_EDIT, &role)) !=
	    OP_OK)
		return er;
	k = kind_find(v[F_KIND].s);
	if ((er = threshold_check(r, k, &v[F_THRESHOLD])) != OP_OK ||
	    (er = container_check(r, k, v[F_TEAM].s, &v[F_CONTAINER])) !=
	    OP_OK ||
	    (v[F_CHANNELS].set && (er = channels_check(r, v[F_TEAM].s,
	    v[F_CHANNELS].j, &channels)) != OP_OK) ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT count(*) FROM monitor.rules"
	    " WHERE team_id = $1", v[F_TEAM].s)) != OP_OK)
		goto out;
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= RULES_PER_TEAM) {
		er = op_fail(r, OP_ECONFLICT, "too_many_rules",
		    "delete an unused rule first", NULL);
		goto out;
	}
	PQclear(res);
	res = NULL;
	er = op_db_execv(r->db, &res, "INSERT INTO monitor.rules (team_id,"
	    " name, kind, container_id, threshold, for_seconds, channel_ids,"
	    " enabled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	    v[F_TEAM].s, v[F_NAME].s, v[F_KIND].s, v[F_CONTAINER].set &&
	    !v[F_CONTAINER].null ? v[F_CONTAINER].s : NULL,
	    v[F_THRESHOLD].set && !v[F_THRESHOLD].null ? op_req_printf(r,
	    "%.17g", v[F_THRESHOLD].d) : NULL, op_req_printf(r, "%lld",
	    v[F_FOR].set ? v[F_FOR].i : 60), channels,
	    !v[F_ENABLED].set || v[F_ENABLED].i ? "true" : "false");
	if (er == OP_ECONFLICT)
		er = op_fail(r, er, "name_taken",
		    "the team already has a rule of this name", "name");
	if (er != OP_OK ||
	    (er = op_event_emit(r, "alert_rule.created", v[F_TEAM].s,
	    "alert_rule", PQgetvalue(res, 0, 0), json_pack("{s:s, s:s}",
	    "name", v[F_NAME].s, "kind", v[F_KIND].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = rule_reply(r, 201, PQgetvalue(res, 0, 0));
out:
	PQclear(res);
	return er;
}

/* GET /api/alerts/:id */
enum op_err
alerts_get(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = monitor_owner(r, "rules", OP_ACT_READ, &team)) != OP_OK)
		return er;
	return rule_reply(r, 200, r->params[0]);
}

static const struct op_field update_fields[] = {
	{ "name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "threshold", OP_FT_NUMBER, OP_FF_NULLABLE, 0, 25600, NULL },
	{ "for_seconds", OP_FT_INT, 0, 0, 86400, NULL },
	{ "channel_ids", OP_FT_ARRAY, 0, 0, CHANNELS_PER_RULE, NULL },
	{ "enabled", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* PATCH /api/alerts/:id — name, threshold, duration, channels, on/off. */
enum op_err
alerts_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	PGresult	*res = NULL;
	const char	*team, *channels = NULL;
	enum op_err	 er;

	if ((er = monitor_owner(r, "rules", OP_ACT_EDIT, &team)) != OP_OK ||
	    (er = op_fields_body(r, update_fields, nitems(update_fields), v)) !=
	    OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT kind FROM monitor.rules"
	    " WHERE id = $1", r->params[0])) != OP_OK)
		return er;
	if ((v[1].set && (er = threshold_check(r, kind_find(PQgetvalue(res, 0,
	    0)), &v[1])) != OP_OK) ||
	    (v[3].set && (er = channels_check(r, team, v[3].j, &channels)) !=
	    OP_OK) ||
	    (er = op_db_begin(r->db)) != OP_OK)
		goto out;
	/* A changed condition starts afresh: what fired is told resolved
	 * only by the condition, so keep the states. */
	er = op_db_execv(r->db, NULL, "UPDATE monitor.rules SET name ="
	    " COALESCE($2, name), threshold = CASE WHEN $3 THEN $4::float8"
	    " ELSE threshold END, for_seconds = COALESCE($5::int, for_seconds),"
	    " channel_ids = COALESCE($6::uuid[], channel_ids), enabled ="
	    " COALESCE($7::bool, enabled), updated_at = now() WHERE id = $1",
	    r->params[0], v[0].set ? v[0].s : NULL, v[1].set ? "true" :
	    "false", v[1].set && !v[1].null ? op_req_printf(r, "%.17g",
	    v[1].d) : NULL, v[2].set ? op_req_printf(r, "%lld", v[2].i) :
	    NULL, channels, v[4].set ? (v[4].i ? "true" : "false") : NULL);
	if (er == OP_ECONFLICT)
		er = op_fail(r, er, "name_taken",
		    "the team already has a rule of this name", "name");
	if (er != OP_OK ||
	    (er = op_event_emit(r, "alert_rule.updated", team, "alert_rule",
	    r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = rule_reply(r, 200, r->params[0]);
out:
	PQclear(res);
	return er;
}

/* DELETE /api/alerts/:id */
enum op_err
alerts_delete(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = monitor_owner(r, "rules", OP_ACT_EDIT, &team)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM monitor.rules WHERE"
	    " id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "alert_rule.deleted", team, "alert_rule",
	    r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}
