/*
 * pool.c — the prefork FastCGI pool: a master that owns the socket and
 * forks workers, replaces the ones that die, rolls them on SIGHUP and
 * drains them on SIGTERM; and the worker loop itself.
 *
 * Each worker is single-threaded and serves one connection at a time
 * (libfcgi's model), with its own PostgreSQL session.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "openpanel.h"
#include "req_int.h"

#define WORKERS_MAX	256
#define DRAIN_SECONDS	30	/* in-flight requests get this long */
#define RESPAWN_DELAY	1	/* a worker that died young waits this */

struct worker {
	pid_t	pid;
	time_t	started;
	int	retiring;	/* SIGHUP asked it to go */
};

/* Where the pool listens, for every worker it forks. */
struct listener {
	int		 fd;
	const char	*path;
	int		 owned;		/* op_listen bound path itself */
};

static volatile sig_atomic_t	got_term, got_hup, got_chld;
static volatile sig_atomic_t	worker_stop;

static void
master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void
worker_signal(int sig)
{
	worker_stop = 1;
}

/*
 * Wait until l's socket has a connection waiting: 1, or 0 when told to
 * stop and none is left to take. SIGTERM is blocked everywhere else in a worker,
 * so it can only land here, never in the middle of a request. After
 * SIGTERM, a pool whose socket path was released or taken over (the
 * queue can only shrink) serves what waits in it; otherwise what waits
 * is left for the next pool on the same socket (systemd's, or kept
 * until it is replaced).
 */
static int
await_connection(const struct listener *l, const sigset_t *waiting)
{
	struct pollfd		 p = { .fd = l->fd, .events = POLLIN };
	const struct timespec	 now = { 0, 0 };
	int			 n;

	for (;;) {
		if (worker_stop && !(l->owned && !op_listen_holds(l->path)))
			return 0;
		n = ppoll(&p, 1, worker_stop ? &now : NULL, waiting);
		if (n > 0)
			return 1;
		if (n == 0 || (n < 0 && errno != EINTR))
			return 0;
	}
}

/* The worker: accept and serve until told to stop. Never returns. */
static void
worker_main(const struct op_service *svc, const struct listener *l)
{
	FCGX_Request	 req;
	struct op_db	*db = NULL;
	sigset_t	 term, waiting;
	char		 conninfo[1024];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	op_signal(SIGTERM, worker_signal);
	op_signal(SIGINT, SIG_IGN);
	op_signal(SIGHUP, SIG_IGN);
	op_signal(SIGCHLD, SIG_DFL);
	op_signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_SETMASK, &term, NULL);	/* taken only while waiting */
	sigemptyset(&waiting);
	if (getppid() == 1)
		_exit(0);

	if (op_db_conninfo(svc->name, conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &db) != OP_OK)
		_exit(1);
	if (FCGX_InitRequest(&req, l->fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		_exit(1);
	while (await_connection(l, &waiting)) {
		/* The socket does not block: another worker may win it. */
		if (FCGX_Accept_r(&req) < 0)
			continue;
		op_req_serve(svc, &req, db);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	op_db_close(db);
	_exit(0);
}

static pid_t
spawn(const struct op_service *svc, const struct listener *l)
{
	pid_t	pid;

	if ((pid = fork()) == 0)
		worker_main(svc, l);
	if (pid < 0)
		op_error("fork: %s", strerror(errno));
	return pid;
}

static int
alive(const struct worker *w, unsigned n)
{
	unsigned	i;
	int		count = 0;

	for (i = 0; i < n; i++)
		count += w[i].pid > 0;
	return count;
}

/* Reap dead workers; mark their slots empty. */
static void
reap(struct worker *w, unsigned n)
{
	pid_t		pid;
	int		status;
	unsigned	i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < n; i++)
			if (w[i].pid == pid) {
				if (!w[i].retiring && !got_term)
					op_warn("worker %d died (status %d)",
					    (int)pid, status);
				w[i].pid = 0;
				w[i].retiring = 0;
			}
}

/* Start a worker in every empty slot, waiting when they die young. */
static void
fill(const struct op_service *svc, const struct listener *l, struct worker *w,
    unsigned n)
{
	unsigned	i;
	time_t		now = time(NULL);

	for (i = 0; i < n; i++) {
		if (w[i].pid != 0)
			continue;
		if (w[i].started != 0 && now - w[i].started < RESPAWN_DELAY)
			sleep(RESPAWN_DELAY);
		w[i].pid = spawn(svc, l);
		w[i].started = time(NULL);
		if (w[i].pid < 0)
			w[i].pid = 0;
	}
}

/* SIGHUP: replace the workers one at a time, each after its successor. */
static void
roll(const struct op_service *svc, const struct listener *l, struct worker *w,
    unsigned n)
{
	unsigned	i;
	pid_t		old;

	for (i = 0; i < n; i++) {
		if ((old = w[i].pid) <= 0)
			continue;
		w[i].pid = spawn(svc, l);
		w[i].started = time(NULL);
		kill(old, SIGTERM);
		while (waitpid(old, NULL, 0) < 0 && errno == EINTR)
			;
	}
	op_info("workers replaced");
}

/*
 * SIGTERM: workers finish in-flight requests; the stragglers are killed.
 * A socket the pool bound itself is released first, so no connection
 * arrives that nobody would take, and the workers serve the ones already
 * queued (those a successor's socket took over the path from, too).
 */
static void
drain(const struct listener *l, struct worker *w, unsigned n)
{
	unsigned	i;
	time_t		deadline = time(NULL) + DRAIN_SECONDS;

	if (l->owned)
		op_listen_release(l->path);
	for (i = 0; i < n; i++)
		if (w[i].pid > 0) {
			w[i].retiring = 1;
			kill(w[i].pid, SIGTERM);
		}
	while (alive(w, n) > 0 && time(NULL) < deadline) {
		usleep(20000);
		reap(w, n);
	}
	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

enum op_err
op_pool_run(const struct op_service *svc, const char *path, unsigned workers)
{
	struct worker	 w[WORKERS_MAX];
	struct listener	 l = { .path = path };
	sigset_t	 block, old;

	if (workers == 0 || workers > WORKERS_MAX)
		return OP_EINVAL;
	memset(w, 0, sizeof(w));
	if (FCGX_Init() != 0)
		return OP_EINTERNAL;
	if ((l.fd = op_listen(path, 1024, "OP_SOCKET", &l.owned)) < 0)
		return OP_EIO;
	/* Every worker polls, then accepts; the losers must not block. */
	if (fcntl(l.fd, F_SETFL, fcntl(l.fd, F_GETFL) | O_NONBLOCK) < 0) {
		op_error("pool %s: %s", svc->name, strerror(errno));
		close(l.fd);
		return OP_EIO;
	}
	if (op_reqstats_open(svc) != OP_OK)	/* served, but not counted */
		op_warn("pool %s: requests are not counted", svc->name);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	op_signal(SIGTERM, master_signal);
	op_signal(SIGINT, master_signal);
	op_signal(SIGHUP, master_signal);
	op_signal(SIGCHLD, master_signal);
	op_signal(SIGPIPE, SIG_IGN);

	op_info("pool %s: %u workers on %s", svc->name, workers,
	    l.owned ? path : "the systemd socket");
	fill(svc, &l, w, workers);
	while (!got_term) {
		sigsuspend(&old);	/* sleeps until a signal arrives */
		if (got_chld) {
			got_chld = 0;
			reap(w, workers);
		}
		if (got_hup) {
			got_hup = 0;
			roll(svc, &l, w, workers);
		}
		if (!got_term)
			fill(svc, &l, w, workers);
	}
	op_info("pool %s: draining", svc->name);
	drain(&l, w, workers);
	close(l.fd);
	op_info("pool %s: stopped", svc->name);
	return OP_OK;
}
