/*
 * req.c — the request object: its params, query string, cookies,
 * memory, and the life of one request from accept to answer.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "arena_int.h"
#include "openpanel.h"
#include "req_int.h"

#define QUERY_MAX	4096	/* bytes of query string we look at */

const char *
op_req_param(struct op_req *r, const char *name)
{
	FCGX_Request	*f = r->fcgi;

	return f == NULL ? NULL : FCGX_GetParam(name, f->envp);
}

void *
op_req_alloc(struct op_req *r, size_t n)
{
	return op_arena_alloc(r->arena, n);
}

char *
op_req_strdup(struct op_req *r, const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p;

	if ((p = op_req_alloc(r, n)) != NULL)
		memcpy(p, s, n);
	return p;
}

char *
op_req_printf(struct op_req *r, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = op_req_alloc(r, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

struct op_owned {
	json_t		*j;
	struct op_owned	*next;
};

enum op_err
op_req_own_json(struct op_req *r, json_t *j)
{
	struct op_owned	*o;

	if (j == NULL)
		return OP_OK;
	if ((o = op_req_alloc(r, sizeof(*o))) == NULL) {
		json_decref(j);
		return OP_ENOMEM;
	}
	o->j = j;
	o->next = r->owned;
	r->owned = o;
	return OP_OK;
}

/* Drop every reference the request took. */
static void
owned_free(struct op_req *r)
{
	struct op_owned	*o;

	for (o = r->owned; o != NULL; o = o->next)
		json_decref(o->j);
	r->owned = NULL;
}

char *
op_req_urlencode(struct op_req *r, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *p;

	if ((out = op_req_alloc(r, strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s) != NULL)
			*p++ = *s;
		else {
			*p++ = '%';
			*p++ = hex[(unsigned char)*s >> 4];
			*p++ = hex[(unsigned char)*s & 15];
		}
	}
	*p = '\0';
	return out;
}

enum op_err
op_fail(struct op_req *r, enum op_err er, const char *code,
    const char *message, const char *field)
{
	r->err.set = 1;
	r->err.code = code;
	r->err.message = message;
	r->err.field = field;
	return er;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode s[0..n) into a new arena string; NULL when malformed. */
static char *
urldecode(struct op_req *r, const char *s, size_t n)
{
	char	*out, *p;
	size_t	 i;
	int	 hi, lo;

	if ((out = op_req_alloc(r, n + 1)) == NULL)
		return NULL;
	for (i = 0, p = out; i < n; i++) {
		if (s[i] == '+')
			*p++ = ' ';
		else if (s[i] != '%')
			*p++ = s[i];
		else {
			if (i + 2 >= n ||
			    (hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return NULL;
			*p++ = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	*p = '\0';
	if (!op_utf8_clean(out, (size_t)(p - out), 0))
		return NULL;
	return out;
}

enum op_err
op_req_query(struct op_req *r, const char *name, const char **out)
{
	const char	*q = r->query, *amp, *eq;
	size_t		 nlen = strlen(name), len;

	*out = NULL;
	if (q == NULL)
		return OP_OK;
	if (strlen(q) > QUERY_MAX)
		return op_fail(r, OP_EBADREQ, "query_too_long",
		    "the query string is too long", NULL);
	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', len);
		if (eq != NULL && (size_t)(eq - q) == nlen &&
		    memcmp(q, name, nlen) == 0) {
			*out = urldecode(r, eq + 1, len - nlen - 1);
			if (*out == NULL)
				return op_fail(r, OP_EBADREQ, "bad_query",
				    "malformed query argument", name);
			return OP_OK;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return OP_OK;
}

const char *
op_req_cookie(struct op_req *r, const char *name)
{
	const char	*c = op_req_param(r, "HTTP_COOKIE"), *end;
	size_t		 nlen = strlen(name), len;

	if (c == NULL || strlen(c) > 8192)
		return NULL;
	while (*c != '\0') {
		while (*c == ' ' || *c == ';')
			c++;
		end = strchr(c, ';');
		len = end ? (size_t)(end - c) : strlen(c);
		if (len > nlen && c[nlen] == '=' && memcmp(c, name, nlen) == 0)
			return op_req_printf(r, "%.*s", (int)(len - nlen - 1),
			    c + nlen + 1);
		c += len;
	}
	return NULL;
}

/* Copy the identity nginx passed from op-auth's auth_request. */
static void
identity_load(struct op_req *r)
{
	struct op_identity	*id = &r->auth;
	const char		*user, *v;

	user = op_req_param(r, "OP_USER_ID");
	if (user == NULL || op_valid_uuid(user, &v) != OP_OK)
		return;
	id->authenticated = 1;
	snprintf(id->user_id, sizeof(id->user_id), "%s", user);
	if ((v = op_req_param(r, "OP_SESSION_ID")) != NULL && *v != '\0')
		snprintf(id->session_id, sizeof(id->session_id), "%s", v);
	if ((v = op_req_param(r, "OP_TOKEN_ID")) != NULL && *v != '\0')
		snprintf(id->token_id, sizeof(id->token_id), "%s", v);
	v = op_req_param(r, "OP_SCOPE");
	id->scope = v != NULL && strcmp(v, "write") == 0 ? OP_SCOPE_WRITE :
	    v != NULL && strcmp(v, "metrics") == 0 ? OP_SCOPE_METRICS :
	    OP_SCOPE_READ;
	v = op_req_param(r, "OP_ADMIN");
	id->admin = v != NULL && strcmp(v, "1") == 0;
}

static int
is_safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Read and parse a JSON body, after the size cap and a type check. */
static enum op_err
body_load(struct op_req *r)
{
	FCGX_Request	*f = r->fcgi;
	const char	*cl, *ct;
	long long	 len = 0;
	char		*buf;
	json_error_t	 jerr;
	int		 n;

	cl = op_req_param(r, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0' &&
	    op_strtonum(cl, 0, 1LL << 40, &len) != OP_OK)
		return op_fail(r, OP_EBADREQ, "bad_length",
		    "malformed Content-Length", NULL);
	if (len == 0)
		return OP_OK;
	if (len > OP_BODY_MAX)
		return op_fail(r, OP_ETOOLARGE, "body_too_large",
		    "the request body is too large", NULL);
	ct = op_req_param(r, "CONTENT_TYPE");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';'))
		return op_fail(r, OP_EMEDIA, "unsupported_media_type",
		    "the body must be application/json", NULL);
	if ((buf = op_req_alloc(r, (size_t)len + 1)) == NULL)
		return OP_ENOMEM;
	n = FCGX_GetStr(buf, (int)len, f->in);
	if (n != len)
		return op_fail(r, OP_EBADREQ, "short_body",
		    "the request body is shorter than its length", NULL);
	buf[len] = '\0';
	r->body_raw = buf;
	r->body_len = (size_t)len;
	r->body = json_loadb(buf, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->body == NULL)
		return op_fail(r, OP_EBADREQ, "malformed_json",
		    op_req_printf(r, "malformed JSON: %s", jerr.text), NULL);
	return OP_OK;
}

/* Route, authorise, and run the handler. */
static enum op_err
dispatch(struct op_req *r)
{
	const struct op_route	*rt;
	enum op_err		 er;

	er = op_router_match(r, r->service->routes, r->service->nroutes, &rt);
	if (er == OP_ENOTFOUND)
		return op_fail(r, er, "not_found", "no such endpoint", NULL);
	if (er == OP_EMETHOD)
		return op_fail(r, er, "method_not_allowed",
		    "method not allowed here", NULL);
	if (er != OP_OK)
		return er;
	/* Internal routes answer only what the gateway marks internal. */
	if ((rt->flags & OP_R_INTERNAL) && (op_req_param(r, "OP_INTERNAL") ==
	    NULL || strcmp(op_req_param(r, "OP_INTERNAL"), "1") != 0))
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such endpoint", NULL);
	r->route = rt;
	if (rt->flags & OP_R_SECRET_PATH)
		r->log_path = rt->pattern;	/* never log the credential */
	if (!(rt->flags & OP_R_PUBLIC)) {
		if (!r->auth.authenticated)
			return op_fail(r, OP_EUNAUTH, "unauthenticated",
			    "sign in first", NULL);
		if (r->auth.scope != OP_SCOPE_WRITE &&
		    !is_safe_method(r->method))
			return op_fail(r, OP_EFORBIDDEN, "read_only_token",
			    "this token may only read", NULL);
		if ((rt->flags & OP_R_SESSION) && r->auth.session_id[0] == '\0')
			return op_fail(r, OP_EFORBIDDEN, "session_required",
			    "only a signed-in session may do this, not an API "
			    "token", NULL);
		if ((rt->flags & OP_R_ADMIN) && !r->auth.admin)
			return op_fail(r, OP_EFORBIDDEN, "admin_only",
			    "instance admins only", NULL);
	}
	if ((er = body_load(r)) != OP_OK)
		return er;
	return rt->handler(r);
}

/*
 * A refused or invalid change leaves its trace too: request.failed, with
 * the caller, the route and why, for every state-changing call that got
 * a 4xx and whose handler did not record its own failure.
 */
static void
record_failure(struct op_req *r)
{
	if (r->route == NULL || is_safe_method(r->method) || r->db == NULL ||
	    r->status < 400 || r->status > 499 || r->failure_recorded ||
	    (r->route->flags & OP_R_INTERNAL))
		return;
	op_db_rollback(r->db);
	if (op_db_begin(r->db) != OP_OK ||
	    op_event_emit(r, "request.failed", NULL, "route", op_req_printf(r,
	    "%s %s", r->method, r->route->pattern), json_pack("{s:s, s:s,"
	    " s:i, s:s}", "method", r->method, "path", r->log_path ?
	    r->log_path : r->path, "status", r->status, "code",
	    r->err.code ? r->err.code : "")) != OP_OK ||
	    op_db_commit(r->db) != OP_OK)
		op_db_rollback(r->db);
}

/* Turn a handler's failure into the error reply, logging what is ours. */
static void
answer_error(struct op_req *r, enum op_err er)
{
	json_t	*e;
	int	 status = op_err_status(er);

	if (status >= 500 || !r->err.set)
		op_log(status >= 500 ? OP_LOG_ERROR : OP_LOG_INFO,
		    "%s %s failed: %s%s%s", r->method, r->log_path ? r->log_path : r->path,
		    op_err_code(er), r->err.set ? ": " : "",
		    r->err.set ? r->err.message : "");
	if (status >= 500 || !r->err.set) {
		r->err.code = op_err_code(er);
		r->err.message = status == 503 ?
		    "a service the panel depends on is unavailable" :
		    status == 500 ? "internal error" : op_err_code(er);
		r->err.field = NULL;
	}
	e = json_pack("{s:s, s:s}", "code", r->err.code,
	    "message", r->err.message ? r->err.message : r->err.code);
	if (e != NULL && r->err.field != NULL)
		json_object_set_new(e, "field", json_string(r->err.field));
	json_decref(r->reply);
	r->reply = e ? json_pack("{s:o}", "error", e) : NULL;
	op_buf_reset(&r->text);
	r->status = status;
}

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

enum op_err
op_system_req(struct op_req *r, const struct op_service *svc,
    struct op_db *db)
{
	memset(r, 0, sizeof(*r));
	r->service = svc;
	r->db = db;
	r->method = "SYSTEM";
	r->path = svc->name;
	op_buf_init(&r->text, 0);
	op_buf_init(&r->headers, 0);
	if ((r->arena = op_arena_new()) == NULL)
		return OP_ENOMEM;
	return OP_OK;
}

void
op_system_req_end(struct op_req *r)
{
	json_decref(r->body);
	json_decref(r->reply);
	owned_free(r);
	op_arena_free(r->arena);
	memset(r, 0, sizeof(*r));
}

void
op_req_serve(const struct op_service *svc, void *fcgi, struct op_db *db)
{
	struct op_req	 r;
	struct timespec	 t0;
	enum op_err	 er;
	const char	*uri, *q;
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&r, 0, sizeof(r));
	r.fcgi = fcgi;
	r.db = db;
	r.service = svc;
	op_buf_init(&r.text, OP_BODY_MAX * 8);
	op_buf_init(&r.headers, 8192);
	r.request_id = op_req_param(&r, "REQUEST_ID");
	op_log_request_id(r.request_id);
	r.method = op_req_param(&r, "REQUEST_METHOD");
	uri = op_req_param(&r, "DOCUMENT_URI");
	r.query = op_req_param(&r, "QUERY_STRING");
	r.remote_addr = op_req_param(&r, "REMOTE_ADDR");
	r.user_agent = op_req_param(&r, "HTTP_USER_AGENT");
	q = op_req_param(&r, "HTTPS");
	r.tls = q != NULL && strcmp(q, "on") == 0;
	if (r.method == NULL)
		r.method = "GET";
	r.path = uri ? uri : "/";
	identity_load(&r);

	if ((r.arena = op_arena_new()) == NULL)
		er = OP_ENOMEM;
	else
		er = dispatch(&r);
	if (er != OP_OK && r.streamed)	/* too late for an error answer */
		op_error("%s %s failed while streaming: %s", r.method,
		    r.log_path ? r.log_path : r.path, op_err_code(er));
	else if (er != OP_OK) {
		answer_error(&r, er);
		record_failure(&r);
	}
	if (r.db != NULL)
		op_db_rollback(r.db);	/* a handler left nothing open */
	if (strcmp(r.method, "GET") != 0 && strcmp(r.method, "HEAD") != 0)
		op_pool_changed();	/* seen by any request after the answer */
	op_reply_send(&r);
	ms = elapsed_ms(&t0);
	op_reqstats_record(&r, ms);
	op_info("%s %s %d %.2fms", r.method, r.log_path ? r.log_path : r.path,
	    r.status, ms);

	json_decref(r.body);
	json_decref(r.reply);
	op_buf_clear(&r.text);
	op_buf_clear(&r.headers);
	owned_free(&r);
	op_arena_free(r.arena);
	op_log_request_id(NULL);
}
