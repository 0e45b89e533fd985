/*
 * test_err.c — every error answers its documented HTTP status and code.
 */
#include <check.h>
#include <stdlib.h>

#include "openpanel.h"

static const struct {
	enum op_err	 er;
	int		 status;
	const char	*code;
} want[] = {
	{ OP_EBADREQ,	 400, "bad_request" },
	{ OP_EUNAUTH,	 401, "unauthenticated" },
	{ OP_EFORBIDDEN, 403, "forbidden" },
	{ OP_ENOTFOUND,	 404, "not_found" },
	{ OP_EMETHOD,	 405, "method_not_allowed" },
	{ OP_ECONFLICT,	 409, "conflict" },
	{ OP_ETOOLARGE,	 413, "too_large" },
	{ OP_EMEDIA,	 415, "unsupported_media_type" },
	{ OP_EINVAL,	 422, "invalid" },
	{ OP_ERATE,	 429, "rate_limited" },
	{ OP_EUNAVAIL,	 503, "unavailable" },
	{ OP_ENOMEM,	 503, "unavailable" },
	{ OP_ETIMEOUT,	 503, "unavailable" },
	{ OP_EIO,	 500, "internal" },
	{ OP_EINTERNAL,	 500, "internal" },
};

START_TEST(out_of_range_is_internal)
{
	ck_assert_int_eq(op_err_status(OP_ERR__MAX), 500);
	ck_assert_str_eq(op_err_code(OP_ERR__MAX), "internal");
	ck_assert_int_eq(op_err_status((enum op_err)-1), 500);
	ck_assert_str_eq(op_err_code((enum op_err)-1), "internal");
	ck_assert_int_eq(op_err_status((enum op_err)1000), 500);
}
END_TEST

START_TEST(table)
{
	size_t	 i;

	ck_assert_uint_eq(nitems(want), OP_ERR__MAX - 1);
	for (i = 0; i < nitems(want); i++) {
		ck_assert_int_eq(op_err_status(want[i].er), want[i].status);
		ck_assert_str_eq(op_err_code(want[i].er), want[i].code);
	}
	ck_assert_int_eq(op_err_status(OP_OK), 200);
}
END_TEST

int
main(void)
{
	SRunner	*sr;
	Suite	*s;
	TCase	*tc;
	int	 failed;

	s = suite_create("err");
	tc = tcase_create("err");
	tcase_add_test(tc, out_of_range_is_internal);
	tcase_add_test(tc, table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
