/*
 * http.c — just enough HTTP/1.1 for a WebSocket upgrade: read a head
 * under a byte cap and a deadline, parse the request strictly, read its
 * query and headers, check Origin, answer errors in the API's format.
 * The same head reader takes the engine's answer to an exec start.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "terminal.h"

/* Headers a request may carry once only: a second copy is ambiguous. */
static const char *const singletons[] = {
	"host", "origin", "upgrade", "sec-websocket-key",
	"sec-websocket-version", "x-request-id",
};

/* Wait for events on fd until deadline (ms, monotonic), SIGTERM aside
 * when stoppable: 1 ready, 0 timed out, -1 failed or stopped. */
static int
wait_fd(int fd, short events, long long deadline, int stoppable)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	struct timespec	ts;
	long long	left;
	int		n;

	for (;;) {
		if (stoppable && terminal_stop)
			return -1;
		if ((left = deadline - op_mono_ms()) <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		n = ppoll(&pfd, 1, &ts, &terminal_waitmask);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

enum op_err
http_read_head(int fd, char *buf, size_t cap, int timeout_ms, size_t *len,
    size_t *head_len)
{
	long long	 deadline = op_mono_ms() + timeout_ms;
	size_t		 n = 0, from;
	ssize_t		 got;
	char		*end;
	int		 w;

	*len = 0;
	*head_len = 0;
	for (;;) {
		if (n == cap)
			return OP_ETOOLARGE;
		if ((w = wait_fd(fd, POLLIN, deadline, 1)) <= 0)
			return w == 0 ? OP_ETIMEOUT : terminal_stop ?
			    OP_EUNAVAIL : OP_EIO;
		got = read(fd, buf + n, cap - n);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return OP_EIO;
		from = n > 3 ? n - 3 : 0;
		n += (size_t)got;
		end = memmem(buf + from, n - from, "\r\n\r\n", 4);
		if (end != NULL) {
			*len = n;
			*head_len = (size_t)(end - buf) + 4;
			return OP_OK;
		}
	}
}

/* RFC 9110 token characters. */
static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* Cut the line at *p (ending in CRLF) and move *p past it; NULL at the
 * blank line's end or when no CRLF is left. */
static char *
next_line(char **p, char *end)
{
	char	*line = *p, *cr;

	if (line >= end || (cr = memmem(line, (size_t)(end - line), "\r\n",
	    2)) == NULL)
		return NULL;
	*cr = '\0';
	*p = cr + 2;
	return line;
}

static int
is_singleton(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(singletons); i++)
		if (strcasecmp(name, singletons[i]) == 0)
			return 1;
	return 0;
}

/* One "Name: value" line into h; 0 when malformed. */
static int
header_line(char *line, struct http_header *h)
{
	char	*colon, *v, *e;

	for (colon = line; is_tchar((unsigned char)*colon); colon++)
		;
	if (colon == line || *colon != ':')
		return 0;		/* no name, or space before the colon */
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	h->name = line;
	h->value = v;
	return 1;
}

enum op_err
http_parse_request(struct http_request *req)
{
	char		*p = req->buf, *end = req->buf + req->head_len, *line;
	char		*target, *version, *q;
	size_t		 i, j;

	req->nheaders = 0;
	req->method = req->path = req->query = NULL;
	if (req->head_len < 4 || req->head_len > HEAD_MAX)
		return OP_EBADREQ;
	/* Nothing but printable bytes, tabs and CRLF line ends in a head:
	 * a bare CR or LF would end up inside a value. */
	for (i = 0; i < req->head_len; i++) {
		unsigned char c = (unsigned char)req->buf[i];

		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			return OP_EBADREQ;
		if ((c == '\r' && (i + 1 == req->head_len ||
		    req->buf[i + 1] != '\n')) ||
		    (c == '\n' && (i == 0 || req->buf[i - 1] != '\r')))
			return OP_EBADREQ;
	}
	if ((line = next_line(&p, end)) == NULL)
		return OP_EBADREQ;
	/* METHOD SP target SP HTTP/1.1, single spaces. */
	if ((target = strchr(line, ' ')) == NULL)
		return OP_EBADREQ;
	*target++ = '\0';
	if ((version = strchr(target, ' ')) == NULL)
		return OP_EBADREQ;
	*version++ = '\0';
	for (i = 0; line[i] != '\0'; i++)
		if (!is_tchar((unsigned char)line[i]))
			return OP_EBADREQ;
	if (i == 0 || i > 16 || target[0] != '/' ||
	    strcmp(version, "HTTP/1.1") != 0 || strpbrk(target, " \t") != NULL)
		return OP_EBADREQ;
	req->method = line;
	if ((q = strchr(target, '?')) != NULL)
		*q++ = '\0';
	req->path = target;
	req->query = q != NULL ? q : "";
	while ((line = next_line(&p, end)) != NULL && *line != '\0') {
		if (*line == ' ' || *line == '\t')
			return OP_EBADREQ;	/* obsolete line folding */
		if (req->nheaders == HEADERS_MAX)
			return OP_ETOOLARGE;
		if (!header_line(line, &req->headers[req->nheaders]))
			return OP_EBADREQ;
		req->nheaders++;
	}
	if (line == NULL)
		return OP_EBADREQ;
	for (i = 0; i < req->nheaders; i++) {
		if (!is_singleton(req->headers[i].name))
			continue;
		for (j = i + 1; j < req->nheaders; j++)
			if (strcasecmp(req->headers[i].name,
			    req->headers[j].name) == 0)
				return OP_EBADREQ;
	}
	return OP_OK;
}

const char *
http_header(const struct http_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

int
http_header_has(const struct http_request *req, const char *name,
    const char *token)
{
	const char	*v, *e;
	size_t		 i, n = strlen(token), len;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) != 0)
			continue;
		for (v = req->headers[i].value; *v != '\0'; v = e) {
			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			for (e = v; *e != '\0' && *e != ','; e++)
				;
			for (len = (size_t)(e - v); len > 0 &&
			    (v[len - 1] == ' ' || v[len - 1] == '\t'); len--)
				;
			if (len == n && strncasecmp(v, token, n) == 0)
				return 1;
		}
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode v[0..len) into out; 0 when malformed or too long. */
static int
decode(const char *v, size_t len, char *out, size_t outsz)
{
	size_t	i, o = 0;
	int	hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (c == '%') {
			if (i + 2 >= len)
				return 0;
			if ((hi = hexval(v[i + 1])) < 0 ||
			    (lo = hexval(v[i + 2])) < 0)
				return 0;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= outsz)
			return 0;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 1;
}

enum op_err
http_query(const struct http_request *req, const char *name, char *out,
    size_t outsz)
{
	const char	*p = req->query, *e, *eq;
	size_t		 n = strlen(name);
	int		 found = 0;

	if (outsz > 0)
		out[0] = '\0';
	for (; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, '&');
		if (e == NULL)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		if ((size_t)((eq ? eq : e) - p) != n || strncmp(p, name, n) != 0)
			continue;
		if (found++ || !decode(eq ? eq + 1 : e, (size_t)(e -
		    (eq ? eq + 1 : e)), out, outsz)) {
			if (outsz > 0)
				out[0] = '\0';
			return OP_EBADREQ;
		}
	}
	return found ? OP_OK : OP_ENOTFOUND;
}

int
http_origin_allowed(const char *origin, const char *host,
    const char *allowed)
{
	const char	*p, *e;
	size_t		 n, len;

	if (origin == NULL || *origin == '\0')
		return 0;
	if (host != NULL && *host != '\0' &&
	    ((strncasecmp(origin, "http://", 7) == 0 &&
	    strcasecmp(origin + 7, host) == 0) ||
	    (strncasecmp(origin, "https://", 8) == 0 &&
	    strcasecmp(origin + 8, host) == 0)))
		return 1;
	if (allowed == NULL)
		return 0;
	n = strlen(origin);
	for (p = allowed; *p != '\0'; p = *e ? e + 1 : e) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		for (len = (size_t)(e - p); len > 0 && (p[len - 1] == ' ' ||
		    p[len - 1] == '\t'); len--)
			;
		if (len > 0 && len == n && strncasecmp(p, origin, n) == 0)
			return 1;
	}
	return 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void
http_error(int fd, int status, const char *code, const char *message,
    const char *extra_headers)
{
	json_t	*e;
	char	*body = NULL, head[512];
	int	 n;

	e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message",
	    message);
	if (e == NULL || (body = json_dumps(e, JSON_COMPACT)) == NULL)
		goto out;
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n", status,
	    reason(status), strlen(body), extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		goto out;
	if (op_fd_write_all(fd, head, (size_t)n, CLOSE_MS,
	    &terminal_waitmask) == OP_OK)
		(void)op_fd_write_all(fd, body, strlen(body), CLOSE_MS,
		    &terminal_waitmask);
out:
	free(body);
	json_decref(e);
}

int
http_status(const char *head, size_t len)
{
	int	s = 0, i;

	if (len < 12 || strncmp(head, "HTTP/1.", 7) != 0 ||
	    (head[7] != '0' && head[7] != '1') || head[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (head[i] < '0' || head[i] > '9')
			return -1;
		s = s * 10 + head[i] - '0';
	}
	if (len > 12 && head[12] != ' ' && head[12] != '\r')
		return -1;
	return s;
}
