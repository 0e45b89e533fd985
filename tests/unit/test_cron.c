/*
 * test_cron.c — cron.c: five-field expressions and their next firing in
 * a time zone; hostile cases first.
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

/* The next firing of expr in tz after `after`, as epoch seconds. */
static int64_t
next(const char *expr, const char *tz, const char *after)
{
	struct op_cron	 c;
	const char	*why;
	int64_t		 t;

	ck_assert_msg(op_cron_parse(expr, &c, &why) == OP_OK, "%s: %s", expr,
	    why);
	ck_assert_int_eq(op_cron_next(&c, tz, at(after), &t), OP_OK);
	return t;
}

START_TEST(refuses_hostile_expressions)
{
	static const char *bad[] = {
		"", " ", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *",
		"* * 0 * *", "* * 32 * *", "* * * 0 *", "* * * 13 *",
		"* * * * 8", "-1 * * * *", "5-1 * * * *", "*/0 * * * *",
		"1,,2 * * * *", "1, * * * *", ",1 * * * *", "a * * * *",
		"* * * JAN *", "1-2-3 * * * *", "*/ * * * *", "0001 * * * *",
		"*\n * * * *", "1/2/3 * * * *", "@daily", "* * * * 1;rm",
	};
	struct op_cron	 c;
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(op_cron_parse(bad[i], &c, &why) == OP_EINVAL,
		    "accepted \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(op_valid_cron("* * * * * * *", &why), OP_EINVAL);
	/* The parser reads tabs as spaces; a stored expression holds none
	 * (found by fuzz/fuzz_valid.c). */
	ck_assert_int_eq(op_cron_parse("0\t3 * * *", &c, &why), OP_OK);
	ck_assert_int_eq(op_valid_cron("0\t3 * * *", &why), OP_EINVAL);
	ck_assert_int_eq(op_valid_cron("0 3 * * *", &why), OP_OK);
}
END_TEST

START_TEST(refuses_hostile_time_zones)
{
	static const char *bad[] = {
		"", "/etc/passwd", "../../etc/passwd", "Europe/../../etc/passwd",
		"Nowhere/City", "UTC\n", "Europe//Lisbon", ".hidden",
		"Europe", "a b",
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(op_valid_timezone(bad[i], &why) == OP_EINVAL,
		    "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(op_valid_timezone("UTC", &why), OP_OK);
	ck_assert_int_eq(op_valid_timezone("Europe/Lisbon", &why), OP_OK);
	ck_assert_int_eq(op_valid_timezone("America/Argentina/Buenos_Aires",
	    &why), OP_OK);
}
END_TEST

START_TEST(fires_on_the_next_matching_minute)
{
	ck_assert_int_eq(next("* * * * *", "UTC", "2026-01-01T00:00:00Z"),
	    at("2026-01-01T00:01:00Z"));
	ck_assert_int_eq(next("* * * * *", "UTC", "2026-01-01T00:00:30Z"),
	    at("2026-01-01T00:01:00Z"));
	ck_assert_int_eq(next("*/15 * * * *", "UTC", "2026-01-01T00:14:59Z"),
	    at("2026-01-01T00:15:00Z"));
	ck_assert_int_eq(next("30 2 * * *", "UTC", "2026-01-01T02:30:00Z"),
	    at("2026-01-02T02:30:00Z"));
	ck_assert_int_eq(next("0 0 1 * *", "UTC", "2026-01-31T12:00:00Z"),
	    at("2026-02-01T00:00:00Z"));
	ck_assert_int_eq(next("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z"),
	    at("2028-02-29T00:00:00Z"));
	ck_assert_int_eq(next("5,10-12 9 * * *", "UTC",
	    "2026-01-01T09:10:00Z"), at("2026-01-01T09:11:00Z"));
}
END_TEST

START_TEST(day_fields_either_match_when_both_set)
{
	/* 2026-01-01 is a Thursday. */
	ck_assert_int_eq(next("0 12 * * 1", "UTC", "2026-01-01T00:00:00Z"),
	    at("2026-01-05T12:00:00Z"));
	ck_assert_int_eq(next("0 12 * * 7", "UTC", "2026-01-01T00:00:00Z"),
	    at("2026-01-04T12:00:00Z"));
	ck_assert_int_eq(next("0 12 15 * 1", "UTC", "2026-01-01T00:00:00Z"),
	    at("2026-01-05T12:00:00Z"));
	ck_assert_int_eq(next("0 12 2 * 1", "UTC", "2026-01-01T00:00:00Z"),
	    at("2026-01-02T12:00:00Z"));
}
END_TEST

START_TEST(follows_the_wall_clock_of_the_zone)
{
	ck_assert_int_eq(next("0 9 * * *", "Europe/Lisbon",
	    "2026-01-10T12:00:00Z"), at("2026-01-11T09:00:00Z"));
	/* Summer time: 09:00 in Lisbon is 08:00 UTC. */
	ck_assert_int_eq(next("0 9 * * *", "Europe/Lisbon",
	    "2026-07-10T12:00:00Z"), at("2026-07-11T08:00:00Z"));
	ck_assert_int_eq(next("0 9 * * *", "America/Sao_Paulo",
	    "2026-07-10T12:00:00Z"), at("2026-07-11T12:00:00Z"));
	/* The TZ of the process is left as it was. */
	ck_assert_ptr_null(getenv("TZ"));
}
END_TEST

START_TEST(never_firing_is_an_error)
{
	struct op_cron	 c;
	const char	*why;
	int64_t		 t = 7;

	ck_assert_int_eq(op_cron_parse("0 0 30 2 *", &c, &why), OP_OK);
	ck_assert_int_eq(op_cron_next(&c, "UTC", 0, &t), OP_EINVAL);
	ck_assert_int_eq(t, 0);
	ck_assert_int_eq(op_cron_parse("* * * * *", &c, &why), OP_OK);
	ck_assert_int_eq(op_cron_next(&c, "../etc/passwd", 0, &t), OP_EINVAL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cron");
	TCase	*tc = tcase_create("cron");
	SRunner	*sr;
	int	 failed;

	unsetenv("TZ");
	tcase_add_test(tc, refuses_hostile_expressions);
	tcase_add_test(tc, refuses_hostile_time_zones);
	tcase_add_test(tc, fires_on_the_next_matching_minute);
	tcase_add_test(tc, day_fields_either_match_when_both_set);
	tcase_add_test(tc, follows_the_wall_clock_of_the_zone);
	tcase_add_test(tc, never_firing_is_an_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
