/*
 * schedules.c — /api/backup-schedules: a five-field cron expression in a
 * time zone, what to back up and where, and how many generations to
 * keep. The worker's tick queues the backups of due schedules; when a
 * scheduled backup completes, retention deletes the generations its
 * policy no longer keeps (the archive first, then the row).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backups.h"

#define SCHEDULE_COLUMNS "s.id, s.team_id, s.storage_id, s.kind," \
	" s.container_id, s.volume, s.encrypt, s.cron, s.timezone," \
	" json_build_object('keep_last', s.keep_last, 'daily', s.keep_daily," \
	" 'weekly', s.keep_weekly, 'monthly', s.keep_monthly) AS retention," \
	" s.enabled, s.next_run_at, s.last_run_at, s.drill_cron," \
	" s.next_drill_at, s.created_at"

#define KEEP_MAX	10000

static enum op_err
valid_kind(const char *s, const char **why)
{
	if (strcmp(s, "database") != 0 && strcmp(s, "volume") != 0 &&
	    strcmp(s, "panel") != 0) {
		*why = "must be database, volume or panel";
		return OP_EINVAL;
	}
	return OP_OK;
}

const char *
next_run(struct op_req *r, const char *cron, const char *tz)
{
	struct op_cron	 c;
	const char	*why;
	int64_t		 t;
	time_t		 tt;
	struct tm	 tm;
	char		 s[32];

	if (op_cron_parse(cron, &c, &why) != OP_OK ||
	    op_cron_next(&c, tz, (int64_t)time(NULL), &t) != OP_OK)
		return NULL;
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return op_req_strdup(r, s);
}

static enum op_err
schedule_reply(struct op_req *r, int status, const char *id)
{
	return object_reply(r, status, "SELECT " SCHEDULE_COLUMNS
	    " FROM backups.schedules s WHERE s.id = $1", id,
	    "no such schedule");
}

static enum op_err
schedule_authorize(struct op_req *r, const char *id, enum op_action act,
    const char **team)
{
	return object_authorize(r, "schedules", id, act, "no such schedule",
	    team);
}

/* retention {keep_last?, daily?, weekly?, monthly?}: each 1..KEEP_MAX,
 * as text for SQL in out[4] (NULL when absent or null). */
static enum op_err
retention_parse(struct op_req *r, json_t *o, const char *out[4])
{
	static const char *const names[4] = { "keep_last", "daily", "weekly",
	    "monthly" };
	const char	*k;
	json_t		*v;
	size_t		 i;

	memset(out, 0, 4 * sizeof(*out));
	if (o == NULL)
		return OP_OK;
	json_object_foreach(o, k, v) {
		for (i = 0; i < 4 && strcmp(k, names[i]) != 0; i++)
			;
		if (i == 4)
			return op_fail(r, OP_EINVAL, "invalid_retention",
			    "retention takes keep_last, daily, weekly and "
			    "monthly", "retention");
		if (json_is_null(v))	/* as answered: no such rule */
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > KEEP_MAX)
			return op_fail(r, OP_EINVAL, "invalid_retention",
			    "each retention count must be 1 to 10000",
			    "retention");
		out[i] = op_req_printf(r, "%lld",
		    (long long)json_integer_value(v));
	}
	return OP_OK;
}

/* The next run of cron on tz's wall clock into *next; a 422 invalid_cron
 * on field when it never fires. */
static enum op_err
first_run(struct op_req *r, const char *cron, const char *tz,
    const char *field, const char **next)
{
	if ((*next = next_run(r, cron, tz)) == NULL)
		return op_fail(r, OP_EINVAL, "invalid_cron",
		    "the expression never fires", field);
	return OP_OK;
}

/* The next restore drill of a kind schedule into *drill (NULL when
 * drill_cron is): a 422 on drill_cron when the schedule backs up no
 * database, invalid_cron on field when the expression never fires. */
static enum op_err
first_drill(struct op_req *r, const char *kind, const char *drill_cron,
    const char *tz, const char *field, const char **drill)
{
	*drill = NULL;
	if (drill_cron == NULL)
		return OP_OK;
	if (strcmp(kind, "database") != 0)
		return op_fail(r, OP_EINVAL, "invalid_field", "only a database "
		    "schedule has restore drills", "drill_cron");
	return first_run(r, drill_cron, tz, field, drill);
}

static const struct op_field create_fields[] = {
	{ "storage_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "kind", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, valid_kind },
	{ "container_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "volume", OP_FT_STRING, 0, 1, 63, op_valid_volume_name },
	{ "cron", OP_FT_STRING, OP_FF_REQUIRED, 9, 256, op_valid_cron },
	{ "timezone", OP_FT_STRING, 0, 1, 64, op_valid_timezone },
	{ "retention", OP_FT_OBJECT, 0, 1, 4, NULL },
	{ "encrypt", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "drill_cron", OP_FT_STRING, 0, 9, 256, op_valid_cron },
	{ "enabled", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* POST /api/backup-schedules — enabled false makes it paused, as a PATCH
 * would: its next run is worked out, but neither runs nor drills fire
 * until it is resumed (from then on). */
enum op_err
schedules_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	const char	*team, *engine, *tz, *next, *drill, *keep[4];
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK || (er = retention_parse(r, v[6].j, keep)) != OP_OK)
		return er;
	er = storage_authorize(r, v[0].s, OP_ACT_EDIT, &team);
	if (er == OP_ENOTFOUND)
		return op_fail(r, OP_EINVAL, "invalid_storage_id",
		    "no such storage target", "storage_id");
	if (er != OP_OK || (er = backup_source_check(r, team, v[1].s, v[2].s,
	    v[3].s, &engine)) != OP_OK)
		return er;
	tz = v[5].set ? v[5].s : "UTC";
	if ((er = first_run(r, v[4].s, tz, "cron", &next)) != OP_OK ||
	    (er = first_drill(r, v[1].s, v[8].set ? v[8].s : NULL, tz,
	    "drill_cron", &drill)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO backups.schedules"
	    " (team_id, storage_id, kind, container_id, volume, encrypt, cron,"
	    " timezone, keep_last, keep_daily, keep_weekly, keep_monthly,"
	    " next_run_at, drill_cron, next_drill_at, enabled) VALUES ($1, $2,"
	    " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
	    " RETURNING id", team, v[0].s, v[1].s, v[2].s, v[3].s, v[7].set &&
	    v[7].i ? "true" : "false", v[4].s, tz, keep[0], keep[1], keep[2],
	    keep[3], next, v[8].s, drill, v[9].set && !v[9].i ? "false" :
	    "true")) != OP_OK ||
	    (er = op_event_emit(r, "backup_schedule.created", team,
	    "backup_schedule", PQgetvalue(res, 0, 0), json_pack("{s:s, s:s}",
	    "cron", v[4].s, "timezone", tz))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		PQclear(res);
		return er;
	}
	er = schedule_reply(r, 201, PQgetvalue(res, 0, 0));
	PQclear(res);
	return er;
}

static const struct op_field update_fields[] = {
	{ "cron", OP_FT_STRING, 0, 9, 256, op_valid_cron },
	{ "timezone", OP_FT_STRING, 0, 1, 64, op_valid_timezone },
	{ "retention", OP_FT_OBJECT, 0, 0, 4, NULL },
	{ "encrypt", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "drill_cron", OP_FT_STRING, OP_FF_NULLABLE, 9, 256, op_valid_cron },
	{ "enabled", OP_FT_BOOL, 0, 0, 0, NULL },
};
enum { U_CRON, U_TZ, U_RETENTION, U_ENCRYPT, U_DRILL, U_ENABLED };

/*
 * What an edit (v over the row cur, locked) changes in the schedule's
 * times, on the wall clock of the zone it ends with: *next its next run
 * (NULL: unchanged, neither cron nor zone given nor a paused schedule
 * resumed); *drill_cron and *drill its drill expression and next drill
 * (both NULL: none), worth writing only when *redrill is set (drill_cron
 * or the zone given, or resumed). Resuming works both out from now, so a
 * long pause is not made up for by a burst of runs.
 */
static enum op_err
schedule_times(struct op_req *r, const struct op_value *v, PGresult *cur,
    const char **next, const char **drill_cron, const char **drill,
    int *redrill)
{
	const char	*cron, *tz;
	enum op_err	 er;
	int		 resume;

	resume = v[U_ENABLED].set && v[U_ENABLED].i &&
	    strcmp(op_db_get(cur, 0, "enabled"), "f") == 0;
	cron = v[U_CRON].set ? v[U_CRON].s : op_db_get(cur, 0, "cron");
	tz = v[U_TZ].set ? v[U_TZ].s : op_db_get(cur, 0, "timezone");
	*drill_cron = v[U_DRILL].set ? v[U_DRILL].s : op_db_get(cur, 0,
	    "drill_cron");
	*next = *drill = NULL;
	*redrill = v[U_DRILL].set || v[U_TZ].set || resume;
	if ((v[U_CRON].set || v[U_TZ].set || resume) && (er = first_run(r,
	    cron, tz, v[U_CRON].set || !v[U_TZ].set ? "cron" : "timezone",
	    next)) != OP_OK)
		return er;
	if (!*redrill)
		return OP_OK;
	return first_drill(r, op_db_get(cur, 0, "kind"), *drill_cron, tz,
	    v[U_DRILL].set || !v[U_TZ].set ? "drill_cron" : "timezone", drill);
}

/*
 * PATCH /api/backup-schedules/:id — {cron?, timezone?, retention?,
 * encrypt?, drill_cron?, enabled?}: what is given replaces what the
 * schedule has (retention as a whole, {} keeping every backup;
 * drill_cron null: no more drills). A new cron or zone works the next
 * run out again (and brings back a schedule whose expression had
 * stopped firing); a new drill_cron or zone, the next drill. enabled
 * false pauses it: neither its runs nor its drills fire until enabled
 * true resumes it, from now on.
 */
enum op_err
schedules_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	PGresult	*cur = NULL;
	const char	*team, *next, *dcron, *drill, *keep[4];
	enum op_err	 er;
	int		 redrill;

	if ((er = op_fields_body(r, update_fields, nitems(update_fields),
	    v)) != OP_OK || (er = retention_parse(r, v[U_RETENTION].j,
	    keep)) != OP_OK || (er = schedule_authorize(r, r->params[0],
	    OP_ACT_EDIT, &team)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &cur, "SELECT kind, cron, timezone,"
	    " drill_cron, enabled FROM backups.schedules WHERE id = $1"
	    " FOR UPDATE", r->params[0])) != OP_OK)
		goto out;
	if (PQntuples(cur) != 1) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such schedule",
		    NULL);
		goto out;
	}
	if ((er = schedule_times(r, v, cur, &next, &dcron, &drill,
	    &redrill)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE backups.schedules SET"
	    " cron = COALESCE($2, cron), timezone = COALESCE($3, timezone),"
	    " encrypt = COALESCE($4::boolean, encrypt),"
	    " keep_last = CASE WHEN $5 THEN $6::int ELSE keep_last END,"
	    " keep_daily = CASE WHEN $5 THEN $7::int ELSE keep_daily END,"
	    " keep_weekly = CASE WHEN $5 THEN $8::int ELSE keep_weekly END,"
	    " keep_monthly = CASE WHEN $5 THEN $9::int ELSE keep_monthly END,"
	    " next_run_at = COALESCE($10::timestamptz, next_run_at),"
	    " enabled = COALESCE($14::boolean, enabled),"
	    " drill_cron = CASE WHEN $13 THEN $11 ELSE drill_cron END,"
	    " next_drill_at = CASE WHEN $13 THEN $12::timestamptz"
	    "  ELSE next_drill_at END WHERE id = $1", r->params[0], v[U_CRON].s,
	    v[U_TZ].s, v[U_ENCRYPT].set ? (v[U_ENCRYPT].i ? "true" : "false") :
	    NULL, v[U_RETENTION].set ? "true" : "false", keep[0], keep[1],
	    keep[2], keep[3], next, dcron, drill, redrill ? "true" :
	    "false", v[U_ENABLED].set ? (v[U_ENABLED].i ? "true" : "false") :
	    NULL)) != OP_OK ||
	    (er = op_event_emit(r, "backup_schedule.updated", team,
	    "backup_schedule", r->params[0], json_deep_copy(r->body))) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	PQclear(cur);
	return schedule_reply(r, 200, r->params[0]);
out:
	op_db_rollback(r->db);
	PQclear(cur);
	return er;
}

/* GET /api/backup-schedules?team_id= */
enum op_err
schedules_list(struct op_req *r)
{
	return object_list(r, "SELECT " SCHEDULE_COLUMNS
	    " FROM backups.schedules s WHERE s.team_id = $1"
	    " AND ($2::uuid IS NULL OR (s.created_at, s.id) > (SELECT"
	    "  created_at, id FROM backups.schedules WHERE id = $2::uuid))"
	    " ORDER BY s.created_at, s.id LIMIT $3");
}

/* GET /api/backup-schedules/:id */
enum op_err
schedules_get(struct op_req *r)
{
	return object_get(r, "schedules", "no such schedule", "SELECT "
	    SCHEDULE_COLUMNS " FROM backups.schedules s WHERE s.id = $1");
}

/* DELETE /api/backup-schedules/:id — its backups stay. */
enum op_err
schedules_delete(struct op_req *r)
{
	return object_delete(r, "schedules", OP_ACT_DELETE,
	    "no such schedule", "backup_schedule", NULL);
}

enum op_err
schedule_enqueue(struct op_req *r, PGresult *s, int i, char id[37])
{
	PGresult	*res = NULL;
	const char	*engine = NULL;
	enum op_err	 er;

	if (strcmp(PQgetvalue(s, i, PQfnumber(s, "kind")), "database") == 0) {
		if ((er = op_db_execv(r->db, &res, "SELECT engine FROM"
		    " projects.databases_v WHERE container_id = $1 AND"
		    " team_id = $2", op_db_get(s, i, "container_id"),
		    op_db_get(s, i, "team_id"))) != OP_OK)
			return er;
		if (PQntuples(res) == 1)
			engine = op_req_strdup(r, PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
	}
	if ((er = op_db_execv(r->db, &res, "INSERT INTO backups.backups"
	    " (team_id, storage_id, schedule_id, kind, container_id, volume,"
	    " engine, encrypted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	    " RETURNING id", op_db_get(s, i, "team_id"),
	    op_db_get(s, i, "storage_id"), op_db_get(s, i, "id"),
	    op_db_get(s, i, "kind"), op_db_get(s, i, "container_id"),
	    op_db_get(s, i, "volume"), engine,
	    op_db_get(s, i, "encrypt"))) != OP_OK)
		return er;
	snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return op_event_emit(r, "backup.created", op_db_get(s, i, "team_id"),
	    "backup", id, json_pack("{s:s, s:s}", "kind", op_db_get(s, i,
	    "kind"), "schedule_id", op_db_get(s, i, "id")));
}

/* POST /api/backup-schedules/:id/run — one backup now, 202. */
enum op_err
schedules_run(struct op_req *r)
{
	PGresult	*s = NULL;
	const char	*team;
	char		 id[37];
	enum op_err	 er;

	if ((er = schedule_authorize(r, r->params[0], OP_ACT_OPERATE,
	    &team)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &s, "SELECT id, team_id, storage_id,"
	    " kind, container_id, volume, encrypt::text FROM"
	    " backups.schedules WHERE id = $1 FOR UPDATE",
	    r->params[0])) != OP_OK || PQntuples(s) != 1 ||
	    (er = schedule_enqueue(r, s, 0, id)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		PQclear(s);
		return er != OP_OK ? er : op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such schedule", NULL);
	}
	PQclear(s);
	return op_reply_json(r, 202, json_pack("{s:s}", "id", id));
}

enum op_err
schedules_due(struct op_req *r, const char *select,
    enum op_err (*each)(struct op_req *, PGresult *, int))
{
	PGresult	*s = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	if ((er = op_db_exec(r->db, &s, select, 0, NULL)) != OP_OK)
		goto out;
	for (i = 0; i < PQntuples(s); i++)
		if ((er = each(r, s, i)) != OP_OK)
			goto out;
	er = op_db_commit(r->db);
out:
	op_db_rollback(r->db);
	PQclear(s);
	return er;
}

/* A due schedule (row i of s): its backup, unless the last one still
 * waits (the run is skipped, not piled up), and its next run. */
static enum op_err
schedule_fire(struct op_req *r, PGresult *s, int i)
{
	const char	*next;
	char		 id[37];
	enum op_err	 er;

	next = next_run(r, op_db_get(s, i, "cron"), op_db_get(s, i,
	    "timezone"));
	if (strcmp(op_db_get(s, i, "busy"), "f") == 0 &&
	    (er = schedule_enqueue(r, s, i, id)) != OP_OK)
		return er;
	/* An expression that stops firing leaves the schedule on, never
	 * due: enabled is the operator's pause alone. */
	return op_db_execv(r->db, NULL, "UPDATE backups.schedules SET"
	    " last_run_at = now(), next_run_at = COALESCE($2::timestamptz,"
	    " 'infinity') WHERE id = $1", op_db_get(s, i, "id"), next);
}

enum op_err
schedules_tick(struct op_req *r)
{
	return schedules_due(r, "SELECT s.id, s.team_id,"
	    " s.storage_id, s.kind, s.container_id, s.volume,"
	    " CASE WHEN s.encrypt THEN 'true' ELSE 'false' END AS encrypt,"
	    " s.cron, s.timezone, EXISTS (SELECT 1 FROM backups.backups b"
	    "  WHERE b.schedule_id = s.id AND b.status IN ('queued',"
	    "  'running')) AS busy FROM backups.schedules s"
	    " WHERE s.enabled AND s.next_run_at <= now()"
	    " ORDER BY s.next_run_at LIMIT 20 FOR UPDATE OF s SKIP LOCKED",
	    schedule_fire);
}

/* Delete one generation: the archive, then the row, with an event. */
static enum op_err
drop_generation(struct op_req *r, struct target *t, PGresult *b, int i)
{
	enum op_err	er;

	if ((er = target_delete(t, op_db_get(b, i, "object_key"))) != OP_OK) {
		op_warn("retention: cannot delete %s", op_db_get(b, i, "id"));
		return er;
	}
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM backups.backups"
	    " WHERE id = $1", op_db_get(b, i, "id"))) != OP_OK ||
	    (er = op_event_emit(r, "backup.deleted", op_db_get(b, i,
	    "team_id"), "backup", op_db_get(b, i, "id"), json_pack("{s:s}",
	    "reason", "retention"))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		op_db_rollback(r->db);
	return er;
}

enum op_err
retention_apply(struct op_req *r, const char *schedule_id)
{
	struct op_retention	 p;
	struct target		 t;
	PGresult		*s = NULL, *b = NULL;
	unsigned char		*keep = NULL;
	int64_t			*times = NULL;
	enum op_err		 er;
	int			 i, n;

	memset(&t, 0, sizeof(t));
	if ((er = op_db_execv(r->db, &s, "SELECT timezone,"
	    " COALESCE(keep_last, 0), COALESCE(keep_daily, 0),"
	    " COALESCE(keep_weekly, 0), COALESCE(keep_monthly, 0)"
	    " FROM backups.schedules WHERE id = $1", schedule_id)) != OP_OK)
		return er;
	if (PQntuples(s) != 1)
		goto out;
	p.last = (int)strtol(PQgetvalue(s, 0, 1), NULL, 10);
	p.daily = (int)strtol(PQgetvalue(s, 0, 2), NULL, 10);
	p.weekly = (int)strtol(PQgetvalue(s, 0, 3), NULL, 10);
	p.monthly = (int)strtol(PQgetvalue(s, 0, 4), NULL, 10);
	if ((er = op_db_execv(r->db, &b, "SELECT id, team_id, storage_id,"
	    " object_key, floor(extract(epoch FROM created_at))::bigint::text"
	    " AS t FROM backups.backups WHERE schedule_id = $1 AND"
	    " status = 'completed' ORDER BY created_at DESC, id DESC",
	    schedule_id)) != OP_OK)
		goto out;
	n = PQntuples(b);
	if (n == 0)
		goto out;
	if ((keep = calloc((size_t)n, 1)) == NULL ||
	    (times = calloc((size_t)n, sizeof(*times))) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		times[i] = strtoll(op_db_get(b, i, "t"), NULL, 10);
	if ((er = op_retention_keep(times, (size_t)n, PQgetvalue(s, 0, 0), &p,
	    keep)) != OP_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (keep[i] || op_db_get(b, i, "object_key") == NULL)
			continue;
		if (strcmp(t.id, op_db_get(b, i, "storage_id") ?: "") != 0) {
			target_clear(&t);
			if (op_db_get(b, i, "storage_id") == NULL ||
			    target_load(r->db, op_db_get(b, i, "storage_id"),
			    &t) != OP_OK)
				continue;
		}
		(void)drop_generation(r, &t, b, i);
	}
out:
	target_clear(&t);
	free(keep);
	free(times);
	PQclear(s);
	PQclear(b);
	return er;
}
