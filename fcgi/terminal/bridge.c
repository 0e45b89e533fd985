/*
 * bridge.c — the pump between a client's WebSocket and an exec session's
 * TTY stream, both non-blocking under one ppoll(). Client binary frames
 * are keystrokes; text frames are JSON: {"type":"input","data":"…"} or
 * {"type":"resize","cols":N,"rows":N}. The TTY's output goes back as
 * binary frames (it may split a UTF-8 sequence anywhere).
 *
 * Each direction has a bounded queue, and a side is read only while the
 * queue it feeds has room for the most one read can add, so a client
 * that types faster than the command reads (or a command that prints
 * faster than the client takes it) slows down, and memory never grows.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"

#define TO_EXEC_CAP	(WS_MESSAGE_MAX + 2 * IO_CHUNK)
#define TO_CLIENT_CAP	(4 * IO_CHUNK)
#define SIZE_MAX_CELLS	1000		/* cols and rows */

struct queue {
	unsigned char	*data;
	size_t		 cap, off, len;
};

struct bridge {
	int			 client;
	struct exec_session	*ex;
	struct bridge_stats	*st;
	struct ws_parser	 parser;
	struct queue		 to_exec, to_client;
	int			 closing;	/* our close frame is queued */
	int			 peer_closed;	/* the client's close came */
	int			 broken;	/* nothing more can be sent */
	long long		 deadline;	/* for the close handshake */
	long long		 last_rx;
	long long		 next_ping;
	unsigned char		 msg[WS_MESSAGE_MAX];
	unsigned char		 exec_buf[TO_EXEC_CAP];
	unsigned char		 client_buf[TO_CLIENT_CAP];
	unsigned char		 rbuf[IO_CHUNK];
};

static size_t
q_room(const struct queue *q)
{
	return q->cap - q->len;
}

/* Append n bytes; -1 when they do not fit (never when the caller
 * checked the room before reading). */
static int
q_add(struct queue *q, const void *p, size_t n)
{
	if (n > q_room(q))
		return -1;
	if (q->off + q->len + n > q->cap) {
		memmove(q->data, q->data + q->off, q->len);
		q->off = 0;
	}
	memcpy(q->data + q->off + q->len, p, n);
	q->len += n;
	return 0;
}

/* Write what fd takes now; -1 when the peer is gone. */
static int
q_flush(struct queue *q, int fd)
{
	ssize_t	n;

	while (q->len > 0) {
		n = write(fd, q->data + q->off, q->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		q->off += (size_t)n;
		q->len -= (size_t)n;
	}
	q->off = 0;
	return 0;
}

static int
send_frame(struct bridge *b, int opcode, const void *p, size_t n)
{
	unsigned char	head[WS_HEADER_MAX];
	size_t		hlen = ws_frame_header(head, opcode, 1, n);

	if (q_room(&b->to_client) < hlen + n)
		return -1;
	(void)q_add(&b->to_client, head, hlen);
	return q_add(&b->to_client, p, n);
}

/* Queue our close frame (once) and stop taking input. code 1005: none. */
static void
send_close(struct bridge *b, int code, const char *why)
{
	unsigned char	payload[WS_CONTROL_MAX];
	size_t		n = 0;

	if (b->closing)
		return;
	b->closing = 1;
	b->deadline = op_mono_ms() + CLOSE_MS;
	if (code != WS_CLOSE_NO_STATUS) {
		payload[0] = (unsigned char)(code >> 8);
		payload[1] = (unsigned char)code;
		n = 2 + (size_t)snprintf((char *)payload + 2,
		    sizeof(payload) - 2, "%s", why);
		if (n > sizeof(payload))
			n = sizeof(payload);
	}
	if (send_frame(b, WS_CLOSE, payload, n) < 0)
		b->broken = 1;
}

/* An integer member in [1, SIZE_MAX_CELLS], or 0. */
static int
cells(json_t *o, const char *key)
{
	json_t		*v = json_object_get(o, key);
	json_int_t	 i;

	if (!json_is_integer(v))
		return 0;
	i = json_integer_value(v);
	return i >= 1 && i <= SIZE_MAX_CELLS ? (int)i : 0;
}

/* A text frame: one JSON control message. */
static void
on_text(struct bridge *b, const unsigned char *p, size_t n)
{
	json_t		*j, *data;
	const char	*type;
	int		 cols, rows, ok = 0;

	j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL, NULL);
	type = json_string_value(json_object_get(j, "type"));
	if (type != NULL && strcmp(type, "input") == 0 &&
	    json_object_size(j) == 2 &&
	    json_is_string(data = json_object_get(j, "data"))) {
		ok = q_add(&b->to_exec, json_string_value(data),
		    json_string_length(data)) == 0;
		b->st->in += json_string_length(data);
	} else if (type != NULL && strcmp(type, "resize") == 0 &&
	    json_object_size(j) == 3 && (cols = cells(j, "cols")) > 0 &&
	    (rows = cells(j, "rows")) > 0) {
		(void)exec_resize(b->ex, cols, rows);	/* logged there */
		ok = 1;
	}
	json_decref(j);
	if (!ok) {
		b->st->reason = "unsupported message";
		send_close(b, WS_CLOSE_UNSUPPORTED, "expected {\"type\":"
		    "\"input\",\"data\":…} or {\"type\":\"resize\",\"cols\":N,"
		    "\"rows\":N}");
	}
}

/* Bytes from the client: frames, handled message by message. */
static void
on_client(struct bridge *b, const unsigned char *p, size_t n)
{
	struct ws_message	m;
	size_t			used;
	int			code;

	b->last_rx = op_mono_ms();
	while (n > 0 && !b->peer_closed) {
		switch (ws_parse(&b->parser, p, n, &used, &m, &code)) {
		case WS_MORE:
			return;
		case WS_ERROR:
			b->st->reason = "protocol error";
			send_close(b, code, "protocol error");
			b->peer_closed = 1;	/* nothing more makes sense */
			return;
		case WS_MESSAGE:
			break;
		}
		p += used;
		n -= used;
		if (m.opcode == WS_CLOSE) {
			b->peer_closed = 1;
			if (!b->closing)
				b->st->reason = "closed by the client";
			/* Echo its code, as RFC 6455 §5.5.1 suggests. */
			send_close(b, m.close_code, "");
		} else if (b->closing)
			continue;	/* after our close: dropped */
		else if (m.opcode == WS_BINARY) {
			if (q_add(&b->to_exec, m.data, m.len) < 0)
				b->broken = 1;
			b->st->in += m.len;
		} else if (m.opcode == WS_TEXT)
			on_text(b, m.data, m.len);
		else if (m.opcode == WS_PING &&
		    send_frame(b, WS_PONG, m.data, m.len) < 0)
			b->broken = 1;
	}
}

/* The command ended: say how, then close. */
static void
on_exec_end(struct bridge *b)
{
	char	text[64];
	int	n;

	if (b->ex->fd >= 0) {
		close(b->ex->fd);
		b->ex->fd = -1;
	}
	if (b->closing)
		return;
	b->st->exit_code = exec_exit_code(b->ex);
	b->st->reason = "the command ended";
	if (b->st->exit_code >= 0)
		n = snprintf(text, sizeof(text), "{\"type\":\"exit\","
		    "\"code\":%d}", b->st->exit_code);
	else
		n = snprintf(text, sizeof(text), "{\"type\":\"exit\","
		    "\"code\":null}");
	(void)send_frame(b, WS_TEXT, text, (size_t)n);
	send_close(b, WS_CLOSE_NORMAL, "the command ended");
}

/* How long ppoll may wait: until the next timer. */
static struct timespec
wait_for(const struct bridge *b, long long now)
{
	struct timespec	ts;
	long long	until = b->next_ping, idle = b->last_rx +
			    IDLE_SECONDS * 1000LL;

	if (idle < until)
		until = idle;
	if (b->closing && b->deadline < until)
		until = b->deadline;
	until -= now;
	if (until < 0)
		until = 0;
	ts.tv_sec = until / 1000;
	ts.tv_nsec = (until % 1000) * 1000000;
	return ts;
}

/* Timers and signals, before each wait. */
static void
tick(struct bridge *b, long long now)
{
	if (terminal_stop && !b->closing) {
		b->st->reason = "the server is stopping";
		send_close(b, WS_CLOSE_GOING_AWAY, "the server is stopping");
	}
	if (now - b->last_rx >= IDLE_SECONDS * 1000LL && !b->closing) {
		b->st->reason = "the client stopped answering";
		send_close(b, WS_CLOSE_GOING_AWAY, "no answer to pings");
	}
	if (now >= b->next_ping && !b->closing) {
		if (send_frame(b, WS_PING, "", 0) < 0)
			b->broken = 1;
		b->next_ping = now + PING_SECONDS * 1000LL;
	}
}

/* One round of reads and writes after ppoll; -1 when the session is
 * over. */
static int
io(struct bridge *b, const struct pollfd *pfd)
{
	ssize_t	n;

	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		n = read(b->client, b->rbuf, sizeof(b->rbuf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			if (!b->closing)
				b->st->reason = "the client went away";
			return -1;
		}
		if (n > 0)
			on_client(b, b->rbuf, (size_t)n);
	}
	if (b->ex->fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(b->ex->fd, b->rbuf, sizeof(b->rbuf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			on_exec_end(b);
		else if (n > 0) {
			b->st->out += (uint64_t)n;
			if (send_frame(b, WS_BINARY, b->rbuf, (size_t)n) < 0)
				b->broken = 1;
		}
	}
	if (b->ex->fd >= 0 && b->to_exec.len > 0 &&
	    q_flush(&b->to_exec, b->ex->fd) < 0)
		on_exec_end(b);
	if (q_flush(&b->to_client, b->client) < 0) {
		if (!b->closing)
			b->st->reason = "the client went away";
		return -1;
	}
	return 0;
}

void
bridge_run(int client, const unsigned char *early, size_t nearly,
    struct exec_session *ex, struct bridge_stats *st)
{
	static struct bridge	 bridge;
	struct bridge		*b = &bridge;
	struct pollfd		 pfd[2];
	struct timespec		 ts;
	long long		 now;
	int			 n;

	memset(b, 0, sizeof(*b));
	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	b->client = client;
	b->ex = ex;
	b->st = st;
	b->to_exec.data = b->exec_buf;
	b->to_exec.cap = sizeof(b->exec_buf);
	b->to_client.data = b->client_buf;
	b->to_client.cap = sizeof(b->client_buf);
	ws_parser_init(&b->parser, b->msg, sizeof(b->msg), 1);
	b->last_rx = op_mono_ms();
	b->next_ping = b->last_rx + PING_SECONDS * 1000LL;
	if (ex->nearly > 0 &&
	    send_frame(b, WS_BINARY, ex->early, ex->nearly) == 0)
		st->out += ex->nearly;
	if (nearly > 0)
		on_client(b, early, nearly);
	for (;;) {
		now = op_mono_ms();
		tick(b, now);
		if (b->broken)
			break;
		/* Closed both ways, or the client never answered ours. */
		if (b->closing && b->to_client.len == 0 && (b->peer_closed ||
		    now >= b->deadline))
			break;
		if (b->closing && now >= b->deadline)
			break;
		pfd[0].fd = client;
		pfd[0].events = 0;
		if (!b->peer_closed && (b->closing ||
		    (q_room(&b->to_exec) >= WS_MESSAGE_MAX + IO_CHUNK &&
		    q_room(&b->to_client) >= IO_CHUNK + 2 * WS_HEADER_MAX +
		    WS_CONTROL_MAX)))
			pfd[0].events |= POLLIN;
		else
			b->last_rx = now;	/* not listening: not idle */
		if (b->to_client.len > 0)
			pfd[0].events |= POLLOUT;
		pfd[1].fd = ex->fd;
		pfd[1].events = 0;
		if (ex->fd >= 0 && !b->closing &&
		    q_room(&b->to_client) >= IO_CHUNK + 2 * WS_HEADER_MAX +
		    WS_CONTROL_MAX + 64)
			pfd[1].events |= POLLIN;
		if (ex->fd >= 0 && b->to_exec.len > 0)
			pfd[1].events |= POLLOUT;
		ts = wait_for(b, now);
		n = ppoll(pfd, 2, &ts, &terminal_waitmask);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && io(b, pfd) < 0)
			break;
	}
	if (st->reason == NULL)
		st->reason = b->broken ? "a queue overflowed" : "closed";
}
