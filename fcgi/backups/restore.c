/*
 * restore.c — one restore job. Before it touches anything it reads the
 * whole archive once: the SHA-256 of the stored bytes must be the one
 * recorded when the backup completed, the encryption tag and the gzip
 * stream must check, and for a volume every tar entry must stay inside
 * the volume. Only then does a second read stream it into the database
 * (its restore command through Docker exec) or the volume (a tar the
 * engine extracts).
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "backups.h"

struct restore {
	struct op_req		*r;
	struct job		*j;
	struct hasher		*hash;
	struct codec		*codec;
	struct tarcheck		*tar;
	enum op_err		 dec_er;	/* pass 1: the first decode error */
	const char		*into;		/* the container restored into */
};

static enum op_err
to_nothing(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	(void)len;
	return OP_OK;
}

/* Pass 1: stored bytes into the hash and, until it fails, the decoder:
 * the whole archive is hashed, so a damaged one is named by its
 * checksum first. */
static enum op_err
verify_sink(void *arg, const void *data, size_t len)
{
	struct restore	*x = arg;
	enum op_err	 er;

	if ((er = job_heartbeat(x->r->db, x->j)) != OP_OK ||
	    (er = hasher_write(x->hash, data, len)) != OP_OK)
		return er;
	if (x->dec_er == OP_OK)
		x->dec_er = codec_write(x->codec, data, len);
	return x->dec_er == OP_ENOMEM ? OP_ENOMEM : OP_OK;
}

/* Pass 2: stored bytes into the decoder, the lease kept. */
static enum op_err
restore_sink(void *arg, const void *data, size_t len)
{
	struct restore	*x = arg;
	enum op_err	 er;

	if ((er = job_heartbeat(x->r->db, x->j)) != OP_OK)
		return er;
	return codec_write(x->codec, data, len);
}

/* Read the archive once and check it whole. *why when it does not. */
static enum op_err
verify(struct restore *x, struct target *t, PGresult *b, const char *root,
    const char **why)
{
	const char	*key = op_db_get(b, 0, "object_key");
	char		 sha[65], dsha[65];
	uint64_t	 size = 0, dsize = 0;
	int		 encrypted = strcmp(op_db_get(b, 0, "encrypted"), "t") == 0;
	enum op_err	 er;

	x->hash = NULL;
	x->codec = NULL;
	x->tar = NULL;
	x->dec_er = OP_OK;
	if ((er = hasher_new(&x->hash)) != OP_OK)
		return er;
	if (root != NULL)
		er = tarcheck_new(root, to_nothing, NULL, &x->tar);
	if (er == OP_OK)
		er = codec_dec_new(encrypted, x->tar ? tarcheck_write :
		    to_nothing, x->tar, &x->codec);
	if (er == OP_OK)
		er = target_read(t, key, verify_sink, x);
	if (er == OP_ENOTFOUND)
		*why = "the archive is missing from its storage target";
	hasher_end(x->hash, sha, &size);
	x->hash = NULL;
	if (er == OP_OK && strcmp(sha, op_db_get(b, 0, "checksum")) != 0) {
		*why = "the archive's checksum does not match: refused";
		er = OP_EINVAL;
	}
	if (er == OP_OK && x->tar != NULL && x->dec_er == OP_EINVAL &&
	    tarcheck_finish(x->tar, why) != OP_OK)
		er = OP_EINVAL;		/* an entry outside the target */
	else if (er == OP_OK && (x->dec_er != OP_OK ||
	    codec_finish(x->codec, dsha, &dsize) != OP_OK)) {
		*why = "the archive is damaged (or sealed under another key)";
		er = OP_EINVAL;
	}
	if (er == OP_OK && x->tar != NULL &&
	    tarcheck_finish(x->tar, why) != OP_OK)
		er = OP_EINVAL;
	if (er == OP_OK)
		job_log(x->j, "checked %llu bytes: sha256 %s",
		    (unsigned long long)size, sha);
	codec_free(x->codec);
	tarcheck_free(x->tar);
	x->codec = NULL;
	x->tar = NULL;
	return er;
}

/* Pass 2 into pipe p (through a tar check when root is set). */
static enum op_err
stream(struct restore *x, struct target *t, PGresult *b, const char *root,
    struct engine_pipe *p)
{
	char		 sha[65];
	uint64_t	 size;
	const char	*why;
	enum op_err	 er = OP_OK;

	if (root != NULL)
		er = tarcheck_new(root, engine_pipe_write, p, &x->tar);
	if (er == OP_OK)
		er = codec_dec_new(strcmp(op_db_get(b, 0, "encrypted"), "t") ==
		    0, x->tar ? tarcheck_write : engine_pipe_write,
		    x->tar ? (void *)x->tar : (void *)p, &x->codec);
	if (er == OP_OK)
		er = target_read(t, op_db_get(b, 0, "object_key"),
		    restore_sink, x);
	if (er == OP_OK)
		er = codec_finish(x->codec, sha, &size);
	if (er == OP_OK && x->tar != NULL)
		er = tarcheck_finish(x->tar, &why);
	codec_free(x->codec);
	tarcheck_free(x->tar);
	x->codec = NULL;
	x->tar = NULL;
	return er;
}

static enum op_err
complete(struct restore *x, PGresult *b)
{
	struct op_req	*r = x->r;
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "UPDATE backups.restores SET"
	    " status = 'completed', lease_token = NULL, lease_until = NULL,"
	    " log = $3, finished_at = now(), duration_ms = (extract(epoch"
	    " FROM now() - started_at) * 1000)::bigint WHERE id = $1 AND"
	    " lease_token = $2", x->j->id, x->j->token, x->j->log.data)) !=
	    OP_OK)
		goto out;
	if (strcmp(PQcmdTuples(res), "1") != 0) {
		er = OP_ECONFLICT;
		goto out;
	}
	if ((er = op_event_emit(r, "restore.completed", op_db_get(x->j->row,
	    0, "team_id"), "restore", x->j->id, json_pack("{s:s, s:s, s:s}",
	    "backup_id", op_db_get(x->j->row, 0, "backup_id"), "container_id",
	    x->into, "kind",
	    op_db_get(b, 0, "kind")))) != OP_OK)
		goto out;
	er = op_db_commit(r->db);
out:
	op_db_rollback(r->db);
	PQclear(res);
	return er;
}

static void
fail(struct restore *x, const char *why, int permanent)
{
	job_failed(x->r, x->j, why, permanent, "restore.failed",
	    json_pack("{s:s}", "backup_id", op_db_get(x->j->row, 0,
	    "backup_id")));
}

/* Make the new database to restore into (through op-projects), note it
 * in the restore's row at once (a retry finds it), and wait until it is
 * healthy. */
static enum op_err
new_container(struct restore *x, const char **why)
{
	struct op_req	*r = x->r;
	PGresult	*res = NULL;
	const char	*name = op_db_get(x->j->row, 0, "new_container_name");
	enum op_err	 er;

	if (x->into != NULL)	/* made by an earlier attempt */
		return scratch_wait_ready(r, x->j, x->into, why);
	if ((er = scratch_create(r, op_db_get(x->j->row, 0,
	    "source_container_id"), name, &x->into, why)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "UPDATE backups.restores SET"
	    " container_id = $3 WHERE id = $1 AND lease_token = $2",
	    x->j->id, x->j->token, x->into)) != OP_OK)
		return er;
	if (strcmp(PQcmdTuples(res), "1") != 0)
		er = OP_ECONFLICT;
	PQclear(res);
	if (er != OP_OK) {
		*why = "the lease was lost to another worker";
		return er;
	}
	job_log(x->j, "made the database container %s (%s); waiting until "
	    "it is healthy", name, x->into);
	return scratch_wait_ready(r, x->j, x->into, why);
}

/* Open the way in: the restore command of the database, or a tar put
 * at the parent of the volume's mount (*root its last component). */
static enum op_err
open_target(struct restore *x, struct op_docker *d, PGresult *b,
    const char **root, struct engine_pipe **p, const char **why)
{
	struct op_req		*r = x->r;
	const struct db_tool	*tool;
	PGresult		*res = NULL;
	json_t			*argv;
	char			*dir, *base;
	enum op_err		 er;

	*root = NULL;
	if (strcmp(op_db_get(b, 0, "kind"), "database") == 0) {
		if ((er = op_db_execv(r->db, &res, "SELECT engine, db_name,"
		    " username, docker_id FROM projects.databases_v WHERE"
		    " container_id = $1 AND team_id = $2", x->into,
		    op_db_get(x->j->row, 0, "team_id"))) != OP_OK)
			return er;
		tool = PQntuples(res) == 1 ?
		    db_tool_find(op_db_get(res, 0, "engine")) : NULL;
		if (tool == NULL || op_db_get(res, 0, "docker_id") == NULL ||
		    strcmp(tool->engine, op_db_get(b, 0, "engine")) != 0 ||
		    tool->restore[0] == NULL) {
			*why = "the target is not a database of the backup's "
			    "engine that can be restored";
			PQclear(res);
			return OP_ENOTFOUND;
		}
		job_log(x->j, "restoring into the %s database %s",
		    tool->engine, op_db_get(res, 0, "db_name"));
		argv = db_tool_argv(tool->restore, op_db_get(res, 0,
		    "username"), op_db_get(res, 0, "db_name"));
		er = argv == NULL ? OP_ENOMEM : engine_exec_in(op_db_get(res,
		    0, "docker_id"), argv, d, p);
		json_decref(argv);
		PQclear(res);
		return er;
	}
	if ((er = op_db_execv(r->db, &res, "SELECT docker_id, path FROM"
	    " projects.volumes_v WHERE container_id = $1 AND team_id = $2"
	    " AND name = $3", x->into, op_db_get(x->j->row, 0, "team_id"),
	    op_db_get(b, 0, "volume"))) != OP_OK)
		return er;
	if (PQntuples(res) != 1 || op_db_get(res, 0, "docker_id") == NULL) {
		*why = "the target container has no such volume";
		PQclear(res);
		return OP_ENOTFOUND;
	}
	dir = op_req_strdup(r, op_db_get(res, 0, "path"));
	base = op_req_strdup(r, op_db_get(res, 0, "path"));
	if (dir == NULL || base == NULL) {
		PQclear(res);
		return OP_ENOMEM;
	}
	*root = op_req_strdup(r, basename(base));
	job_log(x->j, "restoring the volume %s into %s",
	    op_db_get(b, 0, "volume"), op_db_get(res, 0, "path"));
	er = engine_archive_put(op_db_get(res, 0, "docker_id"),
	    op_req_urlencode(r, dirname(dir)), p);
	PQclear(res);
	return er;
}

enum op_err
restore_run(struct op_req *r, struct op_docker *d, struct job *j)
{
	struct restore		 x = { r, j, NULL, NULL, NULL, OP_OK,
				     op_db_get(j->row, 0, "container_id") };
	struct engine_pipe	*p = NULL;
	struct target		 t;
	struct op_buf		 out;
	PGresult		*b = NULL;
	const char		*why = NULL, *root = NULL;
	int			 code = -1, permanent = 1;
	int			 drill = strcmp(op_db_get(j->row, 0, "drill"),
				     "t") == 0;
	enum op_err		 er;

	memset(&t, 0, sizeof(t));
	op_buf_init(&out, 1024);
	job_log(j, "attempt %d of %d", j->attempts, j->max_attempts);
	if ((er = op_db_execv(r->db, &b, "SELECT kind, engine, volume,"
	    " storage_id, object_key, checksum, encrypted, status FROM"
	    " backups.backups WHERE id = $1",
	    op_db_get(j->row, 0, "backup_id"))) != OP_OK) {
		why = "the database is away";
		permanent = 0;
		goto out;
	}
	if (PQntuples(b) != 1 || strcmp(op_db_get(b, 0, "status"),
	    "completed") != 0 || op_db_get(b, 0, "storage_id") == NULL ||
	    target_load(r->db, op_db_get(b, 0, "storage_id"), &t) != OP_OK) {
		why = "the backup or its storage target is gone";
		goto out;
	}
	/* Where it goes, for the tar check's root, before any byte moves. */
	if (strcmp(op_db_get(b, 0, "kind"), "volume") == 0) {
		PGresult	*v = NULL;
		char		*base;

		if ((er = op_db_execv(r->db, &v, "SELECT path FROM"
		    " projects.volumes_v WHERE container_id = $1 AND"
		    " team_id = $2 AND name = $3", x.into,
		    op_db_get(j->row, 0, "team_id"),
		    op_db_get(b, 0, "volume"))) == OP_OK && PQntuples(v) == 1 &&
		    (base = op_req_strdup(r, op_db_get(v, 0, "path"))) != NULL)
			root = op_req_strdup(r, basename(base));
		PQclear(v);
		if (root == NULL) {
			why = "the target container has no such volume";
			goto out;
		}
	}
	if ((er = verify(&x, &t, b, root, &why)) != OP_OK) {
		permanent = er == OP_EINVAL || er == OP_ENOTFOUND;
		if (why == NULL)
			why = "the archive could not be read";
		goto out;
	}
	if (strcmp(op_db_get(j->row, 0, "new_container"), "t") == 0 &&
	    (er = new_container(&x, &why)) != OP_OK) {
		permanent = er == OP_ENOTFOUND || er == OP_ECONFLICT;
		goto out;
	}
	if ((er = open_target(&x, d, b, &root, &p, &why)) != OP_OK) {
		permanent = er == OP_ENOTFOUND;
		if (why == NULL)
			why = "the Docker engine did not take the restore";
		goto out;
	}
	er = stream(&x, &t, b, root, p);
	if (engine_pipe_close(p, &out, &code) != OP_OK && er == OP_OK)
		er = OP_EUNAVAIL;
	p = NULL;
	if (er == OP_OK && code != 0) {
		job_log(j, "the restore exited with %d: %.300s", code,
		    out.data ? out.data : "");
		why = "the restore command failed";
		permanent = 0;
		goto out;
	}
	if (er != OP_OK) {
		why = "the restore stream was interrupted";
		permanent = 0;
		goto out;
	}
	job_log(j, "restored");
	if (complete(&x, b) != OP_OK)
		op_warn("restore %s: lost its lease at the end", j->id);
	else if (drill)
		drill_finish(r, d, j, x.into, op_db_get(b, 0, "engine"), NULL);
out:
	if (p != NULL)
		(void)engine_pipe_close(p, NULL, &code);
	if (why != NULL)
		fail(&x, why, permanent || drill);	/* a drill is not retried */
	if (why != NULL && drill)
		drill_finish(r, d, j, x.into, NULL, why);
	op_buf_clear(&out);
	target_clear(&t);
	PQclear(b);
	return OP_OK;
}
