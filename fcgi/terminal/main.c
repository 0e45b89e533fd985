/*
 * op-terminal — the web terminal's WebSocket bridge (DESIGN §7). FastCGI
 * cannot hold a WebSocket, so nginx proxies /api/terminal here, to a unix
 * socket (OP_TERMINAL_SOCKET, or fd 3 from systemd). Sessions are few and
 * long: each connection gets a process of its own (session.c), at most
 * OP_TERMINAL_SESSIONS at once. SIGTERM stops accepting and asks every
 * session to close its WebSocket properly; what has not ended after a
 * grace period is killed.
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

static void
handle(int sig, void (*fn)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* OP_SOCKET_MODE in octal, as chmod(1) takes it (0660 by default). */
static mode_t
socket_mode(void)
{
	const char	*s = op_config_get("OP_SOCKET_MODE", "0660");
	char		*end;
	long		 m;

	m = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || m < 0 || m > 0777)
		return 0660;
	return (mode_t)m;
}

/* systemd's socket (LISTEN_FDS=1 for us), or a fresh one at path. */
static int
listen_socket(const char *path, int *owned)
{
	struct sockaddr_un	 sun;
	const char		*fds = getenv("LISTEN_FDS");
	const char		*pid = getenv("LISTEN_PID");
	long long		 n, p;
	int			 fd;

	*owned = 0;
	if (fds != NULL && pid != NULL && op_strtonum(fds, 1, 1, &n) == OP_OK &&
	    op_strtonum(pid, 1, 1LL << 31, &p) == OP_OK && p == getpid())
		return 3;
	if (path == NULL || *path == '\0') {
		op_error("no socket: set OP_TERMINAL_SOCKET or run under "
		    "systemd");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		op_error("OP_TERMINAL_SOCKET is too long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 64) < 0) {
		op_error("cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	chmod(path, socket_mode());
	*owned = 1;
	return fd;
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
	handle(SIGCHLD, SIG_DFL);
	handle(SIGINT, SIG_IGN);
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

static int
serve(void)
{
	struct pollfd	 pfd;
	sigset_t	 block;
	const char	*path = op_config_get("OP_TERMINAL_SOCKET", NULL);
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
	handle(SIGTERM, on_signal);
	handle(SIGINT, on_signal);
	handle(SIGCHLD, on_signal);
	handle(SIGPIPE, SIG_IGN);
	handle(SIGHUP, SIG_IGN);
	if ((lfd = listen_socket(path, &owned)) < 0)
		return 1;
	op_info("serving the web terminal on %s (at most %zu sessions)",
	    owned ? path : "the socket systemd passed", nsessions_max);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (!terminal_stop) {
		n = ppoll(&pfd, 1, NULL, &terminal_waitmask);
		err = errno;	/* before reap() touches it */
		if (got_chld)
			reap();
		if (n > 0 && !terminal_stop)
			accept_one(lfd);
		else if (n < 0 && err != EINTR) {
			op_error("poll: %s", strerror(err));
			break;
		}
	}
	close(lfd);
	if (owned)
		unlink(path);
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
