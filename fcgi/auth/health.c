/*
 * health.c — GET /api/health: does every part the panel needs answer?
 * PostgreSQL, Redis, and each FastCGI pool named in OP_POOLS
 * ("auth=/run/openpanel/auth.sock,projects=…").
 */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "auth.h"

#define PING_MS	1000

static int
check_postgres(struct op_req *r)
{
	return op_db_exec(r->db, NULL, "SELECT 1", 0, NULL) == OP_OK;
}

/* One connection per worker, opened on first use and after a failure. */
static int
check_redis(void)
{
	static redisContext	*rc;

	if (rc != NULL && op_redis_ping(rc) == OP_OK)
		return 1;
	if (rc != NULL)
		redisFree(rc);
	rc = NULL;
	if (op_redis_open(op_config_get("OP_REDIS", "127.0.0.1:6379"),
	    PING_MS, &rc) != OP_OK) {
		rc = NULL;
		return 0;
	}
	return op_redis_ping(rc) == OP_OK;
}

enum op_err
health_get(struct op_req *r)
{
	json_t	*components, *pools;
	int	 pg, redis, ok;

	pg = check_postgres(r);
	redis = check_redis();
	if ((pools = json_object()) == NULL)
		return OP_ENOMEM;
	ok = op_pools_check(r->service->name, pools) & pg & redis;
	components = json_pack("{s:s, s:s, s:o}",
	    "postgresql", pg ? "ok" : "down",
	    "redis", redis ? "ok" : "down",
	    "pools", pools);
	return op_reply_json(r, ok ? 200 : 503, json_pack("{s:s, s:o}",
	    "status", ok ? "ok" : "degraded", "components", components));
}
