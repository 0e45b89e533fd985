/*
 * test_exec.c — op_exec_run: no shell, a timeout that kills the whole
 * group, a cap on output that never stalls the child, nothing inherited.
 *
 * /bin/sh appears below only as a test tool for building process trees;
 * op_exec_run itself never runs a shell.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"
#include "check_main.h"

#define MIB	(1024 * 1024)

static long long
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run argv with defaults (10 s, 1 MiB of output); expect OP_OK. */
static void
run(const char *const *argv, struct op_exec_result *res)
{
	struct op_exec	 x;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 10000;
	x.out_max = MIB;
	ck_assert_int_eq(op_exec_run(&x, res), OP_OK);
	ck_assert_ptr_nonnull(res->out.data);
	ck_assert_uint_eq(strlen(res->out.data), res->out.len);
}

/* Is pid gone (or a zombie no one has reaped yet)? Waits up to 2 s. */
static int
process_gone(long pid)
{
	char	 path[64], buf[512], *p;
	FILE	*f;
	int	 i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 200; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return 1;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) S ...": the state follows the last ')'. */
		if (p != NULL && (p = strrchr(buf, ')')) != NULL &&
		    p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Hostile first. */
START_TEST(relative_argv0_refused)
{
	const char *const	 bare[] = { "echo", "hi", NULL };
	const char *const	 rel[] = { "bin/echo", "hi", NULL };
	const char *const	 dot[] = { "./echo", NULL };
	const char *const	 empty[] = { "", NULL };
	const char *const	 none[] = { NULL };
	const char *const	*cases[] = { bare, rel, dot, empty, none };
	struct op_exec		 x;
	struct op_exec_result	 res;
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		memset(&x, 0, sizeof(x));
		x.argv = cases[i];
		x.timeout_ms = 1000;
		x.out_max = 100;
		memset(&res, 0xa5, sizeof(res));
		ck_assert_int_eq(op_exec_run(&x, &res), OP_EINVAL);
		/* Out-parameters are zeroed when the call fails. */
		ck_assert_ptr_null(res.out.data);
		ck_assert_int_eq(res.status, 0);
		ck_assert_int_eq(res.timed_out, 0);
	}
	memset(&x, 0, sizeof(x));
	ck_assert_int_eq(op_exec_run(&x, &res), OP_EINVAL);
}
END_TEST

START_TEST(no_timeout_refused)
{
	const char *const	 argv[] = { "/bin/true", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 0;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_EINVAL);
	x.timeout_ms = -1;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_EINVAL);
	x.timeout_ms = 1000;
	x.inlen = 5;			/* length without data */
	ck_assert_int_eq(op_exec_run(&x, &res), OP_EINVAL);
}
END_TEST

START_TEST(shell_metacharacters_literal)
{
	const char *const	 argv[] = { "/bin/echo", "$(id); rm -rf /",
	    "`id`", "a|b&&c>d", "*", "'\"", NULL };
	struct op_exec_result	 res;

	run(argv, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.out.data, "$(id); rm -rf / `id` a|b&&c>d * '\"\n");
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(timeout_kills)
{
	const char *const	 argv[] = { "/bin/sleep", "10", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	long long		 t0, dt;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 200;
	x.out_max = 100;
	t0 = ms_now();
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	dt = ms_now() - t0;
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(res.status, 128 + SIGKILL);
	ck_assert_int_ge(dt, 200);
	ck_assert_int_lt(dt, 2000);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(timeout_kills_children)
{
	const char *const	 argv[] = { "/bin/sh", "-c",
	    "/bin/sleep 10 & echo $!; /bin/sleep 10 < /dev/null > /dev/null "
	    "2>&1 & echo $!; wait", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	long			 a, b;
	long long		 t0;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 300;
	x.out_max = 100;
	t0 = ms_now();
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_lt(ms_now() - t0, 2000);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_int_eq(sscanf(res.out.data, "%ld %ld", &a, &b), 2);
	/* Both grandchildren, even the one not holding our pipe, died. */
	ck_assert_msg(process_gone(a), "grandchild %ld survived", a);
	ck_assert_msg(process_gone(b), "grandchild %ld survived", b);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(output_capped_child_not_blocked)
{
	const char *const	 argv[] = { "/usr/bin/head", "-c", "10485760",
	    "/dev/zero", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 10000;
	x.out_max = 4096;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	/* head wrote all 10 MB and exited 0: nothing stalled or killed it. */
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(res.status, 0);
	ck_assert_uint_eq(res.out.len, 4096);
	ck_assert_uint_le(res.out.cap, 4097);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(endless_output_capped)
{
	const char *const	 argv[] = { "/usr/bin/yes", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	/* Long enough for fork and exec on a loaded machine. */
	x.timeout_ms = 1000;
	x.out_max = 1000;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.timed_out, 1);
	ck_assert_uint_eq(res.out.len, 1000);
	ck_assert_int_eq(strncmp(res.out.data, "y\ny\n", 4), 0);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(zero_cap_keeps_nothing)
{
	const char *const	 argv[] = { "/bin/echo", "hello", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 5000;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.status, 0);
	ck_assert_ptr_nonnull(res.out.data);
	ck_assert_str_eq(res.out.data, "");
	op_buf_clear(&res.out);
}
END_TEST

/* A child that never reads stdin must not SIGPIPE us. */
START_TEST(unread_stdin_no_sigpipe)
{
	const char *const	 argv[] = { "/bin/true", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	sigset_t		 pend;
	char			*big;

	big = calloc(1, 4 * MIB);
	ck_assert_ptr_nonnull(big);
	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.in = big;
	x.inlen = 4 * MIB;
	x.timeout_ms = 5000;
	x.out_max = 100;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.status, 0);
	ck_assert_int_eq(res.timed_out, 0);
	sigpending(&pend);
	ck_assert_int_eq(sigismember(&pend, SIGPIPE), 0);
	op_buf_clear(&res.out);
	free(big);
}
END_TEST

START_TEST(no_fd_leaks)
{
	const char *const	 argv[] = { "/bin/ls", "-l", "/proc/self/fd/",
	    NULL };
	struct op_exec_result	 res;
	char			 path[] = "/tmp/op-test-leak.XXXXXX";
	int			 fd;

	/* Deliberately without O_CLOEXEC, as a careless caller would. */
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fcntl(fd, F_SETFD, 0), 0);
	ck_assert_int_eq(dup2(fd, 100), 100);
	run(argv, &res);
	unlink(path);
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out.data, path) == NULL,
	    "leaked a descriptor: %s", res.out.data);
	ck_assert_msg(strstr(res.out.data, "pipe:") != NULL, "%s",
	    res.out.data);
	op_buf_clear(&res.out);
	close(fd);
	close(100);
}
END_TEST

START_TEST(signals_reset)
{
	const char *const	 argv[] = { "/bin/grep", "-E",
	    "^Sig(Ign|Blk):", "/proc/self/status", NULL };
	struct op_exec_result	 res;
	sigset_t		 set;
	unsigned long long	 blk = ~0ULL, ign = ~0ULL;

	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	run(argv, &res);
	ck_assert_int_eq(sscanf(res.out.data, "SigBlk:\t%llx\nSigIgn:\t%llx",
	    &blk, &ign), 2);
	/*
	 * Signals 32 and 33 are glibc's own (thread cancellation, setxid):
	 * no program can change their disposition, and a parent such as
	 * make may hand them down ignored. Every other one must be reset.
	 */
	ck_assert_msg(blk == 0, "blocked %s", res.out.data);
	ck_assert_msg((ign & ~(3ULL << 31)) == 0, "ignored %s", res.out.data);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(own_process_group)
{
	/* Fields 1 and 5 of /proc/self/stat: pid and process group. */
	const char *const	 argv[] = { "/usr/bin/cut", "-d", " ",
	    "-f", "1,5", "/proc/self/stat", NULL };
	struct op_exec_result	 res;
	long			 pid, pgid;

	run(argv, &res);
	ck_assert_int_eq(sscanf(res.out.data, "%ld %ld", &pid, &pgid), 2);
	ck_assert_int_eq(pgid, pid);
	ck_assert_int_ne(pgid, getpgrp());
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(stdin_fed)
{
	const char *const	 argv[] = { "/bin/cat", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	char			*in;
	size_t			 i;

	/* More than any pipe holds both ways: must not deadlock. */
	in = malloc(8 * MIB);
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < 8 * MIB; i++)
		in[i] = (char)('a' + i % 26);
	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.in = in;
	x.inlen = 8 * MIB;
	x.timeout_ms = 10000;
	x.out_max = 8 * MIB;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.status, 0);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_uint_eq(res.out.len, 8 * MIB);
	ck_assert_int_eq(memcmp(res.out.data, in, 8 * MIB), 0);
	op_buf_clear(&res.out);
	free(in);
}
END_TEST

START_TEST(stdin_empty_is_eof)
{
	const char *const	 argv[] = { "/bin/cat", NULL };
	struct op_exec_result	 res;

	run(argv, &res);
	ck_assert_int_eq(res.status, 0);
	ck_assert_uint_eq(res.out.len, 0);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(exit_status)
{
	const char *const	 f[] = { "/bin/false", NULL };
	const char *const	 t[] = { "/bin/true", NULL };
	const char *const	 sig[] = { "/bin/sh", "-c", "kill -TERM $$",
	    NULL };
	const char *const	 code[] = { "/bin/sh", "-c", "exit 42", NULL };
	struct op_exec_result	 res;

	run(f, &res);
	ck_assert_int_eq(res.status, 1);
	ck_assert_int_eq(res.timed_out, 0);
	op_buf_clear(&res.out);
	run(t, &res);
	ck_assert_int_eq(res.status, 0);
	op_buf_clear(&res.out);
	run(sig, &res);
	ck_assert_int_eq(res.status, 128 + SIGTERM);
	ck_assert_int_eq(res.timed_out, 0);
	op_buf_clear(&res.out);
	run(code, &res);
	ck_assert_int_eq(res.status, 42);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(stdout_and_stderr_together)
{
	const char *const	 argv[] = { "/bin/sh", "-c",
	    "echo out; echo err >&2; echo out2", NULL };
	struct op_exec_result	 res;

	run(argv, &res);
	ck_assert_str_eq(res.out.data, "out\nerr\nout2\n");
	op_buf_clear(&res.out);
}
END_TEST

/* A sink that keeps what it is given, and stops past stop_at bytes. */
struct kept {
	struct op_buf	buf;
	size_t		stop_at;
};

static int
keep_sink(void *arg, const char *data, size_t len)
{
	struct kept	*k = arg;

	ck_assert_int_eq(op_buf_add(&k->buf, data, len), OP_OK);
	return k->stop_at > 0 && k->buf.len >= k->stop_at;
}

START_TEST(stdout_streamed_apart_from_stderr)
{
	const char *const	 argv[] = { "/bin/sh", "-c",
	    "echo out; echo err >&2; head -c 1000000 /dev/zero; echo end",
	    NULL };
	struct op_exec		 x = { .argv = argv, .timeout_ms = 20000,
				       .out_max = 4096, .sink = keep_sink };
	struct op_exec_result	 res;
	struct kept		 k;

	memset(&k, 0, sizeof(k));
	op_buf_init(&k.buf, 2 * MIB);
	x.sink_arg = &k;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.out.data, "err\n");
	ck_assert_uint_eq(k.buf.len, 4 + 1000000 + 4);
	ck_assert(memcmp(k.buf.data, "out\n", 4) == 0);
	ck_assert(memcmp(k.buf.data + k.buf.len - 4, "end\n", 4) == 0);
	op_buf_clear(&res.out);
	op_buf_clear(&k.buf);
}
END_TEST

START_TEST(sink_that_stops_kills)
{
	const char *const	 argv[] = { "/bin/sh", "-c",
	    "while :; do echo more; done", NULL };
	struct op_exec		 x = { .argv = argv, .timeout_ms = 20000,
				       .out_max = 4096, .sink = keep_sink };
	struct op_exec_result	 res;
	struct kept		 k;

	memset(&k, 0, sizeof(k));
	op_buf_init(&k.buf, 2 * MIB);
	k.stop_at = 100000;
	x.sink_arg = &k;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_EIO);
	ck_assert_uint_ge(k.buf.len, 100000);
	op_buf_clear(&k.buf);
}
END_TEST

START_TEST(env_minimal)
{
	const char *const	 argv[] = { "/usr/bin/env", NULL };
	struct op_exec_result	 res;

	ck_assert_int_eq(setenv("OP_SECRET_KEY_FILE", "/leak", 1), 0);
	run(argv, &res);
	ck_assert_str_eq(res.out.data, "PATH=/usr/bin:/bin\n");
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(env_given)
{
	const char *const	 argv[] = { "/usr/bin/env", NULL };
	const char *const	 envp[] = { "A=1", "B=two words", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.envp = envp;
	x.timeout_ms = 5000;
	x.out_max = 1000;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_str_eq(res.out.data, "A=1\nB=two words\n");
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(cwd)
{
	const char *const	 argv[] = { "/bin/pwd", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.cwd = "/usr";
	x.timeout_ms = 5000;
	x.out_max = 1000;
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_str_eq(res.out.data, "/usr\n");
	op_buf_clear(&res.out);

	x.cwd = "/nonexistent";
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_eq(res.status, 127);
	op_buf_clear(&res.out);
}
END_TEST

START_TEST(nonexistent_program)
{
	const char *const	 argv[] = { "/nonexistent/program", NULL };
	const char *const	 dir[] = { "/tmp", NULL };
	struct op_exec_result	 res;

	run(argv, &res);
	ck_assert_int_eq(res.status, 127);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_str_eq(res.out.data, "op_exec: execve failed\n");
	op_buf_clear(&res.out);
	run(dir, &res);
	ck_assert_int_eq(res.status, 127);
	op_buf_clear(&res.out);
}
END_TEST

/* A grandchild holding our pipe open must not hold us until the timeout. */
START_TEST(exits_while_grandchild_holds_pipe)
{
	const char *const	 argv[] = { "/bin/sh", "-c",
	    "/bin/sleep 5 & echo $!", NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	long long		 t0;
	long			 pid;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 4000;
	x.out_max = 100;
	t0 = ms_now();
	ck_assert_int_eq(op_exec_run(&x, &res), OP_OK);
	ck_assert_int_lt(ms_now() - t0, 2000);
	ck_assert_int_eq(res.timed_out, 0);
	ck_assert_int_eq(res.status, 0);
	pid = strtol(res.out.data, NULL, 10);
	ck_assert_int_gt(pid, 1);
	kill((pid_t)pid, SIGKILL);
	op_buf_clear(&res.out);
}
END_TEST

static Suite *
exec_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("exec");
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, relative_argv0_refused);
	tcase_add_test(tc, no_timeout_refused);
	tcase_add_test(tc, shell_metacharacters_literal);
	tcase_add_test(tc, timeout_kills);
	tcase_add_test(tc, timeout_kills_children);
	tcase_add_test(tc, output_capped_child_not_blocked);
	tcase_add_test(tc, endless_output_capped);
	tcase_add_test(tc, zero_cap_keeps_nothing);
	tcase_add_test(tc, unread_stdin_no_sigpipe);
	tcase_add_test(tc, no_fd_leaks);
	tcase_add_test(tc, signals_reset);
	tcase_add_test(tc, own_process_group);
	suite_add_tcase(s, tc);
	tc = tcase_create("normal");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, stdin_fed);
	tcase_add_test(tc, stdin_empty_is_eof);
	tcase_add_test(tc, exit_status);
	tcase_add_test(tc, stdout_and_stderr_together);
	tcase_add_test(tc, stdout_streamed_apart_from_stderr);
	tcase_add_test(tc, sink_that_stops_kills);
	tcase_add_test(tc, env_minimal);
	tcase_add_test(tc, env_given);
	tcase_add_test(tc, cwd);
	tcase_add_test(tc, nonexistent_program);
	tcase_add_test(tc, exits_while_grandchild_holds_pipe);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(exec_suite)
