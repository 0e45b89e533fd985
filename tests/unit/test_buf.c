/*
 * test_buf.c — struct op_buf: the cap holds, the content stays a string.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"
#include "check_main.h"

/* Hostile first: nothing may ever grow past max. */
START_TEST(add_past_max_refused)
{
	struct op_buf	 b;

	op_buf_init(&b, 8);
	ck_assert_int_eq(op_buf_add(&b, "12345678", 8), OP_OK);
	ck_assert_int_eq(op_buf_add(&b, "9", 1), OP_ETOOLARGE);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	ck_assert_uint_le(b.cap, 9);
	op_buf_clear(&b);
}
END_TEST

START_TEST(add_huge_length_refused)
{
	struct op_buf	 b;

	op_buf_init(&b, SIZE_MAX);
	ck_assert_int_eq(op_buf_add(&b, "ab", 2), OP_OK);
	/* len + n would wrap; must not reach the allocator as a small size. */
	ck_assert_int_eq(op_buf_add(&b, "x", SIZE_MAX - 1), OP_ETOOLARGE);
	ck_assert_int_eq(op_buf_add(&b, "x", SIZE_MAX), OP_ETOOLARGE);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_str_eq(b.data, "ab");
	op_buf_clear(&b);
}
END_TEST

START_TEST(addf_past_max_leaves_buffer_unchanged)
{
	struct op_buf	 b;

	op_buf_init(&b, 10);
	ck_assert_int_eq(op_buf_addf(&b, "%s", "abc"), OP_OK);
	ck_assert_int_eq(op_buf_addf(&b, "%s", "defghijklmnop"),
	    OP_ETOOLARGE);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.data, "abc");
	/* Exactly up to max is fine. */
	ck_assert_int_eq(op_buf_addf(&b, "%07d", 42), OP_OK);
	ck_assert_str_eq(b.data, "abc0000042");
	ck_assert_int_eq(op_buf_addf(&b, "%s", ""), OP_OK);
	ck_assert_int_eq(op_buf_addf(&b, "x"), OP_ETOOLARGE);
	ck_assert_str_eq(b.data, "abc0000042");
	op_buf_clear(&b);
}
END_TEST

/* A refused addf into spare room must not leave bytes past the NUL. */
START_TEST(addf_refused_in_spare_room)
{
	struct op_buf	 b;

	op_buf_init(&b, 100);
	ck_assert_int_eq(op_buf_add(&b, "hi", 2), OP_OK);
	ck_assert_uint_gt(b.cap, 10);
	ck_assert_int_eq(op_buf_addf(&b, "%0200d", 1), OP_ETOOLARGE);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_uint_eq(strlen(b.data), 2);
	op_buf_clear(&b);
}
END_TEST

START_TEST(max_zero)
{
	struct op_buf	 b;

	op_buf_init(&b, 0);
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(op_buf_add(&b, "", 0), OP_OK);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(op_buf_add(&b, "a", 1), OP_ETOOLARGE);
	ck_assert_int_eq(op_buf_addf(&b, "a"), OP_ETOOLARGE);
	ck_assert_str_eq(b.data, "");
	op_buf_clear(&b);
}
END_TEST

START_TEST(grows_geometrically)
{
	struct op_buf	 b;
	size_t		 i, grows = 0, cap = 0;

	op_buf_init(&b, 1024 * 1024);
	for (i = 0; i < 100000; i++) {
		ck_assert_int_eq(op_buf_add(&b, "0123456789", 10), OP_OK);
		if (b.cap != cap) {
			grows++;
			cap = b.cap;
		}
	}
	ck_assert_uint_eq(b.len, 1000000);
	ck_assert_uint_le(grows, 20);
	ck_assert_uint_le(b.cap, 1024 * 1024 + 1);
	ck_assert_uint_eq(b.data[b.len], '\0');
	ck_assert_int_eq(memcmp(b.data + 999990, "0123456789", 10), 0);
	op_buf_clear(&b);
}
END_TEST

START_TEST(binary_content)
{
	struct op_buf	 b;
	const char	 bin[] = { 'a', '\0', 'b', '\n' };

	op_buf_init(&b, 64);
	ck_assert_int_eq(op_buf_add(&b, bin, sizeof(bin)), OP_OK);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_int_eq(memcmp(b.data, bin, 4), 0);
	ck_assert_uint_eq(b.data[4], '\0');
	op_buf_clear(&b);
}
END_TEST

START_TEST(addf_appends_and_grows)
{
	struct op_buf	 b;
	int		 i;

	op_buf_init(&b, 100000);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(op_buf_addf(&b, "%d,", i), OP_OK);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert_int_eq(strncmp(b.data, "0,1,2,3,", 8), 0);
	ck_assert_int_eq(strcmp(b.data + b.len - 4, "999,"), 0);
	/* One long format that needs a regrow at once. */
	ck_assert_int_eq(op_buf_addf(&b, "%5000s", "x"), OP_OK);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert_uint_eq(b.data[b.len - 1], 'x');
	op_buf_clear(&b);
}
END_TEST

START_TEST(clear_keeps_nothing)
{
	struct op_buf	 b;

	op_buf_init(&b, 64);
	ck_assert_int_eq(op_buf_add(&b, "abc", 3), OP_OK);
	op_buf_clear(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	ck_assert_uint_eq(b.max, 0);
	op_buf_clear(&b);	/* twice is harmless */
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("buf");
	tc = tcase_create("hostile");
	tcase_add_test(tc, add_past_max_refused);
	tcase_add_test(tc, add_huge_length_refused);
	tcase_add_test(tc, addf_past_max_leaves_buffer_unchanged);
	tcase_add_test(tc, addf_refused_in_spare_room);
	tcase_add_test(tc, max_zero);
	suite_add_tcase(s, tc);
	tc = tcase_create("normal");
	tcase_add_test(tc, grows_geometrically);
	tcase_add_test(tc, binary_content);
	tcase_add_test(tc, addf_appends_and_grows);
	tcase_add_test(tc, clear_keeps_nothing);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(buf_suite)
