/*
 * http.c — the panel's REST API over libcurl: one call, its answer, what
 * an error answer says and the exit status it means; a session's access
 * token renewed once with its refresh token when it has expired.
 *
 * Credentials go only in the Authorization header, never into a message:
 * nothing here prints a request's headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "opctl.h"

#define CALL_TIMEOUT_S	120L	/* one call, start to end */

char *
opctl_strf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

enum opctl_exit
opctl_fail(enum opctl_exit code, const char *fmt, ...)
{
	va_list	 ap;

	fputs("opctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

char *
opctl_query(char *path, const char *key, const char *value)
{
	char	*esc, *out;

	if (path == NULL || value == NULL)
		return path;
	if ((esc = curl_easy_escape(NULL, value, 0)) == NULL) {
		free(path);
		return NULL;
	}
	out = opctl_strf("%s%c%s=%s", path, strchr(path, '?') ? '&' : '?',
	    key, esc);
	curl_free(esc);
	free(path);
	return out;
}

void
opctl_resp_clear(struct opctl_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

enum opctl_exit
opctl_exit_for(long status)
{
	if (status >= 200 && status < 300)
		return OPCTL_OK;
	if (status == 401)
		return OPCTL_EAUTH;
	if (status == 429 || status >= 500 || status == 0)
		return OPCTL_ENET;
	return OPCTL_EAPI;
}

/* s without control bytes into out, or "" for NULL. */
static void
clean_text(const char *s, char *out, size_t outlen)
{
	json_t	*j = json_string(s ? s : "");

	opctl_cell(j, OPCTL_FMT_TEXT, out, outlen);
	if (s == NULL || *s == '\0' || j == NULL)
		out[0] = '\0';
	json_decref(j);
}

void
opctl_error_text(long status, const char *body, const char *rid, char *out,
    size_t outlen)
{
	json_t		*j = body ? json_loads(body, 0, NULL) : NULL;
	const char	*msg = NULL, *code = NULL, *field = NULL;
	char		 m[512], c[128], f[128], id[96];

	if (j == NULL || json_unpack(j, "{s:{s?s,s?s,s?s}}", "error",
	    "message", &msg, "code", &code, "field", &field) != 0)
		msg = code = field = NULL;
	clean_text(msg, m, sizeof(m));
	clean_text(code, c, sizeof(c));
	clean_text(field, f, sizeof(f));
	clean_text(rid, id, sizeof(id));
	if (m[0] == '\0')
		snprintf(out, outlen, "the panel answered HTTP %ld%s%s%s",
		    status, id[0] ? " (request " : "", id, id[0] ? ")" : "");
	else
		snprintf(out, outlen, "%s (%s%s%s%sHTTP %ld%s%s)", m, c,
		    f[0] ? ", field " : "", f, c[0] ? "; " : "", status,
		    id[0] ? ", request " : "", id);
	json_decref(j);
}

int
opctl_append(char **buf, size_t *len, size_t *cap, const char *p, size_t n,
    size_t max)
{
	char	*nb;
	size_t	 ncap;

	if (n > max - *len || n >= SIZE_MAX / 2 - *len)
		return -1;
	if (*len + n + 1 > *cap) {
		for (ncap = *cap ? *cap : 256; ncap < *len + n + 1;)
			ncap *= 2;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* libcurl's write callback: the body into r, up to OPCTL_BODY_MAX (past
 * that the transfer fails). */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct opctl_resp	*r = arg;
	size_t			 len = size * n;

	return opctl_append(&r->body, &r->len, &r->cap, p, len,
	    OPCTL_BODY_MAX) == 0 ? len : 0;
}

/* libcurl's header callback: keeps X-Request-Id. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct opctl_resp	*r = arg;
	size_t			 len = size * n, i;
	static const char	 name[] = "x-request-id:";

	if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		p += sizeof(name) - 1;
		len -= sizeof(name) - 1;
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		for (i = 0; i < len && i + 1 < sizeof(r->request_id) &&
		    p[i] > 0x20 && p[i] < 0x7f; i++)
			r->request_id[i] = p[i];
		r->request_id[i] = '\0';
	}
	return size * n;
}

int
opctl_http_prepare(struct opctl *o, CURL *h, const char *path,
    struct curl_slist **hdrs)
{
	const char	*bearer = opctl_config_bearer(&o->cfg);
	const char	*base = opctl_config_url(&o->cfg);
	char		*url, *auth = NULL;
	size_t		 blen = strlen(base);
	int		 rc = -1;

	*hdrs = NULL;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((url = opctl_strf("%.*s%s", (int)blen, base, path)) == NULL)
		return -1;
	if (bearer != NULL &&
	    (auth = opctl_strf("Authorization: Bearer %s", bearer)) == NULL)
		goto out;
	if ((auth != NULL &&
	    (*hdrs = curl_slist_append(*hdrs, auth)) == NULL) ||
	    (*hdrs = curl_slist_append(*hdrs, "User-Agent: opctl/1")) == NULL)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	if (opctl_config_ca(&o->cfg) != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, opctl_config_ca(&o->cfg));
	rc = 0;
out:
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(url);
	return rc;
}

/* Say that the panel could not be reached, and why: OPCTL_ENET. */
static enum opctl_exit
unreachable(struct opctl *o, CURLcode cr)
{
	return opctl_fail(OPCTL_ENET, "cannot reach %s: %s%s",
	    opctl_config_url(&o->cfg), curl_easy_strerror(cr),
	    cr == CURLE_PEER_FAILED_VERIFICATION ? " (to trust the panel's"
	    " certificate, name its CA file in OPENPANEL_CA or ca_file)" : "");
}

/* One request, no refresh: r filled; the curl result. */
static CURLcode
call_once(struct opctl *o, const char *method, const char *path,
    const char *body, struct opctl_resp *r)
{
	struct curl_slist	*hdrs = NULL;
	CURL			*h = o->curl;
	CURLcode		 cr;

	opctl_resp_clear(r);
	curl_easy_reset(h);
	/* No body, no Content-Type (libcurl would send a form's). */
	if (opctl_http_prepare(o, h, path, &hdrs) != 0 ||
	    (hdrs = curl_slist_append(hdrs, "Accept: application/json")) ==
	    NULL || (hdrs = curl_slist_append(hdrs, body != NULL ?
	    "Content-Type: application/json" : "Content-Type:")) == NULL) {
		curl_slist_free_all(hdrs);
		return CURLE_OUT_OF_MEMORY;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, CALL_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	cr = curl_easy_perform(h);
	if (cr == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	return cr;
}

/* The refresh token's answer into the config, then the file. */
static enum opctl_exit
refresh_now(struct opctl *o)
{
	struct opctl_resp	 r = { 0 };
	json_t			*body, *ans = NULL;
	const char		*at, *rt;
	char			*js, *saved_at;
	enum opctl_exit		 rc = OPCTL_EAUTH;
	CURLcode		 cr;

	body = json_pack("{s:s}", "refresh_token", o->cfg.refresh_token);
	js = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (js == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	/* The refresh call carries no bearer: the access token is spent. */
	saved_at = o->cfg.access_token;
	o->cfg.access_token = NULL;
	cr = call_once(o, "POST", "/api/auth/refresh", js, &r);
	o->cfg.access_token = saved_at;
	explicit_bzero(js, strlen(js));
	free(js);
	if (cr != CURLE_OK) {
		rc = unreachable(o, cr);
	} else if (r.status == 200 && (ans = json_loads(r.body, 0, NULL)) &&
	    json_unpack(ans, "{s:s,s:s}", "access_token", &at,
	    "refresh_token", &rt) == 0) {
		if (opctl_config_set(&o->cfg.access_token, at) == 0 &&
		    opctl_config_set(&o->cfg.refresh_token, rt) == 0 &&
		    opctl_config_save(&o->cfg, o->cfg_path) == 0)
			rc = OPCTL_OK;
		else
			rc = OPCTL_ENET;
	} else if (opctl_exit_for(r.status) == OPCTL_ENET) {
		rc = opctl_fail(OPCTL_ENET, "cannot renew the session: HTTP %ld",
		    r.status);
	} else {
		rc = opctl_fail(OPCTL_EAUTH, "your session has ended: run"
		    " `opctl login` again");
	}
	if (r.body != NULL)
		explicit_bzero(r.body, r.len);
	opctl_resp_clear(&r);
	json_decref(ans);
	return rc;
}

enum opctl_exit
opctl_refresh(struct opctl *o)
{
	struct opctl_config	 disk = { 0 };
	char			 lock[4200];
	enum opctl_exit		 rc;
	int			 fd;

	/* Another opctl may be renewing the same session: a refresh token
	 * spent twice ends the session, so take turns and reread. */
	snprintf(lock, sizeof(lock), "%s.lock", o->cfg_path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd != -1)
		(void)flock(fd, LOCK_EX);
	if (opctl_config_load(&disk, o->cfg_path) == 0 &&
	    disk.access_token != NULL && disk.refresh_token != NULL &&
	    (o->cfg.access_token == NULL ||
	    strcmp(disk.access_token, o->cfg.access_token) != 0)) {
		/* Renewed by another since we read it: take theirs. */
		rc = opctl_config_set(&o->cfg.access_token, disk.access_token) ||
		    opctl_config_set(&o->cfg.refresh_token, disk.refresh_token) ?
		    OPCTL_ENET : OPCTL_OK;
	} else {
		rc = refresh_now(o);
	}
	opctl_config_clear(&disk);
	if (fd != -1)
		close(fd);		/* and with it the lock */
	return rc;
}

enum opctl_exit
opctl_call_raw(struct opctl *o, const char *method, const char *path,
    json_t *body, struct opctl_resp *r)
{
	char		*js = NULL;
	CURLcode	 cr;

	if (body != NULL && (js = json_dumps(body, JSON_COMPACT)) == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	cr = call_once(o, method, path, js, r);
	if (js != NULL) {
		explicit_bzero(js, strlen(js));
		free(js);
	}
	if (cr != CURLE_OK)
		return unreachable(o, cr);
	return OPCTL_OK;
}

enum opctl_exit
opctl_report(struct opctl *o, const struct opctl_resp *r)
{
	char	 text[1024], *to = NULL;

	if (r->status == 401 && opctl_config_bearer(&o->cfg) == NULL)
		return opctl_fail(OPCTL_EAUTH, "not signed in: run `opctl"
		    " login`, or set OPENPANEL_TOKEN");
	/* A panel behind https answers its http address with a redirect;
	 * credentials are not sent on after one. */
	if (r->status >= 300 && r->status < 400 &&
	    curl_easy_getinfo(o->curl, CURLINFO_REDIRECT_URL, &to) ==
	    CURLE_OK && to != NULL) {
		clean_text(to, text, sizeof(text));
		return opctl_fail(OPCTL_EAPI, "the panel redirects to %s: give"
		    " that address with --url", text);
	}
	opctl_error_text(r->status, r->body, r->request_id, text, sizeof(text));
	return opctl_fail(opctl_exit_for(r->status), "%s", text);
}

enum opctl_exit
opctl_call(struct opctl *o, const char *method, const char *path,
    json_t *body, struct opctl_resp *r)
{
	char		*js = NULL;
	enum opctl_exit	 rc;
	CURLcode	 cr;

	if (body != NULL && (js = json_dumps(body, JSON_COMPACT)) == NULL)
		return opctl_fail(OPCTL_ENET, "out of memory");
	cr = call_once(o, method, path, js, r);
	/* A session's access token lives 15 minutes: renew it once. */
	if (cr == CURLE_OK && r->status == 401 && o->cfg.env_token == NULL &&
	    o->cfg.token == NULL && o->cfg.refresh_token != NULL) {
		if ((rc = opctl_refresh(o)) != OPCTL_OK)
			goto out;
		cr = call_once(o, method, path, js, r);
	}
	if (cr != CURLE_OK)
		rc = unreachable(o, cr);
	else if (r->status < 200 || r->status >= 300)
		rc = opctl_report(o, r);
	else
		rc = OPCTL_OK;
out:
	if (js != NULL) {
		explicit_bzero(js, strlen(js));
		free(js);
	}
	return rc;
}

enum opctl_exit
opctl_call_json(struct opctl *o, const char *method, const char *path,
    json_t *body, json_t **out)
{
	struct opctl_resp	 r = { 0 };
	json_error_t		 je;
	enum opctl_exit		 rc;

	*out = NULL;
	if ((rc = opctl_call(o, method, path, body, &r)) == OPCTL_OK &&
	    (*out = json_loadb(r.body ? r.body : "", r.len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL)
		rc = opctl_fail(OPCTL_ENET, "the panel's answer is not JSON:"
		    " %s", je.text);
	opctl_resp_clear(&r);
	return rc;
}

#define LIST_MAX	100000	/* items of one list, all pages */

enum opctl_exit
opctl_list_all(struct opctl *o, const char *path, json_t **out)
{
	json_t		*all = json_array(), *page = NULL, *items;
	const char	*next = NULL;
	char		*p = NULL;
	enum opctl_exit	 rc = OPCTL_OK;

	*out = NULL;
	while (all != NULL && rc == OPCTL_OK) {
		p = opctl_query(opctl_query(strdup(path), "limit", "200"),
		    "after", next);
		if (p == NULL) {
			rc = opctl_fail(OPCTL_ENET, "out of memory");
			break;
		}
		json_decref(page);
		page = NULL;
		if ((rc = opctl_call_json(o, "GET", p, NULL, &page)) != OPCTL_OK)
			break;
		free(p);
		p = NULL;
		if (!json_is_array(items = json_object_get(page, "items")))
			rc = opctl_fail(OPCTL_ENET, "the panel's list has no"
			    " items");
		else
			json_array_extend(all, items);
		next = json_string_value(json_object_get(page, "next"));
		if (next == NULL || json_array_size(all) >= LIST_MAX)
			break;
	}
	if (rc == OPCTL_OK && all != NULL)
		*out = json_pack("{s:O,s:n}", "items", all, "next");
	if (rc == OPCTL_OK && *out == NULL)
		rc = opctl_fail(OPCTL_ENET, "out of memory");
	json_decref(all);
	json_decref(page);
	free(p);
	return rc;
}
