/*
 * metrics.c — GET /api/metrics: the Prometheus text exposition (format
 * 0.0.4) of the panel, for an API token of the metrics scope (or an
 * instance admin): the host from /proc, every running container from the
 * worker's latest samples, containers by state, the job queues of
 * builds, backups and certificate orders, the event stream's backlog per
 * consumer group, and the panel's own requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "monitor.h"

#define EXPO_MAX	(16u * 1024 * 1024)
#define EXPO_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* A label value escaped as the format wants (\\, \", \n), in the arena. */
static const char *
label(struct op_req *r, const char *v)
{
	struct op_buf	 b;
	const char	*out;

	op_buf_init(&b, 4096);
	for (; v != NULL && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			(void)op_buf_addf(&b, "\\%c", *v);
		else if (*v == '\n')
			(void)op_buf_add(&b, "\\n", 2);
		else
			(void)op_buf_add(&b, v, 1);
	}
	out = op_req_strdup(r, b.data ? b.data : "");
	op_buf_clear(&b);
	return out ? out : "";
}

/* "# HELP" and "# TYPE" of a family. */
static void
family(struct op_buf *b, const char *name, const char *type,
    const char *help)
{
	(void)op_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
expose_host(struct op_buf *b)
{
	struct host_sample	h;

	if (host_read(&h) != OP_OK)
		return;
	family(b, "openpanel_host_cpu_seconds_total", "counter",
	    "CPU time of the host since boot, by mode.");
	(void)op_buf_addf(b, "openpanel_host_cpu_seconds_total{mode=\"busy\"}"
	    " %.2f\nopenpanel_host_cpu_seconds_total{mode=\"idle\"} %.2f\n",
	    h.cpu_busy_seconds, h.cpu_idle_seconds);
	family(b, "openpanel_host_cpus", "gauge", "Online CPUs.");
	(void)op_buf_addf(b, "openpanel_host_cpus %d\n", h.cpus);
	family(b, "openpanel_host_load", "gauge",
	    "Load average over 1, 5 and 15 minutes.");
	(void)op_buf_addf(b, "openpanel_host_load{period=\"1m\"} %.2f\n"
	    "openpanel_host_load{period=\"5m\"} %.2f\n"
	    "openpanel_host_load{period=\"15m\"} %.2f\n",
	    h.load1, h.load5, h.load15);
	family(b, "openpanel_host_memory_bytes", "gauge",
	    "Host memory: total, and available to new work.");
	(void)op_buf_addf(b, "openpanel_host_memory_bytes{kind=\"total\"} %llu\n"
	    "openpanel_host_memory_bytes{kind=\"available\"} %llu\n",
	    (unsigned long long)h.mem_total,
	    (unsigned long long)h.mem_available);
	family(b, "openpanel_host_disk_bytes", "gauge",
	    "The data disk: total, and free to the panel.");
	(void)op_buf_addf(b, "openpanel_host_disk_bytes{kind=\"total\"} %llu\n"
	    "openpanel_host_disk_bytes{kind=\"free\"} %llu\n",
	    (unsigned long long)h.disk_total,
	    (unsigned long long)h.disk_free);
	family(b, "openpanel_host_network_bytes_total", "counter",
	    "Bytes through every interface but loopback.");
	(void)op_buf_addf(b, "openpanel_host_network_bytes_total"
	    "{direction=\"receive\"} %llu\nopenpanel_host_network_bytes_total"
	    "{direction=\"transmit\"} %llu\n", (unsigned long long)h.net_rx,
	    (unsigned long long)h.net_tx);
}

/* One family over every container row: column col of res. */
static void
container_family(struct op_req *r, struct op_buf *b, const PGresult *res,
    const char *name, const char *type, const char *help, const char *col)
{
	int	 i;

	family(b, name, type, help);
	for (i = 0; i < PQntuples(res); i++)
		(void)op_buf_addf(b, "%s{container_id=\"%s\",name=\"%s\","
		    "project_id=\"%s\",team_id=\"%s\"} %s\n", name,
		    op_db_get(res, i, "container_id"),
		    label(r, op_db_get(res, i, "name")),
		    op_db_get(res, i, "project_id"),
		    op_db_get(res, i, "team_id"), op_db_get(res, i, col));
}

static enum op_err
expose_containers(struct op_req *r, struct op_buf *b)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	er = op_db_exec(r->db, &res, "SELECT s.container_id, c.name,"
	    " c.project_id, c.team_id, s.cpu_seconds, s.mem_bytes,"
	    " s.mem_limit, s.net_rx_bytes, s.net_tx_bytes, s.blk_read_bytes,"
	    " s.blk_write_bytes, s.pids FROM monitor.container_samples s"
	    " JOIN projects.containers_v c ON c.id = s.container_id"
	    " ORDER BY s.container_id", 0, NULL);
	if (er != OP_OK)
		goto out;
	container_family(r, b, res, "openpanel_container_cpu_seconds_total",
	    "counter", "CPU time the container used.", "cpu_seconds");
	container_family(r, b, res, "openpanel_container_memory_bytes",
	    "gauge", "Memory in use, without reclaimable cache.", "mem_bytes");
	container_family(r, b, res, "openpanel_container_memory_limit_bytes",
	    "gauge", "The container's memory limit.", "mem_limit");
	container_family(r, b, res,
	    "openpanel_container_network_receive_bytes_total", "counter",
	    "Bytes the container received.", "net_rx_bytes");
	container_family(r, b, res,
	    "openpanel_container_network_transmit_bytes_total", "counter",
	    "Bytes the container sent.", "net_tx_bytes");
	container_family(r, b, res, "openpanel_container_blkio_read_bytes_total",
	    "counter", "Bytes the container read from block devices.",
	    "blk_read_bytes");
	container_family(r, b, res,
	    "openpanel_container_blkio_write_bytes_total", "counter",
	    "Bytes the container wrote to block devices.", "blk_write_bytes");
	container_family(r, b, res, "openpanel_container_pids", "gauge",
	    "Processes in the container.", "pids");
	PQclear(res);
	res = NULL;
	if ((er = op_db_exec(r->db, &res, "SELECT s.state, count(c.id)"
	    " FROM unnest(ARRAY['created', 'running', 'paused', 'restarting',"
	    " 'exited', 'dead']) AS s(state) LEFT JOIN projects.containers_v c"
	    " ON c.state = s.state GROUP BY s.state ORDER BY s.state", 0,
	    NULL)) != OP_OK)
		goto out;
	family(b, "openpanel_containers", "gauge",
	    "The panel's containers, by state.");
	for (i = 0; i < PQntuples(res); i++)
		(void)op_buf_addf(b, "openpanel_containers{state=\"%s\"} %s\n",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
out:
	PQclear(res);
	return er;
}

/* XINFO GROUPS op:events: each consumer group's pending and lag. */
static void
expose_events(struct op_buf *b)
{
	const char	*argv[] = { "XINFO", "GROUPS", "op:events" };
	const char	*xlen[] = { "XLEN", "op:events" };
	redisContext	*rc = NULL;
	redisReply	*rep = NULL, *g;
	size_t		 i, j;

	if (op_redis_open(op_config_get("OP_REDIS", "127.0.0.1:6379"), 1000,
	    &rc) != OP_OK)
		return;
	rep = redisCommandArgv(rc, 2, xlen, NULL);
	if (rep != NULL && rep->type == REDIS_REPLY_INTEGER) {
		family(b, "openpanel_events_stream_length", "gauge",
		    "Entries kept in the event stream op:events.");
		(void)op_buf_addf(b, "openpanel_events_stream_length %lld\n",
		    rep->integer);
	}
	freeReplyObject(rep);
	rep = redisCommandArgv(rc, 3, argv, NULL);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY)
		goto out;
	family(b, "openpanel_events_pending", "gauge",
	    "Events a consumer group read and has not acknowledged.");
	for (i = 0; i < rep->elements; i++) {
		g = rep->element[i];
		const char *name = NULL;
		long long pending = -1;
		for (j = 0; g->type == REDIS_REPLY_ARRAY && j + 1 < g->elements;
		    j += 2) {
			if (strcmp(g->element[j]->str, "name") == 0 &&
			    g->element[j + 1]->type == REDIS_REPLY_STRING)
				name = g->element[j + 1]->str;
			else if (strcmp(g->element[j]->str, "pending") == 0)
				pending = g->element[j + 1]->integer;
		}
		if (name != NULL && pending >= 0)
			(void)op_buf_addf(b, "openpanel_events_pending"
			    "{group=\"%s\"} %lld\n", name, pending);
	}
out:
	freeReplyObject(rep);
	redisFree(rc);
}

enum op_err
metrics_get(struct op_req *r)
{
	struct op_buf	 b;
	enum op_err	 er;

	if (r->auth.scope != OP_SCOPE_METRICS && !r->auth.admin)
		return op_fail(r, OP_EFORBIDDEN, "forbidden", "the metrics"
		    " need an API token of the metrics scope", NULL);
	op_buf_init(&b, EXPO_MAX);
	family(&b, "openpanel_up", "gauge", "The panel answers.");
	(void)op_buf_addf(&b, "openpanel_up 1\n");
	expose_host(&b);
	if ((er = expose_containers(r, &b)) != OP_OK ||
	    (er = jobs_expose(r->db, &b)) != OP_OK)
		goto out;
	expose_events(&b);
	(void)op_reqstats_expose(&b);
	er = op_reply_text(r, 200, EXPO_TYPE, b.data ? b.data : "", b.len);
out:
	op_buf_clear(&b);
	return er;
}
