/*
 * exec.c — a Docker exec session with a TTY. The exec is created and
 * resized through lib's engine client; starting it takes over an HTTP
 * connection ("Connection: Upgrade, Upgrade: tcp"), which libcurl cannot
 * hand back, so that request is written here by hand on a unix socket of
 * its own, and after the engine's 101 the socket is the raw TTY stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"

#define API_VERSION	"v1.41"		/* as lib/docker.c pins it */

/* An engine object id: hex, as the engine makes them. */
static int
engine_id(const char *s, size_t max)
{
	size_t	n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n > 0 && n <= max;
}

static const char *
socket_path(void)
{
	return op_config_get("OP_DOCKER_SOCKET", "/var/run/docker.sock");
}

static enum op_err
create(struct exec_session *s, const char *docker_id, json_t *command)
{
	json_t		*body, *reply = NULL;
	const char	*id;
	char		 path[128];
	long		 status;
	enum op_err	 er;

	body = json_pack("{s:b, s:b, s:b, s:b, s:O, s:[s]}", "AttachStdin", 1,
	    "AttachStdout", 1, "AttachStderr", 1, "Tty", 1, "Cmd", command,
	    "Env", "TERM=xterm-256color");
	if (body == NULL)
		return OP_ENOMEM;
	snprintf(path, sizeof(path), "/containers/%s/exec", docker_id);
	er = op_docker_call(s->docker, "POST", path, body, ENGINE_MS, &status,
	    &reply);
	json_decref(body);
	if (er != OP_OK) {
		s->why = "the Docker engine is not answering";
		er = er == OP_ENOMEM ? er : OP_EUNAVAIL;
	} else if (status == 404 || status == 409) {
		s->why = status == 404 ? "the container no longer exists" :
		    "the container is not running";
		er = OP_ECONFLICT;
	} else if (status != 201 || (id = json_string_value(json_object_get(
	    reply, "Id"))) == NULL || !engine_id(id, sizeof(s->id) - 1)) {
		op_warn("exec create: %ld %s", status, op_docker_message(reply));
		s->why = "the Docker engine refused the exec session";
		er = OP_ECONFLICT;
	} else
		snprintf(s->id, sizeof(s->id), "%s", id);
	json_decref(reply);
	return er;
}

/* POST /exec/{id}/start, upgraded: on OP_OK s->fd is the TTY stream. */
static enum op_err
start(struct exec_session *s)
{
	static const char body[] = "{\"Detach\":false,\"Tty\":true}";
	char		 req[512];
	size_t		 len, head_len;
	int		 n, status, fd;
	enum op_err	 er;

	if ((fd = op_docker_dial()) < 0) {
		s->why = "the Docker engine is not answering";
		return OP_EUNAVAIL;
	}
	n = snprintf(req, sizeof(req), "POST /" API_VERSION "/exec/%s/start"
	    " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
	    "\r\n%s", s->id, sizeof(body) - 1, body);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		close(fd);
		return OP_EINTERNAL;
	}
	if ((er = op_fd_write_all(fd, req, (size_t)n, ENGINE_MS,
	    &terminal_waitmask)) != OP_OK ||
	    (er = http_read_head(fd, (char *)s->early, sizeof(s->early),
	    ENGINE_MS, &len, &head_len)) != OP_OK) {
		close(fd);
		s->why = "the Docker engine is not answering";
		return OP_EUNAVAIL;
	}
	status = http_status((const char *)s->early, head_len);
	/* 101 when the engine honours the upgrade; older ones answer 200
	 * and take the connection over all the same. */
	if (status != 101 && status != 200) {
		op_warn("exec start: status %d", status);
		close(fd);
		s->why = status == 409 ? "the container is not running" :
		    "the Docker engine refused the exec session";
		return OP_ECONFLICT;
	}
	/* What came after the head is the command's first output. */
	s->nearly = len - head_len;
	memmove(s->early, s->early + head_len, s->nearly);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return OP_EIO;
	}
	s->fd = fd;
	return OP_OK;
}

enum op_err
exec_open(struct exec_session *s, const char *docker_id, json_t *command)
{
	enum op_err	er;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (!engine_id(docker_id, 64)) {
		s->why = "the container has no engine container";
		return OP_ECONFLICT;
	}
	if ((er = op_docker_open(socket_path(), &s->docker)) != OP_OK) {
		s->why = "the Docker engine is not answering";
		return er;
	}
	if ((er = create(s, docker_id, command)) != OP_OK)
		return er;
	return start(s);
}

enum op_err
exec_resize(struct exec_session *s, int cols, int rows)
{
	json_t		*reply = NULL;
	char		 path[160];
	long		 status;
	enum op_err	 er;

	snprintf(path, sizeof(path), "/exec/%s/resize?h=%d&w=%d", s->id, rows,
	    cols);
	er = op_docker_call(s->docker, "POST", path, NULL, ENGINE_MS, &status,
	    &reply);
	if (er == OP_OK && status != 200 && status != 201) {
		op_warn("exec resize: %ld %s", status, op_docker_message(reply));
		er = OP_ECONFLICT;
	}
	json_decref(reply);
	return er;
}

int
exec_exit_code(struct exec_session *s)
{
	struct timespec	 pause = { 0, 100 * 1000000L };
	json_t		*reply = NULL, *code;
	char		 path[128];
	long		 status;
	int		 tries, rc = -1;

	snprintf(path, sizeof(path), "/exec/%s/json", s->id);
	/* The stream ends a moment before the engine records the exit. */
	for (tries = 0; tries < 20 && rc < 0; tries++) {
		if (op_docker_call(s->docker, "GET", path, NULL, ENGINE_MS,
		    &status, &reply) != OP_OK || status != 200)
			break;
		code = json_object_get(reply, "ExitCode");
		if (!json_is_true(json_object_get(reply, "Running")) &&
		    json_is_integer(code))
			rc = (int)json_integer_value(code);
		json_decref(reply);
		reply = NULL;
		if (rc < 0)
			nanosleep(&pause, NULL);
	}
	json_decref(reply);
	return rc;
}

/* Read (and drop) what the command prints for up to ms: 1 when its
 * stream ended. */
static int
drain(int fd, long long ms)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 sink[IO_CHUNK];
	long long	 deadline = op_mono_ms() + ms, left = ms;
	ssize_t		 n;

	while (left > 0 && poll(&pfd, 1, (int)left) > 0) {
		n = read(fd, sink, sizeof(sink));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
		left = deadline - op_mono_ms();
	}
	return 0;
}

void
exec_hangup(struct exec_session *s)
{
	/* ^C for the program in the foreground; then, once the shell has
	 * dealt with it (an interrupt flushes pending input), ^D at its
	 * prompt, twice in case the first lands mid-line. */
	static const struct { char key; int wait_ms; } steps[] = {
		{ '\003', 200 }, { '\004', 600 }, { '\004', HANGUP_MS },
	};
	size_t	i;

	if (s->fd < 0)
		return;
	for (i = 0; i < nitems(steps); i++)
		if (write(s->fd, &steps[i].key, 1) < 0 ||
		    drain(s->fd, steps[i].wait_ms))
			return;
	op_warn("exec %.12s did not end when its terminal closed: it runs on "
	    "in the container", s->id);
}

void
exec_close(struct exec_session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	op_docker_close(s->docker);
	s->docker = NULL;
}
