/*
 * session.c — one connection, in a process of its own: read the upgrade
 * request under hard limits, check it is one, check Origin (before the
 * ticket, so a page on another site cannot burn a ticket), use the ticket,
 * start the exec session, and only then answer 101 and pump. Every
 * refusal before the upgrade is a plain HTTP answer in the API's error
 * format.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terminal.h"

#define TERMINAL_PATH	"/api/terminal"

/* The request id nginx passed, if it looks like one. */
static void
request_id(const struct http_request *req)
{
	const char	*id = http_header(req, "X-Request-Id");
	size_t		 i;

	if (id == NULL || strlen(id) > 64)
		return;
	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' &&
		    id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    id[i] == '-'))
			return;
	op_log_request_id(id);
}

/* Check everything a ticket does not: path, method, the handshake, and
 * Origin. Answers the refusal itself; 0 when the request may go on. */
static int
check_request(int fd, const struct http_request *req, char accept[29])
{
	const char	*version = http_header(req, "Sec-WebSocket-Version");

	if (strcmp(req->path, TERMINAL_PATH) != 0) {
		http_error(fd, 404, "not_found", "no such endpoint", NULL);
		return -1;
	}
	if (strcmp(req->method, "GET") != 0) {
		http_error(fd, 405, "method_not_allowed", "the terminal is "
		    "opened with a WebSocket GET", "Allow: GET\r\n");
		return -1;
	}
	if (!http_header_has(req, "Upgrade", "websocket") ||
	    !http_header_has(req, "Connection", "upgrade")) {
		http_error(fd, 426, "upgrade_required", "the terminal speaks "
		    "WebSocket only", "Upgrade: websocket\r\n"
		    "Connection: Upgrade\r\n");
		return -1;
	}
	if (version == NULL || strcmp(version, "13") != 0) {
		http_error(fd, 426, "unsupported_websocket_version",
		    "Sec-WebSocket-Version must be 13",
		    "Sec-WebSocket-Version: 13\r\n");
		return -1;
	}
	if (ws_accept_key(http_header(req, "Sec-WebSocket-Key"), accept) !=
	    OP_OK) {
		http_error(fd, 400, "bad_handshake", "Sec-WebSocket-Key must be "
		    "the base64 of 16 bytes", NULL);
		return -1;
	}
	if (!http_origin_allowed(http_header(req, "Origin"),
	    http_header(req, "Host"), op_config_get("OP_TERMINAL_ORIGINS",
	    NULL))) {
		op_info("terminal refused: origin not allowed");
		http_error(fd, 403, "origin_forbidden", "the terminal may only "
		    "be opened from the panel's own pages", NULL);
		return -1;
	}
	return 0;
}

/* Use the ?ticket=; answers the refusal itself, 0 when it is good. */
static int
use_ticket(int fd, const struct http_request *req, struct ticket *t)
{
	char		value[TICKET_LEN + 2];
	enum op_err	er;

	er = http_query(req, "ticket", value, sizeof(value));
	if (er == OP_ENOTFOUND) {
		http_error(fd, 401, "ticket_required", "open the terminal with "
		    "the url from POST /api/containers/{id}/terminal", NULL);
		return -1;
	}
	if (er == OP_OK)
		er = ticket_consume(value, t);
	op_wipe(value, sizeof(value));
	if (er == OP_OK)
		return 0;
	if (er == OP_EUNAVAIL || er == OP_ENOMEM || er == OP_EINTERNAL)
		http_error(fd, 503, "unavailable", "a service the panel depends "
		    "on is unavailable", NULL);
	else {
		op_info("terminal refused: bad ticket");
		http_error(fd, 401, "ticket_invalid", "the ticket is unknown, "
		    "used or expired: ask for a new one", NULL);
	}
	return -1;
}

/* The 101 that turns the connection into a WebSocket. */
static enum op_err
upgrade(int fd, const char accept[29])
{
	char	head[256];
	int	n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (n < 0 || (size_t)n >= sizeof(head))
		return OP_EINTERNAL;
	return op_fd_write_all(fd, head, (size_t)n, HANDSHAKE_MS,
	    &terminal_waitmask);
}

void
session_run(int fd)
{
	static struct http_request	 req;
	static struct exec_session	 ex;
	struct ticket			 t;
	struct bridge_stats		 st;
	long long			 t0;
	char				 accept[29];
	enum op_err			 er;

	memset(&t, 0, sizeof(t));
	memset(&ex, 0, sizeof(ex));
	ex.fd = -1;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return;
	er = http_read_head(fd, req.buf, HEAD_MAX, HANDSHAKE_MS, &req.len,
	    &req.head_len);
	if (er == OP_OK)
		er = http_parse_request(&req);
	if (er == OP_ETOOLARGE) {
		http_error(fd, 431, "headers_too_large", "the request line and "
		    "headers must fit in 8 KiB", NULL);
		return;
	}
	if (er == OP_EBADREQ) {
		http_error(fd, 400, "bad_request", "the request is malformed",
		    NULL);
		return;
	}
	if (er != OP_OK)
		return;		/* timed out, went away, or we are stopping */
	request_id(&req);
	if (check_request(fd, &req, accept) < 0 ||
	    use_ticket(fd, &req, &t) < 0)
		goto out;
	if ((er = exec_open(&ex, t.docker_id, t.command)) != OP_OK) {
		op_warn("terminal on container %s: %s", t.container_id,
		    ex.why ? ex.why : op_err_code(er));
		if (er == OP_ECONFLICT)
			http_error(fd, 409, "not_running", ex.why, NULL);
		else
			http_error(fd, 503, "docker_unavailable", "the Docker "
			    "engine is not answering", NULL);
		goto out;
	}
	if (upgrade(fd, accept) != OP_OK)
		goto out;
	(void)exec_resize(&ex, t.cols, t.rows);
	op_info("terminal opened: container %s, user %s, exec %.12s",
	    t.container_id, t.user_id, ex.id);
	t0 = op_mono_ms();
	bridge_run(fd, (const unsigned char *)req.buf + req.head_len,
	    req.len - req.head_len, &ex, &st);
	exec_hangup(&ex);	/* when the command outlived the session */
	op_info("terminal closed: container %s, user %s, %lld s, %llu bytes "
	    "in, %llu out, exit %d: %s", t.container_id, t.user_id,
	    (op_mono_ms() - t0) / 1000, (unsigned long long)st.in,
	    (unsigned long long)st.out, st.exit_code, st.reason);
out:
	exec_close(&ex);
	ticket_clear(&t);
}
