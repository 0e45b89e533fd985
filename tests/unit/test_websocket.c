/*
 * test_websocket.c — op-terminal's WebSocket codec (fcgi/terminal/
 * websocket.c) and upgrade-request checks (http.c), without sockets:
 * frames fed whole, byte by byte and split everywhere; masking required
 * from clients; fragmentation, control frames, caps, UTF-8; the accept
 * key; request parsing, the query, and Origin. Hostile cases first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "terminal.h"

/* http.c's SIGTERM flag and wait mask live in main.c, not linked here. */
volatile sig_atomic_t	terminal_stop;
sigset_t		terminal_waitmask;

static const unsigned char KEY[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A client frame into out: header, mask key when masked, payload. */
static size_t
frame(unsigned char *out, int fin, int opcode, int masked,
    const void *payload, size_t len)
{
	const unsigned char	*p = payload;
	size_t			 n, i;

	n = ws_frame_header(out, opcode, fin, len);
	if (masked) {
		out[1] |= 0x80;
		memcpy(out + n, KEY, 4);
		n += 4;
	}
	for (i = 0; i < len; i++)
		out[n + i] = masked ? p[i] ^ KEY[i & 3] : p[i];
	return n + len;
}

struct fixture {
	struct ws_parser	 p;
	unsigned char		 buf[64];
	unsigned char		 wire[200000];
};
static struct fixture	*fx;

static void
setup(void)
{
	fx = calloc(1, sizeof(*fx));
	ck_assert_ptr_nonnull(fx);
	ws_parser_init(&fx->p, fx->buf, sizeof(fx->buf), 1);
}

static void
teardown(void)
{
	free(fx);
	fx = NULL;
}

/* Feed n bytes whole; the result, the message and the close code. */
static enum ws_result
feed(const unsigned char *data, size_t n, struct ws_message *m, int *code,
    size_t *used)
{
	return ws_parse(&fx->p, data, n, used, m, code);
}

/* Feed a wire that must fail with code (whole, then byte by byte). */
static void
expect_error(const unsigned char *wire, size_t n, int want)
{
	struct ws_message	m;
	size_t			used, i;
	int			code;
	enum ws_result		r = WS_MORE;

	ck_assert_int_eq(feed(wire, n, &m, &code, &used), WS_ERROR);
	ck_assert_int_eq(code, want);
	/* Once failed, always failed. */
	ck_assert_int_eq(feed(wire, 1, &m, &code, &used), WS_ERROR);
	ck_assert_int_eq(code, want);
	ws_parser_init(&fx->p, fx->buf, sizeof(fx->buf), 1);
	for (i = 0; i < n && r != WS_ERROR; i++)
		r = feed(wire + i, 1, &m, &code, &used);
	ck_assert_int_eq(r, WS_ERROR);
	ck_assert_int_eq(code, want);
	ws_parser_init(&fx->p, fx->buf, sizeof(fx->buf), 1);
}

START_TEST(unmasked_from_client)
{
	size_t	n = frame(fx->wire, 1, WS_TEXT, 0, "hi", 2);

	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
}
END_TEST

START_TEST(reserved_bits_and_opcodes)
{
	static const int bad_ops[] = { 0x3, 0x7, 0xb, 0xf };
	size_t	n, i;

	for (i = 0; i < 3; i++) {
		n = frame(fx->wire, 1, WS_TEXT, 1, "hi", 2);
		fx->wire[0] |= (unsigned char)(0x40 >> i);	/* RSV1..3 */
		expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	}
	for (i = 0; i < nitems(bad_ops); i++) {
		n = frame(fx->wire, 1, bad_ops[i], 1, "hi", 2);
		expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	}
}
END_TEST

START_TEST(bad_control_frames)
{
	unsigned char	big[126];
	size_t		n;

	memset(big, 'x', sizeof(big));
	/* A fragmented ping; a ping of 126 bytes; a 1-byte close. */
	n = frame(fx->wire, 0, WS_PING, 1, "p", 1);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_PING, 1, big, sizeof(big));
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03", 1);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	/* Codes no peer may send: 999, 1005, 1006, 1015, 2000, 5000. */
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03\xe7", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03\xed", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03\xee", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03\xf7", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x07\xd0", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x13\x88", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	/* A reason that is not UTF-8. */
	n = frame(fx->wire, 1, WS_CLOSE, 1, "\x03\xe8\xff", 3);
	expect_error(fx->wire, n, WS_CLOSE_BAD_DATA);
}
END_TEST

START_TEST(bad_fragmentation)
{
	size_t	n;

	/* A continuation with nothing to continue. */
	n = frame(fx->wire, 1, WS_CONT, 1, "x", 1);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
	/* A new message while one is open. */
	n = frame(fx->wire, 0, WS_TEXT, 1, "ab", 2);
	n += frame(fx->wire + n, 1, WS_BINARY, 1, "cd", 2);
	expect_error(fx->wire, n, WS_CLOSE_PROTOCOL);
}
END_TEST

START_TEST(oversized)
{
	unsigned char	payload[65];
	size_t		n;

	memset(payload, 'a', sizeof(payload));
	/* One frame past the cap (64) fails on its header alone. */
	n = frame(fx->wire, 1, WS_BINARY, 1, payload, 65);
	ck_assert_uint_eq(n, 2 + 4 + 65);
	expect_error(fx->wire, 2 + 4, WS_CLOSE_TOO_BIG);
	/* Fragments that add up past the cap. */
	n = frame(fx->wire, 0, WS_BINARY, 1, payload, 40);
	n += frame(fx->wire + n, 1, WS_CONT, 1, payload, 25);
	expect_error(fx->wire, n, WS_CLOSE_TOO_BIG);
	/* A 64-bit length: huge, and one with its top bit set. */
	fx->wire[0] = 0x82;
	fx->wire[1] = 0x80 | 127;
	memcpy(fx->wire + 2, "\x00\x00\x00\x01\x00\x00\x00\x00", 8);
	memcpy(fx->wire + 10, KEY, 4);
	expect_error(fx->wire, 14, WS_CLOSE_TOO_BIG);
	memcpy(fx->wire + 2, "\x80\x00\x00\x00\x00\x00\x00\x01", 8);
	expect_error(fx->wire, 14, WS_CLOSE_PROTOCOL);
}
END_TEST

START_TEST(bad_utf8)
{
	static const char *const bad[] = {
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xc3", "a\x80", "\xf8\x88\x80\x80\x80",
	};
	size_t	n, i;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_int_eq(ws_utf8_valid((const unsigned char *)bad[i],
		    strlen(bad[i])), 0);
		n = frame(fx->wire, 1, WS_TEXT, 1, bad[i], strlen(bad[i]));
		expect_error(fx->wire, n, WS_CLOSE_BAD_DATA);
	}
	/* Split across fragments, a sequence is judged whole. */
	n = frame(fx->wire, 0, WS_TEXT, 1, "\xc3", 1);
	n += frame(fx->wire + n, 1, WS_CONT, 1, "\xa9", 1);
	{
		struct ws_message m;
		size_t used;
		int code;

		ck_assert_int_eq(feed(fx->wire, n, &m, &code, &used),
		    WS_MESSAGE);
		ck_assert_uint_eq(m.len, 2);
	}
	ck_assert_int_eq(ws_utf8_valid((const unsigned char *)
	    "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12), 1);
}
END_TEST

START_TEST(bad_accept_keys)
{
	char	out[29];

	ck_assert_int_eq(ws_accept_key(NULL, out), OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("", out), OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=", out),
	    OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ===", out),
	    OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBsZSBub25jZQAA", out),
	    OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBs*SBub25jZQ==", out),
	    OP_EINVAL);
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBsZSBub25jZR==", out),
	    OP_EINVAL);		/* stray bits before the padding */
	ck_assert_str_eq(out, "");
}
END_TEST

/* --------------------------------------------------------------- good */

START_TEST(masked_text)
{
	struct ws_message	m;
	size_t			n, used;
	int			code;

	n = frame(fx->wire, 1, WS_TEXT, 1, "hello", 5);
	ck_assert_int_eq(feed(fx->wire, n, &m, &code, &used), WS_MESSAGE);
	ck_assert_uint_eq(used, n);
	ck_assert_int_eq(m.opcode, WS_TEXT);
	ck_assert_uint_eq(m.len, 5);
	ck_assert_mem_eq(m.data, "hello", 5);
	ck_assert_int_eq(feed(fx->wire, 0, &m, &code, &used), WS_MORE);
}
END_TEST

START_TEST(unmasked_when_allowed)
{
	struct ws_message	m;
	size_t			n, used;
	int			code;

	ws_parser_init(&fx->p, fx->buf, sizeof(fx->buf), 0);
	n = frame(fx->wire, 1, WS_BINARY, 0, "\x00\x01\x02", 3);
	ck_assert_int_eq(feed(fx->wire, n, &m, &code, &used), WS_MESSAGE);
	ck_assert_int_eq(m.opcode, WS_BINARY);
	ck_assert_mem_eq(m.data, "\x00\x01\x02", 3);
}
END_TEST

/* Every way of cutting a wire of messages gives the same messages. */
START_TEST(every_split)
{
	unsigned char	 payload[60], got[4][64];
	struct ws_message m;
	size_t		 n, cut, used, off, len, k, lens[4];
	int		 code, ops[4];
	enum ws_result	 r;

	for (k = 0; k < sizeof(payload); k++)
		payload[k] = (unsigned char)('a' + k % 26);
	n = frame(fx->wire, 0, WS_TEXT, 1, payload, 30);
	n += frame(fx->wire + n, 1, WS_PING, 1, "pi", 2);
	n += frame(fx->wire + n, 1, WS_CONT, 1, payload + 30, 30);
	n += frame(fx->wire + n, 1, WS_BINARY, 1, "", 0);
	n += frame(fx->wire + n, 1, WS_CLOSE, 1, "\x03\xe8" "bye", 5);
	for (cut = 0; cut <= n; cut++) {
		ws_parser_init(&fx->p, fx->buf, sizeof(fx->buf), 1);
		k = 0;
		for (off = 0; off < n; ) {
			len = off < cut ? cut - off : n - off;
			r = feed(fx->wire + off, len, &m, &code, &used);
			ck_assert_int_ne(r, WS_ERROR);
			off += used;
			if (r == WS_MESSAGE) {
				ck_assert_uint_lt(k, 4);
				ops[k] = m.opcode;
				lens[k] = m.len;
				memcpy(got[k], m.data, m.len);
				if (m.opcode == WS_CLOSE)
					ck_assert_int_eq(m.close_code, 1000);
				k++;
			}
		}
		ck_assert_uint_eq(k, 4);
		ck_assert_int_eq(ops[0], WS_PING);
		ck_assert_mem_eq(got[0], "pi", 2);
		ck_assert_int_eq(ops[1], WS_TEXT);
		ck_assert_uint_eq(lens[1], 60);
		ck_assert_mem_eq(got[1], payload, 60);
		ck_assert_int_eq(ops[2], WS_BINARY);
		ck_assert_uint_eq(lens[2], 0);
		ck_assert_int_eq(ops[3], WS_CLOSE);
		ck_assert_uint_eq(lens[3], 3);
		ck_assert_mem_eq(got[3], "bye", 3);
	}
}
END_TEST

START_TEST(byte_at_a_time)
{
	unsigned char	 payload[50];
	struct ws_message m;
	size_t		 n, i, used, got = 0;
	int		 code;

	memset(payload, 0x5a, sizeof(payload));
	n = frame(fx->wire, 1, WS_BINARY, 1, payload, sizeof(payload));
	for (i = 0; i < n; i++) {
		enum ws_result r = feed(fx->wire + i, 1, &m, &code, &used);

		ck_assert_uint_eq(used, 1);
		if (r == WS_MESSAGE) {
			ck_assert_uint_eq(i, n - 1);
			ck_assert_mem_eq(m.data, payload, sizeof(payload));
			got = 1;
		} else
			ck_assert_int_eq(r, WS_MORE);
	}
	ck_assert_uint_eq(got, 1);
}
END_TEST

START_TEST(empty_control_frames)
{
	struct ws_message	m;
	size_t			n, used;
	int			code;

	n = frame(fx->wire, 1, WS_CLOSE, 1, "", 0);
	ck_assert_int_eq(feed(fx->wire, n, &m, &code, &used), WS_MESSAGE);
	ck_assert_int_eq(m.opcode, WS_CLOSE);
	ck_assert_int_eq(m.close_code, WS_CLOSE_NO_STATUS);
	ck_assert_uint_eq(m.len, 0);
	n = frame(fx->wire, 1, WS_PONG, 1, "", 0);
	ck_assert_int_eq(feed(fx->wire, n, &m, &code, &used), WS_MESSAGE);
	ck_assert_int_eq(m.opcode, WS_PONG);
}
END_TEST

/* Lengths on 7, 16 and 64 bits, and the frames the server writes. */
START_TEST(lengths_round_trip)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536,
	    100000 };
	static unsigned char big[100000], msg[100000];
	unsigned char	 head[WS_HEADER_MAX];
	struct ws_message m;
	size_t		 i, h, used;
	int		 code;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)i;
	for (i = 0; i < nitems(sizes); i++) {
		h = ws_frame_header(head, WS_BINARY, 1, sizes[i]);
		ck_assert_uint_eq(h, sizes[i] < 126 ? 2 : sizes[i] <= 65535 ?
		    4 : 10);
		ck_assert_int_eq(head[0], 0x82);
		memcpy(fx->wire, head, h);
		memcpy(fx->wire + h, big, sizes[i]);
		ws_parser_init(&fx->p, msg, sizeof(msg), 0);
		ck_assert_int_eq(feed(fx->wire, h + sizes[i], &m, &code,
		    &used), WS_MESSAGE);
		ck_assert_uint_eq(used, h + sizes[i]);
		ck_assert_uint_eq(m.len, sizes[i]);
		ck_assert_mem_eq(m.data, big, sizes[i]);
	}
	h = ws_frame_header(head, WS_CLOSE, 1, 2);
	ck_assert_int_eq(head[0], 0x88);
	ck_assert_int_eq(head[1], 2);
}
END_TEST

START_TEST(accept_key)
{
	char	out[29];

	/* RFC 6455 §1.3's example. */
	ck_assert_int_eq(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out),
	    OP_OK);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

/* ---------------------------------------------------------------- http */

static struct http_request	req;

/* Parse a head given as a string. */
static enum op_err
parse(const char *head)
{
	memset(&req, 0, sizeof(req));
	req.len = strlen(head);
	if (req.len > HEAD_MAX)
		return OP_ETOOLARGE;
	memcpy(req.buf, head, req.len);
	req.head_len = req.len;
	return http_parse_request(&req);
}

START_TEST(bad_requests)
{
	static const char *const bad[] = {
		"GET /api/terminal HTTP/1.1\r\n",	/* no blank line */
		"GET  /api/terminal HTTP/1.1\r\n\r\n",
		"GET /api/terminal HTTP/1.0\r\n\r\n",
		"GET api/terminal HTTP/1.1\r\n\r\n",
		"GET /api/terminal HTTP/1.1 x\r\n\r\n",
		"G(T /api/terminal HTTP/1.1\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\n: x\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nOrigin: a\r\nOrigin: a\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nSec-WebSocket-Key: a\r\n"
		    "Sec-WebSocket-Key: b\r\n\r\n",
		/* A bare LF or CR hiding a second Host in Origin's value
		 * (found by fuzz_terminal_http). */
		"GET /api/terminal HTTP/1.1\r\nOrigin: http://a\nHost: b\r\n"
		    "Host: a\r\n\r\n",
		"GET /api/terminal HTTP/1.1\r\nOrigin: http://a\rHost: b\r\n"
		    "Host: a\r\n\r\n",
		"GET /api/terminal HTTP/1.1\nHost: a\r\n\r\n",
	};
	char	many[HEAD_MAX];
	size_t	i, n;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(parse(bad[i]) == OP_EBADREQ, "accepted: %s",
		    bad[i]);
	/* A NUL inside the head. */
	memset(&req, 0, sizeof(req));
	memcpy(req.buf, "GET /x\0y HTTP/1.1\r\n\r\n", 21);
	req.len = req.head_len = 21;
	ck_assert_int_eq(http_parse_request(&req), OP_EBADREQ);
	/* More header lines than HEADERS_MAX. */
	n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
	for (i = 0; i <= HEADERS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
		    "X-%zu: y\r\n", i);
	snprintf(many + n, sizeof(many) - n, "\r\n");
	ck_assert_int_eq(parse(many), OP_ETOOLARGE);
}
END_TEST

START_TEST(bad_queries)
{
	char	out[64];

	ck_assert_int_eq(parse("GET /api/terminal?ticket=a&ticket=b HTTP/1.1"
	    "\r\n\r\n"), OP_OK);
	ck_assert_int_eq(http_query(&req, "ticket", out, sizeof(out)),
	    OP_EBADREQ);
	ck_assert_int_eq(parse("GET /api/terminal?ticket=%4 HTTP/1.1\r\n\r\n"),
	    OP_OK);
	ck_assert_int_eq(http_query(&req, "ticket", out, sizeof(out)),
	    OP_EBADREQ);
	ck_assert_int_eq(parse("GET /api/terminal?ticket=%0a HTTP/1.1\r\n\r\n"),
	    OP_OK);
	ck_assert_int_eq(http_query(&req, "ticket", out, sizeof(out)),
	    OP_EBADREQ);
	ck_assert_int_eq(parse("GET /api/terminal?ticket=0123456789 HTTP/1.1"
	    "\r\n\r\n"), OP_OK);
	ck_assert_int_eq(http_query(&req, "ticket", out, 8), OP_EBADREQ);
	ck_assert_int_eq(parse("GET /api/terminal?tickets=x HTTP/1.1\r\n\r\n"),
	    OP_OK);
	ck_assert_int_eq(http_query(&req, "ticket", out, sizeof(out)),
	    OP_ENOTFOUND);
}
END_TEST

START_TEST(origins_refused)
{
	ck_assert_int_eq(http_origin_allowed(NULL, "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("", "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("null", "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("http://evil.test",
	    "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("http://panel.test.evil.test",
	    "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("http://panel.test:8080",
	    "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("ftp://panel.test",
	    "panel.test", NULL), 0);
	ck_assert_int_eq(http_origin_allowed("panel.test", "panel.test",
	    NULL), 0);
	ck_assert_int_eq(http_origin_allowed("http://panel.test", NULL,
	    NULL), 0);
	ck_assert_int_eq(http_origin_allowed("http://panel.test", "",
	    ""), 0);
	ck_assert_int_eq(http_origin_allowed("https://b.test", "panel.test",
	    "https://a.test, https://b.test.evil"), 0);
	ck_assert_int_eq(http_origin_allowed("https://b.te", "panel.test",
	    "https://b.test"), 0);
}
END_TEST

START_TEST(good_request)
{
	char	out[64];

	ck_assert_int_eq(parse("GET /api/terminal?x=1&ticket=opt_a%2Db HTTP/1.1"
	    "\r\nHost: panel.test:8080\r\nUpgrade:  WebSocket \r\n"
	    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "\r\n"), OP_OK);
	ck_assert_str_eq(req.method, "GET");
	ck_assert_str_eq(req.path, "/api/terminal");
	ck_assert_str_eq(http_header(&req, "host"), "panel.test:8080");
	ck_assert_str_eq(http_header(&req, "UPGRADE"), "WebSocket");
	ck_assert_int_eq(http_header_has(&req, "Upgrade", "websocket"), 1);
	ck_assert_int_eq(http_header_has(&req, "Connection", "upgrade"), 1);
	ck_assert_int_eq(http_header_has(&req, "Connection", "close"), 0);
	ck_assert_ptr_null(http_header(&req, "Origin"));
	ck_assert_int_eq(http_query(&req, "ticket", out, sizeof(out)), OP_OK);
	ck_assert_str_eq(out, "opt_a-b");
	ck_assert_int_eq(http_status("HTTP/1.1 101 UPGRADED\r\n", 22), 101);
	ck_assert_int_eq(http_status("HTTP/1.0 200 OK\r\n", 17), 200);
	ck_assert_int_eq(http_status("HTTP/2 200 OK\r\n", 15), -1);
	ck_assert_int_eq(http_status("HTTP/1.1 2000\r\n", 15), -1);
}
END_TEST

START_TEST(origins_allowed)
{
	ck_assert_int_eq(http_origin_allowed("http://panel.test:8080",
	    "panel.test:8080", NULL), 1);
	ck_assert_int_eq(http_origin_allowed("HTTPS://Panel.Test",
	    "panel.test", NULL), 1);
	ck_assert_int_eq(http_origin_allowed("https://b.test", "panel.test",
	    " https://a.test , https://b.test "), 1);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("websocket");
	sr = srunner_create(s);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unmasked_from_client);
	tcase_add_test(tc, reserved_bits_and_opcodes);
	tcase_add_test(tc, bad_control_frames);
	tcase_add_test(tc, bad_fragmentation);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, bad_utf8);
	tcase_add_test(tc, bad_accept_keys);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, bad_queries);
	tcase_add_test(tc, origins_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("frames");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, masked_text);
	tcase_add_test(tc, unmasked_when_allowed);
	tcase_add_test(tc, every_split);
	tcase_add_test(tc, byte_at_a_time);
	tcase_add_test(tc, empty_control_frames);
	tcase_add_test(tc, lengths_round_trip);
	tcase_add_test(tc, accept_key);
	tcase_add_test(tc, good_request);
	tcase_add_test(tc, origins_allowed);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
