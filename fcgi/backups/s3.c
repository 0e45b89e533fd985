/*
 * s3.c — the S3 calls backups need (multipart upload, get, delete, a
 * bucket check), each signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4),
 * with the payload's SHA-256 in x-amz-content-sha256.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "backups.h"

#define REPLY_MAX	(64 * 1024)	/* XML answers we read */
#define EMPTY_SHA	"e3b0c44298fc1c149afbf4c8996fb924" \
			"27ae41e4649b934ca495991b7852b855"

struct s3_call {
	const char	*method;
	const char	*key;		/* NULL: the bucket itself */
	const char	*query;		/* canonical: sorted, "k=v&…" */
	const void	*body;
	size_t		 bodylen;
	const char	*type;		/* of the body */
	bk_sink		 sink;		/* a 2xx body goes here when set */
	void		*arg;
	enum op_err	 sink_er;
	CURL		*curl;
	long		 status;
	struct op_buf	 reply;		/* otherwise here */
	char		 etag[256];
};

/* key with every byte outside [A-Za-z0-9-._~/] percent-encoded. */
static enum op_err
key_encode(struct op_buf *b, const char *key)
{
	enum op_err	er = OP_OK;

	for (; *key != '\0' && er == OP_OK; key++) {
		unsigned char	c = (unsigned char)*key;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/", c))
			er = op_buf_add(b, key, 1);
		else
			er = op_buf_addf(b, "%%%02X", c);
	}
	return er;
}

/* The URL of (bucket, key) on the target, path- or virtual-hosted. */
static enum op_err
call_url(struct target *t, struct s3_call *c, struct op_buf *url)
{
	const char	*host = strstr(t->endpoint, "://") + 3;
	size_t		 hlen = strcspn(host, "/");
	enum op_err	 er;

	if (t->path_style)
		er = op_buf_addf(url, "%.*s/%s", (int)(host - t->endpoint +
		    (ptrdiff_t)hlen), t->endpoint, t->bucket);
	else
		er = op_buf_addf(url, "%.*s%s.%.*s", (int)(host - t->endpoint),
		    t->endpoint, t->bucket, (int)hlen, host);
	if (er == OP_OK)
		er = op_buf_add(url, "/", 1);
	if (er == OP_OK && c->key != NULL)
		er = key_encode(url, c->key);
	if (er == OP_OK && c->query != NULL)
		er = op_buf_addf(url, "?%s", c->query);
	return er;
}

static size_t
on_header(char *data, size_t size, size_t n, void *p)
{
	struct s3_call	*c = p;
	size_t		 len = size * n, v;

	if (len > 5 && strncasecmp(data, "etag:", 5) == 0) {
		for (v = 5; v < len && data[v] == ' '; v++)
			;
		while (len > v && (data[len - 1] == '\r' ||
		    data[len - 1] == '\n' || data[len - 1] == ' '))
			len--;
		snprintf(c->etag, sizeof(c->etag), "%.*s", (int)(len - v),
		    data + v);
	}
	return size * n;
}

static size_t
on_body(char *data, size_t size, size_t n, void *p)
{
	struct s3_call	*c = p;
	long		 status = 0;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (c->sink != NULL && status >= 200 && status < 300) {
		if ((c->sink_er = c->sink(c->arg, data, size * n)) != OP_OK)
			return 0;
		return size * n;
	}
	if (op_buf_add(&c->reply, data, size * n) != OP_OK)
		return 0;
	return size * n;
}

/* Perform c on t: OP_OK with c->status set, or OP_EUNAVAIL when the
 * endpoint cannot be reached. The caller clears c->reply. */
static enum op_err
call(struct target *t, struct s3_call *c)
{
	struct curl_slist	*hdrs = NULL;
	struct op_buf		 url, h;
	char			 sigv4[64], sha[65];
	CURLcode		 cc;
	enum op_err		 er = OP_ENOMEM;

	op_buf_init(&c->reply, REPLY_MAX);
	op_buf_init(&url, 4096);
	op_buf_init(&h, 256);
	c->status = 0;
	c->etag[0] = '\0';
	if ((c->curl = curl_easy_init()) == NULL ||
	    call_url(t, c, &url) != OP_OK)
		goto out;
	if (c->bodylen > 0)
		op_sha256_hex(c->body, c->bodylen, sha);
	else
		snprintf(sha, sizeof(sha), "%s", EMPTY_SHA);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", t->region);
	if (op_buf_addf(&h, "x-amz-content-sha256: %s", sha) != OP_OK ||
	    (hdrs = curl_slist_append(hdrs, h.data)) == NULL ||
	    (hdrs = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto out;
	if (c->type != NULL) {
		op_buf_reset(&h);
		if (op_buf_addf(&h, "Content-Type: %s", c->type) != OP_OK ||
		    (hdrs = curl_slist_append(hdrs, h.data)) == NULL)
			goto out;
	}
	curl_easy_setopt(c->curl, CURLOPT_URL, url.data);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c->curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, t->access_key);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, t->secret_key);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	if (strcmp(c->method, "HEAD") == 0)
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(c->method, "GET") != 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, c->method);
	if (strcmp(c->method, "PUT") == 0 || strcmp(c->method, "POST") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS,
		    c->bodylen > 0 ? c->body : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)c->bodylen);
	}
	cc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	if (cc == CURLE_WRITE_ERROR && c->sink_er != OP_OK)
		er = c->sink_er;
	else if (cc != CURLE_OK) {
		/* The URL is the caller's: it names no secret. */
		op_warn("s3 %s %s: %s", c->method, url.data,
		    curl_easy_strerror(cc));
		er = OP_EUNAVAIL;
	} else
		er = OP_OK;
out:
	curl_slist_free_all(hdrs);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	op_buf_clear(&url);
	op_buf_clear(&h);
	return er;
}

/* The text of <tag>…</tag> in an XML answer, malloc'd, or NULL. */
static char *
xml_text(const struct op_buf *b, const char *tag)
{
	char		 open[64], close[64];
	const char	*s, *e;

	if (b->data == NULL)
		return NULL;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if ((s = strstr(b->data, open)) == NULL ||
	    (e = strstr(s, close)) == NULL)
		return NULL;
	s += strlen(open);
	return strndup(s, (size_t)(e - s));
}

/* Log a refused call with S3's error code (never a secret). */
static enum op_err
refused(struct s3_call *c, const char *what)
{
	char	*code = xml_text(&c->reply, "Code");

	op_warn("s3 %s: HTTP %ld %s", what, c->status, code ? code : "");
	free(code);
	return c->status == 404 ? OP_ENOTFOUND : c->status == 403 ||
	    c->status == 401 ? OP_EFORBIDDEN : OP_EUNAVAIL;
}

enum op_err
s3_check(struct target *t, const char **why)
{
	struct s3_call	c = { .method = "HEAD" };
	enum op_err	er;

	*why = NULL;
	if ((er = call(t, &c)) != OP_OK)
		*why = "the endpoint does not answer";
	else if (c.status == 404)
		*why = "no such bucket at the endpoint";
	else if (c.status == 403 || c.status == 401)
		*why = "the endpoint refused these credentials";
	else if (c.status < 200 || c.status >= 300)
		*why = "the endpoint refused to show the bucket";
	op_buf_clear(&c.reply);
	return *why == NULL ? OP_OK : OP_EINVAL;
}

enum op_err
s3_upload_begin(struct target *t, const char *key, char **upload_id)
{
	struct s3_call	c = { .method = "POST", .key = key,
			      .query = "uploads=" };
	enum op_err	er;

	*upload_id = NULL;
	if ((er = call(t, &c)) == OP_OK) {
		if (c.status != 200)
			er = refused(&c, "create multipart upload");
		else if ((*upload_id = xml_text(&c.reply, "UploadId")) == NULL)
			er = OP_EUNAVAIL;
	}
	op_buf_clear(&c.reply);
	return er;
}

/* "partNumber=N&uploadId=ID", the id percent-encoded. */
static char *
upload_query(const char *upload_id, int part)
{
	struct op_buf	b;
	const char	*p;

	op_buf_init(&b, 2048);
	if (part > 0 && op_buf_addf(&b, "partNumber=%d&", part) != OP_OK)
		goto bad;
	if (op_buf_add(&b, "uploadId=", 9) != OP_OK)
		goto bad;
	for (p = upload_id; *p != '\0'; p++) {
		unsigned char	ch = (unsigned char)*p;

		if (((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) ?
		    op_buf_add(&b, p, 1) != OP_OK :
		    op_buf_addf(&b, "%%%02X", ch) != OP_OK)
			goto bad;
	}
	return b.data;
bad:
	op_buf_clear(&b);
	return NULL;
}

enum op_err
s3_upload_part(struct target *t, const char *key, const char *upload_id,
    int part, const void *data, size_t len, char **etag)
{
	struct s3_call	c = { .method = "PUT", .key = key, .body = data,
			      .bodylen = len };
	char		*q;
	enum op_err	 er;

	*etag = NULL;
	if ((q = upload_query(upload_id, part)) == NULL)
		return OP_ENOMEM;
	c.query = q;
	if ((er = call(t, &c)) == OP_OK) {
		if (c.status != 200)
			er = refused(&c, "upload part");
		else if (c.etag[0] == '\0' || (*etag = strdup(c.etag)) == NULL)
			er = OP_EUNAVAIL;
	}
	free(q);
	op_buf_clear(&c.reply);
	return er;
}

enum op_err
s3_upload_complete(struct target *t, const char *key, const char *upload_id,
    char *const *etags, int nparts)
{
	struct s3_call	c = { .method = "POST", .key = key,
			      .type = "application/xml" };
	struct op_buf	body;
	char		*q;
	enum op_err	 er = OP_ENOMEM;
	int		 i;

	op_buf_init(&body, (size_t)nparts * 400 + 256);
	if ((q = upload_query(upload_id, 0)) == NULL ||
	    op_buf_addf(&body, "<CompleteMultipartUpload>") != OP_OK)
		goto out;
	for (i = 0; i < nparts; i++)
		if (op_buf_addf(&body, "<Part><PartNumber>%d</PartNumber>"
		    "<ETag>%s</ETag></Part>", i + 1, etags[i]) != OP_OK)
			goto out;
	if (op_buf_addf(&body, "</CompleteMultipartUpload>") != OP_OK)
		goto out;
	c.query = q;
	c.body = body.data;
	c.bodylen = body.len;
	if ((er = call(t, &c)) == OP_OK && (c.status != 200 ||
	    (c.reply.data != NULL && strstr(c.reply.data, "<Error>"))))
		er = refused(&c, "complete multipart upload");
out:
	free(q);
	op_buf_clear(&body);
	op_buf_clear(&c.reply);
	return er;
}

enum op_err
s3_upload_abort(struct target *t, const char *key, const char *upload_id)
{
	struct s3_call	c = { .method = "DELETE", .key = key };
	char		*q;
	enum op_err	 er;

	if ((q = upload_query(upload_id, 0)) == NULL)
		return OP_ENOMEM;
	c.query = q;
	if ((er = call(t, &c)) == OP_OK && c.status != 204 &&
	    c.status != 200 && c.status != 404)
		er = refused(&c, "abort multipart upload");
	free(q);
	op_buf_clear(&c.reply);
	return er;
}

enum op_err
s3_get(struct target *t, const char *key, bk_sink sink, void *arg)
{
	struct s3_call	c = { .method = "GET", .key = key, .sink = sink,
			      .arg = arg };
	enum op_err	er;

	if ((er = call(t, &c)) == OP_OK && c.status != 200)
		er = refused(&c, "get object");
	op_buf_clear(&c.reply);
	return er;
}

enum op_err
s3_delete(struct target *t, const char *key)
{
	struct s3_call	c = { .method = "DELETE", .key = key };
	enum op_err	er;

	if ((er = call(t, &c)) == OP_OK && c.status != 204 &&
	    c.status != 200 && c.status != 404)
		er = refused(&c, "delete object");
	op_buf_clear(&c.reply);
	return er;
}
