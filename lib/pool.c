/*
 * pool.c — the prefork FastCGI pool: a master that owns the socket and
 * forks workers, replaces the ones that die, rolls them on SIGHUP and
 * drains them on SIGTERM; and the worker loop itself.
 *
 * Each worker is single-threaded and serves one connection at a time
 * (libfcgi's model), with its own PostgreSQL session. The pool is
 * adaptive, as Apache's prefork is: it keeps size.min workers, forks one
 * more (up to size.max) as soon as every worker is inside a request, and
 * retires a spare one (beyond the first) after size.idle_s seconds
 * without use. Workers say they are busy in a board the master and they
 * share; the one that fills the pool wakes the master with SIGUSR1.
 *
 * size.hashing of the size.max workers are only for password hashing: a
 * worker hashing (or queued for a hashing slot) holds its request for up
 * to a second, so the pool may grow past size.max - size.hashing by one
 * worker per worker hashing, and sheds them once the hashing is over.
 * Growing for any busy spell instead costs throughput: more workers than
 * cores only add context switches and database sessions (on 2 cores,
 * auth checks at 8 workers against 4 took reads from 1650 to 1340 req/s).
 *
 * On a socket systemd holds (socket activation), a pool with no request
 * for size.exit_s seconds stops, as on SIGTERM, and systemd starts it
 * again when the next connection comes (it waits in the socket's queue
 * until a worker takes it). An idle panel then costs only what must stay:
 * each pool's master and worker are about 1.9 MB of PSS, mostly the
 * relocated data of the libraries every exec'd process pays for once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
#define TICK_MS		1000	/* the master's look at spare workers */

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

/* What a worker's slot on the board says. */
enum {
	SLOT_IDLE,
	SLOT_TAKING,		/* taking a waiting connection */
	SLOT_SERVING,		/* inside a request */
	SLOT_HASHING		/* inside a request, hashing a password */
};

/* What the master and its workers share: who is inside a request, and
 * the write generation (op_pool_generation). */
struct board {
	atomic_uint_least64_t generation;	/* from 1 */
	atomic_int	live;			/* workers alive (master's) */
	atomic_int	max;			/* size.max */
	atomic_int	hashing;		/* size.hashing */
	atomic_uint_least64_t served;		/* requests begun */
	atomic_int	stopping;		/* idle: take no connection */
	atomic_uchar	serving[WORKERS_MAX];	/* SLOT_*, by slot */
};

/* The master's state. */
struct pool {
	const struct op_service	*svc;
	struct listener		 l;
	struct op_pool_size	 size;
	struct worker		 w[WORKERS_MAX];
	struct board		*board;		/* shared with the workers */
	pid_t			 master;	/* its pid, for the workers */
	time_t			 spare_since;	/* 0: no spare worker */
	uint64_t		 served;	/* board's, at quiet_since */
	long long		 quiet_since;	/* op_mono_ms */
};

static volatile sig_atomic_t	got_term, got_hup, got_chld;
static volatile sig_atomic_t	worker_stop;

/* In a worker: its pool and slot (op_pool_hashing marks it). */
static const struct pool	*this_pool;
static int			 this_slot = -1;

static void
master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	/* SIGUSR1 (a worker found every one busy) only wakes the master,
	 * which fits the pool to its load after every wake (adapt). */
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

/* Slots of b inside a request (slots past max are never used), and of
 * those, how many hash a password. */
static int
serving_count(struct board *b, int *hashing)
{
	int	i, n = 0, h = 0, max = atomic_load(&b->max);
	int	st;

	for (i = 0; i < max; i++) {
		st = atomic_load_explicit(&b->serving[i],
		    memory_order_relaxed);
		n += st == SLOT_SERVING || st == SLOT_HASHING;
		h += st == SLOT_HASHING;
	}
	if (hashing != NULL)
		*hashing = h;
	return n;
}

/* How many workers the pool may have now: size.max, less the hashing
 * room no worker is using. */
static int
grow_limit(struct board *b, int hashing)
{
	int	room = atomic_load(&b->hashing);

	return atomic_load(&b->max) - room + (hashing < room ? hashing : room);
}

/* Wake the master (while there is one: an orphan signals nobody) when
 * every live worker is busy and the pool may grow. A full pool, the
 * common case under load, costs no count of the board. */
static void
wake_if_full(const struct pool *p)
{
	struct board	*b = p->board;
	int		 hashing, busy, live = atomic_load(&b->live);

	if (live >= atomic_load(&b->max))
		return;
	busy = serving_count(b, &hashing);
	if (busy >= live && live < grow_limit(b, hashing) &&
	    getppid() == p->master)
		kill(p->master, SIGUSR1);
}

/*
 * The worker in slot takes the connection waiting: 0 when the pool is
 * stopping idle, which leaves it in the queue for the pool's successor.
 * The master marks the board stopping and then looks at every slot
 * (idle_out); a worker marks its slot and then looks at the mark: each
 * sees the other's, in that order, so no connection is taken by a pool
 * that is stopping, and no pool stops while one is being taken.
 */
static int
take(const struct pool *p, int slot)
{
	atomic_store(&p->board->serving[slot], SLOT_TAKING);
	if (!atomic_load(&p->board->stopping))
		return 1;
	atomic_store(&p->board->serving[slot], SLOT_IDLE);
	return 0;
}

/* The worker in slot enters a request. */
static void
busy_enter(const struct pool *p, int slot)
{
	atomic_store(&p->board->serving[slot], SLOT_SERVING);
	atomic_fetch_add_explicit(&p->board->served, 1, memory_order_relaxed);
	wake_if_full(p);
}

void
op_pool_hashing(int on)
{
	if (this_pool == NULL)
		return;
	atomic_store(&this_pool->board->serving[this_slot],
	    on ? SLOT_HASHING : SLOT_SERVING);
	if (on)
		wake_if_full(this_pool);
}

uint64_t
op_pool_generation(void)
{
	if (this_pool == NULL)
		return 0;
	return atomic_load(&this_pool->board->generation);
}

void
op_pool_changed(void)
{
	if (this_pool != NULL)
		atomic_fetch_add(&this_pool->board->generation, 1);
}

/*
 * End the request with a plain close, not libfcgi's lingering one: that
 * shuts the socket down and then waits (up to 2 s) for the gateway to
 * close its end, holding the worker through the gateway's turn on every
 * request (reads went from 1775 to 2430 req/s without it, on 2 cores).
 * What is left of the request is read first, to the end of its stdin
 * stream, the last thing the gateway sends: closed with anything unread,
 * a unix socket fails the gateway's reads with ECONNRESET (a 502 in the
 * place of the answer, as 80_gateway's large refused body shows without
 * this).
 */
static void
request_end(FCGX_Request *req)
{
	char	buf[4096];

	while (FCGX_GetStr(buf, sizeof(buf), req->in) > 0)
		;
	FCGX_Detach(req);
	FCGX_Finish_r(req);
}

/* The worker: accept and serve until told to stop. Never returns. */
static void
worker_main(const struct pool *p, int slot)
{
	FCGX_Request	 req;
	struct op_db	*db = NULL;
	const struct timespec pause = { 0, 1000000L };
	sigset_t	 term, waiting;
	char		 conninfo[1024];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	op_signal(SIGTERM, worker_signal);
	op_signal(SIGINT, SIG_IGN);
	op_signal(SIGHUP, SIG_IGN);
	op_signal(SIGUSR1, SIG_IGN);
	op_signal(SIGCHLD, SIG_DFL);
	op_signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_SETMASK, &term, NULL);	/* taken only while waiting */
	sigemptyset(&waiting);
	if (getppid() == 1)
		_exit(0);

	if (op_db_conninfo(p->svc->name, conninfo, sizeof(conninfo)) !=
	    OP_OK || op_db_open(conninfo, &db) != OP_OK)
		_exit(1);
	if (FCGX_InitRequest(&req, p->l.fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		_exit(1);
	this_pool = p;
	this_slot = slot;
	while (await_connection(&p->l, &waiting)) {
		if (!take(p, slot)) {	/* SIGTERM follows: wait for it */
			nanosleep(&pause, NULL);
			continue;
		}
		/* The socket does not block: another worker may win it. */
		if (FCGX_Accept_r(&req) < 0) {
			atomic_store(&p->board->serving[slot], SLOT_IDLE);
			continue;
		}
		busy_enter(p, slot);
		op_req_serve(p->svc, &req, db);
		request_end(&req);
		atomic_store(&p->board->serving[slot], SLOT_IDLE);
	}
	FCGX_Free(&req, 1);
	op_db_close(db);
	_exit(0);
}

static int
alive(const struct pool *p)
{
	unsigned	i;
	int		count = 0;

	for (i = 0; i < p->size.max; i++)
		count += p->w[i].pid > 0;
	return count;
}

/* Fork a worker into empty slot i; the board counts it. */
static void
spawn(struct pool *p, unsigned i)
{
	pid_t	pid;

	atomic_store(&p->board->serving[i], SLOT_IDLE);
	if ((pid = fork()) == 0)
		worker_main(p, (int)i);
	if (pid < 0)
		op_error("fork: %s", strerror(errno));
	p->w[i].pid = pid > 0 ? pid : 0;
	p->w[i].started = time(NULL);
	p->w[i].retiring = 0;
	atomic_store(&p->board->live, alive(p));
}

/* Reap dead workers; mark their slots empty (and not serving). */
static void
reap(struct pool *p)
{
	pid_t		pid;
	int		status;
	unsigned	i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < p->size.max; i++)
			if (p->w[i].pid == pid) {
				if (!p->w[i].retiring && !got_term)
					op_warn("worker %d died (status %d)",
					    (int)pid, status);
				p->w[i].pid = 0;
				p->w[i].retiring = 0;
				atomic_store(&p->board->serving[i], SLOT_IDLE);
			}
	atomic_store(&p->board->live, alive(p));
}

/* Start workers in empty slots until size.min live, waiting when one
 * died young (a crash loop must not spin). */
static void
fill(struct pool *p)
{
	unsigned	i;
	time_t		now = time(NULL);

	for (i = 0; i < p->size.max && alive(p) < (int)p->size.min; i++) {
		if (p->w[i].pid != 0)
			continue;
		if (p->w[i].started != 0 && now - p->w[i].started <
		    RESPAWN_DELAY)
			sleep(RESPAWN_DELAY);
		spawn(p, i);
	}
}

/* Retire the newest idle worker (not already retiring): 1 if one was. */
static int
retire_idle(struct pool *p)
{
	unsigned	i;

	for (i = p->size.max; i-- > 0; )
		if (p->w[i].pid > 0 && !p->w[i].retiring &&
		    atomic_load(&p->board->serving[i]) == SLOT_IDLE) {
			p->w[i].retiring = 1;
			kill(p->w[i].pid, SIGTERM);
			return 1;
		}
	return 0;
}

/* Live workers not retiring. */
static int
staying(const struct pool *p)
{
	unsigned	i;
	int		count = 0;

	for (i = 0; i < p->size.max; i++)
		count += p->w[i].pid > 0 && !p->w[i].retiring;
	return count;
}

/*
 * Fit the pool to its load: one more worker when every live one is
 * inside a request (up to the grow limit); one fewer at once when the
 * pool is past that limit (the hashing it grew for is over); one spare
 * fewer when more than one has been idle for size.idle_s (never below
 * size.min).
 */
static void
adapt(struct pool *p)
{
	int		hashing, busy = serving_count(p->board, &hashing);
	int		live = alive(p), limit = grow_limit(p->board, hashing);
	int		kept = staying(p);
	unsigned	i;
	time_t		now = time(NULL);

	if (busy >= live && live < limit) {
		for (i = 0; i < p->size.max && p->w[i].pid != 0; i++)
			;
		spawn(p, i);
		p->spare_since = 0;
		return;
	}
	if (kept > limit && kept > (int)p->size.min && retire_idle(p))
		return;
	if (live - busy < 2 || live <= (int)p->size.min) {
		p->spare_since = 0;
		return;
	}
	if (p->spare_since == 0)
		p->spare_since = now;
	if (now - p->spare_since < (time_t)p->size.idle_s)
		return;
	retire_idle(p);
	p->spare_since = now;
}

/* SIGHUP: replace the workers one at a time, each after its successor. */
static void
roll(struct pool *p)
{
	unsigned	i;
	pid_t		old;

	for (i = 0; i < p->size.max; i++) {
		if ((old = p->w[i].pid) <= 0)
			continue;
		p->w[i].pid = 0;
		spawn(p, i);
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
drain(struct pool *p)
{
	unsigned	i;
	time_t		deadline = time(NULL) + DRAIN_SECONDS;

	if (p->l.owned)
		op_listen_release(p->l.path);
	for (i = 0; i < p->size.max; i++)
		if (p->w[i].pid > 0) {
			p->w[i].retiring = 1;
			kill(p->w[i].pid, SIGTERM);
		}
	while (alive(p) > 0 && time(NULL) < deadline) {
		usleep(20000);
		reap(p);
	}
	for (i = 0; i < p->size.max; i++)
		if (p->w[i].pid > 0)
			kill(p->w[i].pid, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

/* Whether the pool may stop when idle: only on a socket it did not bind,
 * which systemd holds and starts it again from. */
static int
may_idle_out(const struct pool *p)
{
	return p->size.exit_s > 0 && !p->l.owned;
}

/* Whether any worker is inside a request or taking a connection. */
static int
any_busy(struct board *b)
{
	int	i, max = atomic_load(&b->max);

	for (i = 0; i < max; i++)
		if (atomic_load(&b->serving[i]) != SLOT_IDLE)
			return 1;
	return 0;
}

/*
 * Whether the pool has begun no request for size.exit_s seconds, by the
 * master's ticks, and no worker is taking one: then the board is marked
 * stopping, and no worker takes another (take).
 */
static int
idle_out(struct pool *p)
{
	uint64_t	served = atomic_load(&p->board->served);
	long long	now = op_mono_ms();

	if (!may_idle_out(p))
		return 0;
	if (served != p->served || any_busy(p->board))
		p->quiet_since = now;
	p->served = served;
	if (now - p->quiet_since < (long long)p->size.exit_s * 1000)
		return 0;
	atomic_store(&p->board->stopping, 1);
	if (!any_busy(p->board))
		return 1;
	atomic_store(&p->board->stopping, 0);
	p->quiet_since = now;
	return 0;
}

/* Sleep until a signal, or a tick while spare workers may retire or the
 * pool may stop when idle. */
static void
master_wait(const struct pool *p, const sigset_t *unblocked)
{
	const struct timespec	tick = { TICK_MS / 1000,
				    (TICK_MS % 1000) * 1000000L };

	if (alive(p) > (int)p->size.min || may_idle_out(p))
		(void)ppoll(NULL, 0, &tick, unblocked);
	else
		(void)sigsuspend(unblocked);
}

/* Listen on path, non-blocking (every worker polls, then accepts; the
 * losers must not block). */
static enum op_err
pool_listen(struct pool *p, const char *path)
{
	p->l.path = path;
	if ((p->l.fd = op_listen(path, 1024, "OP_SOCKET", &p->l.owned)) < 0)
		return OP_EIO;
	if (fcntl(p->l.fd, F_SETFL, fcntl(p->l.fd, F_GETFL) | O_NONBLOCK) <
	    0) {
		op_error("pool %s: %s", p->svc->name, strerror(errno));
		close(p->l.fd);
		return OP_EIO;
	}
	return OP_OK;
}

static void
master_signals(sigset_t *old)
{
	sigset_t	block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, old);
	op_signal(SIGTERM, master_signal);
	op_signal(SIGINT, master_signal);
	op_signal(SIGHUP, master_signal);
	op_signal(SIGCHLD, master_signal);
	op_signal(SIGUSR1, master_signal);
	op_signal(SIGPIPE, SIG_IGN);
}

enum op_err
op_pool_run(const struct op_service *svc, const char *path,
    const struct op_pool_size *size)
{
	struct pool	 p;
	sigset_t	 old;

	if (size->max == 0 || size->max > WORKERS_MAX ||
	    size->hashing >= size->max || size->min == 0 ||
	    size->min > size->max - size->hashing)
		return OP_EINVAL;
	memset(&p, 0, sizeof(p));
	p.svc = svc;
	p.size = *size;
	p.master = getpid();
	if (FCGX_Init() != 0)
		return OP_EINTERNAL;
	if ((p.board = mmap(NULL, sizeof(*p.board), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return OP_ENOMEM;
	atomic_store(&p.board->generation, 1);
	atomic_store(&p.board->max, (int)size->max);
	atomic_store(&p.board->hashing, (int)size->hashing);
	if (pool_listen(&p, path) != OP_OK) {
		munmap(p.board, sizeof(*p.board));
		return OP_EIO;
	}
	if (op_reqstats_open(svc) != OP_OK)	/* served, but not counted */
		op_warn("pool %s: requests are not counted", svc->name);
	master_signals(&old);

	op_info("pool %s: %u to %u workers on %s", svc->name, size->min,
	    size->max, p.l.owned ? path : "the systemd socket");
	p.quiet_since = op_mono_ms();
	fill(&p);
	while (!got_term) {
		master_wait(&p, &old);
		if (got_chld) {
			got_chld = 0;
			reap(&p);
		}
		if (got_hup) {
			got_hup = 0;
			roll(&p);
		}
		if (got_term)
			break;
		if (idle_out(&p)) {
			op_info("pool %s: no request for %u s; stopping until "
			    "the next", svc->name, size->exit_s);
			break;
		}
		fill(&p);
		adapt(&p);
	}
	op_info("pool %s: draining", svc->name);
	drain(&p);
	close(p.l.fd);
	munmap(p.board, sizeof(*p.board));
	op_info("pool %s: stopped", svc->name);
	return OP_OK;
}
