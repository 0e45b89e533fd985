/*
 * fuzz_terminal_http.c — the upgrade request op-terminal reads itself:
 * the head as a client sends it, then a list of origins an operator
 * allows. A head either is refused or parses into a method of token
 * characters, a path from "/", headers with names and clean values and
 * no repeated singleton; a query argument comes back decoded, clean and
 * within its buffer, or refused; an origin is allowed only when it is
 * the request's own host or listed.
 */
#include <strings.h>

#include "fuzz.h"

#include "terminal.h"

/* http.c's SIGTERM flag and wait mask live in main.c, not linked here. */
volatile sig_atomic_t	terminal_stop;
sigset_t		terminal_waitmask;

static struct http_request	 req;

static void
check_clean(const char *s)
{
	for (; *s != '\0'; s++)
		FUZZ_ASSERT((unsigned char)*s >= 0x20 &&
		    (unsigned char)*s != 0x7f);
}

static void
check_headers(void)
{
	static const char	*single[] = { "Host", "Origin", "Upgrade",
	    "Sec-WebSocket-Key", "Sec-WebSocket-Version" };
	size_t			 i, j, seen;

	FUZZ_ASSERT(req.nheaders <= HEADERS_MAX);
	for (i = 0; i < req.nheaders; i++) {
		FUZZ_ASSERT(req.headers[i].name[0] != '\0');
		FUZZ_ASSERT(strpbrk(req.headers[i].name, " \t:\r\n") == NULL);
		FUZZ_ASSERT(strpbrk(req.headers[i].value, "\r\n") == NULL);
	}
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		for (seen = 0, j = 0; j < req.nheaders; j++)
			seen += strcasecmp(req.headers[j].name, single[i]) == 0;
		FUZZ_ASSERT(seen <= 1);
	}
}

static void
check_query(void)
{
	static const char	*names[] = { "ticket", "cols", "rows", "" };
	char			 out[64];
	size_t			 i;
	enum op_err		 er;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		er = http_query(&req, names[i], out, sizeof(out));
		FUZZ_ASSERT(er == OP_OK || er == OP_ENOTFOUND ||
		    er == OP_EBADREQ);
		FUZZ_ASSERT(strlen(out) < sizeof(out));
		if (er == OP_OK)
			check_clean(out);
		else
			FUZZ_ASSERT(out[0] == '\0');
	}
}

/* Allowed means the request's own host under http(s), or listed. */
static void
check_origin(const char *allowed)
{
	const char	*origin = http_header(&req, "Origin");
	const char	*host = http_header(&req, "Host");

	if (!http_origin_allowed(origin, host, allowed))
		return;
	FUZZ_ASSERT(origin != NULL && origin[0] != '\0');
	if (http_origin_allowed(origin, host, NULL))
		FUZZ_ASSERT(host != NULL && strlen(origin) > strlen(host) &&
		    strcasecmp(origin + strlen(origin) - strlen(host), host) ==
		    0);
	else
		FUZZ_ASSERT(allowed != NULL && strcasestr(allowed, origin) !=
		    NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*cut = memmem(data, size, "\r\n\r\n", 4);
	const uint8_t	*rest;
	char		*allowed;
	size_t		 head = cut != NULL ? (size_t)(cut - data) + 4 : size;

	if (head > HEAD_MAX)
		return 0;
	memset(&req, 0, sizeof(req));
	memcpy(req.buf, data, head);
	req.len = req.head_len = head;
	rest = data + head;
	if ((allowed = strndup((const char *)rest, size - head)) == NULL)
		abort();
	(void)http_status(req.buf, req.len);
	if (http_parse_request(&req) == OP_OK) {
		FUZZ_ASSERT(req.method != NULL && req.method[0] != '\0');
		FUZZ_ASSERT(req.path != NULL && req.path[0] == '/');
		FUZZ_ASSERT(req.query != NULL);
		check_clean(req.path);
		check_headers();
		check_query();
		(void)http_header_has(&req, "Connection", "upgrade");
		check_origin(allowed[0] != '\0' ? allowed : NULL);
	}
	free(allowed);
	return 0;
}
