/*
 * fd.c — writing a whole buffer to a file descriptor, blocking or not,
 * under a deadline: for the programs that speak over raw descriptors
 * (op-terminal's sockets, op-gateway's control door), and the monotonic
 * clock such deadlines count on. libc only, so that op-gateway, which
 * links nothing else, can have it.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"

long long
op_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd can be written or deadline (ms, monotonic) passes, with
 * waitmask the signal mask while waiting (NULL: as it is): 1 ready, 0
 * timed out, -1 failed. */
static int
wait_writable(int fd, long long deadline, const sigset_t *waitmask)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };
	struct timespec	ts;
	long long	left;
	int		n;

	for (;;) {
		if ((left = deadline - op_mono_ms()) <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		n = ppoll(&pfd, 1, &ts, waitmask);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

enum op_err
op_fd_write_all(int fd, const void *buf, size_t len, int timeout_ms,
    const sigset_t *waitmask)
{
	const char	*p = buf;
	long long	 deadline = op_mono_ms() + timeout_ms;
	ssize_t		 n;
	int		 w;

	while (len > 0) {
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return OP_EIO;
		if ((w = wait_writable(fd, deadline, waitmask)) <= 0)
			return w == 0 ? OP_ETIMEOUT : OP_EIO;
	}
	return OP_OK;
}
