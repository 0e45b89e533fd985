/*
 * listen.c — how a server process starts listening: its socket (systemd's
 * through LISTEN_FDS, or a fresh unix socket with the mode OP_SOCKET_MODE
 * sets, put in place of a predecessor's in one rename so that no client
 * ever finds the path missing), how long it idles on systemd's socket
 * before it stops, and signal handlers that wake blocking calls.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "openpanel.h"

/* The socket file this process bound last (op_listen), to tell it from a
 * successor's bound at the same path since. */
static struct stat	bound;

/* OP_SOCKET_MODE, in octal as chmod(1) takes it; 0660 by default. */
static mode_t
socket_mode(void)
{
	const char	*s = op_config_get("OP_SOCKET_MODE", "0660");
	char		*end;
	long		 m;

	m = strtol(s, &end, 8);
	if (*s == '\0' || *end != '\0' || m < 0 || m > 0777) {
		op_warn("OP_SOCKET_MODE %s is not an octal mode; using 0660", s);
		return 0660;
	}
	return (mode_t)m;
}

int
op_listen(const char *path, int backlog, const char *key, int *owned)
{
	struct sockaddr_un	 sun;
	const char		*fds = getenv("LISTEN_FDS");
	const char		*pid = getenv("LISTEN_PID");
	long long		 n, p;
	int			 fd;

	*owned = 0;
	if (fds != NULL && pid != NULL && op_strtonum(fds, 1, 1, &n) == OP_OK &&
	    op_strtonum(pid, 1, 1LL << 31, &p) == OP_OK && p == getpid())
		return 3;	/* SD_LISTEN_FDS_START */
	if (path == NULL || *path == '\0') {
		op_error("no socket: set %s or run under systemd", key);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%ld", path,
	    (long)getpid()) >= (int)sizeof(sun.sun_path)) {
		op_error("%s is too long for a unix socket path", key);
		return -1;
	}
	unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, backlog) < 0 || chmod(sun.sun_path, socket_mode()) < 0 ||
	    rename(sun.sun_path, path) < 0 || stat(path, &bound) < 0) {
		op_error("cannot listen on %s: %s", path, strerror(errno));
		unlink(sun.sun_path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*owned = 1;
	return fd;
}

int
op_listen_holds(const char *path)
{
	struct stat	st;

	return bound.st_ino != 0 && stat(path, &st) == 0 &&
	    st.st_dev == bound.st_dev && st.st_ino == bound.st_ino;
}

void
op_listen_release(const char *path)
{
	if (op_listen_holds(path))
		unlink(path);
	memset(&bound, 0, sizeof(bound));
}

void
op_signal(int sig, void (*handler)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

unsigned
op_idle_exit_s(void)
{
	return (unsigned)op_config_int("OP_IDLE_EXIT_S", 60, 0, 86400);
}
