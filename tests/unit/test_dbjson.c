/*
 * test_dbjson.c — a query's rows written straight into the answer
 * (op_reply_row, op_reply_page) are the very JSON the jansson tree
 * (op_db_row_json, op_db_page_json) dumps to, for every column type the
 * panel renders; a byte that is not UTF-8 still gives valid JSON.
 * Results are built in memory with libpq's own result constructors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"
#include "check_main.h"

/* One column: its name, type OID and a value per row (NULL: SQL NULL). */
struct col {
	const char	*name;
	Oid		 type;
	const char	*v[3];
};

static PGresult *
result(const struct col *cols, int ncols, int nrows)
{
	PGresult	*res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc	 a[16];
	char		 names[16][32], v[256];
	int		 c, i;

	memset(a, 0, sizeof(a));
	for (c = 0; c < ncols; c++) {
		snprintf(names[c], sizeof(names[c]), "%s", cols[c].name);
		a[c].name = names[c];
		a[c].typid = cols[c].type;
		a[c].typlen = -1;
		a[c].atttypmod = -1;
	}
	ck_assert_int_eq(PQsetResultAttrs(res, ncols, a), 1);
	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncols; c++) {
			snprintf(v, sizeof(v), "%s", cols[c].v[i] ?
			    cols[c].v[i] : "");
			ck_assert_int_eq(PQsetvalue(res, i, c, v,
			    cols[c].v[i] ? (int)strlen(v) : -1), 1);
		}
	return res;
}

static struct op_req *
req(void)
{
	static struct op_req	r;

	op_buf_clear(&r.text);
	memset(&r, 0, sizeof(r));
	op_buf_init(&r.text, 1 << 20);
	return &r;
}

/* j dumped as the tree path answers it; j released. */
static char *
dumped(json_t *j)
{
	char	*s;

	ck_assert_ptr_nonnull(j);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static const struct col every_type[] = {
	{ "id", 25, { "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "second",
	    "third" } },
	{ "on", 16, { "t", "f", NULL } },
	{ "small", 21, { "-32768", "0", "7" } },
	{ "count", 23, { "2147483647", "-1", "0" } },
	{ "big", 20, { "9223372036854775807", "-42", "1" } },
	{ "ratio", 701, { "0.1", "3", "-2.5e-07" } },
	{ "share", 700, { "1.5", "0", "100" } },
	{ "price", 1700, { "12.50", "1e20", "0.000" } },
	{ "spec", 114, { "{\"a\": [1, 2], \"b\": null}", "[]", "\"x\"" } },
	{ "labels", 3802, { "{\"k\": \"v\", \"n\": 1.25}", "{}", "null" } },
	{ "at", 1184, { "2026-11-29 02:40:00.123+00",
	    "2026-11-29 02:40:00+00", "2026-11-29 03:40:00+01" } },
	{ "note", 25, { "quote \" backslash \\ slash / tab \t nl \n cr \r",
	    "bell \a bs \b ff \f esc \x1b del \x7f",
	    "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80" } },
	{ "blank", 1043, { "", NULL, " " } },
};

START_TEST(a_row_is_the_json_of_the_tree)
{
	PGresult	*res = result(every_type, (int)nitems(every_type), 3);
	struct op_req	*r;
	char		*tree;
	int		 i;

	for (i = 0; i < 3; i++) {
		r = req();
		ck_assert_int_eq(op_reply_row(r, 201, res, i), OP_OK);
		ck_assert_int_eq(r->status, 201);
		ck_assert_ptr_null(r->reply);
		ck_assert_str_eq(r->content_type, "application/json");
		tree = dumped(op_db_row_json(res, i));
		ck_assert_str_eq(r->text.data, tree);
		free(tree);
	}
	PQclear(res);
}
END_TEST

START_TEST(a_page_is_the_json_of_the_tree)
{
	PGresult	*res = result(every_type, (int)nitems(every_type), 3);
	PGresult	*none = result(every_type, (int)nitems(every_type), 0);
	struct op_req	*r;
	char		*tree;
	long long	 limit;

	for (limit = 1; limit <= 4; limit++) {	/* a next, then none */
		r = req();
		ck_assert_int_eq(op_reply_page(r, 200, res, limit), OP_OK);
		tree = dumped(op_db_page_json(res, limit, NULL));
		ck_assert_str_eq(r->text.data, tree);
		free(tree);
	}
	r = req();
	ck_assert_int_eq(op_reply_page(r, 200, none, 50), OP_OK);
	ck_assert_str_eq(r->text.data, "{\"items\":[],\"next\":null}");
	PQclear(res);
	PQclear(none);
}
END_TEST

START_TEST(bytes_that_are_not_utf8_still_make_json)
{
	static const struct col bad[] = {
		{ "id", 25, { "a\xff" "b\xc3" "c\xe0\x80\xaf" "d\xed\xa0\x80"
		    "e\xf4\x90\x80\x80" "f\xc3", NULL, NULL } },
	};
	PGresult	*res = result(bad, 1, 1);
	struct op_req	*r = req();
	json_t		*j;
	json_error_t	 e;

	ck_assert_int_eq(op_reply_row(r, 200, res, 0), OP_OK);
	j = json_loads(r->text.data, 0, &e);
	ck_assert_msg(j != NULL, "%s: %s", r->text.data, e.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")),
	    "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "f\xef\xbf\xbd");
	json_decref(j);
	PQclear(res);
}
END_TEST

static Suite *
dbjson_suite(void)
{
	Suite	*s = suite_create("dbjson");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, a_row_is_the_json_of_the_tree);
	tcase_add_test(tc, a_page_is_the_json_of_the_tree);
	tcase_add_test(tc, bytes_that_are_not_utf8_still_make_json);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(dbjson_suite)
