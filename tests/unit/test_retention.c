/*
 * test_retention.c — retention.c: which generations a policy keeps;
 * hostile cases first.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"

static int64_t
at(const char *rfc3339)
{
	int64_t	t;

	ck_assert_int_eq(op_parse_time(rfc3339, &t), OP_OK);
	return t;
}

/* keep[] as a string of 0 and 1, for one-line assertions. */
static const char *
kept(const unsigned char *keep, size_t n)
{
	static char	s[64];
	size_t		i;

	for (i = 0; i < n; i++)
		s[i] = keep[i] ? '1' : '0';
	s[n] = '\0';
	return s;
}

START_TEST(refuses_bad_input)
{
	struct op_retention	p = { .last = 1 };
	int64_t			t[2] = { 100, 200 };	/* oldest first */
	unsigned char		keep[2];

	ck_assert_int_eq(op_retention_keep(t, 2, "UTC", &p, keep), OP_EINVAL);
	t[0] = 300;
	ck_assert_int_eq(op_retention_keep(t, 2, "../etc", &p, keep),
	    OP_EINVAL);
	ck_assert_int_eq(op_retention_keep(t, 0, "UTC", &p, keep), OP_OK);
}
END_TEST

START_TEST(no_policy_keeps_all)
{
	struct op_retention	p = { 0 };
	int64_t			t[3] = { 3, 2, 1 };
	unsigned char		keep[3];

	ck_assert_int_eq(op_retention_keep(t, 3, "UTC", &p, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 3), "111");
}
END_TEST

START_TEST(keeps_the_last_n)
{
	struct op_retention	p = { .last = 2 };
	int64_t			t[4] = { 40, 30, 20, 10 };
	unsigned char		keep[4];

	ck_assert_int_eq(op_retention_keep(t, 4, "UTC", &p, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 4), "1100");
}
END_TEST

START_TEST(keeps_daily_weekly_monthly_generations)
{
	/* Newest first: two on 10 March, one on 9 March (same ISO week),
	 * one on 1 March (the week before), one in February, one in
	 * January. */
	int64_t			t[6] = {
		at("2026-03-10T18:00:00Z"), at("2026-03-10T06:00:00Z"),
		at("2026-03-09T06:00:00Z"), at("2026-03-01T06:00:00Z"),
		at("2026-02-15T06:00:00Z"), at("2026-01-15T06:00:00Z"),
	};
	struct op_retention	daily = { .daily = 2 };
	struct op_retention	weekly = { .weekly = 2 };
	struct op_retention	monthly = { .monthly = 3 };
	struct op_retention	mixed = { .last = 1, .monthly = 2 };
	unsigned char		keep[6];

	ck_assert_int_eq(op_retention_keep(t, 6, "UTC", &daily, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 6), "101000");
	ck_assert_int_eq(op_retention_keep(t, 6, "UTC", &weekly, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 6), "100100");
	ck_assert_int_eq(op_retention_keep(t, 6, "UTC", &monthly, keep),
	    OP_OK);
	ck_assert_str_eq(kept(keep, 6), "100011");
	ck_assert_int_eq(op_retention_keep(t, 6, "UTC", &mixed, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 6), "100010");
}
END_TEST

START_TEST(days_follow_the_time_zone)
{
	/* 23:30 and 00:30 UTC are one evening in New York. */
	int64_t			t[2] = { at("2026-03-11T00:30:00Z"),
				    at("2026-03-10T23:30:00Z") };
	struct op_retention	daily = { .daily = 2 };
	unsigned char		keep[2];

	ck_assert_int_eq(op_retention_keep(t, 2, "UTC", &daily, keep), OP_OK);
	ck_assert_str_eq(kept(keep, 2), "11");
	ck_assert_int_eq(op_retention_keep(t, 2, "America/New_York", &daily,
	    keep), OP_OK);
	ck_assert_str_eq(kept(keep, 2), "10");
	ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("retention");
	TCase	*tc = tcase_create("retention");
	SRunner	*sr;
	int	 failed;

	unsetenv("TZ");
	tcase_add_test(tc, refuses_bad_input);
	tcase_add_test(tc, no_policy_keeps_all);
	tcase_add_test(tc, keeps_the_last_n);
	tcase_add_test(tc, keeps_daily_weekly_monthly_generations);
	tcase_add_test(tc, days_follow_the_time_zone);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
