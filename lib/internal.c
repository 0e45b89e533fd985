/*
 * internal.c — one service asking another, through the gateway's internal
 * socket (OP_INTERNAL_SOCKET, a unix socket only local processes reach).
 *
 * The gateway marks these requests OP_INTERNAL, which only routes flagged
 * OP_R_INTERNAL accept; nothing a browser or API client sends can reach
 * them. The caller's request id travels along, so one action's log lines
 * and events share it across services.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"

#define INTERNAL_REPLY_MAX	(4 * 1024 * 1024)

static size_t
on_reply(char *data, size_t size, size_t n, void *p)
{
	return op_buf_add(p, data, size * n) == OP_OK ? size * n : 0;
}

/* A JSON body for curl, or NULL with *er set. */
static char *
body_text(json_t *body, enum op_err *er)
{
	char	*text;

	*er = OP_OK;
	if (body == NULL)
		return NULL;
	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		*er = OP_ENOMEM;
	return text;
}

static struct curl_slist *
headers(const char *request_id)
{
	struct curl_slist	*h = NULL;
	char			 line[128];

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (request_id != NULL && strlen(request_id) < 64 &&
	    op_proxy_word_ok(request_id)) {
		snprintf(line, sizeof(line), "X-Request-Id: %s", request_id);
		h = curl_slist_append(h, line);
	}
	return h;
}

/*
 * method path (under /api) on the internal socket with body (may be NULL),
 * for at most timeout_ms. *status is the HTTP status and *reply the JSON
 * answer (new reference, NULL when the answer was not JSON). OP_EUNAVAIL
 * when the gateway cannot be reached, OP_ETIMEOUT past the deadline; any
 * answer at all, an error status included, is OP_OK.
 */
enum op_err
op_internal_call(const char *request_id, const char *method,
    const char *path, json_t *body, int timeout_ms, long *status,
    json_t **reply)
{
	const char		*sock = op_config_get("OP_INTERNAL_SOCKET", NULL);
	struct curl_slist	*h;
	struct op_buf		 out;
	CURL			*c;
	CURLcode		 cc;
	char			 url[1024], *text;
	enum op_err		 er;

	*status = 0;
	*reply = NULL;
	if (sock == NULL || path[0] != '/' || snprintf(url, sizeof(url),
	    "http://openpanel%s", path) >= (int)sizeof(url))
		return OP_EUNAVAIL;
	text = body_text(body, &er);
	if (er != OP_OK || (c = curl_easy_init()) == NULL) {
		free(text);
		return OP_ENOMEM;
	}
	op_buf_init(&out, INTERNAL_REPLY_MAX);
	h = headers(request_id);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text != NULL ? text : "");
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		er = OP_ETIMEOUT;
	else if (cc != CURLE_OK) {
		op_warn("internal %s %s: %s", method, path,
		    curl_easy_strerror(cc));
		er = OP_EUNAVAIL;
	} else if (out.data != NULL)
		*reply = json_loadb(out.data, out.len, 0, NULL);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	op_buf_clear(&out);
	free(text);
	return er;
}
