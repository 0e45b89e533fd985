/*
 * exec.c — the one way to run an external program.
 *
 * fork and execve with an argv, never a shell. The child gets its own
 * process group (so a timeout kills whatever it started too), default
 * signal dispositions and an empty mask, stdin from a pipe we feed,
 * stdout and stderr into one pipe we read, and no other descriptor.
 *
 * The parent multiplexes with poll: it writes stdin while reading the
 * output, so neither side can fill a pipe and wait on the other. A
 * caller that streams stdout (a sink) gets it on a pipe of its own,
 * stderr alone being captured. Output
 * past the cap is read and thrown away, so the child never blocks on a
 * full pipe. A pidfd tells us when the child itself exits, so a
 * grandchild that keeps the output pipe open does not hold us until the
 * timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"

#define EXEC_CHUNK	16384	/* bytes per read and per write */
#define EXEC_TICK_MS	50	/* how often to look for the child without
				   a pidfd */
#define EXEC_FD_LOOP	65536	/* close() bound without close_range */

static const char *const default_env[] = { "PATH=/usr/bin:/bin", NULL };

/* execve's prototype predates const; it does not write through these. */
union argv_cast {
	const char *const	*c;
	char *const		*m;
};

static void
close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static int
set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A fixed message on the captured output, then the exit the caller sees
 * as "could not run". Only async-signal-safe calls from here on. */
static void __attribute__((noreturn))
child_fail(const char *what)
{
	ssize_t	 w;

	w = write(STDERR_FILENO, what, strlen(what));
	(void)w;
	_exit(127);
}

/*
 * In the child between fork and execve: async-signal-safe calls only,
 * nothing that allocates or takes a lock the parent may have held.
 */
static void __attribute__((noreturn))
child(const struct op_exec *x, int in_r, int out_w, int err_w, int fdmax)
{
	union argv_cast		 av, ev;
	struct sigaction	 sa;
	sigset_t		 none;
	int			 sig, fd;

	setpgid(0, 0);

	/* Signals are all blocked (by the parent) until the mask below. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);	/* fails for KILL, STOP */

	/*
	 * Lift both ends clear of 0-2 before putting them there. Until
	 * stderr is ours, a failure says nothing: the service's stderr
	 * carries only JSON log lines.
	 */
	if (in_r < 3 && (in_r = fcntl(in_r, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if (out_w < 3 && (out_w = fcntl(out_w, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if (err_w < 3 && (err_w = fcntl(err_w, F_DUPFD_CLOEXEC, 3)) == -1)
		_exit(127);
	if (dup2(out_w, STDOUT_FILENO) == -1 ||
	    dup2(err_w, STDERR_FILENO) == -1)
		_exit(127);
	if (dup2(in_r, STDIN_FILENO) == -1)
		child_fail("op_exec: dup2 failed\n");
	if (close_range(3, ~0U, 0) == -1)
		for (fd = 3; fd < fdmax; fd++)
			close(fd);

	if (x->cwd != NULL && chdir(x->cwd) == -1)
		child_fail("op_exec: chdir failed\n");

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	av.c = x->argv;
	ev.c = x->envp != NULL ? x->envp : default_env;
	execve(x->argv[0], av.m, ev.m);
	child_fail("op_exec: execve failed\n");
}

/* One run of a program, as the parent sees it. */
struct run {
	pid_t		 pid;
	int		 in;		/* its stdin, ours to write; or -1 */
	int		 out;		/* its stdout+stderr, ours to read */
	int		 err;		/* its stderr when stdout streams; or -1 */
	int		(*sink)(void *, const char *, size_t);
	void		*sink_arg;
	int		 sink_stop;	/* the sink had enough */
	int		 pidfd;		/* readable when it exits; or -1 */
	const char	*data;		/* what to feed it */
	size_t		 len, off;
	struct op_buf	 buf;		/* what it printed, up to buf.max */
	enum op_err	 mem;		/* OP_ENOMEM once buf could not grow */
	int		 epipe;		/* it closed stdin before the end */
	char		 chunk[EXEC_CHUNK];
};

enum pump { PUMP_EXITED, PUMP_TIMEOUT, PUMP_ERROR };
enum drain { DRAIN_DATA, DRAIN_AGAIN, DRAIN_EOF, DRAIN_ERR };

/* Read one chunk of output from fd, if there is any: to the sink when
 * it is the streamed stdout, else keep what fits the cap. */
static enum drain
read_some(struct run *r, int fd, size_t *got)
{
	ssize_t	 n;
	size_t	 keep;

	n = read(fd, r->chunk, sizeof(r->chunk));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ?
		    DRAIN_AGAIN : DRAIN_ERR;
	if (n == 0)
		return DRAIN_EOF;
	*got += (size_t)n;
	if (r->sink != NULL && fd == r->out) {
		if (!r->sink_stop && r->sink(r->sink_arg, r->chunk, (size_t)n))
			r->sink_stop = 1;
		return r->sink_stop ? DRAIN_ERR : DRAIN_DATA;
	}
	keep = r->buf.max - r->buf.len;
	if (keep > (size_t)n)
		keep = (size_t)n;
	/* Past the cap, or out of memory: read anyway, keep nothing. */
	if (r->mem == OP_OK && keep > 0 &&
	    op_buf_add(&r->buf, r->chunk, keep) != OP_OK)
		r->mem = OP_ENOMEM;
	return DRAIN_DATA;
}

/* Feed the next piece of stdin; close it when all is written. */
static int
write_some(struct run *r)
{
	ssize_t	 n;
	size_t	 len;

	len = r->len - r->off > EXEC_CHUNK ? EXEC_CHUNK : r->len - r->off;
	if ((n = write(r->in, r->data + r->off, len)) >= 0)
		r->off += (size_t)n;
	else if (errno == EPIPE) {
		r->epipe = 1;		/* it stopped reading: fine */
		r->off = r->len;
	} else if (errno != EINTR && errno != EAGAIN)
		return -1;
	if (r->off == r->len)
		close_fd(&r->in);	/* EOF on its stdin */
	return 0;
}

/* Has the child exited? Leaves it unreaped so its group id stays ours. */
static int
child_exited(pid_t pid)
{
	siginfo_t	 si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno != EINTR;	/* ECHILD: nothing left to wait for */
	return si.si_pid == pid;
}

/* After the exit: what is in fd's pipe already (not what a grandchild
 * may go on writing). -1 when reading failed. */
static int
drain_rest(struct run *r, int fd)
{
	size_t		 got = 0, limit;
	enum drain	 d;
	int		 n;

	if (fd == -1)
		return 0;
	if ((n = fcntl(fd, F_GETPIPE_SZ)) <= 0)
		n = 1024 * 1024;
	limit = (size_t)n;
	do
		d = read_some(r, fd, &got);
	while (d == DRAIN_DATA && got < limit);
	return d == DRAIN_ERR ? -1 : 0;
}

/*
 * Feed stdin and read the output until the child exits or the deadline
 * passes. Once it has exited, whatever it wrote is already in the pipe:
 * drain that much, but not what a grandchild may go on writing.
 */
static enum pump
pump(struct run *r, int64_t deadline)
{
	struct pollfd	 pfd[4];
	int64_t		 left;
	size_t		 got;
	int		 n, i_in, i_out, i_err, i_pid, tmo, exited = 0;
	enum drain	 d;

	while (!exited) {
		if ((left = deadline - op_mono_ms()) <= 0)
			return PUMP_TIMEOUT;
		tmo = left > INT_MAX ? INT_MAX : (int)left;
		if (r->pidfd == -1 && tmo > EXEC_TICK_MS)
			tmo = EXEC_TICK_MS;

		n = 0;
		i_in = i_out = i_err = i_pid = -1;
		if (r->in != -1) {
			pfd[n].fd = r->in;
			pfd[n].events = POLLOUT;
			i_in = n++;
		}
		if (r->out != -1) {
			pfd[n].fd = r->out;
			pfd[n].events = POLLIN;
			i_out = n++;
		}
		if (r->err != -1) {
			pfd[n].fd = r->err;
			pfd[n].events = POLLIN;
			i_err = n++;
		}
		if (r->pidfd != -1) {
			pfd[n].fd = r->pidfd;
			pfd[n].events = POLLIN;
			i_pid = n++;
		}
		if (poll(pfd, (nfds_t)n, tmo) == -1) {
			if (errno == EINTR)
				continue;
			return PUMP_ERROR;
		}

		if (i_in != -1 && pfd[i_in].revents != 0 &&
		    write_some(r) == -1)
			return PUMP_ERROR;
		if (i_out != -1 && pfd[i_out].revents != 0) {
			got = 0;
			if ((d = read_some(r, r->out, &got)) == DRAIN_ERR)
				return PUMP_ERROR;
			if (d == DRAIN_EOF)
				close_fd(&r->out);
		}
		if (i_err != -1 && pfd[i_err].revents != 0) {
			got = 0;
			if ((d = read_some(r, r->err, &got)) == DRAIN_ERR)
				return PUMP_ERROR;
			if (d == DRAIN_EOF)
				close_fd(&r->err);
		}
		if (r->pidfd == -1 || pfd[i_pid].revents != 0)
			exited = child_exited(r->pid);
	}

	if (drain_rest(r, r->out) != 0 || drain_rest(r, r->err) != 0)
		return PUMP_ERROR;
	return PUMP_EXITED;
}

/*
 * Run x->argv[0] with x->argv, x->envp (NULL: PATH=/usr/bin:/bin only)
 * in x->cwd (NULL: ours), x->in on its stdin, for at most x->timeout_ms
 * (which must be positive: every program runs under a timeout), keeping
 * at most x->out_max bytes of its stdout and stderr (of stderr alone
 * when x->sink takes stdout as it comes; a sink that stops it kills the
 * program and the run is OP_EIO).
 *
 * OP_OK when the program ran, whatever became of it: res->status is its
 * exit status or 128 + the signal that ended it, 127 when it could not
 * be executed (with a line saying why in res->out); res->timed_out when
 * we killed its process group at the deadline; res->out a NUL-terminated
 * string the caller frees with op_buf_clear. OP_EINVAL for a relative or
 * missing argv[0] and other bad arguments, OP_EIO when the pipes or the
 * fork failed, OP_ENOMEM when the output could not be kept (the program
 * still ran to its end). res is zeroed unless OP_OK.
 */
enum op_err
op_exec_run(const struct op_exec *x, struct op_exec_result *res)
{
	struct run	 run, *r = &run;
	struct rlimit	 rl;
	sigset_t	 all, pipeset, pend, saved, nopipe;
	int		 in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 };
	int		 err_p[2] = { -1, -1 };
	int		 fdmax = EXEC_FD_LOOP, masked = 0, was_pending;
	int		 status;
	int64_t		 deadline;
	enum pump	 how;
	enum op_err	 er = OP_EINVAL;

	memset(res, 0, sizeof(*res));
	memset(r, 0, offsetof(struct run, chunk));
	r->pid = -1;
	r->in = r->out = r->err = r->pidfd = -1;
	if (x == NULL || x->argv == NULL || x->argv[0] == NULL ||
	    x->argv[0][0] != '/' || x->timeout_ms <= 0 ||
	    (x->in == NULL && x->inlen > 0))
		goto out;

	er = OP_ENOMEM;
	r->data = x->in;
	r->len = x->inlen;
	r->sink = x->sink;
	r->sink_arg = x->sink_arg;
	op_buf_init(&r->buf, x->out_max);
	if (op_buf_add(&r->buf, "", 0) != OP_OK)  /* out.data: a string */
		goto out;

	er = OP_EIO;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < EXEC_FD_LOOP)
		fdmax = (int)rl.rlim_cur;
	if (pipe2(in_p, O_CLOEXEC) == -1 || pipe2(out_p, O_CLOEXEC) == -1)
		goto out;
	if (set_nonblock(in_p[1]) == -1 || set_nonblock(out_p[0]) == -1)
		goto out;
	if (x->sink != NULL && (pipe2(err_p, O_CLOEXEC) == -1 ||
	    set_nonblock(err_p[0]) == -1))
		goto out;

	/*
	 * A child that stops reading stdin makes our write fail with EPIPE;
	 * block SIGPIPE meanwhile so it does not kill the caller, and take
	 * back the one we caused at the end.
	 */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigpending(&pend);
	was_pending = sigismember(&pend, SIGPIPE);

	/* No handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &saved) != 0)
		goto out;
	masked = 1;
	nopipe = saved;
	sigaddset(&nopipe, SIGPIPE);

	deadline = op_mono_ms() + x->timeout_ms;
	if ((r->pid = fork()) == -1)
		goto out;
	if (r->pid == 0)
		child(x, in_p[0], out_p[1], err_p[1] != -1 ? err_p[1] :
		    out_p[1], fdmax);
	pthread_sigmask(SIG_SETMASK, &nopipe, NULL);

	/* Also here, so a kill at the deadline cannot beat the child's. */
	setpgid(r->pid, r->pid);
	close_fd(&in_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[1]);
	r->in = in_p[1];
	r->out = out_p[0];
	r->err = err_p[0];
	in_p[1] = out_p[0] = err_p[0] = -1;
	if (r->len == 0)
		close_fd(&r->in);
	r->pidfd = pidfd_open(r->pid, 0);  /* -1 on old kernels: we poll */

	how = pump(r, deadline);
	if (how != PUMP_EXITED) {
		/* At the deadline, or our side broke: none of it outlives us. */
		kill(-r->pid, SIGKILL);
		kill(r->pid, SIGKILL);	/* in case it left its group */
	}
	close_fd(&r->in);
	close_fd(&r->out);
	close_fd(&r->err);
	while (waitpid(r->pid, &status, 0) == -1)
		if (errno != EINTR)
			goto out;	/* ECHILD: someone else reaped it */

	if (how == PUMP_ERROR)
		goto out;
	if (r->mem != OP_OK) {
		er = r->mem;
		goto out;
	}
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	res->timed_out = how == PUMP_TIMEOUT;
	res->out = r->buf;
	memset(&r->buf, 0, sizeof(r->buf));
	er = OP_OK;
out:
	if (masked) {
		/* Take back the SIGPIPE our write raised, not someone's. */
		if (r->epipe && !was_pending) {
			struct timespec	 zero = { 0, 0 };

			sigpending(&pend);
			if (sigismember(&pend, SIGPIPE))
				sigtimedwait(&pipeset, NULL, &zero);
		}
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	}
	close_fd(&in_p[0]);
	close_fd(&in_p[1]);
	close_fd(&out_p[0]);
	close_fd(&out_p[1]);
	close_fd(&err_p[0]);
	close_fd(&err_p[1]);
	close_fd(&r->pidfd);
	op_buf_clear(&r->buf);
	return er;
}
