/*
 * health.c — is a deployment's new container ready for traffic?
 *
 * In order of what the deployment knows: the image's own health check
 * (the engine's State.Health), else an HTTP probe of the source's
 * health_path on the published port, else a TCP connect to that port,
 * else "still running after a few seconds". Ready means that answer
 * twice in a row; a container that exits or is reported unhealthy is
 * not ready, and nothing is after OP_DEPLOY_HEALTH_TIMEOUT_S.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "builds.h"

#define PROBE_EVERY_MS	500
#define PROBE_MS	2000	/* one probe */
#define READY_STREAK	2

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* GET http://127.0.0.1:port/path: 1 on 2xx or 3xx. */
static int
http_ok(struct op_req *r, long port, const char *path)
{
	CURL	*c = curl_easy_init();
	long	 status = 0;
	int	 ok;

	if (c == NULL)
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, op_req_printf(r,
	    "http://127.0.0.1:%ld%s", port, path));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)PROBE_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	ok = curl_easy_perform(c) == CURLE_OK &&
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status >= 200 && status < 400;
	curl_easy_cleanup(c);
	return ok;
}

/* A TCP connection to 127.0.0.1:port: 1 when it is accepted. */
static int
tcp_ok(long port)
{
	struct sockaddr_in	sa;
	int			fd, ok;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

enum probe { P_WAIT, P_READY, P_FAILED };

/* One look at the container: ready, not yet, or never (*why). */
static enum probe
look(struct op_req *r, struct op_docker *d, const struct health_target *t,
    long running_s, const char **why)
{
	json_t		*reply = NULL, *state;
	const char	*status, *health;
	long		 http = 0;
	enum probe	 p = P_WAIT;

	if (op_docker_call(d, "GET", op_req_printf(r, "/containers/%s/json",
	    t->docker_id), NULL, 10000, &http, &reply) != OP_OK || http != 200) {
		json_decref(reply);
		*why = "the new container is gone";
		return http == 404 ? P_FAILED : P_WAIT;
	}
	state = json_object_get(reply, "State");
	status = json_string_value(json_object_get(state, "Status"));
	health = json_string_value(json_object_get(json_object_get(state,
	    "Health"), "Status"));
	if (status == NULL || strcmp(status, "running") != 0) {
		*why = op_req_printf(r, "the new container stopped (%s, exit "
		    "code %lld)", status ? status : "gone", json_integer_value(
		    json_object_get(state, "ExitCode")));
		p = status != NULL && strcmp(status, "created") == 0 ? P_WAIT :
		    P_FAILED;
	} else if (health != NULL) {
		if (strcmp(health, "unhealthy") == 0) {
			*why = "the image's health check reports unhealthy";
			p = P_FAILED;
		} else if (strcmp(health, "healthy") == 0)
			p = P_READY;
	} else if (t->health_path != NULL && t->host_port > 0)
		p = http_ok(r, t->host_port, t->health_path) ? P_READY : P_WAIT;
	else if (t->host_port > 0)
		p = tcp_ok(t->host_port) ? P_READY : P_WAIT;
	else
		p = running_s >= 3 ? P_READY : P_WAIT;
	json_decref(reply);
	return p;
}

enum op_err
health_wait(struct op_req *r, struct job *j, struct op_docker *d,
    const struct health_target *t, const char **why)
{
	long long	start = op_mono_ms(), deadline = start + op_config_int(
	    "OP_DEPLOY_HEALTH_TIMEOUT_S", 60, 1, 3600) * 1000;
	int		streak = 0;
	enum probe	p;

	*why = NULL;
	while (!job_abandoned(j)) {
		p = look(r, d, t, (long)((op_mono_ms() - start) / 1000), why);
		if (p == P_FAILED)
			return OP_EINVAL;
		streak = p == P_READY ? streak + 1 : 0;
		if (streak >= READY_STREAK) {
			*why = NULL;
			return OP_OK;
		}
		if (op_mono_ms() > deadline) {
			*why = t->health_path != NULL ? op_req_printf(r,
			    "%s did not answer 2xx or 3xx within "
			    "OP_DEPLOY_HEALTH_TIMEOUT_S", t->health_path) :
			    "the new container did not become ready within "
			    "OP_DEPLOY_HEALTH_TIMEOUT_S";
			return OP_EINVAL;
		}
		usleep(PROBE_EVERY_MS * 1000);
	}
	*why = "the worker lost its lease, or is stopping";
	return OP_EINVAL;
}
