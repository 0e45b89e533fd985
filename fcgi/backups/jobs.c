/*
 * jobs.c — backups and restores as jobs (DESIGN.md §4): a worker claims
 * a due row with FOR UPDATE SKIP LOCKED and holds it under a lease that
 * its heartbeats extend; a lease that expires (the worker died) makes the
 * row claimable again, and a failure is retried with backoff until its
 * attempts run out. Only the holder of the current lease may finish it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backups.h"

#define SQL_MAX		1024

/* Due again under a lapsed lease only with attempts left; the sweep
 * fails the others for good. */
#define QUEUE(name) {							\
	.table = "backups." name,					\
	.holder = "lease_token",					\
	.order = "run_after, created_at",				\
	.lapsed = "attempts < max_attempts",				\
	.claimed = "error = NULL",					\
	.claim_returns = "t.*, t.attempts::text AS n,"			\
	    " t.max_attempts::text AS m",				\
	.renewed = "log = $4",						\
	.requeued = "error = $4, log = $5, lease_until = NULL,"	\
	    " finished_at = NULL, duration_ms = NULL",			\
}

static const struct op_job_queue backups_queue = QUEUE("backups");
static const struct op_job_queue restores_queue = QUEUE("restores");

static const struct op_job_queue *
queue_of(const struct job *j)
{
	return strcmp(j->table, "backups") == 0 ? &backups_queue :
	    &restores_queue;
}

int
job_lease_s(void)
{
	return (int)op_config_int("OP_BACKUP_LEASE_S", 60, 5, 3600);
}

/* Backoff: 5 s, 20 s, 80 s, … capped at an hour. */
static long long
backoff_s(const struct job *j)
{
	return op_job_backoff_s(j->attempts, 5, 4, 3600);
}

enum op_err
job_claim(struct op_db *db, const char *table, struct job *j)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	memset(j, 0, sizeof(*j));
	j->table = table;
	op_buf_init(&j->log, LOG_MAX);
	if ((er = op_random_token(j->token, sizeof(j->token), 24)) != OP_OK ||
	    (er = op_job_claim(db, queue_of(j), j->token, job_lease_s(), 0,
	    NULL, &res)) != OP_OK)
		return er;
	j->row = res;
	snprintf(j->id, sizeof(j->id), "%s", op_db_get(res, 0, "id"));
	j->attempts = (int)strtol(op_db_get(res, 0, "n"), NULL, 10);
	j->max_attempts = (int)strtol(op_db_get(res, 0, "m"), NULL, 10);
	j->last_beat = op_mono_ms() / 1000;
	return OP_OK;
}

enum op_err
job_heartbeat(struct op_db *db, struct job *j)
{
	const char	*log[1] = { j->log.data ? j->log.data : "" };
	enum op_err	 er;

	if (j->lost)
		return OP_ECONFLICT;
	if (op_mono_ms() / 1000 - j->last_beat < job_lease_s() / 4 + 1)
		return OP_OK;
	er = op_job_renew(db, queue_of(j), j->id, j->token, job_lease_s(), 1,
	    log, NULL);
	if (er == OP_ECONFLICT)
		j->lost = 1;
	else if (er != OP_OK)
		return OP_OK;	/* the database is away: try again later */
	j->last_beat = op_mono_ms() / 1000;
	return j->lost ? OP_ECONFLICT : OP_OK;
}

void
job_log(struct job *j, const char *fmt, ...)
{
	char		line[512], when[32];
	struct tm	tm;
	time_t		now = time(NULL);
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (j->log.len + strlen(line) + 40 < j->log.max)
		(void)op_buf_addf(&j->log, "%s %s\n", when, line);
}

/* Fail j for good after why: OP_ECONFLICT when its lease was lost. */
static enum op_err
fail_for_good(struct op_req *r, struct job *j, const char *why)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;

	snprintf(sql, sizeof(sql), "UPDATE backups.%s SET status = 'failed',"
	    " error = $3, log = $4, lease_token = NULL, lease_until = NULL,"
	    " run_after = now() + make_interval(secs => $5::int),"
	    " finished_at = now(), duration_ms = (extract(epoch FROM"
	    "  now() - started_at) * 1000)::bigint"
	    " WHERE id = $1 AND lease_token = $2", j->table);
	er = op_db_execv(r->db, &res, sql, j->id, j->token, why,
	    j->log.data ? j->log.data : "", op_req_printf(r, "%lld",
	    backoff_s(j)));
	if (er == OP_OK && strcmp(PQcmdTuples(res), "1") != 0)
		er = OP_ECONFLICT;
	PQclear(res);
	return er;
}

enum op_err
job_fail(struct op_req *r, struct job *j, const char *why, int permanent,
    int *final)
{
	const char	*set[2];
	enum op_err	 er;

	*final = permanent || j->attempts >= j->max_attempts;
	job_log(j, "%s%s", why, *final ? "" : "; will try again");
	if (*final)
		er = fail_for_good(r, j, why);
	else {
		set[0] = why;
		set[1] = j->log.data ? j->log.data : "";
		er = op_job_requeue(r->db, queue_of(j), j->id, j->token,
		    (int)backoff_s(j), 2, set);
	}
	if (er == OP_ECONFLICT)
		*final = 0;	/* another worker holds it now */
	return er;
}

enum op_err
job_sweep(struct op_req *r, const char *table, const char *event)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	snprintf(sql, sizeof(sql), "UPDATE backups.%s SET status = 'failed',"
	    " error = 'the worker running it stopped answering, and no"
	    " attempt is left', lease_token = NULL, finished_at = now()"
	    " WHERE status = 'running' AND lease_until < now()"
	    " AND attempts >= max_attempts RETURNING id, team_id", table);
	if ((er = op_db_exec(r->db, &res, sql, 0, NULL)) != OP_OK)
		goto out;
	for (i = 0; i < PQntuples(res) && er == OP_OK; i++)
		er = op_event_emit(r, event, PQgetvalue(res, i, 1), table[0] ==
		    'b' ? "backup" : "restore", PQgetvalue(res, i, 0),
		    json_pack("{s:s}", "error", "lease expired"));
	if (er == OP_OK)
		er = op_db_commit(r->db);
out:
	op_db_rollback(r->db);
	PQclear(res);
	return er;
}

void
job_clear(struct job *j)
{
	PQclear(j->row);
	op_buf_clear(&j->log);
	memset(j, 0, sizeof(*j));
}

void
job_failed(struct op_req *r, struct job *j, const char *why, int permanent,
    const char *event, json_t *data)
{
	int		 final = 0;
	enum op_err	 er;

	op_warn("%s %s: %s", j->table, j->id, why);
	if ((er = op_db_begin(r->db)) == OP_OK)
		er = job_fail(r, j, why, permanent, &final);
	if (er == OP_OK && final) {
		if (data != NULL)
			json_object_set_new(data, "error", json_string(why));
		er = op_event_emit(r, event, op_db_get(j->row, 0, "team_id"),
		    j->table[0] == 'b' ? "backup" : "restore", j->id, data);
		data = NULL;	/* taken */
	}
	if (er == OP_OK)
		(void)op_db_commit(r->db);
	op_db_rollback(r->db);
	json_decref(data);
	if (final)
		op_error("%s %s failed for good: %s", j->table, j->id, why);
}
