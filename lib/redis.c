/*
 * redis.c — connecting to Redis (hiredis), argument by argument only.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "openpanel.h"

enum op_err
op_redis_open(const char *addr, int timeout_ms, struct redisContext **out)
{
	struct timeval	 tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	redisContext	*c;
	char		 host[256];
	const char	*colon;
	long long	 port;

	*out = NULL;
	if (addr == NULL)
		return OP_EINVAL;
	if (strncmp(addr, "unix:", 5) == 0)
		c = redisConnectUnixWithTimeout(addr + 5, tv);
	else {
		colon = strrchr(addr, ':');
		if (colon == NULL || (size_t)(colon - addr) >= sizeof(host) ||
		    op_strtonum(colon + 1, 1, 65535, &port) != OP_OK)
			return OP_EINVAL;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		c = redisConnectWithTimeout(host, (int)port, tv);
	}
	if (c == NULL)
		return OP_ENOMEM;
	if (c->err) {
		op_warn("redis %s: %s", addr, c->errstr);
		redisFree(c);
		return OP_EUNAVAIL;
	}
	redisSetTimeout(c, tv);
	*out = c;
	return OP_OK;
}

enum op_err
op_redis_ping(struct redisContext *c)
{
	redisReply	*rep;
	enum op_err	 er = OP_EUNAVAIL;

	if (c == NULL || c->err)
		return OP_EUNAVAIL;
	rep = redisCommand(c, "PING");
	if (rep != NULL && rep->type == REDIS_REPLY_STATUS &&
	    strcmp(rep->str, "PONG") == 0)
		er = OP_OK;
	freeReplyObject(rep);
	return er;
}

enum op_err
op_redis_group_ensure(struct redisContext *rc, const char *stream,
    const char *group, const char *start)
{
	const char	*argv[] = { "XGROUP", "CREATE", stream, group, start,
	    "MKSTREAM" };
	redisReply	*rep;
	enum op_err	 er = OP_EUNAVAIL;

	rep = redisCommandArgv(rc, (int)nitems(argv), argv, NULL);
	if (rep != NULL && (rep->type == REDIS_REPLY_STATUS ||
	    (rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "BUSYGROUP", 9) == 0)))
		er = OP_OK;
	freeReplyObject(rep);
	return er;
}

const char *
op_redis_entry_field(const struct redisReply *e, const char *field)
{
	const redisReply	*kv;
	size_t			 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    (kv = e->element[1])->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(kv->element[i]->str, field) == 0 &&
		    kv->element[i + 1]->type == REDIS_REPLY_STRING)
			return kv->element[i + 1]->str;
	return NULL;
}
