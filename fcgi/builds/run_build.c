/*
 * run_build.c — one claimed build from start to end: fetch the commit,
 * build the image, and record the outcome (queueing the deployment when
 * the build asked for one) in one transaction that first checks the
 * lease is still ours.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builds.h"

/* The row, as the run needs it (arena strings). */
struct build_row {
	const char	*project_id;
	const char	*team_id;
	const char	*git_url;
	const char	*git_ref;
	const char	*dockerfile;
	const char	*context;
	json_t		*build_args;	/* owned by the request */
	int		 deploy;
	long long	 attempts;
	const char	*token;		/* plain, when the source has one */
	const char	*ssh_key;
};

static const char *
dup_or_null(struct op_req *r, const PGresult *res, const char *col)
{
	const char	*v = op_db_get(res, 0, col);

	return v != NULL ? op_req_strdup(r, v) : NULL;
}

/* A sealed credential, opened into the arena (NULL when unset). */
static const char *
unsealed(struct op_req *r, const char *sealed)
{
	unsigned char	*plain;
	size_t		 len;
	char		*copy;

	if (sealed == NULL || op_secret_open(sealed, &plain, &len) != OP_OK)
		return NULL;
	copy = op_req_strdup(r, (char *)plain);
	op_wipe(plain, len);
	free(plain);
	return copy;
}

static enum op_err
load(struct op_req *r, const char *id, struct build_row *b)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT b.project_id, b.team_id,"
	    " b.git_url, b.git_ref, b.dockerfile, b.context, b.build_args,"
	    " b.deploy, b.attempts, b.request_id, s.token, s.deploy_key"
	    " FROM builds.builds b LEFT JOIN builds.sources s ON"
	    " s.project_id = b.project_id AND s.git_url = b.git_url"
	    " WHERE b.id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	b->project_id = dup_or_null(r, res, "project_id");
	b->team_id = dup_or_null(r, res, "team_id");
	b->git_url = dup_or_null(r, res, "git_url");
	b->git_ref = dup_or_null(r, res, "git_ref");
	b->dockerfile = dup_or_null(r, res, "dockerfile");
	b->context = dup_or_null(r, res, "context");
	b->build_args = json_loads(op_db_get(res, 0, "build_args"), 0, NULL);
	op_req_own_json(r, b->build_args);
	b->deploy = strcmp(op_db_get(res, 0, "deploy"), "t") == 0;
	(void)op_strtonum(op_db_get(res, 0, "attempts"), 0, 1000000,
	    &b->attempts);
	r->request_id = dup_or_null(r, res, "request_id");
	/* The source's credentials go only to the source's own URL. */
	b->token = unsealed(r, op_db_get(res, 0, "token"));
	b->ssh_key = unsealed(r, op_db_get(res, 0, "deploy_key"));
	PQclear(res);
	return OP_OK;
}

/* Remove a directory tree of ours (a path the worker made, no input). */
static void
remove_tree(const char *dir)
{
	const char		*argv[] = { "/bin/rm", "-rf", "--", dir, NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 60000;
	x.out_max = 1024;
	if (op_exec_run(&x, &res) == OP_OK)
		op_buf_clear(&res.out);
}

/* A fresh, private work directory for the build. */
static const char *
workdir(struct op_req *r, const char *id)
{
	const char	*root = op_config_get("OP_BUILDS_DIR",
	    "/var/lib/openpanel/builds");
	const char	*dir = op_req_printf(r, "%s/%s", root, id);

	remove_tree(dir);	/* what an earlier attempt left */
	if (mkdir(root, 0700) != 0 && errno != EEXIST)
		return NULL;
	return mkdir(dir, 0700) == 0 ? dir : NULL;
}

static enum op_err
started(struct op_req *r, struct job *j, const struct build_row *b)
{
	enum op_err	er;

	if ((er = job_owned(r, j)) != OP_OK ||
	    (er = op_event_emit(r, "build.started", b->team_id, "build", j->id,
	    json_pack("{s:s, s:s, s:s, s:i}", "project_id", b->project_id,
	    "git_url", b->git_url, "git_ref", b->git_ref, "attempt",
	    (int)b->attempts))) != OP_OK)
		return er;
	return op_db_commit(r->db);
}

/* The end of a build that did not succeed: failed, or cancelled. */
static void
finish_failed(struct op_req *r, struct job *j, const struct build_row *b,
    const char *why)
{
	int	cancelled = j->cancel || strcmp(why, "cancelled") == 0;

	(void)buildlog_printf(r, j->id, "%s: %s", cancelled ? "cancelled" :
	    "failed", why);
	if (job_owned(r, j) != OP_OK ||
	    op_db_execv(r->db, NULL, "UPDATE builds.builds SET status = $2,"
	    " error = $3, finished_at = now(), lease_owner = NULL"
	    " WHERE id = $1", j->id, cancelled ? "cancelled" : "failed",
	    why) != OP_OK ||
	    op_event_emit(r, "build.failed", b->team_id, "build", j->id,
	    json_pack("{s:s, s:s, s:b}", "project_id", b->project_id,
	    "error", why, "cancelled", cancelled)) != OP_OK ||
	    op_db_commit(r->db) != OP_OK)
		op_db_rollback(r->db);
}

static void
finish_succeeded(struct op_req *r, struct job *j, const struct build_row *b,
    const char *commit, const char *tag, const char *image_id)
{
	struct deploy_input	 d = { b->project_id, b->team_id, j->id, tag,
	    "deploy", NULL };
	char			 deployment[37];

	(void)buildlog_printf(r, j->id, "built %s (%.19s)", tag, image_id);
	if (job_owned(r, j) != OP_OK ||
	    op_db_execv(r->db, NULL, "UPDATE builds.builds SET status ="
	    " 'succeeded', commit = $2, image = $3, image_id = $4,"
	    " finished_at = now(), lease_owner = NULL WHERE id = $1", j->id,
	    commit, tag, image_id) != OP_OK ||
	    op_event_emit(r, "build.completed", b->team_id, "build", j->id,
	    json_pack("{s:s, s:s, s:s}", "project_id", b->project_id,
	    "commit", commit, "image", tag)) != OP_OK ||
	    (b->deploy && deploy_enqueue(r, &d, deployment) != OP_OK) ||
	    op_db_commit(r->db) != OP_OK) {
		op_db_rollback(r->db);
		return;
	}
	image_prune(r, b->project_id, (int)op_config_int(
	    "OP_BUILD_KEEP_IMAGES", 5, 1, 1000));
}

void
build_run(struct op_req *r, struct job *j)
{
	struct build_row	 b;
	struct git_source	 src;
	const char		*dir, *why = NULL, *tag;
	char			 commit[65], image_id[80];
	enum op_err		 er;

	memset(&b, 0, sizeof(b));
	if (load(r, j->id, &b) != OP_OK || started(r, j, &b) != OP_OK) {
		op_db_rollback(r->db);
		return;
	}
	if ((dir = workdir(r, j->id)) == NULL) {
		(void)job_retry(r, j, "no work directory (OP_BUILDS_DIR)");
		return;
	}
	src = (struct git_source){ b.git_url, b.git_ref, b.context, b.token,
	    b.ssh_key, op_req_printf(r, "%s/known_hosts-%s", op_config_get(
	    "OP_BUILDS_DIR", "/var/lib/openpanel/builds"), b.project_id) };
	er = git_fetch(r, j->id, dir, &src, commit, &why);
	if (er == OP_OK) {
		(void)op_db_execv(r->db, NULL, "UPDATE builds.builds SET"
		    " commit = $2 WHERE id = $1", j->id, commit);
		tag = op_req_printf(r, "op-%s:%.12s-%.8s", b.project_id, commit,
		    j->id);
		er = image_build(r, j, dir, b.dockerfile, b.build_args, tag,
		    image_id, &why);
	}
	remove_tree(dir);
	if (er == OP_OK)
		finish_succeeded(r, j, &b, commit, tag, image_id);
	else if (job_abandoned(j))
		op_info("build %s: left to its lease", j->id);
	else if (why == NULL)
		(void)job_retry(r, j, "the engine or the database is away");
	else
		finish_failed(r, j, &b, why);
}
