/*
 * pools.c — is every FastCGI pool of the panel answering? The pools are
 * named in OP_POOLS ("auth=/run/openpanel/auth.sock,projects=…"); the
 * health endpoints ping each with op_fcgi_ping.
 */
#include <string.h>

#include "openpanel.h"

#define POOL_PING_MS	1000

int
op_pools_check(const char *self, json_t *out)
{
	const char	*list = op_config_get("OP_POOLS", "");
	char		 item[512], *eq;
	size_t		 len;
	int		 ok = 1, up;

	while (*list != '\0') {
		len = strcspn(list, ",");
		if (len > 0 && len < sizeof(item)) {
			memcpy(item, list, len);
			item[len] = '\0';
			if ((eq = strchr(item, '=')) != NULL) {
				*eq = '\0';
				up = (self != NULL && strcmp(item, self) == 0) ||
				    op_fcgi_ping(eq + 1, POOL_PING_MS) == OP_OK;
				json_object_set_new(out, item,
				    json_string(up ? "ok" : "down"));
				ok &= up;
			}
		}
		list += len;
		if (*list == ',')
			list++;
	}
	if (self != NULL && json_object_get(out, self) == NULL)
		json_object_set_new(out, self, json_string("ok"));
	return ok;
}
