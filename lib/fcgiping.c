/*
 * fcgiping.c — is a FastCGI pool answering? The health check behind
 * /health and `op-* --check`.
 *
 * We connect to the pool's unix socket and send one management record,
 * FCGI_GET_VALUES asking for FCGI_MAX_CONNS (FastCGI 1.0, section 4.1).
 * libfcgi answers it inside FCGX_Accept_r, so an answer means a worker
 * is free to accept; a pool whose workers are all stuck never answers.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"

#define FCGI_VERSION_1			1
#define FCGI_GET_VALUES			9
#define FCGI_GET_VALUES_RESULT		10
#define FCGI_HEADER_LEN			8
#define PING_RETRY_MS			10	/* backlog full: try again */

/*
 * FCGI_GET_VALUES, request id 0, one name-value pair: FCGI_MAX_CONNS.
 *
 * Why the padding: libfcgi 2.4.2 (FillBuffProc) looks for more input
 * before it notices that a record has ended, so a record whose last byte
 * is the last byte we send leaves its worker blocked in read() and never
 * answered. With padding after the content the worker still has bytes in
 * hand when the content ends, reaches the end of the record, and answers.
 * Padding is legal on any record (FastCGI 1.0, section 3.3).
 */
static const unsigned char ping[] = {
	FCGI_VERSION_1, FCGI_GET_VALUES, 0, 0,	/* version, type, id */
	0, 16, 8, 0,				/* length, padding */
	14, 0,					/* name and value lengths */
	'F', 'C', 'G', 'I', '_', 'M', 'A', 'X', '_', 'C', 'O', 'N', 'N', 'S',
	0, 0, 0, 0, 0, 0, 0, 0,			/* padding */
};

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 n;

	for (;;) {
		if ((left = deadline - op_mono_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 1)
			return 1;
	}
}

/*
 * Connect fd to sun before deadline. A unix socket whose backlog is full
 * says EAGAIN rather than EINPROGRESS; that is a busy pool, not a dead
 * one, so it is retried until the deadline.
 */
static int
connect_by(int fd, const struct sockaddr_un *sun, int64_t deadline)
{
	struct timespec	 ts = { 0, PING_RETRY_MS * 1000000L };
	socklen_t	 len;
	int		 err;

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sun,
		    sizeof(*sun)) == 0)
			return 0;
		if (errno == EINTR || errno == EINPROGRESS)
			break;
		if (errno != EAGAIN || op_mono_ms() >= deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
	if (wait_fd(fd, POLLOUT, deadline) != 1)
		return -1;
	len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0)
		return -1;
	return 0;
}

/*
 * Ask the FastCGI server at the unix socket path for FCGI_GET_VALUES:
 * OP_OK when an FCGI_GET_VALUES_RESULT comes back within timeout_ms,
 * OP_EUNAVAIL when nothing listens, nothing answers in time or the
 * answer is something else. OP_EINVAL for a path too long for a socket
 * address or a timeout that is not positive.
 */
enum op_err
op_fcgi_ping(const char *path, int timeout_ms)
{
	struct sockaddr_un	 sun;
	unsigned char		 hdr[FCGI_HEADER_LEN];
	size_t			 off;
	ssize_t			 n;
	int64_t			 deadline;
	int			 fd = -1;
	enum op_err		 er = OP_EINVAL;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path == NULL || timeout_ms <= 0 || path[0] == '\0' ||
	    strlen(path) >= sizeof(sun.sun_path))
		goto out;
	memcpy(sun.sun_path, path, strlen(path));
	deadline = op_mono_ms() + timeout_ms;

	er = OP_EUNAVAIL;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto out;
	if (connect_by(fd, &sun, deadline) == -1)
		goto out;

	for (off = 0; off < sizeof(ping); off += (size_t)n) {
		n = send(fd, ping + off, sizeof(ping) - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
			n = 0;
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				goto out;
		} else if (n == -1)
			goto out;
	}

	/* The header is enough: its type says whether it is the answer. */
	for (off = 0; off < sizeof(hdr); off += (size_t)n) {
		n = recv(fd, hdr + off, sizeof(hdr) - off, 0);
		if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
			n = 0;
			if (wait_fd(fd, POLLIN, deadline) != 1)
				goto out;
		} else if (n <= 0)
			goto out;	/* closed on us, or failed */
	}
	if (hdr[0] == FCGI_VERSION_1 && hdr[1] == FCGI_GET_VALUES_RESULT &&
	    hdr[2] == 0 && hdr[3] == 0)
		er = OP_OK;
out:
	if (fd != -1)
		close(fd);
	return er;
}
