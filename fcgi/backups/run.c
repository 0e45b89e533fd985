/*
 * run.c — one backup job: the database dump or the volume's tar stream
 * flows from the Docker engine through the codec (gzip, maybe
 * AES-256-GCM, SHA-256) into the storage target as it is produced; only
 * when the target has the whole object is the row marked completed, by
 * the holder of the lease, in the transaction that emits
 * backup.completed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backups.h"

#define LEFTOVERS_RETRY_S	300	/* a refused removal, tried again */

struct run {
	struct op_req		*r;
	struct job		*j;
	struct codec		*codec;
	struct target_writer	*w;
};

char *
backup_object_key(struct op_req *r, const struct target *t,
    const char *team_id, const char *backup_id, const char *ext,
    int encrypted)
{
	const char	*prefix = strcmp(t->type, "s3") == 0 && t->prefix ?
			    t->prefix : "";
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 when[32];

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	return op_req_printf(r, "%s%sopenpanel/%s/%s-%s.%s.gz%s", prefix,
	    *prefix && prefix[strlen(prefix) - 1] != '/' ? "/" : "", team_id,
	    when, backup_id, ext, encrypted ? ".enc" : "");
}

/* Bytes from the engine into the codec, the lease kept alive. */
static enum op_err
to_codec(void *arg, const void *data, size_t len)
{
	struct run	*x = arg;
	enum op_err	 er;

	if ((er = job_heartbeat(x->r->db, x->j)) != OP_OK)
		return er;
	return codec_write(x->codec, data, len);
}

/* The writer made an S3 upload: remember it, so that a run after a
 * crash can abort it. */
static enum op_err
on_upload(void *arg, const char *upload_id)
{
	struct run	*x = arg;
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(x->r->db, &res, "UPDATE backups.backups SET"
	    " upload_id = $3 WHERE id = $1 AND lease_token = $2", x->j->id,
	    x->j->token, upload_id)) != OP_OK)
		return er;
	if (strcmp(PQcmdTuples(res), "1") != 0)
		er = OP_ECONFLICT;
	PQclear(res);
	return er;
}

/* Stream the source of the backup in row into x->codec. *why on failure. */
static enum op_err
dump(struct run *x, struct op_docker *d, const char **why)
{
	struct op_req		*r = x->r;
	PGresult		*row = x->j->row, *src = NULL;
	const struct db_tool	*tool;
	struct op_buf		 errlog;
	json_t			*argv = NULL;
	enum op_err		 er;
	int			 code = -1;

	op_buf_init(&errlog, 2048);
	if (strcmp(op_db_get(row, 0, "kind"), "panel") == 0)
		er = panel_dump(r, x->j, strcmp(op_db_get(row, 0, "encrypted"),
		    "t") == 0, to_codec, x, why);
	else if (strcmp(op_db_get(row, 0, "kind"), "database") == 0) {
		if ((er = op_db_execv(r->db, &src, "SELECT engine, db_name,"
		    " username, docker_id FROM projects.databases_v WHERE"
		    " container_id = $1 AND team_id = $2",
		    op_db_get(row, 0, "container_id"),
		    op_db_get(row, 0, "team_id"))) != OP_OK)
			goto out;
		if (PQntuples(src) != 1 || op_db_get(src, 0, "docker_id") ==
		    NULL || (tool = db_tool_find(op_db_get(src, 0, "engine"))) ==
		    NULL) {
			*why = "the database container no longer exists";
			er = OP_ENOTFOUND;
			goto out;
		}
		argv = db_tool_argv(tool->dump, op_db_get(src, 0, "username"),
		    op_db_get(src, 0, "db_name"));
		job_log(x->j, "dumping the %s database %s",
		    tool->engine, op_db_get(src, 0, "db_name"));
		er = engine_exec_out(d, op_db_get(src, 0, "docker_id"), argv,
		    to_codec, x, &errlog, &code);
		if (er == OP_OK && code != 0) {
			job_log(x->j, "the dump exited with %d: %.300s", code,
			    errlog.data ? errlog.data : "");
			*why = "the dump command failed";
			er = OP_EUNAVAIL;
		}
	} else {
		if ((er = op_db_execv(r->db, &src, "SELECT docker_id, path FROM"
		    " projects.volumes_v WHERE container_id = $1 AND"
		    " team_id = $2 AND name = $3",
		    op_db_get(row, 0, "container_id"),
		    op_db_get(row, 0, "team_id"),
		    op_db_get(row, 0, "volume"))) != OP_OK)
			goto out;
		if (PQntuples(src) != 1 || op_db_get(src, 0, "docker_id") ==
		    NULL) {
			*why = "the container or its volume no longer exists";
			er = OP_ENOTFOUND;
			goto out;
		}
		job_log(x->j, "archiving the volume %s (%s)",
		    op_db_get(row, 0, "volume"), op_db_get(src, 0, "path"));
		er = engine_archive_get(d, op_db_get(src, 0, "docker_id"),
		    op_req_urlencode(r, op_db_get(src, 0, "path")), to_codec,
		    x);
	}
	if (er == OP_ECONFLICT)
		*why = "the lease was lost to another worker";
	else if (er != OP_OK && *why == NULL)
		*why = "the Docker engine did not stream the data";
out:
	json_decref(argv);
	op_buf_clear(&errlog);
	PQclear(src);
	return er;
}

/* Mark the backup completed (only under our lease) and say so. */
static enum op_err
complete(struct run *x, const char *key, const char *sha, uint64_t size)
{
	struct op_req	*r = x->r;
	PGresult	*res = NULL;
	char		 bytes[32];
	enum op_err	 er;

	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)size);
	job_log(x->j, "stored %s bytes, sha256 %s", bytes, sha);
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "UPDATE backups.backups SET"
	    " status = 'completed', object_key = $3, checksum = $4,"
	    " size = $5::bigint, upload_id = NULL, lease_token = NULL,"
	    " lease_until = NULL, log = $6, finished_at = now(),"
	    " duration_ms = (extract(epoch FROM now() - started_at) * 1000)"
	    "::bigint WHERE id = $1 AND lease_token = $2 RETURNING team_id",
	    x->j->id, x->j->token, key, sha, bytes, x->j->log.data)) != OP_OK)
		goto out;
	if (PQntuples(res) != 1) {
		er = OP_ECONFLICT;
		goto out;
	}
	if ((er = op_event_emit(r, "backup.completed", PQgetvalue(res, 0, 0),
	    "backup", x->j->id, json_pack("{s:s, s:s, s:I}", "kind",
	    op_db_get(x->j->row, 0, "kind"), "checksum", sha, "size",
	    (json_int_t)size))) != OP_OK)
		goto out;
	er = op_db_commit(r->db);
out:
	op_db_rollback(r->db);
	PQclear(res);
	return er;
}

/* Remove what an attempt left in t under key: its multipart upload
 * (upload_id, or NULL), its partial file, or its archive stored whole. */
static enum op_err
leftovers_remove(struct target *t, const char *key, const char *upload_id)
{
	enum op_err	er;

	if ((er = target_abort_upload(t, key, upload_id)) != OP_OK)
		return er;
	return target_delete(t, key);
}

/*
 * A failed backup owns no archive: what its last attempt left in its
 * storage (an upload or a partial file, when its worker died on its last
 * attempt and the lease sweep failed it) is removed, then the row's
 * object_key forgotten. A storage target that is gone leaves nothing to
 * remove; one that refuses is tried again LEFTOVERS_RETRY_S later (a
 * failed row's run_after says when).
 */
enum op_err
backup_leftovers_sweep(struct op_req *r)
{
	PGresult	*res = NULL;
	struct target	 t;
	enum op_err	 er;
	int		 i, gone;

	if ((er = op_db_exec(r->db, &res, "SELECT id, storage_id, object_key,"
	    " upload_id FROM backups.backups WHERE status = 'failed' AND"
	    " object_key IS NOT NULL AND run_after <= now()"
	    " ORDER BY run_after LIMIT 20", 0, NULL)) != OP_OK)
		return er;
	for (i = 0; i < PQntuples(res); i++) {
		memset(&t, 0, sizeof(t));
		er = op_db_get(res, i, "storage_id") == NULL ? OP_ENOTFOUND :
		    target_load(r->db, op_db_get(res, i, "storage_id"), &t);
		gone = er == OP_ENOTFOUND;
		if (!gone && (er != OP_OK || leftovers_remove(&t,
		    op_db_get(res, i, "object_key"), op_db_get(res, i,
		    "upload_id")) != OP_OK)) {
			op_warn("backup %s: cannot remove what its last attempt"
			    " left yet; trying again in %d s", op_db_get(res, i,
			    "id"), LEFTOVERS_RETRY_S);
			(void)op_db_execv(r->db, NULL, "UPDATE backups.backups"
			    " SET run_after = now() + make_interval(secs =>"
			    " $2::int) WHERE id = $1", op_db_get(res, i, "id"),
			    op_req_printf(r, "%d", LEFTOVERS_RETRY_S));
			target_clear(&t);
			continue;
		}
		target_clear(&t);
		(void)op_db_execv(r->db, NULL, "UPDATE backups.backups SET"
		    " object_key = NULL, upload_id = NULL WHERE id = $1 AND"
		    " status = 'failed'", op_db_get(res, i, "id"));
	}
	PQclear(res);
	return OP_OK;
}

/* Record a failure; a final one is reported with backup.failed. */
static void
fail(struct run *x, const char *why, int permanent)
{
	job_failed(x->r, x->j, why, permanent, "backup.failed",
	    json_pack("{s:s, s:i}", "kind", op_db_get(x->j->row, 0, "kind"),
	    "attempts", x->j->attempts));
}

enum op_err
backup_run(struct op_req *r, struct op_docker *d, struct job *j)
{
	struct run		 x = { r, j, NULL, NULL };
	struct target		 t;
	PGresult		*row = j->row;
	const struct db_tool	*tool;
	const char		*why = NULL, *ext;
	char			*key, sha[65];
	uint64_t		 size = 0;
	int			 encrypt, permanent = 0;
	enum op_err		 er;

	memset(&t, 0, sizeof(t));
	encrypt = strcmp(op_db_get(row, 0, "encrypted"), "t") == 0;
	job_log(j, "attempt %d of %d", j->attempts, j->max_attempts);
	if (op_db_get(row, 0, "storage_id") == NULL ||
	    (er = target_load(r->db, op_db_get(row, 0, "storage_id"), &t)) !=
	    OP_OK) {
		fail(&x, "its storage target is gone", 1);
		return OP_OK;
	}
	/* What a crashed attempt left behind (an S3 upload, a local
	 * partial file, or an archive stored whole that it died before
	 * recording) is removed first: no row will ever name it. */
	if (op_db_get(row, 0, "object_key") != NULL) {
		job_log(j, "removing what an interrupted attempt left");
		(void)leftovers_remove(&t, op_db_get(row, 0, "object_key"),
		    op_db_get(row, 0, "upload_id"));
	}
	tool = db_tool_find(op_db_get(row, 0, "engine"));
	ext = strcmp(op_db_get(row, 0, "kind"), "volume") == 0 ? "tar" :
	    strcmp(op_db_get(row, 0, "kind"), "panel") == 0 ? "panel" :
	    tool != NULL ? tool->ext : "dump";
	key = backup_object_key(r, &t, op_db_get(row, 0, "team_id"), j->id,
	    ext, encrypt);
	if ((er = op_db_execv(r->db, NULL, "UPDATE backups.backups SET"
	    " object_key = $3, upload_id = NULL WHERE id = $1 AND"
	    " lease_token = $2", j->id, j->token, key)) != OP_OK ||
	    (er = target_writer_open(&t, key, on_upload, &x, &x.w)) != OP_OK) {
		why = "the storage target refused the upload";
		goto out;
	}
	if ((er = codec_enc_new(encrypt, target_writer_write, x.w,
	    &x.codec)) != OP_OK) {
		why = "cannot start the archive";
		goto out;
	}
	if ((er = dump(&x, d, &why)) != OP_OK) {
		permanent = er == OP_ENOTFOUND;
		goto out;
	}
	if ((er = codec_finish(x.codec, sha, &size)) != OP_OK) {
		why = "the storage target refused part of the upload";
		goto out;
	}
	er = target_writer_close(x.w, 1);
	x.w = NULL;
	if (er != OP_OK) {
		why = "the storage target refused to complete the upload";
		goto out;
	}
	if ((er = complete(&x, key, sha, size)) != OP_OK) {
		(void)target_delete(&t, key);	/* nobody will own it */
		why = "the lease was lost before it completed";
	}
out:
	codec_free(x.codec);
	(void)target_writer_close(x.w, 0);	/* aborts the upload */
	if (why != NULL)
		fail(&x, why, permanent);
	else if (op_db_get(row, 0, "schedule_id") != NULL)
		(void)retention_apply(r, op_db_get(row, 0, "schedule_id"));
	target_clear(&t);
	return OP_OK;
}
