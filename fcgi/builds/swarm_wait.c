/*
 * swarm_wait.c — a deployment of a swarm container: op-projects has
 * asked Swarm to roll the service to the new image (start-first, one
 * task at a time, rolled back when new tasks fail within the monitor
 * period); we follow the service's update state on the engine until
 * Swarm says how it ended.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builds.h"

#define LOOK_EVERY_MS	1000

static long long
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* 1: ended with image running; 0: not ended yet; -1: ended without it
 * (*why says how). */
static int
look(struct op_req *r, struct op_docker *d, const char *service_id,
    const char *image, const char **why)
{
	json_t		*svc = NULL, *us;
	const char	*state, *running, *msg;
	long		 status;
	int		 ended = 0;

	if (op_docker_call(d, "GET", op_req_printf(r, "/services/%s",
	    service_id), NULL, 30000, &status, &svc) != OP_OK || status != 200) {
		json_decref(svc);
		if (status == 404) {
			*why = "the service is gone";
			return -1;
		}
		return 0;	/* the engine away: look again */
	}
	us = json_object_get(svc, "UpdateStatus");
	state = json_string_value(json_object_get(us, "State"));
	msg = json_string_value(json_object_get(us, "Message"));
	running = json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(svc, "Spec"), "TaskTemplate"),
	    "ContainerSpec"), "Image"));
	if (state == NULL || strcmp(state, "completed") == 0 ||
	    strcmp(state, "rollback_completed") == 0 ||
	    strcmp(state, "paused") == 0 ||
	    strcmp(state, "rollback_paused") == 0)
		ended = running != NULL && strcmp(running, image) == 0 &&
		    (state == NULL || strcmp(state, "completed") == 0) ? 1 : -1;
	if (ended < 0)
		*why = op_req_printf(r, "Swarm did not roll the service to the "
		    "new image (%s): %s", state ? state : "no update",
		    msg ? msg : "no reason given");
	json_decref(svc);
	return ended;
}

enum op_err
swarm_wait(struct op_req *r, struct job *j, struct op_docker *d,
    const char *service_id, const char *image, const char **why)
{
	long long	deadline = now_s() + op_config_int(
	    "OP_DEPLOY_SWARM_TIMEOUT_S", 600, 10, 86400);
	int		ended;

	*why = NULL;
	while (!job_abandoned(j)) {
		if ((ended = look(r, d, service_id, image, why)) != 0)
			return ended > 0 ? OP_OK : OP_EINVAL;
		if (now_s() > deadline) {
			*why = "Swarm did not finish rolling the service "
			    "within OP_DEPLOY_SWARM_TIMEOUT_S";
			return OP_EINVAL;
		}
		usleep(LOOK_EVERY_MS * 1000);
	}
	*why = "the worker lost its lease, or is stopping";
	return OP_EINVAL;
}
