/*
 * queue.c — builds and deployments as jobs (DESIGN.md §4).
 *
 * A worker claims the oldest ready row with FOR UPDATE SKIP LOCKED and
 * takes a lease on it (lease_owner, lease_until). A thread renews the
 * lease on a connection of its own while the job runs; a worker that
 * dies stops renewing, the lease runs out, and the next claim takes the
 * row again (attempts counts the tries). Only the lease holder may
 * finish a job: job_owned checks it under the row's lock in the same
 * transaction that marks the row done, so a worker that lost its lease
 * can never mark anything succeeded.
 *
 * Claims are serialised by an advisory lock so the per-instance limit
 * (OP_BUILDS_CONCURRENCY running builds) holds across workers, and a
 * project never runs two jobs of one kind at once.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builds.h"

#define MAX_ATTEMPTS	3

/* The lease, in seconds, and how often it is renewed. */
static long
lease_seconds(void)
{
	return (long)op_config_int("OP_JOB_LEASE_S", 20, 3, 3600);
}

/* A project runs one job of a kind at a time, and at most $3 builds run
 * at once on the instance. */
#define PROJECT_IDLE(table)						\
	"NOT EXISTS (SELECT 1 FROM " table " o WHERE"			\
	" o.project_id = t.project_id AND o.id <> t.id AND"		\
	" o.status = 'running' AND o.lease_until >= now())"

static const struct op_job_queue builds_queue = {
	.table = "builds.builds",
	.holder = "lease_owner",
	.order = "created_at",
	.lapsed = "NOT cancel",	/* asked to stop: the claim cancels it */
	.ready = PROJECT_IDLE("builds.builds") " AND (SELECT count(*) FROM"
	    " builds.builds WHERE status = 'running' AND lease_until >="
	    " now()) < $3::int",
	.claim_returns = "t.id, t.attempts",
	.renew_returns = "cancel",
};

static const struct op_job_queue deployments_queue = {
	.table = "builds.deployments",
	.holder = "lease_owner",
	.order = "created_at",
	.ready = PROJECT_IDLE("builds.deployments"),
	.claim_returns = "t.id, t.attempts",
	.renew_returns = "false",
};

static const struct op_job_queue *
queue_of(const struct job *j)
{
	return strcmp(j->table, "builds") == 0 ? &builds_queue :
	    &deployments_queue;
}

/* Fail a row that has used up its attempts, in its own transaction. */
static enum op_err
give_up(struct op_req *r, struct job *j)
{
	const char	*type = strcmp(j->table, "builds") == 0 ?
	    "build.failed" : "deployment.failed";
	const char	*kind = strcmp(j->table, "builds") == 0 ?
	    "build" : "deployment";
	const char	*why = "gave up after 3 attempts (its worker stopped, or "
	    "a service it needs was away, each time)";
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, strcmp(j->table, "builds") == 0 ?
	    "UPDATE builds.builds SET status = 'failed', error = $2,"
	    " finished_at = now(), lease_owner = NULL WHERE id = $1"
	    " RETURNING team_id, project_id" :
	    "UPDATE builds.deployments SET status = 'failed', error = $2,"
	    " finished_at = now(), lease_owner = NULL WHERE id = $1"
	    " RETURNING team_id, project_id", j->id, why)) != OP_OK)
		return er;
	er = op_event_emit(r, type, PQgetvalue(res, 0, 0), kind, j->id,
	    json_pack("{s:s, s:s}", "project_id", PQgetvalue(res, 0, 1),
	    "error", why));
	PQclear(res);
	return er == OP_OK ? op_db_commit(r->db) : er;
}

enum op_err
job_claim(struct op_req *r, const char *table, struct job *j)
{
	PGresult	*res = NULL;
	char		 limit[16];
	const char	*extra[1] = { limit };
	long long	 attempts = 0;
	enum op_err	 er;

	memset(j, 0, sizeof(*j));
	snprintf(j->owner, sizeof(j->owner), "%.40s:%ld:%ld",
	    op_config_get("HOSTNAME", "host"), (long)getpid(),
	    (long)time(NULL));
	j->table = table;
	snprintf(limit, sizeof(limit), "%lld", op_config_int(
	    "OP_BUILDS_CONCURRENCY", 2, 1, 64));
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "SELECT pg_advisory_xact_lock("
	    "hashtext('builds.claim'))")) != OP_OK ||
	    /* Asked to stop, and its worker died: it stops here. */
	    (er = op_db_execv(r->db, NULL, "UPDATE builds.builds SET status ="
	    " 'cancelled', error = 'cancelled', finished_at = now(),"
	    " lease_owner = NULL WHERE status = 'running' AND cancel AND"
	    " lease_until < now()")) != OP_OK ||
	    (er = op_job_claim(r->db, queue_of(j), j->owner,
	    (int)lease_seconds(), queue_of(j) == &builds_queue ? 1 : 0, extra,
	    &res)) != OP_OK) {
		op_db_rollback(r->db);
		return er;
	}
	snprintf(j->id, sizeof(j->id), "%s", PQgetvalue(res, 0, 0));
	(void)op_strtonum(PQgetvalue(res, 0, 1), 0, 1000000, &attempts);
	j->attempts = (int)attempts;
	PQclear(res);
	if ((er = op_db_commit(r->db)) != OP_OK)
		return er;
	if (attempts > MAX_ATTEMPTS) {
		(void)give_up(r, j);
		return OP_ENOTFOUND;
	}
	return OP_OK;
}

struct holder {
	struct job	*job;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 done;
};

static struct holder	holder;

/* One renewal: lost when the row is no longer ours. */
static void
renew(struct op_db *db, struct job *j)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	er = op_job_renew(db, queue_of(j), j->id, j->owner,
	    (int)lease_seconds(), 0, NULL, &res);
	if (er == OP_ECONFLICT)
		j->lost = 1;
	else if (er != OP_OK)
		return;		/* the database away: try again next tick */
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		j->cancel = 1;
	PQclear(res);
}

static void *
hold_loop(void *arg)
{
	struct holder	*h = arg;
	struct op_db	*db = NULL;
	struct timespec	 until;
	char		 conninfo[1024];

	if (op_db_conninfo("builds", conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &db) != OP_OK)
		return NULL;
	pthread_mutex_lock(&h->mu);
	while (!h->done) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += lease_seconds() / 3 > 0 ? lease_seconds() / 3 : 1;
		if (pthread_cond_timedwait(&h->cv, &h->mu, &until) == 0 &&
		    h->done)
			break;
		pthread_mutex_unlock(&h->mu);
		renew(db, h->job);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	op_db_close(db);
	return NULL;
}

enum op_err
job_hold(struct job *j)
{
	holder.job = j;
	holder.done = 0;
	pthread_mutex_init(&holder.mu, NULL);
	pthread_cond_init(&holder.cv, NULL);
	if (pthread_create(&holder.thread, NULL, hold_loop, &holder) != 0)
		return OP_ENOMEM;
	return OP_OK;
}

void
job_release(struct job *j)
{
	(void)j;
	pthread_mutex_lock(&holder.mu);
	holder.done = 1;
	pthread_cond_signal(&holder.cv);
	pthread_mutex_unlock(&holder.mu);
	pthread_join(holder.thread, NULL);
	pthread_cond_destroy(&holder.cv);
	pthread_mutex_destroy(&holder.mu);
}

enum op_err
job_owned(struct op_req *r, struct job *j)
{
	enum op_err	er;

	if (!op_db_in_tx(r->db) && (er = op_db_begin(r->db)) != OP_OK)
		return er;
	return op_job_owned(r->db, queue_of(j), j->id, j->owner);
}

enum op_err
job_retry(struct op_req *r, struct job *j, const char *why)
{
	enum op_err	er;

	op_warn("%s %s: will retry: %s", j->table, j->id, why);
	if ((!op_db_in_tx(r->db) && (er = op_db_begin(r->db)) != OP_OK) ||
	    (er = op_job_requeue(r->db, queue_of(j), j->id, j->owner,
	    5 * j->attempts, 0, NULL)) != OP_OK)
		return er;
	return op_db_commit(r->db);
}

int
job_abandoned(const struct job *j)
{
	return j->lost || (j->stop != NULL && *j->stop);
}

static volatile int	*worker_stop;	/* worker_run's */

/* The engine client's cancel question: is the worker stopping? */
static int
worker_stopping(void *arg)
{
	(void)arg;
	return *worker_stop != 0;
}

/* Run one job of table when one is ready, unless the worker is stopping:
 * 1 if one ran. */
static int
run_one(const struct op_service *svc, struct op_db *db, const char *table,
    volatile int *stop)
{
	struct op_req	r;
	struct job	j;
	int		ran = 0;

	memset(&j, 0, sizeof(j));
	j.stop = stop;
	if (*stop || op_system_req(&r, svc, db) != OP_OK)
		return 0;
	if (job_claim(&r, table, &j) == OP_OK && job_hold(&j) == OP_OK) {
		if (strcmp(table, "builds") == 0)
			build_run(&r, &j);
		else
			deploy_run(&r, &j);
		job_release(&j);
		ran = 1;
	}
	op_db_rollback(db);
	op_system_req_end(&r);
	return ran;
}

/* Wait up to a second for NOTIFY builds_jobs (a job was queued). */
static void
wait_for_jobs(struct op_db *db)
{
	PGconn		*c = op_db_conn(db);
	PGnotify	*n;
	struct pollfd	 p;

	if (c == NULL || PQsocket(c) < 0) {
		sleep(1);
		return;
	}
	if (PQconsumeInput(c) == 1 && (n = PQnotifies(c)) != NULL) {
		do	/* some came while we worked: look again at once */
			PQfreemem(n);
		while ((n = PQnotifies(c)) != NULL);
		return;
	}
	p.fd = PQsocket(c);
	p.events = POLLIN;
	if (poll(&p, 1, 1000) > 0 && PQconsumeInput(c) == 1)
		while ((n = PQnotifies(c)) != NULL)
			PQfreemem(n);
}

/*
 * The worker: deployments first (a deploy waits on nothing but health),
 * then builds, one job at a time per worker process; idle, it waits for
 * a queued job's NOTIFY, or a second (a lease may have run out). Run more
 * workers for more concurrency, up to the limit.
 */
enum op_err
worker_run(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	int	listening = 0;

	/* A job under way gives up its engine calls on SIGTERM, within
	 * about a second, and is abandoned (job_abandoned). */
	worker_stop = stop;
	if (builds_engine() != NULL)
		op_docker_cancel_on(builds_engine(), worker_stopping, NULL);
	while (!*stop) {
		if (!listening)
			listening = op_db_execv(db, NULL, "LISTEN builds_jobs") ==
			    OP_OK;
		if (run_one(svc, db, "deployments", stop) ||
		    run_one(svc, db, "builds", stop))
			continue;
		wait_for_jobs(db);
	}
	return OP_OK;
}
