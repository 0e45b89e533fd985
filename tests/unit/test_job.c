/*
 * test_job.c — job.c without a database: the backoff between tries and
 * the claim's SQL; hostile cases first.
 */
#include <string.h>

#include <check.h>

#include "openpanel.h"
#include "check_main.h"

static const struct op_job_queue queue = {
	.table = "s.jobs",
	.holder = "lease_owner",
	.order = "created_at",
};

START_TEST(claim_sql_refuses_incomplete_queues)
{
	struct op_job_queue	q = queue;
	char			sql[2048];

	ck_assert_int_eq(op_job_claim_sql(NULL, sql, sizeof(sql)), OP_EINVAL);
	q.table = NULL;
	ck_assert_int_eq(op_job_claim_sql(&q, sql, sizeof(sql)), OP_EINVAL);
	q = queue;
	q.holder = NULL;
	ck_assert_int_eq(op_job_claim_sql(&q, sql, sizeof(sql)), OP_EINVAL);
	q = queue;
	q.order = NULL;
	ck_assert_int_eq(op_job_claim_sql(&q, sql, sizeof(sql)), OP_EINVAL);
}
END_TEST

START_TEST(claim_sql_refuses_a_short_buffer)
{
	char	sql[64];

	ck_assert_int_eq(op_job_claim_sql(&queue, sql, sizeof(sql)),
	    OP_EINVAL);
}
END_TEST

START_TEST(backoff_survives_hostile_numbers)
{
	ck_assert_int_eq(op_job_backoff_s(-5, 5, 4, 3600), 5);
	ck_assert_int_eq(op_job_backoff_s(0, 5, 4, 3600), 5);
	ck_assert_int_eq(op_job_backoff_s(1000000, 5, 4, 3600), 3600);
	ck_assert_int_eq(op_job_backoff_s(1000000, 60, 1000, 21600), 21600);
	ck_assert_int_eq(op_job_backoff_s(3, 5, 0, 3600), 5);
	ck_assert_int_eq(op_job_backoff_s(3, -5, 4, 3600), 0);
	ck_assert_int_eq(op_job_backoff_s(1, 7200, 4, 3600), 3600);
}
END_TEST

START_TEST(backoff_grows_by_its_factor)
{
	static const long long	backups[] = { 5, 20, 80, 320, 1280, 3600,
	    3600 };
	size_t			i;

	for (i = 0; i < nitems(backups); i++)
		ck_assert_int_eq(op_job_backoff_s((int)i + 1, 5, 4, 3600),
		    backups[i]);
	ck_assert_int_eq(op_job_backoff_s(1, 60, 2, 21600), 60);
	ck_assert_int_eq(op_job_backoff_s(3, 60, 2, 21600), 240);
	ck_assert_int_eq(op_job_backoff_s(9, 60, 2, 21600), 15360);
	ck_assert_int_eq(op_job_backoff_s(10, 60, 2, 21600), 21600);
}
END_TEST

START_TEST(claim_sql_takes_one_due_row_skipping_locked_ones)
{
	struct op_job_queue	q = queue;
	char			sql[2048];

	ck_assert_int_eq(op_job_claim_sql(&q, sql, sizeof(sql)), OP_OK);
	ck_assert_ptr_nonnull(strstr(sql, "UPDATE s.jobs t SET"));
	ck_assert_ptr_nonnull(strstr(sql, "lease_owner = $1"));
	ck_assert_ptr_nonnull(strstr(sql,
	    "ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED"));
	ck_assert_ptr_nonnull(strstr(sql, "RETURNING t.id"));
	ck_assert_ptr_null(strstr(sql, " AND )"));
	q.lapsed = "NOT cancel";
	q.ready = "x < $3::int";
	q.claimed = "error = NULL";
	ck_assert_int_eq(op_job_claim_sql(&q, sql, sizeof(sql)), OP_OK);
	ck_assert_ptr_nonnull(strstr(sql,
	    "lease_until < now() AND NOT cancel)) AND x < $3::int ORDER"));
	ck_assert_ptr_nonnull(strstr(sql, "now()), error = NULL WHERE"));
}
END_TEST

static Suite *
job_suite(void)
{
	Suite	*s = suite_create("job");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, claim_sql_refuses_incomplete_queues);
	tcase_add_test(tc, claim_sql_refuses_a_short_buffer);
	tcase_add_test(tc, backoff_survives_hostile_numbers);
	tcase_add_test(tc, backoff_grows_by_its_factor);
	tcase_add_test(tc, claim_sql_takes_one_due_row_skipping_locked_ones);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(job_suite)
