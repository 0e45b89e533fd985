/*
 * fuzz_router.c — any method and path against a route table shaped like
 * the services' own (literal segments, parameters, a shadowed route, four
 * parameters, more than fit). The router finds a route, or answers not
 * found or wrong method (HEAD is served by GET routes); a match's
 * parameters are non-empty segments of the path.
 */
#include "fuzz.h"

#include "arena_int.h"
#include "openpanel.h"

static enum op_err
handler(struct op_req *r)
{
	return OP_OK;
}

static const struct op_route	 routes[] = {
	{ "GET", "/api/health", handler, OP_R_PUBLIC },
	{ "GET", "/api/teams", handler, 0 },
	{ "POST", "/api/teams", handler, 0 },
	{ "GET", "/api/teams/:id", handler, 0 },
	{ "DELETE", "/api/teams/:id", handler, 0 },
	{ "GET", "/api/teams/:id/members/:uid", handler, 0 },
	{ "PUT", "/api/settings", handler, OP_R_ADMIN },
	{ "GET", "/api/a/:p1/:p2/:p3/:p4", handler, 0 },
	{ "GET", "/api/b/:p1/:p2/:p3/:p4/:p5", handler, 0 },
	{ "GET", "/api/teams/me", handler, 0 },
	{ "POST", "/api/webhooks/github/:id", handler, OP_R_PUBLIC |
	    OP_R_SECRET_PATH },
	{ "GET", "/internal/x/:id", handler, OP_R_INTERNAL },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* Is p a non-empty segment of path (no '/')? */
static void
check_param(const char *p, const char *path)
{
	FUZZ_ASSERT(p != NULL && *p != '\0');
	FUZZ_ASSERT(strchr(p, '/') == NULL);
	FUZZ_ASSERT(strlen(p) <= strlen(path));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	struct op_req		 req;
	const struct op_route	*rt = NULL;
	enum op_err		 er;
	int			 i;

	fuzz_split(data, size, 2, &p);
	memset(&req, 0, sizeof(req));
	if ((req.arena = op_arena_new()) == NULL)
		abort();
	req.method = p.part[0];
	req.path = p.part[1];
	er = op_router_match(&req, routes, NROUTES, &rt);
	if (er == OP_OK) {
		FUZZ_ASSERT(rt != NULL && (strcmp(rt->method, req.method) == 0 ||
		    (strcmp(req.method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0)));
		for (i = 0; i < OP_PATH_PARAMS && req.params[i] != NULL; i++)
			check_param(req.params[i], req.path);
	} else
		FUZZ_ASSERT(er == OP_ENOTFOUND || er == OP_EMETHOD ||
		    er == OP_EBADREQ);
	op_arena_free(req.arena);
	free(p.buf);
	return 0;
}
