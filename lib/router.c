/*
 * router.c — from (method, path) to a route in a service's table.
 *
 * Patterns are literal segments and ":name" captures; a capture matches
 * one non-empty segment. Captures land in r->params[] in order.
 */
#include <string.h>

#include "openpanel.h"

#define PATH_MAX_LEN	1024
#define SEGMENT_MAX	64

/* Does path match pattern? On a match, fill caps[] (copies in the arena). */
static int
match(struct op_req *r, const char *pat, const char *path,
    const char *caps[OP_PATH_PARAMS])
{
	const char	*pe, *se;
	size_t		 plen, slen;
	int		 ncap = 0;

	for (;;) {
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		if (*pat != '/' || *path != '/')
			return 0;
		pat++;
		path++;
		pe = strchr(pat, '/');
		plen = pe ? (size_t)(pe - pat) : strlen(pat);
		se = strchr(path, '/');
		slen = se ? (size_t)(se - path) : strlen(path);
		if (plen > 0 && pat[0] == ':') {
			if (slen == 0 || slen > SEGMENT_MAX ||
			    ncap == OP_PATH_PARAMS)
				return 0;
			caps[ncap] = op_req_printf(r, "%.*s", (int)slen, path);
			if (caps[ncap++] == NULL)
				return 0;
		} else if (plen != slen || memcmp(pat, path, plen) != 0)
			return 0;
		pat += plen;
		path += slen;
	}
}

enum op_err
op_router_match(struct op_req *r, const struct op_route *routes, size_t n,
    const struct op_route **out)
{
	const char	*caps[OP_PATH_PARAMS];
	size_t		 i;
	int		 other_method = 0;

	*out = NULL;
	if (strlen(r->path) > PATH_MAX_LEN)
		return OP_ENOTFOUND;
	for (i = 0; i < n; i++) {
		memset(caps, 0, sizeof(caps));
		if (!match(r, routes[i].pattern, r->path, caps))
			continue;
		if (strcmp(routes[i].method, r->method) != 0 &&
		    !(strcmp(r->method, "HEAD") == 0 &&
		    strcmp(routes[i].method, "GET") == 0)) {
			other_method = 1;
			continue;
		}
		memcpy(r->params, caps, sizeof(caps));
		*out = &routes[i];
		return OP_OK;
	}
	return other_method ? OP_EMETHOD : OP_ENOTFOUND;
}
