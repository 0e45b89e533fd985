/*
 * op-terminal — the web terminal's WebSocket bridge (DESIGN §7). FastCGI
 * cannot hold a WebSocket, so nginx proxies /api/terminal here, to a unix
 * socket (OP_TERMINAL_SOCKET, or fd 3 from systemd). Sessions are few and
 * long: each connection gets a process of its own (session.c), at most
 * OP_TERMINAL_SESSIONS at once. SIGTERM stops accepting and asks every
 * session to close its WebSocket properly; what has not ended after a
 * grace period is killed. On a socket systemd holds, the bridge stops
 * after OP_IDLE_EXIT_S seconds without a session, and the socket starts
 * it again on the next connection.
 *
 *	op-terminal [serve]
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"

#define SESSIONS_MAX	1024
#define DRAIN_SECONDS	10	/* for sessions to close after SIGTERM */

volatile sig_atomic_t	 terminal_stop;
sigset_t		 terminal_waitmask;

static volatile sig_atomic_t	 got_chld;
static pid_t			 sessions[SESSIONS_MAX];
static size_t			 nsessions_max;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		terminal_stop = 1;
}

static size_t
live(void)
{
	size_t	i, n = 0;

	for (i = 0; i < nsessions_max; i++)
		n += sessions[i] > 0;
	return n;
}

static void
reap(void)
{
	pid_t	pid;
	size_t	i;
	int	status;

	got_chld = 0;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < nsessions_max; i++)
			if (sessions[i] == pid)
				sessions[i] = 0;
}

/* The session process: never returns. */
static void
session_child(int lfd, int cfd)
{
	close(lfd);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	op_signal(SIGCHLD, SIG_DFL);
	op_signal(SIGINT, SIG_IGN);
	session_run(cfd);
	close(cfd);
	_exit(0);
}

static void
accept_one(int lfd)
{
	size_t	i;
	pid_t	pid;
	int	cfd;

	if ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	for (i = 0; i < nsessions_max && sessions[i] > 0; i++)
		;
	if (i == nsessions_max) {
		op_warn("terminal sessions are at their limit (%zu)",
		    nsessions_max);
		http_error(cfd, 503, "too_many_sessions", "too many terminal "
		    "sessions are open; try again later", "Retry-After: 10\r\n");
		close(cfd);
		return;
	}
	if ((pid = fork()) == 0)
		session_child(lfd, cfd);
	if (pid < 0) {
		op_error("fork: %s", strerror(errno));
		http_error(cfd, 503, "unavailable", "a service the panel "
		    "depends on is unavailable", NULL);
	} else
		sessions[i] = pid;
	close(cfd);
}

/* Ask every session to close, wait for them, kill the rest. */
static void
drain(void)
{
	struct timespec	 pause = { 0, 100 * 1000000L };
	size_t		 i;
	int		 tries;

	for (i = 0; i < nsessions_max; i++)
		if (sessions[i] > 0)
			kill(sessions[i], SIGTERM);
	for (tries = 0; tries < DRAIN_SECONDS * 10 && live() > 0; tries++) {
		reap();
		if (live() > 0)
			nanosleep(&pause, NULL);
	}
	for (i = 0; i < nsessions_max; i++)
		if (sessions[i] > 0) {
			op_warn("session %d did not close in time: killed",
			    (int)sessions[i]);
			kill(sessions[i], SIGKILL);
		}
	while (live() > 0 && waitpid(-1, NULL, 0) > 0)
		reap();
}

/*
 * Whether the bridge, idle (exit_ms > 0) only on a socket systemd holds,
 * has had no session for exit_ms: *quiet_since is the last time one was
 * open or began.
 */
static int
idle_out(long long exit_ms, long long *quiet_since)
{
	long long	now = op_mono_ms();

	if (exit_ms == 0)
		return 0;
	if (live() > 0)
		*quiet_since = now;
	return now - *quiet_since >= exit_ms;
}

static int
serve(void)
{
	struct pollfd	 pfd;
	sigset_t	 block;
	const struct timespec tick = { 1, 0 };
	const char	*path = op_config_get("OP_TERMINAL_SOCKET", NULL);
	long long	 exit_ms, quiet_since = op_mono_ms();
	int		 lfd, owned, n, err;

	nsessions_max = (size_t)op_config_int("OP_TERMINAL_SESSIONS", 64, 1,
	    SESSIONS_MAX);
	/* The signals arrive only inside ppoll(), never mid-call. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &terminal_waitmask);
	sigdelset(&terminal_waitmask, SIGTERM);
	sigdelset(&terminal_waitmask, SIGINT);
	sigdelset(&terminal_waitmask, SIGCHLD);
	op_signal(SIGTERM, on_signal);
	op_signal(SIGINT, on_signal);
	op_signal(SIGCHLD, on_signal);
	op_signal(SIGPIPE, SIG_IGN);
	op_signal(SIGHUP, SIG_IGN);
	if ((lfd = op_listen(path, 64, "OP_TERMINAL_SOCKET", &owned)) < 0)
		return 1;
	op_info("serving the web terminal on %s (at most %zu sessions)",
	    owned ? path : "the socket systemd passed", nsessions_max);
	exit_ms = owned ? 0 : op_idle_exit_s() * 1000LL;
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!terminal_stop) {
		n = ppoll(&pfd, 1, exit_ms == 0 ? NULL : &tick,
		    &terminal_waitmask);
		err = errno;	/* before reap() touches it */
		if (got_chld)
			reap();
		if (n > 0 && !terminal_stop) {
			accept_one(lfd);
			quiet_since = op_mono_ms();
		} else if (n < 0 && err != EINTR) {
			op_error("poll: %s", strerror(err));
			break;
		}
		if (n == 0 && idle_out(exit_ms, &quiet_since)) {
			op_info("no session for %lld s; stopping until the "
			    "next", exit_ms / 1000);
			break;
		}
	}
	close(lfd);
	if (owned)
		op_listen_release(path);
	drain();
	op_info("stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	op_log_init("terminal", OP_LOG_INFO);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "serve") != 0)) {
		fprintf(stderr, "usage: op-terminal [serve]\n");
		return 2;
	}
	if (op_config_load(getenv("OP_CONFIG") ? getenv("OP_CONFIG") :
	    "/etc/openpanel/openpanel.conf") != OP_OK)
		return 1;
	return serve();
}
