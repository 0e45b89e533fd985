/*
 * test_fd.c — fd.c: whole writes to a pipe, blocking or not; hostile
 * cases first (the reader gone, the reader stalled).
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "openpanel.h"
#include "check_main.h"

/* A pipe, its write end non-blocking when asked. */
static void
pipe_open(int p[2], int nonblocking)
{
	ck_assert_int_eq(pipe(p), 0);
	if (nonblocking)
		ck_assert_int_ne(fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) |
		    O_NONBLOCK), -1);
}

START_TEST(a_gone_reader_is_an_io_error)
{
	int	p[2];

	signal(SIGPIPE, SIG_IGN);
	pipe_open(p, 0);
	close(p[0]);
	ck_assert_int_eq(op_fd_write_all(p[1], "x", 1, 1000, NULL), OP_EIO);
	close(p[1]);
	ck_assert_int_eq(op_fd_write_all(p[1], "x", 1, 1000, NULL), OP_EIO);
}
END_TEST

START_TEST(a_stalled_reader_times_out)
{
	static char	big[1 << 20];	/* more than a pipe holds */
	int		p[2];

	pipe_open(p, 1);
	ck_assert_int_eq(op_fd_write_all(p[1], big, sizeof(big), 50, NULL),
	    OP_ETIMEOUT);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(everything_arrives_in_order)
{
	static char	big[200000], got[sizeof(big) + 1];
	size_t		i, n;
	ssize_t		r;
	pid_t		pid;
	int		p[2], nb, status;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	for (nb = 0; nb <= 1; nb++) {
		pipe_open(p, nb);
		/* The writer in a child; the reader here, 4 KiB at a time. */
		if ((pid = fork()) == 0) {
			close(p[0]);
			_exit(op_fd_write_all(p[1], big, sizeof(big), 10000,
			    NULL) == OP_OK ? 0 : 1);
		}
		ck_assert_int_gt(pid, 0);
		close(p[1]);
		n = 0;
		while (n < sizeof(got) && (r = read(p[0], got + n,
		    sizeof(got) - n < 4096 ? sizeof(got) - n : 4096)) > 0)
			n += (size_t)r;
		close(p[0]);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ck_assert_uint_eq(n, sizeof(big));
		ck_assert_int_eq(memcmp(big, got, sizeof(big)), 0);
	}
	ck_assert_int_eq(op_fd_write_all(1, "", 0, 0, NULL), OP_OK);
}
END_TEST

static Suite *
fd_suite(void)
{
	Suite	*s = suite_create("fd");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, a_gone_reader_is_an_io_error);
	tcase_add_test(tc, a_stalled_reader_times_out);
	tcase_add_test(tc, everything_arrives_in_order);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(fd_suite)
