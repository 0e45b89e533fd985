/*
 * test_valid_swarm.c — what may reach Swarm as a placement constraint or
 * a node label: hostile and malformed values first, then the forms an
 * operator writes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"
#include "check_main.h"

#define OK(f, s)	ck_assert_msg(f(s, &why) == OP_OK, "refused %s: %s", s, why)
#define BAD(f, s)	ck_assert_msg(f(s, &why) == OP_EINVAL, "accepted %s", s)

START_TEST(placement_hostile)
{
	const char	*why = "";
	char		 long_one[300];

	BAD(op_valid_placement, "");
	BAD(op_valid_placement, "node.role");
	BAD(op_valid_placement, "node.role=manager");
	BAD(op_valid_placement, "node.role==");
	BAD(op_valid_placement, "==manager");
	BAD(op_valid_placement, "node.role==manager; rm -rf /");
	BAD(op_valid_placement, "node.role==man ager");
	BAD(op_valid_placement, "node.role==manager\n");
	BAD(op_valid_placement, "node.labels.==eu");
	BAD(op_valid_placement, "node.labels.Zone==eu");
	BAD(op_valid_placement, "node.labels.com.docker.x==y");
	BAD(op_valid_placement, "container.label==x");
	BAD(op_valid_placement, "node.rolex==manager");
	BAD(op_valid_placement, "node.role==$(id)");
	BAD(op_valid_placement, "node.role==a==b");
	memset(long_one, 'a', sizeof(long_one) - 1);
	long_one[sizeof(long_one) - 1] = '\0';
	memcpy(long_one, "node.role==", 11);
	BAD(op_valid_placement, long_one);
}
END_TEST

START_TEST(placement_good)
{
	const char	*why = "";

	OK(op_valid_placement, "node.role==manager");
	OK(op_valid_placement, "node.role != worker");
	OK(op_valid_placement, "node.hostname==web-1.example.com");
	OK(op_valid_placement, "node.id==seukp1nasqork1u5bosdfxa8w");
	OK(op_valid_placement, "node.platform.arch==x86_64");
	OK(op_valid_placement, "node.labels.zone==eu");
	OK(op_valid_placement, "node.labels.op-test-zone!=a");
	OK(op_valid_placement, "engine.labels.disk==ssd");
}
END_TEST

START_TEST(node_labels)
{
	const char	*why = "";

	BAD(op_valid_node_label_key, "");
	BAD(op_valid_node_label_key, "Zone");
	BAD(op_valid_node_label_key, "-zone");
	BAD(op_valid_node_label_key, "zo ne");
	BAD(op_valid_node_label_key, "com.docker.swarm");
	OK(op_valid_node_label_key, "zone");
	OK(op_valid_node_label_key, "io.example.disk_type");
	BAD(op_valid_node_label_value, "a b");
	BAD(op_valid_node_label_value, "a;b");
	BAD(op_valid_node_label_value, "a\nb");
	OK(op_valid_node_label_value, "");
	OK(op_valid_node_label_value, "eu-west.1");
}
END_TEST

START_TEST(node_ids)
{
	const char	*why = "";
	char		 long_one[66];

	memset(long_one, 'a', sizeof(long_one) - 1);
	long_one[sizeof(long_one) - 1] = '\0';	/* 65 characters */
	BAD(op_valid_node_id, long_one);
	long_one[64] = '\0';
	OK(op_valid_node_id, long_one);
	long_one[9] = '\0';
	BAD(op_valid_node_id, long_one);

	BAD(op_valid_node_id, "");
	BAD(op_valid_node_id, "abc");
	BAD(op_valid_node_id, "../swarm/x");
	BAD(op_valid_node_id, "ABCDEFGHIJ0123456789abcde");
	BAD(op_valid_node_id, "abcdefghij01234567%00abcde");
	BAD(op_valid_node_id, "abcdefghij0123456789abcde\n");
	OK(op_valid_node_id, "abcdefghij0123456789abcde");
	OK(op_valid_node_id, "sic1bsvutcdxdc8oq9rngmyz4");
}
END_TEST

/* A removal Swarm would refuse, or that would orphan running tasks, is
 * refused first; only a worker that is down goes. */
START_TEST(node_removal)
{
	const char	*code = NULL, *why = NULL;

	ck_assert_int_eq(op_valid_node_removal("manager", "down", &code,
	    &why), OP_ECONFLICT);
	ck_assert_str_eq(code, "node_manager");
	ck_assert_int_eq(op_valid_node_removal(NULL, NULL, &code, &why),
	    OP_ECONFLICT);
	ck_assert_str_eq(code, "node_manager");
	ck_assert_int_eq(op_valid_node_removal("worker", "ready", &code,
	    &why), OP_ECONFLICT);
	ck_assert_str_eq(code, "node_up");
	ck_assert_int_eq(op_valid_node_removal("worker", "unknown", &code,
	    &why), OP_ECONFLICT);
	ck_assert_str_eq(code, "node_up");
	ck_assert_int_eq(op_valid_node_removal("worker", NULL, &code, &why),
	    OP_ECONFLICT);
	ck_assert_str_eq(code, "node_up");
	ck_assert_int_eq(op_valid_node_removal("worker", "down", &code, &why),
	    OP_OK);
}
END_TEST

static Suite *
valid_swarm_suite(void)
{
	Suite	*s = suite_create("valid_swarm");
	TCase	*tc = tcase_create("hostile first");

	tcase_add_test(tc, placement_hostile);
	tcase_add_test(tc, placement_good);
	tcase_add_test(tc, node_labels);
	tcase_add_test(tc, node_ids);
	tcase_add_test(tc, node_removal);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(valid_swarm_suite)
