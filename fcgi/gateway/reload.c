/*
 * reload.c — reload the gateway and wait until it runs the new
 * configuration.
 *
 * `nginx -s reload` only signals the master. The master then reads the
 * configuration, starts new workers, and about 100 ms later tells the old
 * ones to stop; until they do, a new connection may reach either. So a
 * panel that answered as soon as the signal went (a domain added) could
 * send its client to a gateway still routing the old way. Here the master
 * is sent SIGHUP, and the reload is over once every worker it had before
 * has gone or is shutting down (nginx renames such a worker "worker
 * process is shutting down" as it closes its listening sockets) and a new
 * one runs. A master that keeps its old workers refused the configuration:
 * that is an error, where nginx -s reload would have answered success.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway.h"

#define WORKERS_MAX	256	/* children of the master looked at */
#define POLL_MS		10
#define MASTER_TITLE	"nginx: master process"

/* Read up to cap-1 bytes of a small file (under /proc), NUL-terminated:
 * its length, or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t cap)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while ((n = read(fd, buf, cap - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The title process pid runs under (its argv, which nginx rewrites), with
 * the NULs between words made spaces; "" when it is gone. */
static void
title(long pid, char *out, size_t cap)
{
	char	path[64];
	ssize_t	n, i;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((n = slurp(path, out, cap)) < 0) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
}

/* The parent of process pid (from /proc/PID/stat), or -1. */
static long
parent_of(long pid)
{
	char	path[64], buf[512], *p;
	long	ppid;
	char	state;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	/* The name in parentheses may hold anything: the fields after the
	 * last ')' are the state, then the parent. */
	if (slurp(path, buf, sizeof(buf)) < 0 ||
	    (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %c %ld", &state, &ppid) != 2 || state == 'Z')
		return -1;
	return ppid;
}

/* Is pid a worker of the master that still takes connections? */
static int
accepting(long pid)
{
	char	t[256];

	title(pid, t, sizeof(t));
	return t[0] != '\0' && strstr(t, "shutting down") == NULL;
}

/* The master's children that take connections, in out[]: how many. */
static size_t
workers(long master, long out[WORKERS_MAX])
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n = 0;
	long		 pid;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (n < WORKERS_MAX && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = strtol(e->d_name, NULL, 10);
		if (parent_of(pid) == master && accepting(pid))
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

static int
listed(long pid, const long *set, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* Has the reload taken: none of old[] still accepting, and a new worker
 * that does? */
static int
taken(long master, const long *old, size_t nold)
{
	long	now[WORKERS_MAX];
	size_t	n = workers(master, now), i;

	for (i = 0; i < n; i++)
		if (listed(now[i], old, nold))
			return 0;
	return n > 0;
}

/* The gateway's master from the pid file at path, checked to be one: an
 * nginx master process (a stale file names a stranger, never signalled);
 * -1 with why said. */
static long
master_of(const char *path, struct op_buf *why)
{
	char	buf[32], t[256], *end;
	long	pid;

	if (slurp(path, buf, sizeof(buf)) <= 0) {
		(void)op_buf_addf(why, "the gateway is not running (no pid "
		    "in %s)", path);
		return -1;
	}
	pid = strtol(buf, &end, 10);
	title(pid, t, sizeof(t));
	if (pid <= 1 || (*end != '\n' && *end != '\0') ||
	    strncmp(t, MASTER_TITLE, sizeof(MASTER_TITLE) - 1) != 0) {
		(void)op_buf_addf(why, "the gateway is not running (%s names "
		    "no nginx master)", path);
		return -1;
	}
	return pid;
}

int
gateway_reload(const char *pid_path, int timeout_ms, struct op_buf *why)
{
	long		 old[WORKERS_MAX], master;
	size_t		 nold;
	long long	 deadline;

	if ((master = master_of(pid_path, why)) < 0)
		return -1;
	nold = workers(master, old);
	if (kill((pid_t)master, SIGHUP) != 0) {
		(void)op_buf_addf(why, "cannot signal the gateway: %s",
		    strerror(errno));
		return -1;
	}
	deadline = op_mono_ms() + timeout_ms;
	while (!taken(master, old, nold)) {
		if (op_mono_ms() >= deadline) {
			(void)op_buf_addf(why, "nginx kept its old "
			    "configuration for %d s after the reload: see "
			    "its error log", timeout_ms / 1000);
			return -1;
		}
		usleep(POLL_MS * 1000);
	}
	return 0;
}
