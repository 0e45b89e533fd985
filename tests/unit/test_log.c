/*
 * test_log.c — every line is one valid JSON object, whatever was logged.
 *
 * Each test sends stderr to a fresh temporary file (Check runs each test
 * in its own process) and reads the lines back with jansson.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openpanel.h"
#include "check_main.h"

#define CAPTURE_MAX	(1024 * 1024)

static int	 capfd = -1;

static void
capture_start(void)
{
	char	 path[] = "/tmp/op-test-log.XXXXXX";

	capfd = mkstemp(path);
	ck_assert_int_ne(capfd, -1);
	unlink(path);
	ck_assert_int_eq(dup2(capfd, STDERR_FILENO), STDERR_FILENO);
}

/* Forget what was logged so far. */
static void
capture_reset(void)
{
	ck_assert_int_eq(ftruncate(capfd, 0), 0);
	ck_assert_int_eq(lseek(capfd, 0, SEEK_SET), 0);
}

/* Everything logged so far, NUL-terminated; the caller frees it. */
static char *
capture_text(size_t *lenp)
{
	char	*s;
	ssize_t	 n;
	size_t	 len = 0;

	s = malloc(CAPTURE_MAX + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(lseek(capfd, 0, SEEK_SET), 0);
	while ((n = read(capfd, s + len, CAPTURE_MAX - len)) > 0)
		len += (size_t)n;
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return s;
}

/* The lines logged so far, each parsed strictly; n of them. */
static json_t *
capture_lines(size_t *n)
{
	json_t		*arr, *j;
	json_error_t	 e;
	char		*text, *line, *nl;
	size_t		 len;

	text = capture_text(&len);
	arr = json_array();
	ck_assert_uint_eq(len == 0 || text[len - 1] == '\n', 1);
	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
		ck_assert_msg(j != NULL, "not JSON (%s): %s", e.text, line);
		ck_assert(json_is_object(j));
		json_array_append_new(arr, j);
	}
	free(text);
	*n = json_array_size(arr);
	return arr;
}

/* The one line logged; the caller json_decref()s it. */
static json_t *
only_line(void)
{
	json_t	*arr, *j;
	size_t	 n;

	arr = capture_lines(&n);
	ck_assert_uint_eq(n, 1);
	j = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	return j;
}

static const char *
field(json_t *j, const char *k)
{
	json_t	*v;

	v = json_object_get(j, k);
	ck_assert_msg(json_is_string(v), "field %s missing or not a string",
	    k);
	return json_string_value(v);
}

/* Hostile first: what reaches the log is data, never structure. */
START_TEST(escapes_quotes_newlines_controls)
{
	const char	*hostile = "a\"b\\c\nd\re\tf\x01g\x1fh\x7fi";
	json_t		*j;
	char		*text;

	capture_start();
	op_log_init("auth", OP_LOG_DEBUG);
	op_info("user said %s", hostile);
	text = capture_text(NULL);
	/* One line: the newline inside the message is escaped. */
	ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1);
	ck_assert_ptr_nonnull(strstr(text, "\\u0001"));
	ck_assert_ptr_nonnull(strstr(text, "\\u001f"));
	ck_assert_ptr_nonnull(strstr(text, "\\u007f"));
	free(text);
	j = only_line();
	ck_assert_str_eq(field(j, "msg"),
	    "user said a\"b\\c\nd\re\tf\x01g\x1fh\x7fi");
	json_decref(j);
}
END_TEST

START_TEST(forged_fields_stay_in_msg)
{
	json_t	*j;

	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	op_info("x\",\"level\":\"error\",\"msg\":\"forged");
	j = only_line();
	ck_assert_str_eq(field(j, "level"), "info");
	ck_assert_str_eq(field(j, "msg"),
	    "x\",\"level\":\"error\",\"msg\":\"forged");
	json_decref(j);
}
END_TEST

START_TEST(invalid_utf8_replaced)
{
	json_t	*j;

	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	/* Valid é and €, then a lone continuation byte, a truncated
	 * sequence, an overlong '/', an encoded surrogate and 0xff. */
	op_info("%s", "\xc3\xa9\xe2\x82\xac|\x80|\xe2\x82|\xc0\xaf|"
	    "\xed\xa0\x80|\xff");
	j = only_line();
	ck_assert_str_eq(field(j, "msg"),
	    "\xc3\xa9\xe2\x82\xac|\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd");
	json_decref(j);
}
END_TEST

START_TEST(nul_from_format_escaped)
{
	char	*text;

	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	op_info("a%cb", '\0');
	text = capture_text(NULL);
	ck_assert_ptr_nonnull(strstr(text, "\"msg\":\"a\\u0000b\""));
	free(text);
}
END_TEST

START_TEST(long_message_truncated)
{
	json_t	*j;
	char	*big;
	size_t	 len;

	big = malloc(100000);
	ck_assert_ptr_nonnull(big);
	/* Quotes escape to two bytes each: the worst case but one. */
	memset(big, '"', 99999);
	big[99999] = '\0';
	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	op_info("%s", big);
	j = only_line();
	len = strlen(field(j, "msg"));
	ck_assert_uint_eq(len, 4095);
	json_decref(j);

	/* Control bytes: six bytes each once escaped. */
	memset(big, '\x01', 99999);
	capture_reset();
	op_info("%s", big);
	j = only_line();
	ck_assert_uint_eq(strlen(field(j, "msg")), 4095);
	json_decref(j);
	free(big);
}
END_TEST

START_TEST(request_id_bounded_and_escaped)
{
	json_t	*j;
	char	 id[200];

	memset(id, 'r', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	id[0] = '"';
	id[1] = '\n';
	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	op_log_request_id(id);
	memset(id, 'x', sizeof(id) - 1);	/* it was copied */
	op_info("one");
	j = only_line();
	ck_assert_uint_eq(strlen(field(j, "request_id")), 64);
	ck_assert_int_eq(strncmp(field(j, "request_id"), "\"\nrrr", 5), 0);
	json_decref(j);
}
END_TEST

START_TEST(fields_present)
{
	json_t		*j;
	const char	*t;

	capture_start();
	op_log_init("auth-worker", OP_LOG_INFO);
	op_log_request_id("req-42");
	op_warn("disk %d%% full", 91);
	j = only_line();
	t = field(j, "time");
	/* 2026-11-29T02:40:00.123Z */
	ck_assert_uint_eq(strlen(t), 24);
	ck_assert_int_eq(t[4], '-');
	ck_assert_int_eq(t[10], 'T');
	ck_assert_int_eq(t[19], '.');
	ck_assert_int_eq(t[23], 'Z');
	ck_assert_str_eq(field(j, "level"), "warn");
	ck_assert_str_eq(field(j, "service"), "auth-worker");
	ck_assert_str_eq(field(j, "request_id"), "req-42");
	ck_assert_str_eq(field(j, "msg"), "disk 91% full");
	ck_assert(json_is_integer(json_object_get(j, "pid")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pid")),
	    getpid());
	ck_assert_uint_eq(json_object_size(j), 6);
	json_decref(j);
}
END_TEST

START_TEST(request_id_cleared)
{
	json_t	*arr;
	size_t	 n;

	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	op_log_request_id("abc");
	op_info("with");
	op_log_request_id(NULL);
	op_info("without");
	arr = capture_lines(&n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(json_object_get(json_array_get(arr, 0),
	    "request_id"));
	ck_assert_ptr_null(json_object_get(json_array_get(arr, 1),
	    "request_id"));
	json_decref(arr);
}
END_TEST

START_TEST(level_filter)
{
	json_t	*arr;
	size_t	 n;

	capture_start();
	op_log_init("auth", OP_LOG_WARN);
	op_debug("dropped");
	op_info("dropped");
	op_warn("kept");
	op_error("kept too");
	arr = capture_lines(&n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(field(json_array_get(arr, 0), "level"), "warn");
	ck_assert_str_eq(field(json_array_get(arr, 1), "level"), "error");
	json_decref(arr);

	op_log_init("auth", OP_LOG_DEBUG);
	capture_reset();
	op_debug("now kept");
	arr = capture_lines(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(field(json_array_get(arr, 0), "level"), "debug");
	json_decref(arr);
}
END_TEST

START_TEST(errno_preserved)
{
	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	errno = EACCES;
	op_info("something");
	ck_assert_int_eq(errno, EACCES);
}
END_TEST

/* Lines from many processes writing at once never interleave. */
START_TEST(concurrent_writers)
{
	json_t	*arr;
	pid_t	 pids[8];
	size_t	 n, i;
	int	 k, st;

	capture_start();
	op_log_init("auth", OP_LOG_INFO);
	for (i = 0; i < nitems(pids); i++) {
		pids[i] = fork();
		ck_assert_int_ne(pids[i], -1);
		if (pids[i] == 0) {
			for (k = 0; k < 200; k++)
				op_info("writer %zu line %d %0500d", i, k, 0);
			_exit(0);
		}
	}
	for (i = 0; i < nitems(pids); i++) {
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert_int_eq(st, 0);
	}
	arr = capture_lines(&n);
	ck_assert_uint_eq(n, 8 * 200);
	json_decref(arr);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("log");
	tc = tcase_create("hostile");
	tcase_add_test(tc, escapes_quotes_newlines_controls);
	tcase_add_test(tc, forged_fields_stay_in_msg);
	tcase_add_test(tc, invalid_utf8_replaced);
	tcase_add_test(tc, nul_from_format_escaped);
	tcase_add_test(tc, long_message_truncated);
	tcase_add_test(tc, request_id_bounded_and_escaped);
	suite_add_tcase(s, tc);
	tc = tcase_create("normal");
	tcase_add_test(tc, fields_present);
	tcase_add_test(tc, request_id_cleared);
	tcase_add_test(tc, level_filter);
	tcase_add_test(tc, errno_preserved);
	tcase_add_test(tc, concurrent_writers);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(log_suite)
