/*
 * jobs.c — the panel's job queues, as their services publish them
 * (builds.jobs_v, backups.jobs_v, infra.jobs_v: one row per job, its
 * queue, status and times): how many wait, run and failed, how long the
 * oldest has waited, and how long finished jobs ran. For /api/metrics and
 * the readiness probe.
 */
#include <stdio.h>
#include <string.h>

#include "monitor.h"

/* Every job of every queue, with its duration in seconds once done. */
#define JOBS_SQL \
	"WITH j AS (SELECT * FROM builds.jobs_v UNION ALL SELECT * FROM"  \
	" backups.jobs_v UNION ALL SELECT * FROM infra.jobs_v), q AS"      \
	" (SELECT unnest(ARRAY['builds', 'deployments', 'backups',"        \
	" 'restores', 'certificate_orders']) AS queue), d AS (SELECT"      \
	" queue, status, created_at, CASE WHEN finished_at >= started_at"  \
	" THEN extract(epoch FROM finished_at - started_at)::float8 END AS" \
	" seconds FROM j) "

/* Upper bounds of the duration buckets, in seconds. */
#define BUCKETS	"{1,5,15,30,60,120,300,600,1800,3600}"

enum op_err
jobs_summary(struct op_db *db, PGresult **out)
{
	return op_db_exec(db, out, JOBS_SQL "SELECT q.queue, count(d.queue)"
	    " FILTER (WHERE d.status = 'queued') AS queued, count(d.queue)"
	    " FILTER (WHERE d.status = 'running') AS running, count(d.queue)"
	    " FILTER (WHERE d.status = 'failed') AS failed, COALESCE(round("
	    " extract(epoch FROM now() - min(d.created_at) FILTER (WHERE"
	    " d.status = 'queued'))::numeric, 3), 0) AS oldest_queued_seconds,"
	    " count(d.seconds) AS finished, COALESCE(sum(d.seconds), 0) AS"
	    " seconds FROM q LEFT JOIN d ON d.queue = q.queue GROUP BY q.queue"
	    " ORDER BY q.queue", 0, NULL);
}

/* One gauge family over every queue: column col of res. */
static void
queue_family(struct op_buf *b, const PGresult *res, const char *name,
    const char *help, const char *col)
{
	int	i;

	(void)op_buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help,
	    name);
	for (i = 0; i < PQntuples(res); i++)
		(void)op_buf_addf(b, "%s{queue=\"%s\"} %s\n", name,
		    op_db_get(res, i, "queue"), op_db_get(res, i, col));
}

/* The duration histogram: cumulative buckets, then +Inf, sum, count. */
static enum op_err
expose_durations(struct op_db *db, struct op_buf *b, const PGresult *sum)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i, j;

	if ((er = op_db_execv(db, &res, JOBS_SQL "SELECT q.queue, b.le,"
	    " count(d.seconds) FROM q CROSS JOIN unnest($1::float8[]) AS"
	    " b(le) LEFT JOIN d ON d.queue = q.queue AND d.seconds <= b.le"
	    " GROUP BY q.queue, b.le ORDER BY q.queue, b.le", BUCKETS)) !=
	    OP_OK)
		return er;
	(void)op_buf_addf(b, "# HELP openpanel_job_duration_seconds How long"
	    " finished jobs ran, of those their service keeps.\n"
	    "# TYPE openpanel_job_duration_seconds histogram\n");
	for (i = 0, j = 0; i < PQntuples(sum); i++) {
		const char *queue = op_db_get(sum, i, "queue");

		for (; j < PQntuples(res) && strcmp(PQgetvalue(res, j, 0),
		    queue) == 0; j++)
			(void)op_buf_addf(b, "openpanel_job_duration_seconds_bucket"
			    "{queue=\"%s\",le=\"%s\"} %s\n", queue,
			    PQgetvalue(res, j, 1), PQgetvalue(res, j, 2));
		(void)op_buf_addf(b, "openpanel_job_duration_seconds_bucket"
		    "{queue=\"%s\",le=\"+Inf\"} %s\n"
		    "openpanel_job_duration_seconds_sum{queue=\"%s\"} %s\n"
		    "openpanel_job_duration_seconds_count{queue=\"%s\"} %s\n",
		    queue, op_db_get(sum, i, "finished"), queue,
		    op_db_get(sum, i, "seconds"), queue,
		    op_db_get(sum, i, "finished"));
	}
	PQclear(res);
	return OP_OK;
}

enum op_err
jobs_expose(struct op_db *db, struct op_buf *b)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = jobs_summary(db, &res)) != OP_OK)
		return er;
	queue_family(b, res, "openpanel_jobs_queued",
	    "Jobs waiting in the queue (its depth).", "queued");
	queue_family(b, res, "openpanel_jobs_running",
	    "Jobs a worker runs now.", "running");
	queue_family(b, res, "openpanel_jobs_failed",
	    "Failed jobs their service keeps (certificate orders: waiting to"
	    " be retried).", "failed");
	queue_family(b, res, "openpanel_jobs_oldest_queued_seconds",
	    "How long the oldest queued job has waited.",
	    "oldest_queued_seconds");
	er = expose_durations(db, b, res);
	PQclear(res);
	return er;
}
