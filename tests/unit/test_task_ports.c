/*
 * test_task_ports.c — where a swarm container's running tasks publish
 * their ports (fcgi/projects/task_ports.c), from the engine's task, node
 * and endpoint answers: the list the gateway's upstream follows. Odd
 * engine answers first.
 */
#include <check.h>
#include <string.h>

#include "projects.h"
#include "check_main.h"

/* A task on node, in state, publishing ports (a JSON array text). */
static json_t *
task(const char *node, const char *state, const char *ports)
{
	return json_pack("{s:s, s:{s:s, s:{s:o}}}", "NodeID", node, "Status",
	    "State", state, "PortStatus", "Ports", json_loads(ports, 0, NULL));
}

static json_t *
nodes(void)
{
	return json_loads("[{\"ID\": \"mgr\", \"Status\": {\"Addr\":"
	    " \"10.0.0.1\"}}, {\"ID\": \"second\", \"Status\": {\"Addr\":"
	    " \"10.0.0.2\"}}, {\"ID\": \"noaddr\", \"Status\": {}},"
	    " {\"ID\": \"empty\", \"Status\": {\"Addr\": \"\"}}]", 0, NULL);
}

#define P8080(host)	"{\"TargetPort\": 8080, \"PublishedPort\": " #host \
			", \"Protocol\": \"tcp\", \"PublishMode\": \"host\"}"

static const char *
dump(json_t *j)
{
	static char	buf[4096];
	char		*s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

/* A task whose node has no address, or is not in the list (it left
 * meanwhile), is counted but not routed: never to loopback, where the
 * same port is this server's. Entries the engine leaves without a port
 * number are skipped, not fatal. */
START_TEST(unknown_nodes_not_routed)
{
	json_t	*tasks = json_array(), *ns = nodes(), *out = NULL;
	int	 running = -1;

	json_array_append_new(tasks, task("noaddr", "running", "[" P8080(1)
	    "]"));
	json_array_append_new(tasks, task("empty", "running", "[" P8080(2)
	    "]"));
	json_array_append_new(tasks, task("gone", "running", "[" P8080(3)
	    "]"));
	json_array_append_new(tasks, task("second", "running",
	    "[{\"TargetPort\": 8080}, {\"TargetPort\": \"x\","
	    " \"PublishedPort\": 4}]"));
	ck_assert_int_eq(task_ports(tasks, ns, NULL, &out, &running), OP_OK);
	ck_assert_int_eq(running, 4);
	ck_assert_str_eq(dump(out), "[]");
	json_decref(out);
	json_decref(tasks);
	json_decref(ns);
}
END_TEST

/* A task on the second node is reached on that node's address, one on
 * the manager on the manager's; tasks not running are not listed. */
START_TEST(each_task_on_its_node)
{
	json_t	*tasks = json_array(), *ns = nodes(), *out = NULL;
	int	 running = 0;

	json_array_append_new(tasks, task("second", "running", "[" P8080(30002)
	    "]"));
	json_array_append_new(tasks, task("mgr", "running", "[" P8080(30001)
	    "]"));
	json_array_append_new(tasks, task("second", "starting", "["
	    P8080(30009) "]"));
	ck_assert_int_eq(task_ports(tasks, ns, NULL, &out, &running), OP_OK);
	ck_assert_int_eq(running, 2);
	ck_assert_str_eq(dump(out), "[{\"container\":8080,\"host\":30001,"
	    "\"host_ip\":\"10.0.0.1\",\"protocol\":\"tcp\"},{\"container\":8080,"
	    "\"host\":30002,\"host_ip\":\"10.0.0.2\",\"protocol\":\"tcp\"}]");
	json_decref(out);
	json_decref(tasks);
	json_decref(ns);
}
END_TEST

/* A port bound on IPv4 and IPv6 under two host ports is one entry per
 * task; the same set in another order is the same list (no spurious
 * endpoints_changed). */
START_TEST(once_and_in_order)
{
	json_t	*a = json_array(), *b = json_array(), *ns = nodes();
	json_t	*oa = NULL, *ob = NULL;
	int	 running;

	json_array_append_new(a, task("second", "running", "[" P8080(30002) ","
	    P8080(30003) "]"));
	json_array_append_new(a, task("mgr", "running", "[" P8080(30001) "]"));
	json_array_append_new(b, task("mgr", "running", "[" P8080(30001) "]"));
	json_array_append_new(b, task("second", "running", "[" P8080(30002) ","
	    P8080(30003) "]"));
	ck_assert_int_eq(task_ports(a, ns, NULL, &oa, &running), OP_OK);
	ck_assert_int_eq(task_ports(b, ns, NULL, &ob, &running), OP_OK);
	ck_assert_int_eq(json_array_size(oa), 2);
	ck_assert(json_equal(oa, ob));
	json_decref(oa);
	json_decref(ob);
	json_decref(a);
	json_decref(b);
	json_decref(ns);
}
END_TEST

/* More entries than any fixed table held (100 replicas of 32 ports):
 * every one is listed. */
START_TEST(every_task_listed)
{
	json_t	*tasks = json_array(), *ns = nodes(), *out = NULL, *ports;
	int	 running, t, p;

	for (t = 0; t < 100; t++) {
		ports = json_array();
		for (p = 0; p < 32; p++)
			json_array_append_new(ports, json_pack("{s:i, s:i, s:s}",
			    "TargetPort", 8000 + p, "PublishedPort",
			    20000 + t * 32 + p, "Protocol", "tcp"));
		json_array_append_new(tasks, json_pack("{s:s, s:{s:s, s:{s:o}}}",
		    "NodeID", t % 2 ? "mgr" : "second", "Status", "State",
		    "running", "PortStatus", "Ports", ports));
	}
	ck_assert_int_eq(task_ports(tasks, ns, NULL, &out, &running), OP_OK);
	ck_assert_int_eq(running, 100);
	ck_assert_int_eq(json_array_size(out), 3200);
	json_decref(out);
	json_decref(tasks);
	json_decref(ns);
}
END_TEST

/* The ingress mesh's ports answer on loopback, only while a task runs. */
START_TEST(ingress_on_loopback)
{
	json_t	*tasks = json_array(), *ns = nodes(), *out = NULL;
	json_t	*ep = json_loads("{\"Ports\": [{\"TargetPort\": 80,"
	    " \"PublishedPort\": 8081, \"Protocol\": \"tcp\", \"PublishMode\":"
	    " \"ingress\"}, {\"TargetPort\": 81, \"PublishedPort\": 8082,"
	    " \"PublishMode\": \"host\"}]}", 0, NULL);
	int	 running;

	ck_assert_int_eq(task_ports(tasks, ns, ep, &out, &running), OP_OK);
	ck_assert_int_eq(running, 0);
	ck_assert_str_eq(dump(out), "[]");
	json_decref(out);
	json_array_append_new(tasks, task("second", "running", "[]"));
	ck_assert_int_eq(task_ports(tasks, ns, ep, &out, &running), OP_OK);
	ck_assert_str_eq(dump(out), "[{\"container\":80,\"host\":8081,"
	    "\"host_ip\":\"127.0.0.1\",\"protocol\":\"tcp\"}]");
	json_decref(out);
	json_decref(ep);
	json_decref(tasks);
	json_decref(ns);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("task_ports");
	TCase	*tc = tcase_create("task_ports");

	tcase_add_test(tc, unknown_nodes_not_routed);
	tcase_add_test(tc, each_task_on_its_node);
	tcase_add_test(tc, once_and_in_order);
	tcase_add_test(tc, every_task_listed);
	tcase_add_test(tc, ingress_on_loopback);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(suite)
