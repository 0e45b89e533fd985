/*
 * drills.c — restore drills. A database schedule with a drill_cron has,
 * each time it fires, its latest completed backup restored into a
 * scratch database container (a restore job marked drill, into a new
 * container from op-projects); once restored, the engine's own check
 * runs in it (a query that counts what the database holds), the result
 * is recorded on the restore, the container is removed, and
 * backup.drill_completed or backup.drill_failed says how it went.
 */
#include <ctype.h>
#include <string.h>

#include "backups.h"

#define CHECK_MS	60000

/* Queue the drill of schedule row i of s (in the open transaction). */
static enum op_err
drill_enqueue(struct op_req *r, PGresult *s, int i)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "WITH n AS (SELECT"
	    " gen_random_uuid() AS id), b AS (SELECT id, container_id FROM"
	    " backups.backups WHERE schedule_id = $1 AND status ="
	    " 'completed' ORDER BY created_at DESC, id DESC LIMIT 1)"
	    " INSERT INTO backups.restores (id, backup_id, team_id,"
	    " new_container, new_container_name, source_container_id, drill,"
	    " schedule_id) SELECT n.id, b.id, $2, true, 'drill-' ||"
	    " left((SELECT name FROM projects.containers_v WHERE id ="
	    " b.container_id), 40) || '-' || left(n.id::text, 8),"
	    " b.container_id, true, $1"
	    " FROM n, b WHERE EXISTS (SELECT 1 FROM projects.containers_v"
	    " WHERE id = b.container_id) RETURNING id, backup_id",
	    op_db_get(s, i, "id"), op_db_get(s, i, "team_id"))) != OP_OK)
		return er;
	if (PQntuples(res) == 1)
		er = op_event_emit(r, "restore.created", op_db_get(s, i,
		    "team_id"), "restore", PQgetvalue(res, 0, 0), json_pack(
		    "{s:s, s:s, s:b}", "backup_id", PQgetvalue(res, 0, 1),
		    "schedule_id", op_db_get(s, i, "id"), "drill", 1));
	else
		op_info("schedule %s: no backup to drill yet",
		    op_db_get(s, i, "id"));
	PQclear(res);
	return er;
}

/* A schedule whose drill is due (row i of s): the drill, unless one is
 * still under way, and the next one. */
static enum op_err
drill_fire(struct op_req *r, PGresult *s, int i)
{
	enum op_err	er;

	if (strcmp(op_db_get(s, i, "busy"), "f") == 0 &&
	    (er = drill_enqueue(r, s, i)) != OP_OK)
		return er;
	return op_db_execv(r->db, NULL, "UPDATE backups.schedules SET"
	    " next_drill_at = $2::timestamptz WHERE id = $1",
	    op_db_get(s, i, "id"), next_run(r, op_db_get(s, i, "drill_cron"),
	    op_db_get(s, i, "timezone")));
}

enum op_err
drills_tick(struct op_req *r)
{
	return schedules_due(r, "SELECT s.id, s.team_id, s.drill_cron,"
	    " s.timezone, EXISTS (SELECT 1 FROM backups.restores x WHERE"
	    " x.schedule_id = s.id AND x.drill AND x.status IN ('queued',"
	    " 'running')) AS busy FROM backups.schedules s WHERE s.enabled"
	    " AND s.drill_cron IS NOT NULL AND s.next_drill_at <= now()"
	    " ORDER BY s.next_drill_at LIMIT 20 FOR UPDATE OF s SKIP LOCKED",
	    drill_fire);
}

static enum op_err
to_buf(void *arg, const void *data, size_t len)
{
	struct op_buf	*b = arg;
	size_t		 room = b->max - b->len;

	return op_buf_add(b, data, len < room ? len : room);
}

/* Run the engine's check in the database of container into: *ok and
 * what it printed (trimmed, arena) in *result. */
static void
drill_check(struct op_req *r, struct op_docker *d, const char *into,
    const char *engine, int *ok, const char **result)
{
	const struct db_tool	*tool = db_tool_find(engine);
	PGresult		*res = NULL;
	struct op_buf		 out, err;
	json_t			*argv = NULL;
	size_t			 n;
	int			 code = -1;

	*ok = 0;
	*result = "the scratch database is gone";
	op_buf_init(&out, 256);
	op_buf_init(&err, 256);
	if (tool == NULL || op_db_execv(r->db, &res, "SELECT db_name,"
	    " username, docker_id FROM projects.databases_v WHERE"
	    " container_id = $1", into) != OP_OK || PQntuples(res) != 1 ||
	    op_db_get(res, 0, "docker_id") == NULL)
		goto out;
	argv = db_tool_argv(tool->check, op_db_get(res, 0, "username"),
	    op_db_get(res, 0, "db_name"));
	*result = "the check could not run";
	if (argv == NULL || engine_exec_out(d, op_db_get(res, 0, "docker_id"),
	    argv, to_buf, &out, &err, &code) != OP_OK)
		goto out;
	for (n = out.len; n > 0 && isspace((unsigned char)out.data[n - 1]);
	    n--)
		;
	*ok = code == 0 && n > 0 && strspn(out.data, "0123456789") == n;
	*result = *ok ? op_req_printf(r, "%.*s", (int)n, out.data) :
	    op_req_printf(r, "exit %d: %.200s", code, err.data ? err.data :
	    "");
out:
	json_decref(argv);
	op_buf_clear(&out);
	op_buf_clear(&err);
	PQclear(res);
}

void
drill_finish(struct op_req *r, struct op_docker *d, struct job *j,
    const char *into, const char *engine, const char *why)
{
	const char	*result = why;
	int		 ok = 0, removed;

	if (why == NULL)
		drill_check(r, d, into, engine, &ok, &result);
	removed = into == NULL || scratch_remove(r, into) == OP_OK;
	if (!removed)
		op_warn("drill %s: the scratch container %s stays", j->id,
		    into);
	if (op_db_begin(r->db) != OP_OK)
		return;
	if (op_db_execv(r->db, NULL, "UPDATE backups.restores SET"
	    " check_ok = $2, check_result = $3, log = log || $4 WHERE id = $1",
	    j->id, ok ? "true" : "false", result, op_req_printf(r,
	    "drill: %s %s; the scratch container %s\n", ok ? "checked" :
	    "failed", result, removed ? "was removed" : "could not be removed"))
	    != OP_OK ||
	    op_event_emit(r, ok ? "backup.drill_completed" :
	    "backup.drill_failed", op_db_get(j->row, 0, "team_id"), "restore",
	    j->id, json_pack("{s:s, s:s?, s:s, s:b}", "backup_id",
	    op_db_get(j->row, 0, "backup_id"), "schedule_id",
	    op_db_get(j->row, 0, "schedule_id"), "result", result,
	    "container_removed", removed)) != OP_OK ||
	    op_db_commit(r->db) != OP_OK)
		op_db_rollback(r->db);
}

/* GET /api/backup-schedules/:id/drills — newest first. */
enum op_err
schedules_drills(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team;
	json_t		*items;
	enum op_err	 er;
	int		 i;

	if ((er = object_authorize(r, "schedules", r->params[0], OP_ACT_READ,
	    "no such schedule", &team)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT x.id, x.backup_id,"
	    " x.container_id, x.new_container_name, x.status, x.check_ok,"
	    " x.check_result, x.error, x.log, x.started_at, x.finished_at,"
	    " x.duration_ms, x.created_at FROM backups.restores x WHERE"
	    " x.schedule_id = $1 AND x.drill ORDER BY x.created_at DESC,"
	    " x.id DESC LIMIT 50", r->params[0])) != OP_OK)
		return er;
	items = json_array();
	for (i = 0; items != NULL && i < PQntuples(res); i++)
		json_array_append_new(items, op_db_row_json(res, i));
	PQclear(res);
	return op_reply_json(r, 200, json_pack("{s:o*, s:n}", "items", items,
	    "next"));
}
