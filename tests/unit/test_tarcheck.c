/*
 * test_tarcheck.c — op-backups' tar filter for restores: every entry
 * must stay inside the restore target; hostile archives first.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "backups.h"

#define BLOCK	512

struct out {
	size_t	bytes;
};

static enum op_err
count(void *arg, const void *data, size_t len)
{
	(void)data;
	((struct out *)arg)->bytes += len;
	return OP_OK;
}

/* One ustar header for (name, type, link, size) at h. */
static void
header(unsigned char *h, const char *name, char type, const char *link,
    size_t size)
{
	unsigned	sum = 0;
	size_t		i;

	memset(h, 0, BLOCK);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)(size & 0777777));
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	if (link != NULL)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* An archive of one entry (plus a PAX record before it when pax is set)
 * and the end blocks; its length. */
static size_t
archive(unsigned char *buf, const char *name, char type, const char *link,
    const char *pax)
{
	size_t	n = 0, plen;

	if (pax != NULL) {
		plen = strlen(pax);
		header(buf, "PaxHeaders/x", 'x', NULL, plen);
		memcpy(buf + BLOCK, pax, plen);
		memset(buf + BLOCK + plen, 0, BLOCK - plen);
		n = 2 * BLOCK;
	}
	header(buf + n, name, type, link, type == '0' ? 5 : 0);
	n += BLOCK;
	if (type == '0') {
		memset(buf + n, 0, BLOCK);
		memcpy(buf + n, "hello", 5);
		n += BLOCK;
	}
	memset(buf + n, 0, 2 * BLOCK);
	return n + 2 * BLOCK;
}

/* Run the archive through the filter, in pieces of `step` bytes. */
static enum op_err
check(const unsigned char *buf, size_t len, size_t step, const char **why)
{
	struct tarcheck	*t;
	struct out	 o = { 0 };
	enum op_err	 er = OP_OK;
	size_t		 off, n;

	ck_assert_int_eq(tarcheck_new("data", count, &o, &t), OP_OK);
	for (off = 0; off < len && er == OP_OK; off += n) {
		n = len - off < step ? len - off : step;
		er = tarcheck_write(t, buf + off, n);
	}
	if (er == OP_OK)
		er = tarcheck_finish(t, why);
	else
		(void)tarcheck_finish(t, why);
	tarcheck_free(t);
	return er;
}

static const struct {
	const char	*name;
	char		 type;
	const char	*link;
	const char	*pax;
} hostile[] = {
	{ "../etc/passwd", '0', NULL, NULL },
	{ "data/../../etc/passwd", '0', NULL, NULL },
	{ "/etc/passwd", '0', NULL, NULL },
	{ "other/file", '0', NULL, NULL },
	{ "data/..", '5', NULL, NULL },
	{ "..", '5', NULL, NULL },
	{ "", '0', NULL, NULL },
	{ "data/link", '2', "/etc/passwd", NULL },
	{ "data/link", '2', "../../etc", NULL },
	{ "data/sub/link", '2', "../../x", NULL },
	{ "data/link", '1', "etc/passwd", NULL },
	{ "data/link", '1', "../data/x", NULL },
	{ "data/null", '3', NULL, NULL },
	{ "data/disk", '4', NULL, NULL },
	/* The PAX record's path is the one extracted. */
	{ "data/ok", '0', NULL, "26 path=../../etc/passwd\n" },
	{ "data/ok", '2', "ok", "25 linkpath=/etc/shadow\n" },
};

START_TEST(refuses_entries_outside_the_target)
{
	unsigned char	 buf[8 * BLOCK];
	const char	*why;
	size_t		 len, step;

	for (step = 1; step <= 4096; step *= 8) {
		len = archive(buf, hostile[_i].name, hostile[_i].type,
		    hostile[_i].link, hostile[_i].pax);
		why = NULL;
		ck_assert_msg(check(buf, len, step, &why) == OP_EINVAL,
		    "accepted %s -> %s", hostile[_i].name,
		    hostile[_i].link ? hostile[_i].link : "");
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(refuses_damaged_and_short_archives)
{
	unsigned char	 buf[8 * BLOCK];
	const char	*why;
	size_t		 len;

	len = archive(buf, "data/a", '0', NULL, NULL);
	buf[5] ^= 1;			/* the checksum no longer holds */
	ck_assert_int_eq(check(buf, len, 512, &why), OP_EINVAL);
	len = archive(buf, "data/a", '0', NULL, NULL);
	ck_assert_int_eq(check(buf, len - 2 * BLOCK - 100, 512, &why),
	    OP_EINVAL);
	ck_assert_str_eq(why, "a tar archive cut short");
}
END_TEST

START_TEST(passes_what_stays_inside)
{
	static const struct { const char *name; char type; const char *link; }
	    ok[] = {
		{ "data", '5', NULL }, { "data/", '5', NULL },
		{ "data/a.txt", '0', NULL }, { "./data/a.txt", '0', NULL },
		{ "data/sub/../b", '0', NULL }, { "data/link", '2', "a.txt" },
		{ "data/sub/link", '2', "../a.txt" },
		{ "data/hard", '1', "data/a.txt" },
	};
	unsigned char	 buf[8 * BLOCK];
	const char	*why;
	size_t		 i, len;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		len = archive(buf, ok[i].name, ok[i].type, ok[i].link, NULL);
		why = NULL;
		ck_assert_msg(check(buf, len, 100, &why) == OP_OK,
		    "refused %s: %s", ok[i].name, why ? why : "");
	}
	len = archive(buf, "data/x", '0', NULL, "29 path=data/a/long/name.txt\n");
	ck_assert_int_eq(check(buf, len, 7, &why), OP_OK);
}
END_TEST

START_TEST(names_are_judged_by_components)
{
	ck_assert(tarcheck_name_ok("data", "data/a"));
	ck_assert(!tarcheck_name_ok("data", "database/a"));
	ck_assert(!tarcheck_name_ok("data", "data/../database/a"));
	ck_assert(tarcheck_link_ok("data", "data/a/b", "../c"));
	ck_assert(!tarcheck_link_ok("data", "data/a", "../../c"));
	ck_assert(!tarcheck_link_ok("data", "data/a", ""));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tarcheck");
	TCase	*tc = tcase_create("tarcheck");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, refuses_entries_outside_the_target, 0,
	    (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, refuses_damaged_and_short_archives);
	tcase_add_test(tc, passes_what_stays_inside);
	tcase_add_test(tc, names_are_judged_by_components);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
