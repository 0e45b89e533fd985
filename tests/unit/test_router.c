/*
 * test_router.c — router.c: from (method, path) to a route; hostile
 * cases first.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "arena_int.h"
#include "openpanel.h"

static enum op_err
handler(struct op_req *r)
{
	return OP_OK;
}

static const struct op_route	 routes[] = {
	{ "GET", "/api/teams", handler, 0 },				/* 0 */
	{ "POST", "/api/teams", handler, 0 },				/* 1 */
	{ "GET", "/api/teams/:id", handler, 0 },			/* 2 */
	{ "DELETE", "/api/teams/:id", handler, 0 },			/* 3 */
	{ "GET", "/api/teams/:id/members/:uid", handler, 0 },		/* 4 */
	{ "PUT", "/api/settings", handler, OP_R_ADMIN },		/* 5 */
	{ "GET", "/api/a/:p1/:p2/:p3/:p4", handler, 0 },		/* 6 */
	{ "GET", "/api/b/:p1/:p2/:p3/:p4/:p5", handler, 0 },		/* 7 */
	{ "GET", "/api/teams/me", handler, 0 },		/* 8: shadowed by 2 */
};

static struct op_req	 req;

static void
req_setup(void)
{
	memset(&req, 0, sizeof(req));
	req.arena = op_arena_new();
	ck_assert_ptr_nonnull(req.arena);
}

static void
req_teardown(void)
{
	op_arena_free(req.arena);
	memset(&req, 0, sizeof(req));
}

/* Route (method, path) in table; *out as op_router_match left it. */
static enum op_err
route_in(const struct op_route *table, size_t n, const char *method,
    const char *path, const struct op_route **out)
{
	req.method = method;
	req.path = path;
	return op_router_match(&req, table, n, out);
}

static enum op_err
route(const char *method, const char *path, const struct op_route **out)
{
	return route_in(routes, nitems(routes), method, path, out);
}

static void
no_params(void)
{
	size_t	 i;

	for (i = 0; i < OP_PATH_PARAMS; i++)
		ck_assert_ptr_null(req.params[i]);
}

/* n copies of c between prefix and suffix; malloc'd, the test frees it. */
static char *
longpath(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t	 pl = strlen(prefix), sl = strlen(suffix);
	char	*s;

	s = malloc(pl + n + sl + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

/* ------------------------------------------------------------ hostile */

START_TEST(not_found)
{
	static const char *const	 paths[] = {
		"", "/", "/nope", "api/teams", "/API/teams", "/api/Teams",
		"/api", "/api/", "/api/teamsx", "/api/team",
		"/api/teams/x/y", "/api/teams/x/members", "/api/teams/x/members/",
		"/api/teams/x/members/y/z", "//api/teams", "/api//teams",
		"/api/teams?x=1/", "/api/b/1/2/3/4",
	};
	const struct op_route		*out;
	size_t				 i;

	for (i = 0; i < nitems(paths); i++) {
		out = &routes[0];
		ck_assert_msg(route("GET", paths[i], &out) == OP_ENOTFOUND,
		    "GET \"%s\" matched", paths[i]);
		ck_assert_ptr_null(out);
		no_params();
	}
	/* An empty table has nothing. */
	ck_assert_int_eq(route_in(routes, 0, "GET", "/api/teams", &out),
	    OP_ENOTFOUND);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(trailing_slash_and_empty_segments)
{
	const struct op_route	*out;

	ck_assert_int_eq(route("GET", "/api/teams/", &out), OP_ENOTFOUND);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(route("PUT", "/api/settings/", &out), OP_ENOTFOUND);
	/* A capture never matches an empty segment. */
	ck_assert_int_eq(route("GET", "/api/teams//members/u", &out),
	    OP_ENOTFOUND);
	ck_assert_int_eq(route("GET", "/api/teams/t/members/", &out),
	    OP_ENOTFOUND);
	ck_assert_int_eq(route("GET", "/api/teams//members", &out),
	    OP_ENOTFOUND);
	ck_assert_ptr_null(out);
	no_params();
}
END_TEST

START_TEST(method_mismatch)
{
	const struct op_route	*out;

	out = &routes[0];
	ck_assert_int_eq(route("PATCH", "/api/teams", &out), OP_EMETHOD);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(route("GET", "/api/settings", &out), OP_EMETHOD);
	ck_assert_int_eq(route("DELETE", "/api/teams", &out), OP_EMETHOD);
	ck_assert_int_eq(route("POST", "/api/teams/t", &out), OP_EMETHOD);
	/* Methods are case-sensitive tokens. */
	ck_assert_int_eq(route("get", "/api/teams", &out), OP_EMETHOD);
	ck_assert_int_eq(route("", "/api/teams", &out), OP_EMETHOD);
	/* HEAD stands in for GET only. */
	ck_assert_int_eq(route("HEAD", "/api/settings", &out), OP_EMETHOD);
	ck_assert_ptr_null(out);
	no_params();
	/* A path nobody serves is 404 whatever the method. */
	ck_assert_int_eq(route("PATCH", "/nope", &out), OP_ENOTFOUND);
}
END_TEST

START_TEST(capture_bounds)
{
	const struct op_route	*out;
	char			*path;

	/* 64 bytes is the longest segment a capture takes. */
	path = longpath("/api/teams/", 'x', 65, "");
	ck_assert_int_eq(route("GET", path, &out), OP_ENOTFOUND);
	ck_assert_ptr_null(out);
	no_params();
	free(path);
	path = longpath("/api/teams/", 'x', 65, "/members/u");
	ck_assert_int_eq(route("GET", path, &out), OP_ENOTFOUND);
	free(path);
	path = longpath("/api/teams/t/members/", 'x', 1000, "");
	ck_assert_int_eq(route("GET", path, &out), OP_ENOTFOUND);
	free(path);

	path = longpath("/api/teams/", 'x', 64, "");
	ck_assert_int_eq(route("GET", path, &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[2]);
	ck_assert_uint_eq(strlen(req.params[0]), 64);
	ck_assert_str_eq(req.params[0], path + strlen("/api/teams/"));
	free(path);
}
END_TEST

START_TEST(path_bounds)
{
	struct op_route		 lit[1] = {{ "GET", NULL, handler, 0 }};
	const struct op_route	*out;
	char			*path;

	/* A 1024-byte path is routed; 1025 bytes is not, even literally. */
	path = longpath("/", 'a', 1023, "");
	lit[0].pattern = path;
	ck_assert_int_eq(route_in(lit, 1, "GET", path, &out), OP_OK);
	ck_assert_ptr_eq(out, &lit[0]);
	free(path);

	path = longpath("/", 'a', 1024, "");
	lit[0].pattern = path;
	out = &lit[0];
	ck_assert_int_eq(route_in(lit, 1, "GET", path, &out), OP_ENOTFOUND);
	ck_assert_ptr_null(out);
	free(path);

	path = longpath("/api/teams/", 'x', 1 << 20, "");
	ck_assert_int_eq(route("GET", path, &out), OP_ENOTFOUND);
	free(path);
}
END_TEST

START_TEST(too_many_captures)
{
	const struct op_route	*out;

	/* A pattern with more captures than OP_PATH_PARAMS never matches. */
	ck_assert_int_eq(route("GET", "/api/b/1/2/3/4/5", &out),
	    OP_ENOTFOUND);
	ck_assert_ptr_null(out);
	no_params();
	/* OP_PATH_PARAMS of them fill every slot. */
	ck_assert_int_eq(route("GET", "/api/a/1/2/3/4", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[6]);
	ck_assert_str_eq(req.params[0], "1");
	ck_assert_str_eq(req.params[1], "2");
	ck_assert_str_eq(req.params[2], "3");
	ck_assert_str_eq(req.params[3], "4");
}
END_TEST

/* ------------------------------------------------------------ matches */

START_TEST(exact)
{
	const struct op_route	*out;

	ck_assert_int_eq(route("GET", "/api/teams", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[0]);
	no_params();
	ck_assert_int_eq(route("POST", "/api/teams", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[1]);
	ck_assert_int_eq(route("PUT", "/api/settings", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[5]);
	ck_assert_uint_eq(out->flags, OP_R_ADMIN);
	no_params();
}
END_TEST

START_TEST(captures)
{
	static const char	 path[] = "/api/teams/abc/members/def";
	const struct op_route	*out;

	ck_assert_int_eq(route("GET", path, &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[4]);
	ck_assert_str_eq(req.params[0], "abc");
	ck_assert_str_eq(req.params[1], "def");
	ck_assert_ptr_null(req.params[2]);
	ck_assert_ptr_null(req.params[3]);
	/* Copies in the arena, not pointers into the path. */
	ck_assert_ptr_ne(req.params[0], path + strlen("/api/teams/"));

	/* A capture takes any bytes of one segment, undecoded. */
	ck_assert_int_eq(route("GET", "/api/teams/a%2Fb", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[2]);
	ck_assert_str_eq(req.params[0], "a%2Fb");
}
END_TEST

START_TEST(head_is_get)
{
	const struct op_route	*out;

	ck_assert_int_eq(route("HEAD", "/api/teams", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[0]);
	ck_assert_int_eq(route("HEAD", "/api/teams/t", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[2]);
	ck_assert_str_eq(req.params[0], "t");
}
END_TEST

START_TEST(first_route_wins)
{
	static const struct op_route	 literal_first[] = {
		{ "GET", "/api/teams/me", handler, OP_R_SESSION },
		{ "GET", "/api/teams/:id", handler, 0 },
	};
	const struct op_route		*out;

	/* "/api/teams/me" is shadowed by the capture declared before it. */
	ck_assert_int_eq(route("GET", "/api/teams/me", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[2]);
	ck_assert_str_eq(req.params[0], "me");

	memset(req.params, 0, sizeof(req.params));
	ck_assert_int_eq(route_in(literal_first, nitems(literal_first), "GET",
	    "/api/teams/me", &out), OP_OK);
	ck_assert_ptr_eq(out, &literal_first[0]);
	no_params();

	/* A route under another method does not stop the search. */
	ck_assert_int_eq(route("DELETE", "/api/teams/t", &out), OP_OK);
	ck_assert_ptr_eq(out, &routes[3]);
	ck_assert_str_eq(req.params[0], "t");
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("router");
	sr = srunner_create(s);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, req_setup, req_teardown);
	tcase_add_test(tc, not_found);
	tcase_add_test(tc, trailing_slash_and_empty_segments);
	tcase_add_test(tc, method_mismatch);
	tcase_add_test(tc, capture_bounds);
	tcase_add_test(tc, path_bounds);
	tcase_add_test(tc, too_many_captures);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_checked_fixture(tc, req_setup, req_teardown);
	tcase_add_test(tc, exact);
	tcase_add_test(tc, captures);
	tcase_add_test(tc, head_is_get);
	tcase_add_test(tc, first_route_wins);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
