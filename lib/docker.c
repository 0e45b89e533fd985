/*
 * docker.c — the one Docker Engine API client: HTTP over the engine's
 * unix socket (libcurl), the API version pinned, every call with a
 * timeout, JSON in and out; streaming calls hand each chunk to a sink
 * as it arrives, so logs, events and build output are never held whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "openpanel.h"

#define API_VERSION	"v1.41"		/* Docker 20.10, Debian 12's engine */
#define REPLY_MAX	(16u * 1024 * 1024)

struct op_docker {
	CURL		*curl;
	char		 socket[256];
	char		*registry_auth;	/* X-Registry-Auth of the next call */
	op_docker_cancel cancelled;	/* asked about once a second */
	void		*cancel_arg;
};

static int	curl_ready;	/* op_docker_open set libcurl up */

enum op_err
op_docker_open(const char *socket_path, struct op_docker **out)
{
	struct op_docker	*d;

	*out = NULL;
	if (socket_path == NULL || strlen(socket_path) >= sizeof(d->socket))
		return OP_EINVAL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return OP_EINTERNAL;
		curl_ready = 1;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return OP_ENOMEM;
	if ((d->curl = curl_easy_init()) == NULL) {
		free(d);
		return OP_ENOMEM;
	}
	snprintf(d->socket, sizeof(d->socket), "%s", socket_path);
	*out = d;
	return OP_OK;
}

void
op_docker_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = 0;
}

void
op_docker_cancel_on(struct op_docker *d, op_docker_cancel fn, void *arg)
{
	d->cancelled = fn;
	d->cancel_arg = arg;
}

void
op_docker_close(struct op_docker *d)
{
	if (d == NULL)
		return;
	curl_easy_cleanup(d->curl);
	if (d->registry_auth != NULL)
		op_wipe(d->registry_auth, strlen(d->registry_auth));
	free(d->registry_auth);
	free(d);
}

struct sink_ctx {
	op_docker_sink	 sink;
	void		*arg;
	int		 stopped;
};

static size_t
on_data(char *data, size_t size, size_t n, void *p)
{
	struct sink_ctx	*c = p;

	if (c->sink(c->arg, data, size * n) != 0) {
		c->stopped = 1;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* curl's progress callback: non-zero abandons the transfer. curl calls
 * it often while data flows and about once a second while none does. */
static int
on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct op_docker	*d = p;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return d->cancelled(d->cancel_arg) != 0;
}

static int
buf_sink(void *arg, const char *data, size_t len)
{
	return op_buf_add(arg, data, len) == OP_OK ? 0 : 1;
}

enum op_err
op_docker_stream(struct op_docker *d, const char *method, const char *path,
    const char *type, const void *body, size_t bodylen, int timeout_ms,
    op_docker_sink sink, void *arg, long *status)
{
	struct curl_slist	*hdrs = NULL;
	struct sink_ctx		 ctx = { sink, arg, 0 };
	char			 url[2048], ct[128];
	CURLcode		 cc;
	enum op_err		 er = OP_OK;

	*status = 0;
	if (snprintf(url, sizeof(url), "http://docker/" API_VERSION "%s",
	    path) >= (int)sizeof(url))
		return OP_EINVAL;
	curl_easy_reset(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_UNIX_SOCKET_PATH, d->socket);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	if (timeout_ms > 0)
		curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &ctx);
	if (d->cancelled != NULL) {
		curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, d);
		curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
		    type ? type : "application/json");
		hdrs = curl_slist_append(hdrs, ct);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)bodylen);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (d->registry_auth != NULL) {	/* for this call only */
		hdrs = curl_slist_append(hdrs, d->registry_auth);
		op_wipe(d->registry_auth, strlen(d->registry_auth));
		free(d->registry_auth);
		d->registry_auth = NULL;
	}
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(d->curl);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, status);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		er = OP_ETIMEOUT;
	else if (cc == CURLE_WRITE_ERROR && ctx.stopped)
		er = OP_OK;		/* the sink had enough */
	else if (cc == CURLE_ABORTED_BY_CALLBACK)
		er = OP_EUNAVAIL;	/* cancelled: the caller knows why */
	else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_SEND_ERROR ||
	    cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING) {
		op_warn("docker %s %s: %s", method, path,
		    curl_easy_strerror(cc));
		er = OP_EUNAVAIL;
	} else if (cc != CURLE_OK) {
		op_warn("docker %s %s: %s", method, path,
		    curl_easy_strerror(cc));
		er = OP_EUNAVAIL;
	}
	curl_slist_free_all(hdrs);
	return er;
}

enum op_err
op_docker_call(struct op_docker *d, const char *method, const char *path,
    json_t *body, int timeout_ms, long *status, json_t **reply)
{
	struct op_buf	 in, out;
	char		*text = NULL;
	enum op_err	 er;

	*reply = NULL;
	op_buf_init(&out, REPLY_MAX);
	op_buf_init(&in, 0);
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL)
		return OP_ENOMEM;
	er = op_docker_stream(d, method, path, NULL, text,
	    text ? strlen(text) : 0, timeout_ms, buf_sink, &out, status);
	free(text);
	if (er == OP_OK && out.len > 0) {
		*reply = json_loadb(out.data, out.len, 0, NULL);
		if (*reply == NULL)	/* errors are sometimes plain text */
			*reply = json_pack("{s:s%}", "message", out.data,
			    out.len);
	}
	op_buf_clear(&out);
	return er;
}

enum op_err
op_docker_registry_auth(struct op_docker *d, const char *user,
    const char *password, const char *server)
{
	json_t		*a;
	char		*text = NULL, *b64 = NULL;
	size_t		 len, cap;
	enum op_err	 er = OP_ENOMEM;

	a = json_pack("{s:s, s:s, s:s}", "username", user, "password",
	    password, "serveraddress", server);
	if (a == NULL || (text = json_dumps(a, JSON_COMPACT)) == NULL)
		goto out;
	len = strlen(text);
	cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE);
	if ((b64 = malloc(cap + sizeof("X-Registry-Auth: "))) == NULL)
		goto out;
	memcpy(b64, "X-Registry-Auth: ", sizeof("X-Registry-Auth: ") - 1);
	sodium_bin2base64(b64 + sizeof("X-Registry-Auth: ") - 1, cap,
	    (unsigned char *)text, len, sodium_base64_VARIANT_URLSAFE);
	free(d->registry_auth);
	d->registry_auth = b64;
	b64 = NULL;
	er = OP_OK;
out:
	if (text != NULL) {
		op_wipe(text, strlen(text));
		free(text);
	}
	free(b64);
	json_decref(a);
	return er;
}

const char *
op_docker_message(json_t *reply)
{
	const char	*m = json_string_value(json_object_get(reply, "message"));

	return m != NULL ? m : "the Docker engine refused the request";
}

enum op_err
op_docker_demux(struct op_docker_demux *dm, const char *data, size_t len,
    void (*line)(void *, int stream, const char *, size_t), void *arg)
{
	size_t	take;

	while (len > 0) {
		if (dm->want == 0) {	/* reading an 8-byte frame header */
			take = 8 - dm->hlen < len ? 8 - dm->hlen : len;
			memcpy(dm->head + dm->hlen, data, take);
			dm->hlen += take;
			data += take;
			len -= take;
			if (dm->hlen < 8)
				break;
			dm->hlen = 0;
			dm->stream = dm->head[0];
			if (dm->stream > 2 || dm->head[1] || dm->head[2] ||
			    dm->head[3])
				return OP_EINVAL;
			dm->want = (size_t)dm->head[4] << 24 |
			    (size_t)dm->head[5] << 16 |
			    (size_t)dm->head[6] << 8 | dm->head[7];
			continue;
		}
		take = dm->want < len ? dm->want : len;
		line(arg, dm->stream, data, take);
		dm->want -= take;
		data += take;
		len -= take;
	}
	return OP_OK;
}

int
op_docker_dial(void)
{
	return op_unix_dial(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"));
}
