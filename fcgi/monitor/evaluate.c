/*
 * evaluate.c — the alert rules, evaluated by the worker every few
 * seconds. The subjects for which each rule's condition holds now come
 * from one query: containers (projects.containers_v and the worker's
 * samples), the host, and certificates (op-infra's infra.certificates_v,
 * a domain's hostname as the name, the days left as the value). In one
 * transaction, a state is kept for each (when the condition began, the
 * subject's name), states whose condition held for the rule's duration
 * fire, and states whose condition cleared go — a certificate renewed,
 * the threshold lowered, the domain deleted. Firing and resolving each
 * queue one delivery per channel (deduplicated by rule, subject, and when
 * it fired) and leave an event in the team's stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

/* (rule_id, subject, name, value) of every condition that holds; $1 is
 * the host's disk use in percent. A certificate counts from the time it
 * has one (a renewal that fails leaves the old one, still expiring). */
#define HOLDING_SQL \
	"SELECT r.id AS rule_id, c.id::text AS subject, c.name,"	\
	" NULL::float8 AS value FROM monitor.rules r"			\
	" JOIN projects.containers_v c ON c.team_id = r.team_id AND"	\
	" (r.container_id IS NULL OR c.id = r.container_id)"		\
	" WHERE r.enabled AND ((r.kind = 'container_down' AND"		\
	"  c.state IN ('exited', 'dead')) OR (r.kind ="			\
	"  'container_restarting' AND c.state = 'restarting') OR"	\
	"  (r.kind = 'health_failing' AND c.health = 'unhealthy'))"	\
	" UNION ALL SELECT r.id, c.id::text, c.name, CASE r.kind WHEN"	\
	"  'cpu_above' THEN s.cpu_percent ELSE s.mem_bytes * 100.0 /"	\
	"  s.mem_limit END FROM monitor.rules r JOIN"			\
	"  monitor.container_samples s ON s.team_id = r.team_id AND"	\
	"  (r.container_id IS NULL OR s.container_id = r.container_id)"	\
	"  JOIN projects.containers_v c ON c.id = s.container_id"	\
	"  WHERE r.enabled AND ((r.kind = 'cpu_above' AND"		\
	"  s.cpu_percent > r.threshold) OR (r.kind = 'memory_above' AND"\
	"  s.mem_limit > 0 AND s.mem_bytes * 100.0 / s.mem_limit >"	\
	"  r.threshold))"						\
	" UNION ALL SELECT r.id, 'host', 'host', $1::float8 FROM"	\
	"  monitor.rules r WHERE r.enabled AND r.kind = 'disk_above'"	\
	"  AND $1::float8 > r.threshold"				\
	" UNION ALL SELECT r.id, c.domain_id::text, c.hostname,"	\
	"  round((extract(epoch FROM c.not_after - now()) / 86400)"	\
	"  ::numeric, 2)::float8 FROM monitor.rules r JOIN"		\
	"  infra.certificates_v c ON c.team_id = r.team_id WHERE"	\
	"  r.enabled AND r.kind = 'cert_expiry' AND c.not_after IS NOT"\
	"  NULL AND c.not_after < now() + make_interval(secs =>"		\
	"  r.threshold * 86400)"

/* Queue a delivery per channel of each rule in the JSON array $1 of
 * {rule_id, subject, name, value, since} as status $2: once per channel,
 * rule, subject, status and firing time. */
#define QUEUE_SQL \
	"INSERT INTO monitor.deliveries (channel_id, rule_id, dedup_key,"  \
	" status, payload) SELECT ch, r.id, r.id || ':' || ch || ':' ||"   \
	" x.subject || ':' || $2 || ':' || x.since, $2, jsonb_build_object('status', $2,"\
	" 'team_id', r.team_id, 'rule', jsonb_build_object('id', r.id,"    \
	" 'name', r.name, 'kind', r.kind, 'threshold', r.threshold),"      \
	" 'subject', x.subject, 'subject_name', x.name, 'value', x.value,"  \
	" 'since', x.since, 'summary', upper($2) || ': ' || r.name || ' ('" \
	" || r.kind || ') on ' || x.name || COALESCE(' = ' ||"             \
	" round(x.value::numeric, 2), ''))"                                \
	" FROM jsonb_to_recordset($1) AS x(rule_id uuid, subject text,"    \
	" name text, value float8, since text) JOIN monitor.rules r ON"     \
	" r.id = x.rule_id, unnest(r.channel_ids) AS ch"                   \
	" ON CONFLICT (dedup_key) DO NOTHING"

/* Disk use of the host in percent, or 0 when unknown. */
static double
disk_used_pct(void)
{
	struct host_sample	h;

	if (host_read(&h) != OP_OK || h.disk_total == 0)
		return 0;
	return (double)(h.disk_total - h.disk_free) * 100.0 /
	    (double)h.disk_total;
}

/* Each transition in res (rule_id, subject, name, value, since, team_id,
 * kind) as an event type in the team's stream. */
static enum op_err
transitions_emit(struct op_req *r, PGresult *res, const char *type)
{
	enum op_err	er = OP_OK;
	int		i;

	for (i = 0; er == OP_OK && i < PQntuples(res); i++)
		er = op_event_emit(r, type, op_db_get(res, i, "team_id"),
		    "alert_rule", op_db_get(res, i, "rule_id"), json_pack(
		    "{s:s, s:s, s:s, s:s?}", "subject", op_db_get(res, i,
		    "subject"), "subject_name", op_db_get(res, i, "name"),
		    "kind", op_db_get(res, i, "kind"), "value", op_db_get(res,
		    i, "value")));
	return er;
}

/* The rows of res as a JSON array text (malloc'd), for QUEUE_SQL. */
static char *
rows_text(const PGresult *res)
{
	json_t	*a = json_array();
	char	*text;
	int	 i;

	for (i = 0; a != NULL && i < PQntuples(res); i++)
		json_array_append_new(a, op_db_row_json(res, i));
	text = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return text;
}

/* Queue status deliveries and events for the transitions in res. */
static enum op_err
transitions_queue(struct op_req *r, PGresult *res, const char *status,
    const char *type)
{
	char		*text;
	enum op_err	 er;

	if (PQntuples(res) == 0)
		return OP_OK;
	if ((text = rows_text(res)) == NULL)
		return OP_ENOMEM;
	er = op_db_execv(r->db, NULL, QUEUE_SQL, text, status);
	free(text);
	return er == OP_OK ? transitions_emit(r, res, type) : er;
}

static enum op_err
evaluate_tx(struct op_req *r, const char *holding)
{
	PGresult	*fired = NULL, *cleared = NULL;
	enum op_err	 er;

	/* Keep a state for each holding condition, its value fresh. */
	if ((er = op_db_execv(r->db, NULL, "INSERT INTO monitor.rule_states"
	    " (rule_id, subject, subject_name, value) SELECT rule_id,"
	    " subject, name, value FROM jsonb_to_recordset($1) AS x(rule_id"
	    " uuid, subject text, name text, value float8) ON CONFLICT"
	    " (rule_id, subject) DO UPDATE SET value = EXCLUDED.value,"
	    " subject_name = EXCLUDED.subject_name", holding)) != OP_OK)
		goto out;
	/* Cleared: the states no longer holding go; the firing resolve. */
	if ((er = op_db_execv(r->db, &cleared, "WITH gone AS (DELETE FROM"
	    " monitor.rule_states s WHERE NOT EXISTS (SELECT 1 FROM"
	    " jsonb_to_recordset($1) AS x(rule_id uuid, subject text) WHERE"
	    " x.rule_id = s.rule_id AND x.subject = s.subject) RETURNING *)"
	    " SELECT g.rule_id, g.subject, COALESCE(g.subject_name,"
	    " g.subject) AS name, g.value, g.firing_since::text AS since,"
	    " r.team_id, r.kind FROM gone g JOIN monitor.rules r ON r.id ="
	    " g.rule_id WHERE g.firing_since IS NOT NULL", holding)) != OP_OK ||
	    (er = transitions_queue(r, cleared, "resolved",
	    "alert.resolved")) != OP_OK)
		goto out;
	/* Fired: held for the rule's duration, not told yet. */
	if ((er = op_db_exec(r->db, &fired, "WITH f AS (UPDATE"
	    " monitor.rule_states s SET firing_since = now() FROM"
	    " monitor.rules r WHERE r.id = s.rule_id AND s.firing_since IS"
	    " NULL AND s.pending_since <= now() - make_interval(secs =>"
	    " r.for_seconds) RETURNING s.*, r.team_id, r.kind) SELECT"
	    " f.rule_id, f.subject, COALESCE(f.subject_name, f.subject) AS"
	    " name, f.value, f.firing_since::text AS since, f.team_id, f.kind"
	    " FROM f", 0, NULL)) != OP_OK ||
	    (er = transitions_queue(r, fired, "firing", "alert.fired")) !=
	    OP_OK)
		goto out;
out:
	PQclear(fired);
	PQclear(cleared);
	return er;
}

enum op_err
alerts_evaluate(const struct op_service *svc, struct op_db *db)
{
	struct op_req	 r;
	PGresult	*res = NULL;
	char		 disk[32], *holding = NULL;
	enum op_err	 er;

	snprintf(disk, sizeof(disk), "%.3f", disk_used_pct());
	if ((er = op_system_req(&r, svc, db)) != OP_OK)
		return er;
	if ((er = op_db_execv(db, &res, HOLDING_SQL, disk)) != OP_OK)
		goto out;
	if ((holding = rows_text(res)) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = op_db_begin(db)) == OP_OK &&
	    (er = evaluate_tx(&r, holding)) == OP_OK)
		er = op_db_commit(db);
out:
	op_db_rollback(db);
	free(holding);
	PQclear(res);
	op_system_req_end(&r);
	return er;
}
