/*
 * test_config.c — the config file parser and the environment override.
 *
 * Check runs each test in its own process, so the loaded settings and
 * the environment start clean every time.
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openpanel.h"

static char	 dir[] = "/tmp/op-test-config.XXXXXX";
static char	 path[PATH_MAX];
static int	 logfd = -1;

static void
setup(void)
{
	char	 logpath[PATH_MAX];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/openpanel.conf", dir);
	/* Log lines go to a file we can read back. */
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	logfd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(logfd, -1);
	ck_assert_int_eq(dup2(logfd, STDERR_FILENO), STDERR_FILENO);
	op_log_init("test", OP_LOG_DEBUG);
}

static void
teardown(void)
{
	char	 cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "%s/log", dir);
	unlink(cmd);
	unlink(path);
	rmdir(dir);
}

static void
write_conf(const char *text, size_t len)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

#define WRITE_CONF(s)	write_conf((s), sizeof(s) - 1)

/* What was logged; static, NUL-terminated. */
static const char *
logged(void)
{
	static char	 text[65536];
	ssize_t		 n;

	ck_assert_int_eq(lseek(logfd, 0, SEEK_SET), 0);
	n = read(logfd, text, sizeof(text) - 1);
	ck_assert_int_ge(n, 0);
	text[n] = '\0';
	return text;
}

/* Load text, expect OP_EINVAL and a log line naming line `line`. */
static void
expect_bad(const char *text, size_t len, int line)
{
	char	 want[32];

	write_conf(text, len);
	ck_assert_int_eq(op_config_load(path), OP_EINVAL);
	snprintf(want, sizeof(want), "line %d:", line);
	ck_assert_msg(strstr(logged(), want) != NULL, "no \"%s\" in %s",
	    want, logged());
	ck_assert_ptr_null(op_config_get("OP_A", NULL));
}

#define EXPECT_BAD(s, line)	expect_bad((s), sizeof(s) - 1, (line))

/* Hostile first: malformed files are refused whole, with a line number. */
START_TEST(malformed_lines)
{
	EXPECT_BAD("OP_A = 1\nno equals sign\n", 2);
}
END_TEST

START_TEST(bad_keys)
{
	EXPECT_BAD("OP_A = 1\n\n lower = 2\n", 3);
}
END_TEST

START_TEST(bad_key_charset)
{
	EXPECT_BAD("OP_A = 1\nOP-B = 2\n", 2);
}
END_TEST

START_TEST(empty_key)
{
	EXPECT_BAD(" = value\n", 1);
}
END_TEST

START_TEST(duplicate_key)
{
	EXPECT_BAD("OP_A = 1\n# x\nOP_A = 2\n", 3);
}
END_TEST

START_TEST(control_byte_in_value)
{
	EXPECT_BAD("OP_A = 1\nOP_B = a\x1b[2Jb\n", 2);
}
END_TEST

START_TEST(nul_byte)
{
	EXPECT_BAD("OP_A = 1\nOP_B = a\0b\n", 2);
}
END_TEST

START_TEST(unterminated_quote)
{
	EXPECT_BAD("OP_A = \"abc\n", 1);
}
END_TEST

START_TEST(text_after_quote)
{
	EXPECT_BAD("OP_A = \"abc\" def\n", 1);
}
END_TEST

START_TEST(line_too_long)
{
	char	*text;
	size_t	 len = 4200;

	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "OP_A = 1\nOP_B = ", 16);
	memset(text + 16, 'x', len - 17);
	text[len - 1] = '\n';
	expect_bad(text, len, 2);
	free(text);
}
END_TEST

START_TEST(too_many_keys)
{
	char	*text;
	size_t	 len = 0, i;

	text = malloc(300 * 32);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 257; i++)
		len += (size_t)snprintf(text + len, 32, "OP_K%zu = %zu\n", i, i);
	expect_bad(text, len, 257);
	free(text);
}
END_TEST

START_TEST(max_keys_accepted)
{
	char	*text;
	size_t	 len = 0, i;

	text = malloc(300 * 32);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 256; i++)
		len += (size_t)snprintf(text + len, 32, "OP_K%zu = %zu\n", i, i);
	write_conf(text, len);
	ck_assert_int_eq(op_config_load(path), OP_OK);
	ck_assert_str_eq(op_config_get("OP_K255", NULL), "255");
	free(text);
}
END_TEST

START_TEST(unreadable_file)
{
	/* A directory opens but cannot be read as a file. */
	ck_assert_int_eq(op_config_load(dir), OP_EINVAL);
	ck_assert_ptr_nonnull(strstr(logged(), "\"level\":\"error\""));
}
END_TEST

START_TEST(failed_reload_keeps_old)
{
	WRITE_CONF("OP_A = old\n");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	WRITE_CONF("OP_A = new\ngarbage\n");
	ck_assert_int_eq(op_config_load(path), OP_EINVAL);
	ck_assert_str_eq(op_config_get("OP_A", NULL), "old");
}
END_TEST

START_TEST(reload_keeps_old_strings_alive)
{
	const char	*old;

	WRITE_CONF("OP_A = first\n");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	old = op_config_get("OP_A", NULL);
	WRITE_CONF("OP_A = second\n");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	ck_assert_str_eq(op_config_get("OP_A", NULL), "second");
	ck_assert_str_eq(old, "first");		/* "lives until exit" */
}
END_TEST

START_TEST(int_strict)
{
	WRITE_CONF(
	    "OP_OK = 42\n"
	    "OP_NEG = -7\n"
	    "OP_PLUS = +5\n"
	    "OP_TRAIL = 12abc\n"
	    "OP_HEX = 0x10\n"
	    "OP_SPACE = \" 12\"\n"
	    "OP_EMPTY = \n"
	    "OP_HUGE = 99999999999999999999999\n"
	    "OP_BIG = 1001\n"
	    "OP_FLOAT = 1.5\n");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	ck_assert_int_eq(op_config_int("OP_OK", 1, 0, 100), 42);
	ck_assert_int_eq(op_config_int("OP_NEG", 1, -10, 10), -7);
	ck_assert_int_eq(op_config_int("OP_PLUS", 1, 0, 10), 5);
	ck_assert_int_eq(op_config_int("OP_TRAIL", 1, 0, 100), 1);
	ck_assert_int_eq(op_config_int("OP_HEX", 1, 0, 100), 1);
	ck_assert_int_eq(op_config_int("OP_SPACE", 1, 0, 100), 1);
	ck_assert_int_eq(op_config_int("OP_EMPTY", 1, 0, 100), 1);
	ck_assert_int_eq(op_config_int("OP_HUGE", 1, LLONG_MIN, LLONG_MAX),
	    1);
	ck_assert_int_eq(op_config_int("OP_BIG", 1, 0, 1000), 1);
	ck_assert_int_eq(op_config_int("OP_BIG", 1, 0, 1001), 1001);
	ck_assert_int_eq(op_config_int("OP_NEG", 1, 0, 10), 1);
	ck_assert_int_eq(op_config_int("OP_FLOAT", 1, 0, 10), 1);
	ck_assert_int_eq(op_config_int("OP_UNSET", 9, 0, 10), 9);
	/* Garbage is reported, by key. */
	ck_assert_ptr_nonnull(strstr(logged(), "OP_TRAIL"));
}
END_TEST

START_TEST(missing_file_is_fine)
{
	ck_assert_int_eq(op_config_load("/nonexistent/openpanel.conf"), OP_OK);
	ck_assert_str_eq(op_config_get("OP_A", "def"), "def");
}
END_TEST

START_TEST(parses_values)
{
	WRITE_CONF(
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "  # an indented comment\n"
	    "OP_DB = host=/run/postgresql dbname=openpanel\n"
	    "\tOP_TRIM\t=\t  spaced out  \t\n"
	    "OP_QUOTED = \"  kept # as \\\"is\\\" \\\\ \"\n"
	    "OP_HASH = a#b # not a comment\n"
	    "OP_EQ = a=b=c\n"
	    "OP_EMPTY =\n"
	    "OP_EMPTYQ = \"\"\n"
	    "OP_CRLF = dos\r\n"
	    "OP_LAST = no newline");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	ck_assert_str_eq(op_config_get("OP_DB", NULL),
	    "host=/run/postgresql dbname=openpanel");
	ck_assert_str_eq(op_config_get("OP_TRIM", NULL), "spaced out");
	ck_assert_str_eq(op_config_get("OP_QUOTED", NULL),
	    "  kept # as \"is\" \\ ");
	ck_assert_str_eq(op_config_get("OP_HASH", NULL),
	    "a#b # not a comment");
	ck_assert_str_eq(op_config_get("OP_EQ", NULL), "a=b=c");
	ck_assert_str_eq(op_config_get("OP_EMPTY", "def"), "");
	ck_assert_str_eq(op_config_get("OP_EMPTYQ", "def"), "");
	ck_assert_str_eq(op_config_get("OP_CRLF", NULL), "dos");
	ck_assert_str_eq(op_config_get("OP_LAST", NULL), "no newline");
	ck_assert_str_eq(op_config_get("OP_NOPE", "def"), "def");
	ck_assert_ptr_null(op_config_get("OP_NOPE", NULL));
	ck_assert_ptr_null(op_config_get(NULL, NULL));
}
END_TEST

START_TEST(env_wins)
{
	WRITE_CONF("OP_A = file\nOP_B = file\n");
	ck_assert_int_eq(op_config_load(path), OP_OK);
	ck_assert_int_eq(setenv("OP_A", "env", 1), 0);
	ck_assert_int_eq(setenv("OP_C", "env only", 1), 0);
	ck_assert_str_eq(op_config_get("OP_A", NULL), "env");
	ck_assert_str_eq(op_config_get("OP_B", NULL), "file");
	ck_assert_str_eq(op_config_get("OP_C", NULL), "env only");
	ck_assert_int_eq(setenv("OP_N", "12", 1), 0);
	ck_assert_int_eq(op_config_int("OP_N", 0, 0, 100), 12);
}
END_TEST

START_TEST(path_from_op_config)
{
	WRITE_CONF("OP_A = via OP_CONFIG\n");
	ck_assert_int_eq(setenv("OP_CONFIG", path, 1), 0);
	ck_assert_int_eq(op_config_load(NULL), OP_OK);
	ck_assert_str_eq(op_config_get("OP_A", NULL), "via OP_CONFIG");
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("config");
	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, bad_keys);
	tcase_add_test(tc, bad_key_charset);
	tcase_add_test(tc, empty_key);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, control_byte_in_value);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, unterminated_quote);
	tcase_add_test(tc, text_after_quote);
	tcase_add_test(tc, line_too_long);
	tcase_add_test(tc, too_many_keys);
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, failed_reload_keeps_old);
	tcase_add_test(tc, int_strict);
	suite_add_tcase(s, tc);
	tc = tcase_create("normal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, max_keys_accepted);
	tcase_add_test(tc, reload_keeps_old_strings_alive);
	tcase_add_test(tc, missing_file_is_fine);
	tcase_add_test(tc, parses_values);
	tcase_add_test(tc, env_wins);
	tcase_add_test(tc, path_from_op_config);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* Settings from the caller's environment would skew the tests. */
	unsetenv("OP_CONFIG");
	unsetenv("OP_A");
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
