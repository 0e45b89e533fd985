/*
 * test_fcgiping.c — op_fcgi_ping against a live libfcgi server, against
 * nothing, and against a listener that never answers.
 */
#include <check.h>
#include <fcgiapp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"
#include "check_main.h"

static char	 dir[] = "/tmp/op-test-fcgi.XXXXXX";
static char	 sock[PATH_MAX];
static pid_t	 server = -1;

static long long
ms_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/app.sock", dir);
}

static void
teardown(void)
{
	int	 st;

	if (server != -1) {
		kill(server, SIGKILL);
		waitpid(server, &st, 0);
		server = -1;
	}
	unlink(sock);
	rmdir(dir);
}

/*
 * The smallest libfcgi application: it binds sock with FCGX_OpenSocket
 * and serves in a forked child with FCGX_Accept_r, which is where
 * libfcgi answers management records.
 */
static void
start_server(void)
{
	FCGX_Request	 req;
	int		 fd;

	ck_assert_int_eq(FCGX_Init(), 0);
	fd = FCGX_OpenSocket(sock, 5);
	ck_assert_int_ge(fd, 0);
	server = fork();
	ck_assert_int_ne(server, -1);
	if (server == 0) {
		FCGX_InitRequest(&req, fd, 0);
		while (FCGX_Accept_r(&req) >= 0) {
			FCGX_FPrintF(req.out,
			    "Content-Type: text/plain\r\n\r\nok\n");
			FCGX_Finish_r(&req);
		}
		_exit(0);
	}
	close(fd);
}

/* A unix socket at sock, listening but never accepting. */
static int
mute_listener(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(sock), sizeof(sun.sun_path));
	memcpy(sun.sun_path, sock, strlen(sock));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 5), 0);
	return fd;
}

/* Hostile first: everything that is not a live worker is unavailable. */
START_TEST(no_socket_file)
{
	ck_assert_int_eq(op_fcgi_ping(sock, 500), OP_EUNAVAIL);
}
END_TEST

START_TEST(socket_without_listener)
{
	int	 fd;

	/* A stale socket file left behind by a dead pool. */
	fd = mute_listener();
	close(fd);
	ck_assert_int_eq(op_fcgi_ping(sock, 500), OP_EUNAVAIL);
}
END_TEST

START_TEST(listener_never_answers)
{
	long long	 t0, dt;
	int		 fd;

	fd = mute_listener();
	t0 = ms_now();
	ck_assert_int_eq(op_fcgi_ping(sock, 300), OP_EUNAVAIL);
	dt = ms_now() - t0;
	ck_assert_int_ge(dt, 290);
	ck_assert_int_lt(dt, 2000);
	close(fd);
}
END_TEST

/* Something that accepts and answers, but not with GET_VALUES_RESULT. */
START_TEST(wrong_answer)
{
	static const unsigned char	 junk[16] = { 1, 11, 0, 0, 0, 8 };
	long long			 t0;
	pid_t				 pid;
	int				 fd, c, st;

	fd = mute_listener();
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char	 buf[64];

		if ((c = accept(fd, NULL, NULL)) == -1 ||
		    read(c, buf, sizeof(buf)) <= 0 ||
		    write(c, junk, sizeof(junk)) != sizeof(junk))
			_exit(1);
		sleep(5);
		_exit(0);
	}
	t0 = ms_now();
	ck_assert_int_eq(op_fcgi_ping(sock, 2000), OP_EUNAVAIL);
	ck_assert_int_lt(ms_now() - t0, 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fd);
}
END_TEST

START_TEST(bad_arguments)
{
	char	 longpath[200];

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(op_fcgi_ping(longpath, 100), OP_EINVAL);
	ck_assert_int_eq(op_fcgi_ping(NULL, 100), OP_EINVAL);
	ck_assert_int_eq(op_fcgi_ping("", 100), OP_EINVAL);
	ck_assert_int_eq(op_fcgi_ping(sock, 0), OP_EINVAL);
}
END_TEST

/*
 * Regression: libfcgi 2.4.2 never answered an unpadded GET_VALUES record
 * (its worker blocked reading past the record); see fcgiping.c.
 */
START_TEST(live_libfcgi_answers)
{
	int	 i;

	start_server();
	/* Again and again: the worker goes back to accepting each time. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(op_fcgi_ping(sock, 2000), OP_OK);
}
END_TEST

START_TEST(dead_server_unavailable)
{
	int	 st;

	start_server();
	ck_assert_int_eq(op_fcgi_ping(sock, 2000), OP_OK);
	kill(server, SIGKILL);
	waitpid(server, &st, 0);
	server = -1;
	ck_assert_int_eq(op_fcgi_ping(sock, 300), OP_EUNAVAIL);
}
END_TEST

static Suite *
fcgiping_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fcgiping");
	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, no_socket_file);
	tcase_add_test(tc, socket_without_listener);
	tcase_add_test(tc, listener_never_answers);
	tcase_add_test(tc, wrong_answer);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	tc = tcase_create("live");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, live_libfcgi_answers);
	tcase_add_test(tc, dead_server_unavailable);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(fcgiping_suite)
