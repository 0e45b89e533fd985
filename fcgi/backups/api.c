/*
 * api.c — /api/backups: ask for a backup (a job, answered 202), list and
 * read them with size, checksum, duration and log, delete one (and its
 * archive), and restore one (a job too).
 */
#include <string.h>

#include "backups.h"

#define BACKUP_COLUMNS	"b.id, b.team_id, b.storage_id, b.schedule_id," \
	" b.kind, b.container_id, b.volume, b.engine, b.encrypted, b.status," \
	" b.attempts, b.max_attempts, b.object_key, b.size, b.checksum," \
	" b.error, b.log, b.started_at, b.finished_at, b.duration_ms," \
	" b.created_at, (b.upload_id IS NOT NULL) AS uploading"

#define RESTORE_COLUMNS	"x.id, x.backup_id, x.team_id, x.container_id," \
	" x.new_container, x.new_container_name, x.drill, x.schedule_id," \
	" x.check_ok, x.check_result, x.status, x.attempts, x.max_attempts, x.error, x.log," \
	" x.started_at, x.finished_at, x.duration_ms, x.created_at"

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

enum op_err
backup_source_check(struct op_req *r, const char *team_id, const char *kind,
    const char *container_id, const char *volume, const char **engine)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	*engine = NULL;
	if (strcmp(kind, "panel") == 0) {
		/* The panel itself: its database, configuration and keys. */
		if (!r->auth.admin)
			return op_fail(r, OP_EFORBIDDEN, "admin_only",
			    "only instance admins back up the panel", "kind");
		if (container_id != NULL || volume != NULL)
			return op_fail(r, OP_EINVAL, "invalid_field", "a panel "
			    "backup names no container or volume",
			    container_id != NULL ? "container_id" : "volume");
		return OP_OK;
	}
	if (container_id == NULL)
		return op_fail(r, OP_EINVAL, "missing_field",
		    "a database or volume backup names its container",
		    "container_id");
	if (strcmp(kind, "database") == 0) {
		if (volume != NULL)
			return op_fail(r, OP_EINVAL, "invalid_field",
			    "a database backup takes no volume", "volume");
		if ((er = op_db_execv(r->db, &res, "SELECT engine FROM"
		    " projects.databases_v WHERE container_id = $1 AND"
		    " team_id = $2", container_id, team_id)) != OP_OK)
			return er;
		if (PQntuples(res) == 1)
			*engine = op_req_strdup(r, PQgetvalue(res, 0, 0));
		PQclear(res);
		if (*engine == NULL)
			return op_fail(r, OP_EINVAL, "invalid_container_id",
			    "no such database container in the team",
			    "container_id");
		return OP_OK;
	}
	if (volume == NULL)
		return op_fail(r, OP_EINVAL, "missing_field",
		    "a volume backup names the volume", "volume");
	if ((er = op_db_execv(r->db, &res, "SELECT 1 FROM projects.volumes_v"
	    " WHERE container_id = $1 AND team_id = $2 AND name = $3",
	    container_id, team_id, volume)) != OP_OK)
		return er;
	er = PQntuples(res) == 1 ? OP_OK : op_fail(r, OP_EINVAL,
	    "invalid_volume", "the container has no such volume", "volume");
	PQclear(res);
	return er;
}

static enum op_err
backup_reply(struct op_req *r, int status, const char *id)
{
	return object_reply(r, status, "SELECT " BACKUP_COLUMNS
	    " FROM backups.backups b WHERE b.id = $1", id, "no such backup");
}

/* Authorise act on backup id: its team in *team (404 when not theirs). */
static enum op_err
backup_authorize(struct op_req *r, const char *id, enum op_action act,
    const char **team)
{
	return object_authorize(r, "backups", id, act, "no such backup", team);
}

static const struct op_field create_fields[] = {
	{ "storage_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "kind", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, valid_kind },
	{ "container_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "volume", OP_FT_STRING, 0, 1, 63, op_valid_volume_name },
	{ "encrypt", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* POST /api/backups — 202 with the queued backup. */
enum op_err
backups_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	const char	*team, *engine;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK)
		return er;
	er = storage_authorize(r, v[0].s, OP_ACT_OPERATE, &team);
	if (er == OP_ENOTFOUND)	/* a field of the body, not the path */
		return op_fail(r, OP_EINVAL, "invalid_storage_id",
		    "no such storage target", "storage_id");
	if (er != OP_OK ||
	    (er = backup_source_check(r, team, v[1].s, v[2].s, v[3].s,
	    &engine)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO backups.backups"
	    " (team_id, storage_id, kind, container_id, volume, engine,"
	    " encrypted) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
	    team, v[0].s, v[1].s, v[2].s, v[3].s, engine,
	    v[4].set && v[4].i ? "true" : "false")) != OP_OK ||
	    (er = op_event_emit(r, "backup.created", team, "backup",
	    PQgetvalue(res, 0, 0), json_pack("{s:s, s:s?, s:s?, s:s}", "kind",
	    v[1].s, "container_id", v[2].s, "volume", v[3].s, "storage_id",
	    v[0].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		PQclear(res);
		return er;
	}
	er = backup_reply(r, 202, PQgetvalue(res, 0, 0));
	PQclear(res);
	return er;
}

static const struct op_field list_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "schedule_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/backups?team_id=[&schedule_id=] — newest first. */
enum op_err
backups_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_team_authorize(r, v[0].s, OP_ACT_READ, &role)) != OP_OK)
		return er == OP_ENOTFOUND ? op_fail(r, er, "not_found",
		    "no such team", NULL) : er;
	limit = v[2].set ? v[2].i : 50;
	if ((er = op_db_execv(r->db, &res, "SELECT " BACKUP_COLUMNS
	    " FROM backups.backups b WHERE b.team_id = $1"
	    " AND ($2::uuid IS NULL OR b.schedule_id = $2::uuid)"
	    " AND ($3::uuid IS NULL OR (b.created_at, b.id) < (SELECT"
	    "  created_at, id FROM backups.backups WHERE id = $3::uuid))"
	    " ORDER BY b.created_at DESC, b.id DESC LIMIT $4", v[0].s, v[1].s,
	    v[3].s, op_req_printf(r, "%lld", limit + 1))) != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

/* GET /api/backups/:id */
enum op_err
backups_get(struct op_req *r)
{
	return object_get(r, "backups", "no such backup", "SELECT "
	    BACKUP_COLUMNS " FROM backups.backups b WHERE b.id = $1");
}

/* The archive of a backup about to be deleted goes first; a running
 * backup is refused: its worker holds it. */
static enum op_err
archive_drop(struct op_req *r, const char *id)
{
	struct target	 t;
	PGresult	*res = NULL;
	const char	*key;
	enum op_err	 er;

	memset(&t, 0, sizeof(t));
	if ((er = op_db_execv(r->db, &res, "SELECT status, storage_id,"
	    " object_key FROM backups.backups WHERE id = $1 FOR UPDATE",
	    id)) != OP_OK)
		return er;
	key = PQntuples(res) == 1 ? op_db_get(res, 0, "object_key") : NULL;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such backup",
		    NULL);
	else if (strcmp(op_db_get(res, 0, "status"), "running") == 0)
		er = op_fail(r, OP_ECONFLICT, "backup_running",
		    "the backup is running", NULL);
	else if (key != NULL && op_db_get(res, 0, "storage_id") != NULL &&
	    strcmp(op_db_get(res, 0, "status"), "completed") == 0 &&
	    (er = target_load(r->db, op_db_get(res, 0, "storage_id"), &t)) ==
	    OP_OK && target_delete(&t, key) != OP_OK)
		er = op_fail(r, OP_EUNAVAIL, "storage_unavailable",
		    "the storage target did not delete the archive", NULL);
	target_clear(&t);
	PQclear(res);
	return er;
}

/* DELETE /api/backups/:id — the archive first, then the row. */
enum op_err
backups_delete(struct op_req *r)
{
	return object_delete(r, "backups", OP_ACT_DELETE, "no such backup",
	    "backup", archive_drop);
}

static enum op_err
restore_reply(struct op_req *r, int status, const char *backup_id,
    const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT " RESTORE_COLUMNS
	    " FROM backups.restores x WHERE x.id = $1 AND x.backup_id = $2",
	    id, backup_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such restore",
		    NULL);
	else
		er = op_reply_row(r, status, res, 0);
	PQclear(res);
	return er;
}

static enum op_err
valid_restore_target(const char *s, const char **why)
{
	if (strcmp(s, "existing") != 0 && strcmp(s, "new") != 0) {
		*why = "must be existing or new";
		return OP_EINVAL;
	}
	return OP_OK;
}

static const struct op_field restore_fields[] = {
	{ "container_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "target", OP_FT_STRING, 0, 1, 16, valid_restore_target },
	{ "name", OP_FT_STRING, 0, 1, 63, op_valid_slug },
};
enum { R_CONTAINER, R_TARGET, R_NAME };

/* A restore into a new database beside the backed-up one (in row 0 of
 * b): the caller may create containers in its project, and the name is
 * free there. *name the new container's (NULL: chosen by the insert). */
static enum op_err
new_target_check(struct op_req *r, PGresult *b, const struct op_value *v,
    const char **name)
{
	PGresult	*res = NULL;
	const char	*team;
	enum op_err	 er;

	*name = v[R_NAME].set ? v[R_NAME].s : NULL;
	if (v[R_CONTAINER].set)
		return op_fail(r, OP_EINVAL, "invalid_field", "a restore into "
		    "a new container names no container", "container_id");
	if (strcmp(op_db_get(b, 0, "kind"), "database") != 0)
		return op_fail(r, OP_EINVAL, "invalid_target", "only a database"
		    " backup is restored into a new container", "target");
	if ((er = op_db_execv(r->db, &res, "SELECT c.project_id, c.name,"
	    " (SELECT count(*) FROM projects.containers_v o WHERE"
	    "  o.project_id = c.project_id AND o.name = $2)::int AS taken"
	    " FROM projects.containers_v c JOIN projects.databases_v d"
	    " ON d.container_id = c.id WHERE c.id = $1",
	    op_db_get(b, 0, "container_id"), *name)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_EINVAL, "source_gone", "the backed-up "
		    "database is gone: restore into an existing one",
		    "target");
	else if ((er = op_project_authorize(r, op_db_get(res, 0, "project_id"),
	    OP_ACT_EDIT, &team)) == OP_OK &&
	    strcmp(op_db_get(res, 0, "taken"), "0") != 0)
		er = op_fail(r, OP_ECONFLICT, "name_taken", "the project "
		    "already has a container with this name", "name");
	PQclear(res);
	return er;
}

/* Queue the restore of backup (row 0 of b) of team into container into,
 * or, when into is NULL, into a new container called name (NULL:
 * "restored-", the backed-up one's name and a few digits of the
 * restore's id: a prefix of ours, so no engine's reserved one, such as
 * PostgreSQL's "pg_"). Answers 202 with it. */
static enum op_err
restore_enqueue(struct op_req *r, PGresult *b, const char *team,
    const char *into, const char *name)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "WITH n AS (SELECT"
	    " gen_random_uuid() AS id) INSERT INTO backups.restores (id,"
	    " backup_id, team_id, container_id, new_container,"
	    " new_container_name, source_container_id) SELECT n.id, $1, $2,"
	    " $3, $3::uuid IS NULL, CASE WHEN $3::uuid IS NULL THEN"
	    " COALESCE($4, 'restored-' || left((SELECT name FROM"
	    " projects.containers_v WHERE id = $5), 40) || '-' ||"
	    " left(n.id::text, 8)) END,"
	    " CASE WHEN $3::uuid IS NULL THEN $5::uuid END FROM n"
	    " RETURNING id", r->params[0], team, into, name,
	    op_db_get(b, 0, "container_id"))) != OP_OK ||
	    (er = op_event_emit(r, "restore.created", team, "restore",
	    PQgetvalue(res, 0, 0), json_pack("{s:s, s:s?, s:b}", "backup_id",
	    r->params[0], "container_id", into, "new_container",
	    into == NULL))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		PQclear(res);
		return er;
	}
	er = restore_reply(r, 202, r->params[0], PQgetvalue(res, 0, 0));
	PQclear(res);
	return er;
}

/* Restoring into an existing container: the same engine (or a volume of
 * the same name), and an engine whose backups restore. */
static enum op_err
existing_target_check(struct op_req *r, PGresult *b, const char *team,
    const char *target)
{
	const char	*engine;
	enum op_err	 er;

	if ((er = backup_source_check(r, team, op_db_get(b, 0, "kind"),
	    target, op_db_get(b, 0, "volume"), &engine)) != OP_OK)
		return er;
	if (engine != NULL && strcmp(engine, op_db_get(b, 0, "engine")) != 0)
		return op_fail(r, OP_EINVAL, "engine_mismatch", "the target "
		    "database runs another engine", "container_id");
	return OP_OK;
}

/* POST /api/backups/:id/restore {container_id?} | {target: "new",
 * name?} — into the backed-up container, another of the team (same
 * engine, or with a volume of the same name), or a new database beside
 * the backed-up one. 202 with the queued restore. */
enum op_err
backups_restore(struct op_req *r)
{
	struct op_value	 v[nitems(restore_fields)];
	PGresult	*b = NULL;
	const char	*team, *name = NULL, *into = NULL;
	enum op_err	 er;

	memset(v, 0, sizeof(v));
	if ((er = backup_authorize(r, r->params[0], OP_ACT_OPERATE, &team)) !=
	    OP_OK)
		return er;
	if (r->body != NULL && (er = op_fields_body(r, restore_fields,
	    nitems(restore_fields), v)) != OP_OK)
		return er;
	if (v[R_NAME].set && !(v[R_TARGET].set &&
	    strcmp(v[R_TARGET].s, "new") == 0))
		return op_fail(r, OP_EINVAL, "invalid_field", "a name is only "
		    "for a restore into a new container", "name");
	if ((er = op_db_execv(r->db, &b, "SELECT status, kind, container_id,"
	    " volume, engine FROM backups.backups WHERE id = $1",
	    r->params[0])) != OP_OK)
		return er;
	if (PQntuples(b) != 1)	/* deleted meanwhile */
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such backup",
		    NULL);
	else if (strcmp(op_db_get(b, 0, "status"), "completed") != 0)
		er = op_fail(r, OP_ECONFLICT, "backup_not_completed",
		    "only a completed backup can be restored", NULL);
	else if (strcmp(op_db_get(b, 0, "kind"), "panel") == 0)
		er = op_fail(r, OP_EINVAL, "not_restorable", "a panel backup is "
		    "restored on the rebuilt server with op-backups "
		    "restore-panel (docs/backups.md)", NULL);
	else if (op_db_get(b, 0, "engine") != NULL &&
	    db_tool_find(op_db_get(b, 0, "engine"))->restore[0] == NULL)
		er = op_fail(r, OP_EINVAL, "not_restorable", "this engine's "
		    "backups are restored by hand (see docs)", NULL);
	else if (v[R_TARGET].set && strcmp(v[R_TARGET].s, "new") == 0)
		er = new_target_check(r, b, v, &name);
	else {
		into = v[R_CONTAINER].set ? v[R_CONTAINER].s :
		    op_db_get(b, 0, "container_id");
		er = existing_target_check(r, b, team, into);
	}
	if (er == OP_OK)
		er = restore_enqueue(r, b, team, into, name);
	PQclear(b);
	return er;
}

/* GET /api/backups/:id/restores/:restore_id */
enum op_err
restores_get(struct op_req *r)
{
	const char	*team, *why;
	enum op_err	 er;

	if ((er = backup_authorize(r, r->params[0], OP_ACT_READ, &team)) !=
	    OP_OK)
		return er;
	if (op_valid_uuid(r->params[1], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such restore",
		    NULL);
	return restore_reply(r, 200, r->params[0], r->params[1]);
}
