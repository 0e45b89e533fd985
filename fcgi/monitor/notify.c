/*
 * notify.c — the notifier: a thread of the worker that delivers queued
 * notifications, each to its channel — a webhook (the JSON payload,
 * signed), a Slack or Discord incoming webhook (a line of text), or an
 * email over SMTP (libcurl) — and retries failures with backoff, giving
 * up after MAX_ATTEMPTS tries. A delivery is claimed with a lease, so a worker
 * killed midway delivers it again later rather than never.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "monitor.h"

#define BATCH		"10"
#define LEASE		"60 seconds"
#define MAX_ATTEMPTS	"8"	/* then it is given up */
#define SEND_MS		5000L
#define CONNECT_MS	2000L
#define ERROR_MAX	200

struct delivery {
	const char	*id, *status, *payload, *kind;
	char		*target;	/* opened: wiped and freed */
	char		*secret;
	char		 error[ERROR_MAX];
};

static volatile int	*notify_stop;

/* A private, loopback or link-local address: refused as a target unless
 * OP_NOTIFY_ALLOW_PRIVATE is 1 (a panel must not be aimed at itself). */
static int
address_private(const struct sockaddr *sa)
{
	const unsigned char	*b;

	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		return b[0] == 10 || b[0] == 127 || b[0] == 0 ||
		    (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		    (b[0] == 192 && b[1] == 168) ||
		    (b[0] == 169 && b[1] == 254) ||
		    (b[0] == 100 && (b[1] & 0xc0) == 64);
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
		    IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
		    (a->s6_addr[0] & 0xfe) == 0xfc;
	}
	return 1;
}

/* Checked on every address curl connects to, after name resolution. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)arg;
	if (purpose != CURLSOCKTYPE_IPCXN || (address_private(&a->addr) &&
	    op_config_int("OP_NOTIFY_ALLOW_PRIVATE", 0, 0, 1) != 1))
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

static size_t
discard(char *d, size_t size, size_t n, void *p)
{
	(void)d;
	(void)p;
	return size * n;
}

/* curl's progress callback: the worker stopping abandons a delivery
 * (asked about once a second while nothing moves). */
static int
on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	(void)p;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return *notify_stop != 0;
}

/* The common options of a delivery to url. */
static CURL *
curl_for(const char *url, struct delivery *d)
{
	CURL	*c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SEND_MS);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->error);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	return c;
}

/* POST body to d->target as JSON with extra headers; 2xx is delivered. */
static enum op_err
http_post(struct delivery *d, const char *body, struct curl_slist *hdrs)
{
	CURL		*c;
	CURLcode	 cc;
	long		 status = 0;

	if ((c = curl_for(d->target, d)) == NULL)
		return OP_ENOMEM;
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "User-Agent: OpenPanel-Notifier/1");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK) {
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "%s",
			    curl_easy_strerror(cc));
		return OP_EUNAVAIL;
	}
	if (status < 200 || status > 299) {
		snprintf(d->error, sizeof(d->error), "HTTP %ld", status);
		return OP_EUNAVAIL;
	}
	return OP_OK;
}

/* A webhook: the payload, with X-OpenPanel-Signature: sha256=HMAC of
 * "<timestamp>.<body>" under the channel's secret. */
static enum op_err
send_webhook(struct delivery *d)
{
	struct curl_slist	*h = NULL;
	unsigned char		 mac[32];
	char			 line[160], stamp[24], *signed_text;
	size_t			 i, n;

	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	n = strlen(stamp) + 1 + strlen(d->payload);
	if ((signed_text = malloc(n + 1)) == NULL)
		return OP_ENOMEM;
	snprintf(signed_text, n + 1, "%s.%s", stamp, d->payload);
	op_hmac_sha256(d->secret ? d->secret : "", d->secret ?
	    strlen(d->secret) : 0, signed_text, n, mac);
	free(signed_text);
	n = (size_t)snprintf(line, sizeof(line), "X-OpenPanel-Signature: "
	    "sha256=");
	for (i = 0; i < sizeof(mac); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x",
		    mac[i]);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-OpenPanel-Timestamp: %s", stamp);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-OpenPanel-Delivery: %s", d->id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-OpenPanel-Event: alert.%s", d->status);
	h = curl_slist_append(h, line);
	return http_post(d, d->payload, h);
}

/* Slack ({"text"}) or Discord ({"content"}): the summary line. */
static enum op_err
send_chat(struct delivery *d, json_t *payload)
{
	json_t		*msg;
	char		*body;
	enum op_err	 er;

	msg = json_pack("{s:s}", strcmp(d->kind, "slack") == 0 ? "text" :
	    "content", json_string_value(json_object_get(payload, "summary")) ?
	    json_string_value(json_object_get(payload, "summary")) : "");
	if (msg == NULL || (body = json_dumps(msg, JSON_COMPACT)) == NULL) {
		json_decref(msg);
		return OP_ENOMEM;
	}
	json_decref(msg);
	er = http_post(d, body, NULL);
	free(body);
	return er;
}

struct mail {
	struct op_buf	 text;
	size_t		 off;
};

static size_t
mail_read(char *out, size_t size, size_t n, void *p)
{
	struct mail	*m = p;
	size_t		 left = m->text.len - m->off;

	if (left > size * n)
		left = size * n;
	memcpy(out, m->text.data + m->off, left);
	m->off += left;
	return left;
}

/* s with CR and LF as spaces: fit for a header line. */
static void
header_safe(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n')
			*s = ' ';
}

/* An email over SMTP (OP_SMTP_URL, from OP_SMTP_FROM) to d->target. */
static enum op_err
send_email(struct delivery *d, json_t *payload)
{
	const char		*url = op_config_get("OP_SMTP_URL", NULL);
	const char		*from = op_config_get("OP_SMTP_FROM",
	    "openpanel@localhost");
	struct curl_slist	*rcpt = NULL;
	struct mail		 m = { { 0 }, 0 };
	char			 subject[256], date[64], *pretty;
	time_t			 now = time(NULL);
	struct tm		 tm;
	CURL			*c;
	CURLcode		 cc;

	if (url == NULL) {
		snprintf(d->error, sizeof(d->error), "OP_SMTP_URL is not set");
		return OP_EUNAVAIL;
	}
	snprintf(subject, sizeof(subject), "[OpenPanel] %s", json_string_value(
	    json_object_get(payload, "summary")) ? json_string_value(
	    json_object_get(payload, "summary")) : "notification");
	header_safe(subject);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	pretty = json_dumps(payload, JSON_INDENT(2) | JSON_SORT_KEYS);
	op_buf_init(&m.text, 1024 * 1024);
	(void)op_buf_addf(&m.text, "Date: %s\r\nFrom: %s\r\nTo: %s\r\n"
	    "Subject: %s\r\nMessage-ID: <%s@openpanel>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n\r\n%s\r\n",
	    date, from, d->target, subject, d->id, subject + 12,
	    pretty ? pretty : "");
	free(pretty);
	if ((c = curl_for(url, d)) == NULL) {
		op_buf_clear(&m.text);
		return OP_ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	rcpt = curl_slist_append(rcpt, d->target);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &m);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	if (op_config_get("OP_SMTP_USER", NULL) != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME,
		    op_config_get("OP_SMTP_USER", ""));
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    op_config_get("OP_SMTP_PASSWORD", ""));
	}
	cc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	op_buf_clear(&m.text);
	if (cc != CURLE_OK) {
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "%s",
			    curl_easy_strerror(cc));
		return OP_EUNAVAIL;
	}
	return OP_OK;
}

/* Open a sealed column into a malloc'd NUL-terminated string. */
static enum op_err
unseal(const char *sealed, char **out)
{
	unsigned char	*plain = NULL;
	size_t		 len = 0;
	enum op_err	 er;

	*out = NULL;
	if (sealed == NULL)
		return OP_OK;
	if ((er = op_secret_open(sealed, &plain, &len)) != OP_OK)
		return er;
	*out = (char *)plain;	/* op_secret_open NUL-terminates */
	return OP_OK;
}

static enum op_err
deliver(struct delivery *d)
{
	json_t		*payload;
	enum op_err	 er;

	if ((payload = json_loads(d->payload, 0, NULL)) == NULL)
		return OP_EINVAL;
	if (strcmp(d->kind, "webhook") == 0)
		er = send_webhook(d);
	else if (strcmp(d->kind, "email") == 0)
		er = send_email(d, payload);
	else
		er = send_chat(d, payload);
	json_decref(payload);
	return er;
}

/* Record how a delivery went: sent, retried later, or given up. */
static void
outcome(struct op_db *db, const struct delivery *d, int attempts,
    enum op_err er)
{
	char	backoff[16];

	if (er == OP_OK) {
		(void)op_db_execv(db, NULL, "UPDATE monitor.deliveries SET"
		    " sent_at = now(), last_error = NULL WHERE id = $1", d->id);
		return;
	}
	op_warn("notify: delivery %s failed: %s", d->id, d->error);
	snprintf(backoff, sizeof(backoff), "%d", 1 << (attempts < 10 ?
	    attempts : 10));
	(void)op_db_execv(db, NULL, "UPDATE monitor.deliveries SET"
	    " last_error = $2, next_at = now() + make_interval(secs => $3::int),"
	    " failed_at = CASE WHEN attempts >= $4::int THEN now() END"
	    " WHERE id = $1", d->id, d->error, backoff, MAX_ATTEMPTS);
}

static void
free_delivery(struct delivery *d)
{
	if (d->target != NULL) {
		op_wipe(d->target, strlen(d->target));
		free(d->target);
	}
	if (d->secret != NULL) {
		op_wipe(d->secret, strlen(d->secret));
		free(d->secret);
	}
}

/* Claim a batch of due deliveries and send each; *n how many. */
static enum op_err
notify_batch(struct op_db *db, int *n)
{
	PGresult	*res = NULL;
	struct delivery	 d;
	enum op_err	 er;
	int		 i;

	*n = 0;
	if ((er = op_db_exec(db, &res, "UPDATE monitor.deliveries d SET"
	    " attempts = d.attempts + 1, next_at = now() + interval '" LEASE
	    "' FROM monitor.channels c WHERE c.id = d.channel_id AND d.id IN"
	    " (SELECT id FROM monitor.deliveries WHERE sent_at IS NULL AND"
	    " failed_at IS NULL AND next_at <= now() ORDER BY next_at LIMIT "
	    BATCH " FOR UPDATE SKIP LOCKED) RETURNING d.id, d.status,"
	    " d.payload::text, d.attempts, c.kind, c.target, c.secret", 0,
	    NULL)) != OP_OK)
		return er;
	for (i = 0; i < PQntuples(res) && !*notify_stop; i++) {
		memset(&d, 0, sizeof(d));
		d.id = PQgetvalue(res, i, 0);
		d.status = PQgetvalue(res, i, 1);
		d.payload = PQgetvalue(res, i, 2);
		d.kind = PQgetvalue(res, i, 4);
		if ((er = unseal(PQgetvalue(res, i, 5), &d.target)) == OP_OK &&
		    (er = unseal(op_db_get(res, i, "secret"), &d.secret)) ==
		    OP_OK)
			er = deliver(&d);
		else
			snprintf(d.error, sizeof(d.error), "cannot open the"
			    " channel's sealed target");
		/* Abandoned as the worker stops: its lease runs out and a
		 * later worker delivers it, as after a crash. */
		if (!*notify_stop)
			outcome(db, &d, (int)strtol(PQgetvalue(res, i, 3),
			    NULL, 10), er);
		free_delivery(&d);
		(*n)++;
	}
	PQclear(res);
	return OP_OK;
}

static void *
notify_main(void *arg)
{
	struct op_db	*db = NULL;
	char		 conninfo[1024];
	int		 n;

	(void)arg;
	if (op_db_conninfo("monitor", conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &db) != OP_OK)
		return NULL;
	while (!*notify_stop) {
		if (notify_batch(db, &n) != OP_OK || n == 0)
			monitor_nap(notify_stop, 1000);
	}
	op_db_close(db);
	return NULL;
}

enum op_err
notify_start(volatile int *stop, pthread_t *t)
{
	notify_stop = stop;
	return monitor_thread_start(t, notify_main);
}
