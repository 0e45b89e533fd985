/*
 * test_totp.c — totp.c and base32.c: hostile cases first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"

/* RFC 6238 appendix B's SHA-1 seed. */
static const unsigned char	 seed[] = "12345678901234567890";
#define SEED_LEN	20

/* The 6-digit code of seed at time t, as text. */
static const char *
code_at(int64_t t)
{
	static char	 buf[8];

	snprintf(buf, sizeof(buf), "%06u",
	    op_totp_code(seed, SEED_LEN, (uint64_t)(t / OP_TOTP_STEP)));
	return buf;
}

/* ------------------------------------------------------------ totp */

START_TEST(totp_malformed_codes)
{
	const char	*bad[] = {
		"", "1", "12345", "1234567", "12345a", "a12345", " 12345",
		"12345 ", "123456 ", " 123456", "123456\n", "+12345", "-12345",
		"0x1234", "12 456", "１２３４５６",	/* full-width digits */
		"\xd9\xa1\xd9\xa2\xd9\xa3",		/* Arabic-Indic */
		"12345\xff", "123.45",
	};
	int64_t		 step;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		step = 77;
		ck_assert_msg(op_totp_verify(seed, SEED_LEN, bad[i], 59, -1,
		    &step) == OP_EINVAL, "code \"%s\"", bad[i]);
		ck_assert_int_eq(step, 0);
	}
	/* The right code, with trailing bytes, is still malformed. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "2870820", 59, -1,
	    &step), OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, NULL, 59, -1, &step),
	    OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(NULL, SEED_LEN, "287082", 59, -1,
	    &step), OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(seed, 0, "287082", 59, -1, &step),
	    OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", -1, -1,
	    &step), OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", 59, -1,
	    NULL), OP_EINVAL);
}
END_TEST

START_TEST(totp_replay)
{
	int64_t	 step;

	/* 287082 is step 1 (t = 59). */
	step = 77;
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", 59, 1,
	    &step), OP_EUNAUTH);
	ck_assert_int_eq(step, 0);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", 59, 2,
	    &step), OP_EUNAUTH);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", 59, 0,
	    &step), OP_OK);
	ck_assert_int_eq(step, 1);
	/* The stored step then refuses the same code again. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "287082", 59, step,
	    &step), OP_EUNAUTH);

	/* A code used at step 5 cannot be replayed a step later either. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, code_at(150), 180, 5,
	    &step), OP_EUNAUTH);
	/* Nor can an earlier step's code once a later one was used. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, code_at(150), 180, 6,
	    &step), OP_EUNAUTH);
}
END_TEST

START_TEST(totp_wrong_and_far)
{
	int64_t	 step;
	char	 c[8];

	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "000000", 59, -1,
	    &step), OP_EUNAUTH);
	ck_assert_int_eq(step, 0);
	/* Two steps away either side is outside the window. */
	snprintf(c, sizeof(c), "%s", code_at(1000 - 60));
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, 1000, -1, &step),
	    OP_EUNAUTH);
	snprintf(c, sizeof(c), "%s", code_at(1000 + 60));
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, 1000, -1, &step),
	    OP_EUNAUTH);
	/* Another seed's code. */
	ck_assert_int_eq(op_totp_verify((const unsigned char *)
	    "00000000000000000000", SEED_LEN, code_at(1000), 1000, -1,
	    &step), OP_EUNAUTH);
}
END_TEST

START_TEST(totp_rfc6238_vectors)
{
	static const struct {
		int64_t		 t;
		uint32_t	 code;	/* the RFC's 8 digits mod 10^6 */
	} v[] = {
		{ 59,		 94287082 % 1000000 },
		{ 1111111109,	  7081804 % 1000000 },
		{ 1111111111,	 14050471 % 1000000 },
		{ 1234567890,	 89005924 % 1000000 },
		{ 2000000000,	 69279037 % 1000000 },
		{ 20000000000,	 65353130 % 1000000 },
	};
	char	 c[8];
	int64_t	 step;
	size_t	 i;

	for (i = 0; i < nitems(v); i++) {
		ck_assert_uint_eq(op_totp_code(seed, SEED_LEN,
		    (uint64_t)(v[i].t / 30)), v[i].code);
		snprintf(c, sizeof(c), "%06u", v[i].code);
		ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, v[i].t, -1,
		    &step), OP_OK);
		ck_assert_int_eq(step, v[i].t / 30);
	}
	/* Leading zeros count: 081804 and 005924. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "81804", 1111111109,
	    -1, &step), OP_EINVAL);
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "005924", 1234567890,
	    -1, &step), OP_OK);
}
END_TEST

START_TEST(hotp_rfc4226_vectors)
{
	static const uint32_t	 v[] = { 755224, 287082, 359152, 969429,
	    338314, 254676, 287922, 162583, 399871, 520489 };
	uint64_t		 i;

	for (i = 0; i < nitems(v); i++)
		ck_assert_uint_eq(op_totp_code(seed, SEED_LEN, i), v[i]);
}
END_TEST

START_TEST(totp_drift)
{
	int64_t	 step;
	char	 c[8];

	/* One step behind (a slow phone) and one ahead (a fast one). */
	snprintf(c, sizeof(c), "%s", code_at(1000 - 30));
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, 1000, -1, &step),
	    OP_OK);
	ck_assert_int_eq(step, 1000 / 30 - 1);
	snprintf(c, sizeof(c), "%s", code_at(1000 + 30));
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, 1000, -1, &step),
	    OP_OK);
	ck_assert_int_eq(step, 1000 / 30 + 1);
	snprintf(c, sizeof(c), "%s", code_at(1000));
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, c, 1000, -1, &step),
	    OP_OK);
	ck_assert_int_eq(step, 1000 / 30);
	/* At t = 0 there is no step -1 to look at. */
	ck_assert_int_eq(op_totp_verify(seed, SEED_LEN, "755224", 0, -1,
	    &step), OP_OK);
	ck_assert_int_eq(step, 0);
}
END_TEST

/* ------------------------------------------------------------ base32 */

START_TEST(base32_decode_invalid)
{
	const char	*bad[] = {
		"MZ1W", "MZ8W", "MZ0W", "MZ W", "MZ=W6", "MZXW6YTB!",
		"MZXW6YTB\n", "MY==MY", "=MY", "0", "MZXW6YT-", "MZXW6YT_",
		"M", "MZX", "MZXW6Y",		/* lengths nothing encodes */
		"MZXW6YTBM", "MZXW6YTBMZX",
		"M\xc3\x9c", "MZ\177A",
	};
	unsigned char	 out[32];
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		memset(out, 0xaa, sizeof(out));
		ck_assert_msg(op_base32_decode(bad[i], out, sizeof(out)) == -1,
		    "\"%s\"", bad[i]);
		ck_assert_msg(out[0] == 0xaa, "wrote on failure: \"%s\"",
		    bad[i]);
	}
	ck_assert_int_eq(op_base32_decode(NULL, out, sizeof(out)), -1);

	/* An output one byte short is refused, untouched. */
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(op_base32_decode("MZXW6YTBOI", out, 5), -1);
	ck_assert_int_eq(out[0], 0xaa);
	ck_assert_int_eq(op_base32_decode("MZXW6YTBOI", NULL, 0), -1);
}
END_TEST

START_TEST(base32_encode_small)
{
	char	 out[16];

	memset(out, 'x', sizeof(out));
	/* "foobar" is 10 characters and needs 11 with the NUL. */
	ck_assert_int_eq(op_base32_encode((const unsigned char *)"foobar", 6,
	    out, 10), -1);
	ck_assert_int_eq(out[0], 'x');
	ck_assert_int_eq(op_base32_encode((const unsigned char *)"foobar", 6,
	    NULL, 0), -1);
	ck_assert_int_eq(op_base32_encode(NULL, 1, out, sizeof(out)), -1);
	ck_assert_int_eq(op_base32_encode((const unsigned char *)"foobar", 6,
	    out, 11), 10);
	ck_assert_str_eq(out, "MZXW6YTBOI");
}
END_TEST

START_TEST(base32_rfc4648_vectors)
{
	static const struct {
		const char	*plain, *enc, *padded;
	} v[] = {
		{ "",		"",		"" },
		{ "f",		"MY",		"MY======" },
		{ "fo",		"MZXQ",		"MZXQ====" },
		{ "foo",	"MZXW6",	"MZXW6===" },
		{ "foob",	"MZXW6YQ",	"MZXW6YQ=" },
		{ "fooba",	"MZXW6YTB",	"MZXW6YTB" },
		{ "foobar",	"MZXW6YTBOI",	"MZXW6YTBOI======" },
	};
	unsigned char	 dec[16];
	char		 enc[32], lower[32];
	ssize_t		 n;
	size_t		 i, j;

	for (i = 0; i < nitems(v); i++) {
		n = op_base32_encode((const unsigned char *)v[i].plain,
		    strlen(v[i].plain), enc, sizeof(enc));
		ck_assert_int_eq(n, (ssize_t)strlen(v[i].enc));
		ck_assert_str_eq(enc, v[i].enc);

		n = op_base32_decode(v[i].enc, dec, sizeof(dec));
		ck_assert_int_eq(n, (ssize_t)strlen(v[i].plain));
		ck_assert_mem_eq(dec, v[i].plain, (size_t)n);

		n = op_base32_decode(v[i].padded, dec, sizeof(dec));
		ck_assert_int_eq(n, (ssize_t)strlen(v[i].plain));
		ck_assert_mem_eq(dec, v[i].plain, (size_t)n);

		for (j = 0; v[i].enc[j] != '\0'; j++)
			lower[j] = (char)(v[i].enc[j] >= 'A' &&
			    v[i].enc[j] <= 'Z' ? v[i].enc[j] + 32 :
			    v[i].enc[j]);
		lower[j] = '\0';
		n = op_base32_decode(lower, dec, sizeof(dec));
		ck_assert_int_eq(n, (ssize_t)strlen(v[i].plain));
		ck_assert_mem_eq(dec, v[i].plain, (size_t)n);
	}
	/* The exact size is enough for decoding (no NUL). */
	ck_assert_int_eq(op_base32_decode("MZXW6YTBOI", dec, 6), 6);
	ck_assert_int_eq(op_base32_decode("mZxW6yTbOi", dec, 6), 6);
	ck_assert_mem_eq(dec, "foobar", 6);
}
END_TEST

START_TEST(base32_roundtrip)
{
	unsigned char	 in[64], out[64];
	char		 enc[128];
	size_t		 len, i;
	ssize_t		 n;

	ck_assert_int_eq(op_base32_encode(seed, SEED_LEN, enc, sizeof(enc)),
	    32);
	ck_assert_str_eq(enc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

	for (len = 0; len <= sizeof(in); len++) {
		for (i = 0; i < len; i++)
			in[i] = (unsigned char)(i * 37 + len * 11 + 255 * (i & 1));
		n = op_base32_encode(in, len, enc, sizeof(enc));
		ck_assert_int_eq(n, (ssize_t)((len * 8 + 4) / 5));
		ck_assert_int_eq(op_base32_decode(enc, out, sizeof(out)),
		    (ssize_t)len);
		ck_assert_mem_eq(in, out, len);
	}
	/* A fresh 160-bit seed, as enrolment makes them. */
	ck_assert_int_eq(op_random(in, OP_TOTP_SECRET_LEN), OP_OK);
	ck_assert_int_eq(op_base32_encode(in, OP_TOTP_SECRET_LEN, enc,
	    sizeof(enc)), 32);
	ck_assert_int_eq(op_base32_decode(enc, out, sizeof(out)),
	    OP_TOTP_SECRET_LEN);
	ck_assert_mem_eq(in, out, OP_TOTP_SECRET_LEN);
}
END_TEST

/* ------------------------------------------------------------ runner */

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("totp");

	tc = tcase_create("totp");
	tcase_add_test(tc, totp_malformed_codes);
	tcase_add_test(tc, totp_replay);
	tcase_add_test(tc, totp_wrong_and_far);
	tcase_add_test(tc, totp_rfc6238_vectors);
	tcase_add_test(tc, hotp_rfc4226_vectors);
	tcase_add_test(tc, totp_drift);
	suite_add_tcase(s, tc);

	tc = tcase_create("base32");
	tcase_add_test(tc, base32_decode_invalid);
	tcase_add_test(tc, base32_encode_small);
	tcase_add_test(tc, base32_rfc4648_vectors);
	tcase_add_test(tc, base32_roundtrip);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
