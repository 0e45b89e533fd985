/*
 * job.c — rows of a table as jobs (DESIGN.md §4): a worker claims the
 * first due row with FOR UPDATE SKIP LOCKED and holds it under a lease
 * (a holder column and lease_until) that it renews while it works; a
 * worker that dies stops renewing, the lease lapses and the next claim
 * takes the row again. Only the lease's holder may finish or re-queue a
 * row, so a worker that lost its lease can never mark anything done.
 *
 * The SQL is put together from the fields of a struct op_job_queue,
 * compile-time constants of the service owning the table; values only
 * ever travel as parameters.
 */
#include <stdio.h>
#include <string.h>

#include "openpanel.h"

#define SQL_MAX		2048
#define PARAMS_MAX	8

/* s, or "" for NULL: the optional fragments of a queue. */
static const char *
opt(const char *s)
{
	return s != NULL ? s : "";
}

/* Does the queue name a table and its holder column? */
static int
queue_ok(const struct op_job_queue *q)
{
	return q != NULL && q->table != NULL && q->holder != NULL;
}

/* snprintf's n into SQL_MAX bytes: OP_EINTERNAL when it did not fit
 * (the fragments are constants: a bug, not an input). */
static enum op_err
sql_fit(int n)
{
	return n < 0 || n >= SQL_MAX ? OP_EINTERNAL : OP_OK;
}

enum op_err
op_job_claim_sql(const struct op_job_queue *q, char *out, size_t outsz)
{
	int	n;

	if (!queue_ok(q) || q->order == NULL)
		return OP_EINVAL;
	n = snprintf(out, outsz, "UPDATE %s t SET status = 'running',"
	    " attempts = attempts + 1, %s = $1,"
	    " lease_until = now() + make_interval(secs => $2::int),"
	    " started_at = COALESCE(started_at, now())%s%s"
	    " WHERE t.id = (SELECT id FROM %s t WHERE"
	    " ((status = 'queued' AND run_after <= now()) OR"
	    " (status = 'running' AND lease_until < now()%s%s))%s%s"
	    " ORDER BY %s LIMIT 1 FOR UPDATE SKIP LOCKED)"
	    " RETURNING %s", q->table, q->holder,
	    q->claimed != NULL ? ", " : "", opt(q->claimed), q->table,
	    q->lapsed != NULL ? " AND " : "", opt(q->lapsed),
	    q->ready != NULL ? " AND " : "", opt(q->ready), q->order,
	    q->claim_returns != NULL ? q->claim_returns : "t.id");
	return n < 0 || (size_t)n >= outsz ? OP_EINVAL : OP_OK;
}

/*
 * Run sql with the parameters id (unless NULL), holder, number, then the
 * nextra extra[]; *res as op_db_exec leaves it. OP_EINTERNAL past
 * PARAMS_MAX.
 */
static enum op_err
job_exec(struct op_db *db, const char *sql, const char *id,
    const char *holder, int number, int nextra, const char *const *extra,
    PGresult **res)
{
	const char	*params[PARAMS_MAX];
	char		 num[16];
	int		 i, n = 0;

	if (nextra < 0 || 3 + nextra > PARAMS_MAX)
		return OP_EINTERNAL;
	snprintf(num, sizeof(num), "%d", number);
	if (id != NULL)
		params[n++] = id;
	params[n++] = holder;
	params[n++] = num;
	for (i = 0; i < nextra; i++)
		params[n++] = extra[i];
	return op_db_exec(db, res, sql, n, params);
}

enum op_err
op_job_claim(struct op_db *db, const struct op_job_queue *q,
    const char *holder, int lease_s, int nextra, const char *const *extra,
    PGresult **row)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;

	*row = NULL;
	if (op_job_claim_sql(q, sql, sizeof(sql)) != OP_OK)
		return OP_EINTERNAL;
	if ((er = job_exec(db, sql, NULL, holder, lease_s, nextra, extra,
	    &res)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	*row = res;
	return OP_OK;
}

enum op_err
op_job_renew(struct op_db *db, const struct op_job_queue *q, const char *id,
    const char *holder, int lease_s, int nextra, const char *const *extra,
    PGresult **row)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;

	if (row != NULL)
		*row = NULL;
	if (!queue_ok(q) || sql_fit(snprintf(sql, sizeof(sql),
	    "UPDATE %s SET lease_until = now() + make_interval(secs =>"
	    " $3::int)%s%s WHERE id = $1 AND %s = $2 AND status = 'running'"
	    " RETURNING %s", q->table, q->renewed != NULL ? ", " : "",
	    opt(q->renewed), q->holder, q->renew_returns != NULL ?
	    q->renew_returns : "id")) != OP_OK)
		return OP_EINTERNAL;
	if ((er = job_exec(db, sql, id, holder, lease_s, nextra, extra,
	    &res)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = OP_ECONFLICT;
	else if (row != NULL) {
		*row = res;
		res = NULL;
	}
	PQclear(res);
	return er;
}

enum op_err
op_job_owned(struct op_db *db, const struct op_job_queue *q, const char *id,
    const char *holder)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;

	if (!queue_ok(q) || sql_fit(snprintf(sql, sizeof(sql), "SELECT 1 FROM"
	    " %s WHERE id = $1 AND %s = $2 AND status = 'running' FOR UPDATE",
	    q->table, q->holder)) != OP_OK)
		return OP_EINTERNAL;
	if ((er = op_db_execv(db, &res, sql, id, holder)) != OP_OK)
		return er;
	er = PQntuples(res) == 1 ? OP_OK : OP_ECONFLICT;
	PQclear(res);
	return er;
}

enum op_err
op_job_requeue(struct op_db *db, const struct op_job_queue *q,
    const char *id, const char *holder, int delay_s, int nextra,
    const char *const *extra)
{
	char		 sql[SQL_MAX];
	PGresult	*res = NULL;
	enum op_err	 er;

	if (!queue_ok(q) || sql_fit(snprintf(sql, sizeof(sql), "UPDATE %s SET"
	    " status = 'queued', %s = NULL, run_after = now() +"
	    " make_interval(secs => $3::int)%s%s WHERE id = $1 AND %s = $2"
	    " AND status = 'running'", q->table, q->holder,
	    q->requeued != NULL ? ", " : "", opt(q->requeued), q->holder)) !=
	    OP_OK)
		return OP_EINTERNAL;
	if ((er = job_exec(db, sql, id, holder, delay_s, nextra, extra,
	    &res)) != OP_OK)
		return er;
	er = strcmp(PQcmdTuples(res), "1") == 0 ? OP_OK : OP_ECONFLICT;
	PQclear(res);
	return er;
}

long long
op_job_backoff_s(int attempts, long long first_s, int factor,
    long long max_s)
{
	long long	delay = first_s > 0 ? first_s : 0;
	int		f = factor > 1 ? factor : 1;
	int		i;

	for (i = 1; i < attempts && delay < max_s; i++)
		delay = delay > max_s / f ? max_s : delay * f;
	return delay < max_s ? delay : max_s;
}
