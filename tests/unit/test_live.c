/*
 * test_live.c — live.c (channel names, a publisher that is not there) and
 * reqstats.c (a pool's shared counters, as op-monitor exposes them);
 * hostile cases first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "openpanel.h"

#define UUID	"0e0e0e0e-0000-4000-8000-000000000000"

START_TEST(channel_hostile)
{
	static const char *const bad[] = {
		"", "logs", "logs/", "/" UUID, "logs/" UUID "/x",
		"secrets/" UUID, "LOGS/" UUID, "logs//" UUID,
		"logs/0E0E0E0E-0000-4000-8000-000000000000",
		"logs/" UUID "\n", "logs/../" UUID, "log/" UUID,
		"logsx/" UUID, "logs/not-a-uuid",
	};
	size_t	i;

	ck_assert_int_eq(op_live_channel_check(NULL), OP_EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(op_live_channel_check(bad[i]) == OP_EINVAL,
		    "accepted \"%s\"", bad[i]);
	/* A bad channel is refused before anything is sent. */
	ck_assert_int_eq(op_live_publish("secrets/" UUID, "x", 1), OP_EINVAL);
}
END_TEST

START_TEST(channel_good)
{
	static const char *const good[] = { "logs/" UUID, "metrics/" UUID,
		"builds/" UUID, "events/" UUID };
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(op_live_channel_check(good[i]) == OP_OK,
		    "refused \"%s\"", good[i]);
}
END_TEST

START_TEST(publish_without_gateway)
{
	/* No socket configured, then one nobody listens on: unavailable,
	 * at once, never a hang. */
	unsetenv("OP_LIVE_SOCKET");
	ck_assert_int_eq(op_live_publish("logs/" UUID, "x", 1), OP_EUNAVAIL);
	setenv("OP_LIVE_SOCKET", "/nonexistent/live.sock", 1);
	ck_assert_int_eq(op_live_publish("logs/" UUID, "x", 1), OP_EUNAVAIL);
}
END_TEST

static enum op_err
nothing(struct op_req *r)
{
	(void)r;
	return OP_OK;
}

static const struct op_route routes[] = {
	{ "GET", "/api/things", nothing, 0 },
	{ "POST", "/api/things/:id", nothing, 0 },
};

static const struct op_service svc = {
	.name = "things", .schema = "things", .routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
};

/* The value of the exposed series that starts with prefix, or -1. */
static double
series(const char *text, const char *prefix)
{
	const char	*p = strstr(text, prefix);

	return p == NULL ? -1 : strtod(p + strlen(prefix), NULL);
}

START_TEST(reqstats_count)
{
	char		 dir[] = "/tmp/test-reqstats.XXXXXX", path[256];
	struct op_req	 r;
	struct op_buf	 b;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("OP_STATS_DIR", dir, 1);
	ck_assert_int_eq(op_reqstats_open(&svc), OP_OK);
	memset(&r, 0, sizeof(r));
	r.service = &svc;
	r.route = &routes[1];
	r.status = 201;
	op_reqstats_record(&r, 3.0);		/* bucket 0.005 */
	op_reqstats_record(&r, 30000.0);	/* past every bound */
	r.status = 418;				/* counted as other */
	op_reqstats_record(&r, 0.5);
	r.route = NULL;				/* unmatched */
	r.status = 404;
	op_reqstats_record(&r, 1.0);
	/* A file that is not ours is skipped, not trusted. */
	snprintf(path, sizeof(path), "%s/junk.reqstats", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("OPRSTAT1 but short", f);
	fclose(f);
	op_buf_init(&b, 1024 * 1024);
	ck_assert_int_eq(op_reqstats_expose(&b), OP_OK);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_double_eq(series(b.data, "openpanel_http_requests_total"
	    "{service=\"things\",method=\"POST\",route=\"/api/things/:id\","
	    "status=\"201\"} "), 2);
	ck_assert_double_eq(series(b.data, "openpanel_http_requests_total"
	    "{service=\"things\",method=\"POST\",route=\"/api/things/:id\","
	    "status=\"other\"} "), 1);
	ck_assert_double_eq(series(b.data, "openpanel_http_requests_total"
	    "{service=\"things\",method=\"-\",route=\"unmatched\","
	    "status=\"404\"} "), 1);
	ck_assert_double_eq(series(b.data,
	    "openpanel_http_request_duration_seconds_bucket{service=\"things\","
	    "method=\"POST\",route=\"/api/things/:id\",le=\"0.001\"} "), 1);
	ck_assert_double_eq(series(b.data,
	    "openpanel_http_request_duration_seconds_bucket{service=\"things\","
	    "method=\"POST\",route=\"/api/things/:id\",le=\"0.005\"} "), 2);
	ck_assert_double_eq(series(b.data,
	    "openpanel_http_request_duration_seconds_bucket{service=\"things\","
	    "method=\"POST\",route=\"/api/things/:id\",le=\"10\"} "), 2);
	ck_assert_double_eq(series(b.data,
	    "openpanel_http_request_duration_seconds_bucket{service=\"things\","
	    "method=\"POST\",route=\"/api/things/:id\",le=\"+Inf\"} "), 3);
	ck_assert_ptr_null(strstr(b.data, "route=\"/api/things\""));
	op_buf_clear(&b);
	unlink(path);
	snprintf(path, sizeof(path), "%s/things.reqstats", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* The count of POST /api/things/:id 201 exposed now, or -1. */
static double
things_201(void)
{
	struct op_buf	b;
	double		v;

	op_buf_init(&b, 1024 * 1024);
	ck_assert_int_eq(op_reqstats_expose(&b), OP_OK);
	v = b.data == NULL ? -1 : series(b.data, "openpanel_http_requests_total"
	    "{service=\"things\",method=\"POST\",route=\"/api/things/:id\","
	    "status=\"201\"} ");
	op_buf_clear(&b);
	return v;
}

/* A pool started again (after an idle stop) counts on from its last
 * count; one whose routes changed (an upgrade) starts from zero. */
START_TEST(reqstats_carry)
{
	static const struct op_route other_routes[] = {
		{ "GET", "/api/other", nothing, 0 },
		{ "POST", "/api/things/:id", nothing, 0 },
	};
	const struct op_service other = { .name = "things",
		.schema = "things", .routes = other_routes, .nroutes = 2 };
	char		 dir[] = "/tmp/test-reqstats.XXXXXX", path[256];
	struct op_req	 r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("OP_STATS_DIR", dir, 1);
	memset(&r, 0, sizeof(r));
	r.service = &svc;
	r.route = &routes[1];
	r.status = 201;
	ck_assert_int_eq(op_reqstats_open(&svc), OP_OK);
	op_reqstats_record(&r, 3.0);
	op_reqstats_record(&r, 3.0);
	ck_assert_double_eq(things_201(), 2);
	ck_assert_int_eq(op_reqstats_open(&svc), OP_OK);	/* again */
	ck_assert_double_eq(things_201(), 2);
	op_reqstats_record(&r, 3.0);
	ck_assert_double_eq(things_201(), 3);
	r.service = &other;
	r.route = &other_routes[1];
	ck_assert_int_eq(op_reqstats_open(&other), OP_OK);
	ck_assert_double_eq(things_201(), -1);
	op_reqstats_record(&r, 3.0);
	ck_assert_double_eq(things_201(), 1);
	snprintf(path, sizeof(path), "%s/things.reqstats", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("live");
	SRunner	*sr = srunner_create(s);
	TCase	*tc;
	int	 failed;

	op_log_init("test", OP_LOG_ERROR);
	tc = tcase_create("channels");
	tcase_add_test(tc, channel_hostile);
	tcase_add_test(tc, channel_good);
	tcase_add_test(tc, publish_without_gateway);
	suite_add_tcase(s, tc);
	tc = tcase_create("reqstats");
	tcase_add_test(tc, reqstats_count);
	tcase_add_test(tc, reqstats_carry);
	suite_add_tcase(s, tc);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
