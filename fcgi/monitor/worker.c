/*
 * worker.c — op-monitor's worker: once a second it reads which of the
 * panel's containers run, keeps one log follower per running container,
 * and samples every one of them and the host (a swarm container: its
 * service's logs, its tasks on this node); beside it a thread relays
 * the team event stream and another delivers notifications; every other
 * tick the alert rules are evaluated. Nothing here holds a FastCGI worker.
 * On SIGTERM every one of those threads is told to stop, gives up what
 * it waits on within about a second, and is joined before the worker
 * returns: nothing runs on while the process exits.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "monitor.h"

#define TICK_MS		1000
#define EVALUATE_EVERY	2	/* ticks between alert evaluations */
#define NAP_STEP_MS	100	/* how soon a nap sees the stop flag */

/* The running containers of this panel, at most max of them, into w;
 * a swarm container's docker_id is its service's. */
static enum op_err
watched_load(struct op_db *db, struct watched *w, size_t max, size_t *n)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	*n = 0;
	er = op_db_exec(db, &res, "SELECT id, team_id, docker_id, mode FROM"
	    " projects.containers_v WHERE state = 'running' AND docker_id"
	    " IS NOT NULL ORDER BY id", 0, NULL);
	if (er != OP_OK)
		return er;
	for (i = 0; i < PQntuples(res) && (size_t)i < max; i++) {
		snprintf(w[i].id, sizeof(w[i].id), "%s", PQgetvalue(res, i, 0));
		snprintf(w[i].team_id, sizeof(w[i].team_id), "%s",
		    PQgetvalue(res, i, 1));
		snprintf(w[i].docker_id, sizeof(w[i].docker_id), "%s",
		    PQgetvalue(res, i, 2));
		w[i].swarm = strcmp(PQgetvalue(res, i, 3), "swarm") == 0;
	}
	*n = (size_t)i;
	PQclear(res);
	return OP_OK;
}

void
monitor_nap(volatile int *stop, int ms)
{
	for (; ms > 0 && !*stop; ms -= NAP_STEP_MS)
		poll(NULL, 0, ms < NAP_STEP_MS ? ms : NAP_STEP_MS);
}

enum op_err
monitor_thread_start(pthread_t *t, void *(*fn)(void *))
{
	sigset_t	block, old;
	int		rc;

	sigfillset(&block);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(t, NULL, fn, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? OP_OK : OP_ENOMEM;
}

/* A tick a second until *stop: follow, sample, now and then evaluate. */
static void
ticks(const struct op_service *svc, struct op_db *db, struct followers *f,
    struct sampler *s, volatile int *stop)
{
	static struct watched	 w[FOLLOWERS_MAX];
	size_t			 n;
	int64_t			 start;
	unsigned		 tick = 0;

	while (!*stop) {
		start = op_mono_ms();
		if (watched_load(db, w, nitems(w), &n) == OP_OK) {
			followers_sync(f, w, n);
			(void)sampler_tick(s, db, w, n);
		}
		if (++tick % EVALUATE_EVERY == 0 && !*stop)
			(void)alerts_evaluate(svc, db);	/* logs its failure */
		monitor_nap(stop, (int)(TICK_MS - (op_mono_ms() - start)));
	}
}

enum op_err
monitor_work(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	struct followers	*f = NULL;
	struct sampler		*s = NULL;
	pthread_t		 relay, notify;
	enum op_err		 er;

	if ((er = followers_new(stop, &f)) != OP_OK ||
	    (er = sampler_new(stop, &s)) != OP_OK ||
	    (er = relay_start(stop, &relay)) != OP_OK)
		goto out;
	if ((er = notify_start(stop, &notify)) == OP_OK) {
		ticks(svc, db, f, s, stop);
		pthread_join(notify, NULL);
	}
	*stop = 1;	/* the worker ends (or could not begin): so does all */
	pthread_join(relay, NULL);
out:
	followers_free(f);	/* each of them has seen *stop too */
	sampler_free(s);
	return er;
}
