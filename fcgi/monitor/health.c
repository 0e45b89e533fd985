/*
 * health.c — the supervisors' probes. GET /api/health/live: op-monitor's
 * pool answers (the process is not wedged). GET /api/health/ready: every
 * part the panel needs is there — PostgreSQL, Redis, the Docker engine,
 * every FastCGI pool in OP_POOLS, the live-stream publisher, the event
 * backlog under a bound, and free space on the data disk — 200 when all
 * are, 503 naming what is not. The job queues' backlogs (waiting,
 * running, failed, the oldest wait) are reported beside them: a long
 * queue is work to do, not a broken panel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "monitor.h"

#define PING_MS		1000
#define DISK_MIN_PCT	5	/* free space below this: not ready */
#define BACKLOG_MAX	10000	/* events pending in a group: not ready */

enum op_err
health_live(struct op_req *r)
{
	return op_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static const char *
word(int ok)
{
	return ok ? "ok" : "down";
}

static int
check_docker(void)
{
	struct op_docker	*d = NULL;
	long			 status = 0;
	json_t			*reply = NULL;
	int			 ok;

	ok = op_docker_open(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"), &d) == OP_OK &&
	    op_docker_call(d, "GET", "/_ping", NULL, PING_MS, &status,
	    &reply) == OP_OK && status == 200;
	json_decref(reply);
	op_docker_close(d);
	return ok;
}

/* Redis answers, and no consumer group of op:events is far behind. */
static int
check_events(json_t *out)
{
	const char	*argv[] = { "XINFO", "GROUPS", "op:events" };
	redisContext	*rc = NULL;
	redisReply	*rep = NULL, *g;
	long long	 worst = 0;
	size_t		 i, j;
	int		 ok = 0;

	if (op_redis_open(op_config_get("OP_REDIS", "127.0.0.1:6379"),
	    PING_MS, &rc) != OP_OK || op_redis_ping(rc) != OP_OK)
		goto out;
	ok = 1;
	rep = redisCommandArgv(rc, 3, argv, NULL);
	for (i = 0; rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
	    i < rep->elements; i++)
		for (j = 0, g = rep->element[i]; g->type == REDIS_REPLY_ARRAY &&
		    j + 1 < g->elements; j += 2)
			if (strcmp(g->element[j]->str, "pending") == 0 &&
			    g->element[j + 1]->integer > worst)
				worst = g->element[j + 1]->integer;
	json_object_set_new(out, "events_pending", json_integer(worst));
out:
	json_object_set_new(out, "redis", json_string(word(ok)));
	freeReplyObject(rep);
	if (rc != NULL)
		redisFree(rc);
	return ok && worst <= BACKLOG_MAX;
}

static int
check_disk(json_t *out)
{
	struct host_sample	h;
	int			ok;

	if (host_read(&h) != OP_OK || h.disk_total == 0)
		return 0;
	ok = h.disk_free * 100 / h.disk_total >= DISK_MIN_PCT;
	json_object_set_new(out, "disk", json_pack("{s:s, s:s, s:I, s:I}",
	    "status", word(ok), "path", host_disk_path(), "total_bytes",
	    (json_int_t)h.disk_total, "free_bytes", (json_int_t)h.disk_free));
	return ok;
}

/* Each job queue's backlog, as jobs_summary answers it. */
static json_t *
queues_json(struct op_req *r)
{
	PGresult	*res = NULL;
	json_t		*out;
	int		 i;

	if (jobs_summary(r->db, &res) != OP_OK)
		return json_string("unknown");
	out = json_object();
	for (i = 0; out != NULL && i < PQntuples(res); i++)
		json_object_set_new(out, PQgetvalue(res, i, 0), json_pack(
		    "{s:I, s:I, s:I, s:f}", "queued", (json_int_t)strtoll(
		    op_db_get(res, i, "queued"), NULL, 10), "running",
		    (json_int_t)strtoll(op_db_get(res, i, "running"), NULL, 10),
		    "failed", (json_int_t)strtoll(op_db_get(res, i, "failed"),
		    NULL, 10), "oldest_queued_seconds", strtod(op_db_get(res, i,
		    "oldest_queued_seconds"), NULL)));
	PQclear(res);
	return out;
}

/* The publisher takes a message on a channel no one watches. */
static int
check_live(void)
{
	return op_live_publish("events/00000000-0000-4000-8000-000000000000",
	    "{}", 2) == OP_OK;
}

enum op_err
health_ready(struct op_req *r)
{
	json_t	*c, *pools;
	int	 ok, pg, docker, live;

	if ((c = json_object()) == NULL || (pools = json_object()) == NULL) {
		json_decref(c);
		return OP_ENOMEM;
	}
	pg = op_db_exec(r->db, NULL, "SELECT 1", 0, NULL) == OP_OK;
	docker = check_docker();
	live = check_live();
	ok = pg & docker & live;
	ok &= op_pools_check(r->service->name, pools);
	ok &= check_events(c);
	ok &= check_disk(c);
	json_object_set_new(c, "postgresql", json_string(word(pg)));
	json_object_set_new(c, "docker", json_string(word(docker)));
	json_object_set_new(c, "live", json_string(word(live)));
	json_object_set_new(c, "pools", pools);
	json_object_set_new(c, "queues", queues_json(r));
	return op_reply_json(r, ok ? 200 : 503, json_pack("{s:s, s:o}",
	    "status", ok ? "ok" : "degraded", "components", c));
}
