/*
 * live.c — publishing to the live streams. nginx's nchan module carries
 * every live stream (DESIGN.md §7): browsers subscribe under
 * /api/live/<kind>/<id>, and services publish each message with a POST to
 * nchan's publisher, a server block on a unix socket (OP_LIVE_SOCKET) that
 * only local processes reach. A publish never waits long: the gateway
 * being away costs a caller at most a few hundred milliseconds, and the
 * message is dropped (live data is a view, never the record).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "openpanel.h"

#define CONNECT_MS	200
#define PUBLISH_MS	1000

/* The kinds of channel; each names the subscriber path /api/live/<kind>/. */
static const char *const kinds[] = { "logs", "metrics", "builds", "events" };

/* One handle per process (per thread that publishes): curl keeps the
 * connection to nginx open between messages. */
static __thread CURL	*live_curl;

enum op_err
op_live_channel_check(const char *channel)
{
	const char	*slash, *why;
	size_t		 i, n;

	if (channel == NULL || (slash = strchr(channel, '/')) == NULL)
		return OP_EINVAL;
	n = (size_t)(slash - channel);
	for (i = 0; i < nitems(kinds); i++)
		if (strlen(kinds[i]) == n && strncmp(kinds[i], channel, n) == 0)
			break;
	if (i == nitems(kinds))
		return OP_EINVAL;
	/* Lower case only: the gateway's channel paths are. */
	for (n = 1; slash[n] != '\0'; n++)
		if (slash[n] >= 'A' && slash[n] <= 'Z')
			return OP_EINVAL;
	return op_valid_uuid(slash + 1, &why);
}

static size_t
discard(char *data, size_t size, size_t n, void *p)
{
	(void)data;
	(void)p;
	return size * n;
}

static pthread_once_t	live_once = PTHREAD_ONCE_INIT;
static pthread_key_t	live_key;	/* cleans a handle up as its thread ends */
static int		live_ready;

static void
live_handle_end(void *c)
{
	curl_easy_cleanup(c);
}

static void
live_init(void)
{
	live_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK &&
	    pthread_key_create(&live_key, live_handle_end) == 0;
}

/* This thread's handle, made on first use (libcurl set up once, whichever
 * thread comes first) and cleaned up when the thread ends. */
static CURL *
live_handle(void)
{
	if (live_curl != NULL)
		return live_curl;
	if (pthread_once(&live_once, live_init) != 0 || !live_ready)
		return NULL;
	if ((live_curl = curl_easy_init()) != NULL &&
	    pthread_setspecific(live_key, live_curl) != 0) {
		curl_easy_cleanup(live_curl);
		live_curl = NULL;
	}
	return live_curl;
}

void
op_live_cleanup(void)
{
	if (live_curl != NULL) {
		(void)pthread_setspecific(live_key, NULL);
		curl_easy_cleanup(live_curl);
		live_curl = NULL;
	}
	if (live_ready)
		curl_global_cleanup();
	live_ready = 0;
}

enum op_err
op_live_publish(const char *channel, const char *data, size_t len)
{
	const char		*sock = op_config_get("OP_LIVE_SOCKET", NULL);
	struct curl_slist	*hdrs = NULL;
	char			 url[128];
	long			 status = 0;
	CURL			*c;
	CURLcode		 cc;

	if (op_live_channel_check(channel) != OP_OK)
		return OP_EINVAL;
	if (sock == NULL || *sock == '\0')
		return OP_EUNAVAIL;
	if ((c = live_handle()) == NULL)
		return OP_ENOMEM;
	snprintf(url, sizeof(url), "http://live/pub/%s", channel);
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)PUBLISH_MS);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	hdrs = curl_slist_append(hdrs, "Content-Type: text/plain");
	hdrs = curl_slist_append(hdrs, "Accept: text/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return OP_ETIMEOUT;
	if (cc != CURLE_OK || status < 200 || status > 299)
		return OP_EUNAVAIL;
	return OP_OK;
}
