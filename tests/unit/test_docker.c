/*
 * test_docker.c — the engine client when the engine is not there, or
 * does not answer: clear errors (the services answer 503), never a hang.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "openpanel.h"

START_TEST(no_engine_is_unavailable)
{
	struct op_docker	*d = NULL;
	json_t			*reply = NULL;
	long			 status = -1;

	ck_assert_int_eq(op_docker_open("/nonexistent/docker.sock", &d), OP_OK);
	ck_assert_int_eq(op_docker_call(d, "GET", "/_ping", NULL, 2000,
	    &status, &reply), OP_EUNAVAIL);
	ck_assert_ptr_null(reply);
	op_docker_close(d);
}
END_TEST

START_TEST(silent_engine_times_out)
{
	struct sockaddr_un	 sun;
	struct op_docker	*d = NULL;
	json_t			*reply = NULL;
	char			 path[] = "/tmp/op-docker-test-XXXXXX";
	char			 sock[96];
	long			 status = -1;
	int			 fd;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/docker.sock", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);	/* accepts, never answers */
	ck_assert_int_eq(op_docker_open(sock, &d), OP_OK);
	ck_assert_int_eq(op_docker_call(d, "GET", "/_ping", NULL, 300,
	    &status, &reply), OP_ETIMEOUT);
	ck_assert_ptr_null(reply);
	op_docker_close(d);
	close(fd);
	unlink(sock);
	rmdir(path);
}
END_TEST

START_TEST(open_refuses_a_path_too_long)
{
	struct op_docker	*d = NULL;
	char			 path[400];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(op_docker_open(path, &d), OP_EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(op_docker_open(NULL, &d), OP_EINVAL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("docker");
	TCase	*tc = tcase_create("unreachable");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, open_refuses_a_path_too_long);
	tcase_add_test(tc, no_engine_is_unavailable);
	tcase_add_test(tc, silent_engine_times_out);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
