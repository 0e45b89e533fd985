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
