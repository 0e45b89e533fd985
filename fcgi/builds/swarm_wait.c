/*
 * swarm_wait.c — a deployment of a swarm container: op-projects has
 * asked Swarm to roll the service to the new image (start-first, one
 * task at a time, rolled back when new tasks fail within the monitor
 * period); we follow the service's update state on the engine until
 * Swarm says how it ended.
 *
 * Swarm clears the update state when the service is updated and sets it
 * again once its updater starts, which it does only if some task must
 * change. So no state at all means either "not started yet" or "nothing
 * to roll": the tasks tell them apart.
 */
#include <string.h>
#include <unistd.h>

#include "builds.h"

#define LOOK_EVERY_MS	1000

/* Does task t run image (which Swarm may have pinned to a digest)? */
static int
runs_image(json_t *t, const char *image)
{
	const char	*ran = json_string_value(json_object_get(json_object_get(
	    json_object_get(t, "Spec"), "ContainerSpec"), "Image"));
	size_t		 n = strlen(image);

	return ran != NULL && strncmp(ran, image, n) == 0 &&
	    (ran[n] == '\0' || ran[n] == '@');
}

/* With no update state: has the service nothing left to roll? Every
 * task meant to run runs image (and none is meant to run only when the
 * service is scaled to none). */
static int
converged(struct op_req *r, struct op_docker *d, const char *service_id,
    json_t *svc, const char *image)
{
	json_t		*tasks = NULL, *t;
	const char	*state;
	long		 status;
	size_t		 i, n = 0, ok = 0;

	if (op_docker_call(d, "GET", op_req_printf(r, "/tasks?filters=%s",
	    op_req_urlencode(r, op_req_printf(r, "{\"service\":[\"%s\"],"
	    "\"desired-state\":[\"running\"]}", service_id))), NULL, 30000,
	    &status, &tasks) != OP_OK || status != 200 ||
	    !json_is_array(tasks)) {
		json_decref(tasks);
		return 0;
	}
	json_array_foreach(tasks, i, t) {
		state = json_string_value(json_object_get(json_object_get(t,
		    "Status"), "State"));
		n++;
		ok += state != NULL && strcmp(state, "running") == 0 &&
		    runs_image(t, image);
	}
	json_decref(tasks);
	if (n == 0)	/* scaled to none: nothing runs, nothing to roll */
		return json_integer_value(json_object_get(json_object_get(
		    json_object_get(json_object_get(svc, "Spec"), "Mode"),
		    "Replicated"), "Replicas")) == 0;
	return ok == n;
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
	if (state == NULL && running != NULL && strcmp(running, image) == 0)
		ended = converged(r, d, service_id, svc, image);
	else if (state == NULL || strcmp(state, "completed") == 0 ||
	    strcmp(state, "rollback_completed") == 0 ||
	    strcmp(state, "paused") == 0 ||
	    strcmp(state, "rollback_paused") == 0)
		ended = running != NULL && strcmp(running, image) == 0 &&
		    state != NULL && strcmp(state, "completed") == 0 ? 1 : -1;
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
	long long	deadline = op_mono_ms() / 1000 + op_config_int(
	    "OP_DEPLOY_SWARM_TIMEOUT_S", 600, 10, 86400);
	int		ended;

	*why = NULL;
	while (!job_abandoned(j)) {
		if ((ended = look(r, d, service_id, image, why)) != 0)
			return ended > 0 ? OP_OK : OP_EINVAL;
		if (op_mono_ms() / 1000 > deadline) {
			*why = "Swarm did not finish rolling the service "
			    "within OP_DEPLOY_SWARM_TIMEOUT_S";
			return OP_EINVAL;
		}
		usleep(LOOK_EVERY_MS * 1000);
	}
	*why = "the worker lost its lease, or is stopping";
	return OP_EINVAL;
}
