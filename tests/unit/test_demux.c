/*
 * test_demux.c — op_docker_demux (docker.c): the engine's multiplexed
 * log stream cut into frames however it arrives; hostile cases first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"

#define BIG	(1024 * 1024)

/* What the callback saw: every byte with its stream, and the calls. */
struct seen {
	unsigned char	*data;
	unsigned char	*stream;
	size_t		 len;
	size_t		 cap;
	size_t		 calls;
	int		 empty;		/* calls with len 0 */
	int		 bad_stream;	/* calls with a stream other than 1, 2 */
};

static void
seen_init(struct seen *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
	s->data = malloc(cap);
	s->stream = malloc(cap);
	ck_assert_ptr_nonnull(s->data);
	ck_assert_ptr_nonnull(s->stream);
}

static void
seen_free(struct seen *s)
{
	free(s->data);
	free(s->stream);
	memset(s, 0, sizeof(*s));
}

static void
collect(void *arg, int stream, const char *data, size_t len)
{
	struct seen	*s = arg;

	s->calls++;
	if (len == 0)
		s->empty++;
	if (stream != 1 && stream != 2)
		s->bad_stream++;
	if (s->len + len > s->cap)
		ck_abort_msg("more bytes than were sent");
	memcpy(s->data + s->len, data, len);
	memset(s->stream + s->len, stream, len);
	s->len += len;
}

/* Append one frame (stream, payload) to buf at *off. */
static void
frame(unsigned char *buf, size_t *off, int stream, const char *p, size_t n)
{
	buf[(*off)++] = (unsigned char)stream;
	buf[(*off)++] = 0;
	buf[(*off)++] = 0;
	buf[(*off)++] = 0;
	buf[(*off)++] = (unsigned char)(n >> 24);
	buf[(*off)++] = (unsigned char)(n >> 16);
	buf[(*off)++] = (unsigned char)(n >> 8);
	buf[(*off)++] = (unsigned char)n;
	memcpy(buf + *off, p, n);
	*off += n;
}

/* A stream of both kinds of frame, one empty; its payload in order. */
static unsigned char	 wire[256];
static size_t		 wirelen;
static const char	 want_data[] = "hello oops\nworld\n!";
static const char	 want_stream[] = "\1\1\1\1\1\1\2\2\2\2\2\1\1\1\1\1\1\2";

static void
wire_setup(void)
{
	wirelen = 0;
	frame(wire, &wirelen, 1, "hello ", 6);
	frame(wire, &wirelen, 2, "oops\n", 5);
	frame(wire, &wirelen, 1, "", 0);
	frame(wire, &wirelen, 1, "world\n", 6);
	frame(wire, &wirelen, 2, "", 0);
	frame(wire, &wirelen, 2, "!", 1);
}

/* Feed wire in the pieces cut at a and b; check what came out. */
static void
feed_split(size_t a, size_t b)
{
	struct op_docker_demux	 dm;
	struct seen		 s;
	const char		*w = (const char *)wire;

	memset(&dm, 0, sizeof(dm));
	seen_init(&s, sizeof(wire));
	ck_assert_int_eq(op_docker_demux(&dm, w, a, collect, &s), OP_OK);
	ck_assert_int_eq(op_docker_demux(&dm, w + a, b - a, collect, &s),
	    OP_OK);
	ck_assert_int_eq(op_docker_demux(&dm, w + b, wirelen - b, collect,
	    &s), OP_OK);
	ck_assert_msg(s.len == sizeof(want_data) - 1 &&
	    memcmp(s.data, want_data, s.len) == 0 &&
	    memcmp(s.stream, want_stream, s.len) == 0,
	    "cut at %zu and %zu: other bytes", a, b);
	ck_assert_int_eq(s.empty, 0);
	ck_assert_int_eq(s.bad_stream, 0);
	/* Between frames: no header half-read, no payload owed. */
	ck_assert_uint_eq(dm.hlen, 0);
	ck_assert_uint_eq(dm.want, 0);
	seen_free(&s);
}

/* ------------------------------------------------------------ hostile */

START_TEST(bad_headers)
{
	static const unsigned char	 bad[][8] = {
		{ 3, 0, 0, 0, 0, 0, 0, 1 },	/* no stream 3 */
		{ 4, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xff, 0, 0, 0, 0, 0, 0, 1 },
		{ 1, 1, 0, 0, 0, 0, 0, 1 },	/* bytes 1..3 are zero */
		{ 1, 0, 1, 0, 0, 0, 0, 1 },
		{ 1, 0, 0, 1, 0, 0, 0, 1 },
		{ 2, 0, 0, 0x80, 0, 0, 0, 1 },
		{ 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o' },	/* a TTY stream */
	};
	struct op_docker_demux		 dm;
	struct seen			 s;
	size_t				 i, j;
	enum op_err			 er;

	seen_init(&s, 64);
	for (i = 0; i < nitems(bad); i++) {
		memset(&dm, 0, sizeof(dm));
		ck_assert_msg(op_docker_demux(&dm, (const char *)bad[i], 8,
		    collect, &s) == OP_EINVAL, "header %zu accepted", i);
		/* The same header a byte at a time: refused at its end. */
		memset(&dm, 0, sizeof(dm));
		for (j = 0; j < 8; j++) {
			er = op_docker_demux(&dm, (const char *)bad[i] + j, 1,
			    collect, &s);
			ck_assert_int_eq(er, j < 7 ? OP_OK : OP_EINVAL);
		}
	}
	ck_assert_uint_eq(s.calls, 0);
	seen_free(&s);
}
END_TEST

START_TEST(bad_header_after_good_frame)
{
	unsigned char		 buf[64];
	size_t			 n = 0;
	struct op_docker_demux	 dm;
	struct seen		 s;

	frame(buf, &n, 1, "ok", 2);
	frame(buf, &n, 3, "no", 2);
	memset(&dm, 0, sizeof(dm));
	seen_init(&s, sizeof(buf));
	ck_assert_int_eq(op_docker_demux(&dm, (const char *)buf, n, collect,
	    &s), OP_EINVAL);
	/* The good frame before it was delivered; nothing after it. */
	ck_assert_uint_eq(s.len, 2);
	ck_assert(memcmp(s.data, "ok", 2) == 0);
	seen_free(&s);
}
END_TEST

START_TEST(truncated)
{
	struct op_docker_demux	 dm;
	struct seen		 s;
	const char		*w = (const char *)wire;

	/* A stream that stops mid-header or mid-payload is no error. */
	memset(&dm, 0, sizeof(dm));
	seen_init(&s, sizeof(wire));
	ck_assert_int_eq(op_docker_demux(&dm, w, 5, collect, &s), OP_OK);
	ck_assert_uint_eq(dm.hlen, 5);
	ck_assert_uint_eq(s.calls, 0);
	ck_assert_int_eq(op_docker_demux(&dm, w + 5, 6, collect, &s), OP_OK);
	ck_assert_uint_eq(dm.want, 3);
	ck_assert_uint_eq(s.len, 3);
	ck_assert(memcmp(s.data, "hel", 3) == 0);
	/* An empty feed changes nothing. */
	ck_assert_int_eq(op_docker_demux(&dm, w + 11, 0, collect, &s), OP_OK);
	ck_assert_uint_eq(dm.want, 3);
	ck_assert_uint_eq(s.calls, 1);
	seen_free(&s);
}
END_TEST

START_TEST(huge_length)
{
	static const unsigned char	 head[8] = { 2, 0, 0, 0, 0xff, 0xff,
	    0xff, 0xff };
	struct op_docker_demux		 dm;
	struct seen			 s;

	/* A 4 GiB frame is only a promise: nothing is allocated for it. */
	memset(&dm, 0, sizeof(dm));
	seen_init(&s, 16);
	ck_assert_int_eq(op_docker_demux(&dm, (const char *)head, 8, collect,
	    &s), OP_OK);
	ck_assert_uint_eq(dm.want, 0xffffffffu);
	ck_assert_int_eq(dm.stream, 2);
	ck_assert_int_eq(op_docker_demux(&dm, "abc", 3, collect, &s), OP_OK);
	ck_assert_uint_eq(dm.want, 0xffffffffu - 3);
	ck_assert_uint_eq(s.len, 3);
	seen_free(&s);
}
END_TEST

/* ------------------------------------------------------------ frames */

START_TEST(one_call)
{
	struct op_docker_demux	 dm;
	struct seen		 s;

	memset(&dm, 0, sizeof(dm));
	seen_init(&s, sizeof(wire));
	ck_assert_int_eq(op_docker_demux(&dm, (const char *)wire, wirelen,
	    collect, &s), OP_OK);
	ck_assert_uint_eq(s.len, sizeof(want_data) - 1);
	ck_assert(memcmp(s.data, want_data, s.len) == 0);
	ck_assert(memcmp(s.stream, want_stream, s.len) == 0);
	/* One call per non-empty frame; the empty ones say nothing. */
	ck_assert_uint_eq(s.calls, 4);
	ck_assert_int_eq(s.empty, 0);
	seen_free(&s);
}
END_TEST

START_TEST(byte_at_a_time)
{
	struct op_docker_demux	 dm;
	struct seen		 s;
	size_t			 i;

	memset(&dm, 0, sizeof(dm));
	seen_init(&s, sizeof(wire));
	for (i = 0; i < wirelen; i++)
		ck_assert_int_eq(op_docker_demux(&dm, (const char *)wire + i,
		    1, collect, &s), OP_OK);
	ck_assert_uint_eq(s.len, sizeof(want_data) - 1);
	ck_assert(memcmp(s.data, want_data, s.len) == 0);
	ck_assert(memcmp(s.stream, want_stream, s.len) == 0);
	ck_assert_uint_eq(s.calls, s.len);
	ck_assert_int_eq(s.empty, 0);
	seen_free(&s);
}
END_TEST

START_TEST(every_split)
{
	size_t	 a, b;

	/* Every way of cutting the stream in three gives the same bytes. */
	for (a = 0; a <= wirelen; a++)
		for (b = a; b <= wirelen; b++)
			feed_split(a, b);
}
END_TEST

START_TEST(big_frame)
{
	static const size_t	 chunks[] = { 1, 7, 4096, 65536, 100003 };
	unsigned char		*buf;
	struct op_docker_demux	 dm;
	struct seen		 s;
	size_t			 n = 0, i, k, off, take, bad;
	char			*payload;

	payload = malloc(BIG);
	buf = malloc(BIG + 3 * 8 + 16);
	ck_assert_ptr_nonnull(payload);
	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < BIG; i++)
		payload[i] = (char)(i * 7 + i / 251);
	frame(buf, &n, 2, "<", 1);
	frame(buf, &n, 1, payload, BIG);
	frame(buf, &n, 2, ">", 1);

	for (k = 0; k < nitems(chunks); k++) {
		memset(&dm, 0, sizeof(dm));
		seen_init(&s, BIG + 2);
		/* One check at the end: each check is a write to the runner. */
		for (off = 0, bad = 0; off < n; off += take) {
			take = n - off < chunks[k] ? n - off : chunks[k];
			if (op_docker_demux(&dm, (const char *)buf + off, take,
			    collect, &s) != OP_OK)
				bad++;
		}
		ck_assert_msg(bad == 0, "chunks of %zu: %zu refused", chunks[k],
		    bad);
		ck_assert_uint_eq(s.len, BIG + 2);
		ck_assert_int_eq(s.data[0], '<');
		ck_assert_int_eq(s.stream[0], 2);
		ck_assert_msg(memcmp(s.data + 1, payload, BIG) == 0,
		    "chunks of %zu: payload differs", chunks[k]);
		for (i = 1; i <= BIG; i++)
			if (s.stream[i] != 1)
				break;
		ck_assert_uint_eq(i, BIG + 1);
		ck_assert_int_eq(s.data[BIG + 1], '>');
		ck_assert_int_eq(s.stream[BIG + 1], 2);
		ck_assert_uint_eq(dm.want, 0);
		ck_assert_uint_eq(dm.hlen, 0);
		seen_free(&s);
	}
	free(payload);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("demux");
	sr = srunner_create(s);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, wire_setup, NULL);
	tcase_add_test(tc, bad_headers);
	tcase_add_test(tc, bad_header_after_good_frame);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, huge_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("frames");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, wire_setup, NULL);
	tcase_add_test(tc, one_call);
	tcase_add_test(tc, byte_at_a_time);
	tcase_add_test(tc, every_split);
	tcase_add_test(tc, big_frame);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
