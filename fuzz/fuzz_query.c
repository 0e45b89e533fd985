/*
 * fuzz_query.c — a query string and a Cookie header. Arguments come back
 * percent-decoded and clean, or as a client error; a query string unpacks
 * against a declared table the same way; cookies come back as found. And
 * a value encoded by op_req_urlencode decodes to itself.
 */
#include <fcgiapp.h>

#include "fuzz.h"

#include "arena_int.h"
#include "openpanel.h"

static const struct op_field	 qfields[] = {
	{ "team", OP_FT_STRING, 0, 1, 63, op_valid_slug },
	{ "q", OP_FT_STRING, 0, 0, 200, op_valid_text },
	{ "limit", OP_FT_INT, 0, 1, 100, NULL },
	{ "all", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "since", OP_FT_TIME, 0, 20, 40, NULL },
	{ "ratio", OP_FT_NUMBER, 0, 0, 1, NULL },
};
#define NQ	(sizeof(qfields) / sizeof(qfields[0]))

static const char	*names[] = { "q", "team", "limit", "op_session",
	"op_csrf", "a", "" };

static void
query_args(struct op_req *r)
{
	const char	*v;
	size_t		 i;
	enum op_err	 er;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		er = op_req_query(r, names[i], &v);
		FUZZ_ASSERT(er == OP_OK || er == OP_EBADREQ);
		if (er == OP_OK && v != NULL)
			FUZZ_ASSERT(op_valid_text(v, &(const char *){ NULL }) ==
			    OP_OK);
		if ((v = op_req_cookie(r, names[i])) != NULL)
			FUZZ_ASSERT(strchr(v, ';') == NULL);
	}
}

/* "x=<encoded s>" decodes to s (when s is clean text). */
static void
round_trip(struct op_req *r, const char *s)
{
	const char	*enc, *back, *why;

	if (op_valid_text(s, &why) != OP_OK || strlen(s) > 1000)
		return;
	enc = op_req_urlencode(r, s);
	FUZZ_ASSERT(enc != NULL);
	r->query = op_req_printf(r, "x=%s", enc);
	FUZZ_ASSERT(op_req_query(r, "x", &back) == OP_OK && back != NULL);
	FUZZ_ASSERT(strcmp(back, s) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	struct op_req		 req;
	struct op_value		 vals[NQ];
	FCGX_Request		 fcgi;
	char			*env[2] = { NULL, NULL };
	enum op_err		 er;

	fuzz_split(data, size, 2, &p);
	memset(&req, 0, sizeof(req));
	memset(&fcgi, 0, sizeof(fcgi));
	if ((req.arena = op_arena_new()) == NULL)
		abort();
	env[0] = op_req_printf(&req, "HTTP_COOKIE=%s", p.part[1]);
	fcgi.envp = env;
	req.fcgi = &fcgi;
	req.query = p.part[0];
	query_args(&req);
	memset(&req.err, 0, sizeof(req.err));
	er = op_fields_query(&req, qfields, NQ, vals);
	FUZZ_ASSERT(er == OP_OK || ((er == OP_EINVAL || er == OP_EBADREQ) &&
	    req.err.set));
	round_trip(&req, p.part[0]);
	op_arena_free(req.arena);
	free(p.buf);
	return 0;
}
