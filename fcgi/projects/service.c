/*
 * service.c — a swarm container's life as a Docker Swarm service (mode
 * "swarm" in its definition). The same policy as a plain container's,
 * in Swarm's words: no privilege, no host namespaces, no added
 * capabilities. Updates roll one task at a time, the new task started
 * before the old one stops (start-first), and an update whose tasks fail
 * within the monitor period is rolled back by Swarm itself.
 *
 * Ports: a port without a fixed host port is published in host mode on
 * a port the engine picks for each task, and the gateway's upstream
 * lists every running task (service_state.c keeps the row's ports to
 * that list); this needs nothing of the kernel but what plain containers
 * need. A fixed host port is published on Swarm's ingress routing mesh,
 * reachable on every node (the kernel needs IPVS for that).
 */
#include <stdio.h>
#include <string.h>

#include "projects.h"

#define SECOND		1000000000LL	/* Swarm counts in nanoseconds */
#define MONITOR_S	5	/* a new task that fails within it: roll back */
#define UPDATE_DELAY_S	5	/* between tasks: the gateway follows the new
				   one before the next old one stops */

void
name_overlay(const char *project_id, char out[64])
{
	snprintf(out, 64, "op-ovl-%s", project_id);
}

/* The project's overlay network (attachable, so plain containers may
 * join it), created when missing. */
static enum op_err
overlay(struct op_req *r, const char *project_id)
{
	char		 name[64];
	json_t		*body;
	enum op_err	 er;

	name_overlay(project_id, name);
	if (engine_call(r, "GET", op_req_printf(r, "/networks/%s", name), NULL,
	    "network", 200, 200, NULL) == OP_OK)
		return OP_OK;
	r->err.set = 0;
	body = json_pack("{s:s, s:s, s:b, s:b, s:{s:s, s:s}}", "Name", name,
	    "Driver", "overlay", "CheckDuplicate", 1, "Attachable", 1,
	    "Labels", "io.openpanel.project", project_id,
	    "io.openpanel.instance", engine_instance(r));
	er = engine_call(r, "POST", "/networks/create", body,
	    "create network", 201, 409, NULL);
	json_decref(body);
	return er;
}

/* Swarm's restart condition for a definition's restart policy. */
static const char *
restart_condition(json_t *spec)
{
	const char	*p = json_string_value(json_object_get(spec, "restart"));

	if (p == NULL || strcmp(p, "always") == 0 ||
	    strcmp(p, "unless-stopped") == 0)
		return "any";
	return strcmp(p, "no") == 0 ? "none" : "on-failure";
}

/* The EndpointSpec: host-mode ports on engine-picked ports, or ingress
 * ports where the definition fixes the host port. */
static json_t *
endpoint(json_t *spec)
{
	json_t	*ports = json_array(), *p, *e;
	size_t	 i;
	int	 ingress = 0;

	json_array_foreach(json_object_get(spec, "ports"), i, p) {
		e = json_pack("{s:s, s:O}", "Protocol", json_string_value(
		    json_object_get(p, "protocol")), "TargetPort",
		    json_object_get(p, "container"));
		if (json_is_integer(json_object_get(p, "host"))) {
			json_object_set(e, "PublishedPort", json_object_get(p,
			    "host"));
			json_object_set_new(e, "PublishMode",
			    json_string("ingress"));
			ingress = 1;
		} else
			json_object_set_new(e, "PublishMode",
			    json_string("host"));
		json_array_append_new(ports, e);
	}
	/* Without ingress ports, DNS round robin: no virtual IP to need
	 * the kernel's IPVS for traffic inside the project. */
	return json_pack("{s:s, s:o}", "Mode", ingress ? "vip" : "dnsrr",
	    "Ports", ports);
}

/* The rolling policy of updates and of their rollbacks. */
static json_t *
rolling(const char *failure_action)
{
	return json_pack("{s:i, s:I, s:s, s:I, s:f, s:s}", "Parallelism", 1,
	    "Delay", UPDATE_DELAY_S * SECOND, "FailureAction", failure_action,
	    "Monitor", MONITOR_S * SECOND, "MaxFailureRatio", 0.0, "Order",
	    "start-first");
}

static json_t *
container_spec(struct op_req *r, const struct container *c, json_t *env)
{
	json_t	*cs, *cmd, *h;

	cs = json_pack("{s:s, s:o, s:o, s:o, s:I}", "Image", c->image,
	    "Env", engine_env_list(env), "Labels", json_pack("{s:s, s:s}",
	    "io.openpanel.instance", engine_instance(r),
	    "io.openpanel.service-of", c->id), "Mounts", engine_mounts(c),
	    "StopGracePeriod", STOP_SECONDS * SECOND);
	cmd = json_object_get(c->spec, "command");
	if (cs != NULL && json_is_array(cmd))
		json_object_set(cs, "Args", cmd);
	h = json_object_get(c->spec, "healthcheck");
	if (cs != NULL && json_is_object(h))
		json_object_set_new(cs, "Healthcheck", engine_health(h));
	return cs;
}

static json_t *
resources(const struct container *c)
{
	json_t	*limits = json_object(), *cpus, *mem;

	cpus = json_object_get(c->spec, "cpus");
	if (json_is_number(cpus))
		json_object_set_new(limits, "NanoCPUs", json_integer(
		    (json_int_t)(json_number_value(cpus) * 1e9)));
	mem = json_object_get(c->spec, "memory_mb");
	if (json_is_integer(mem))
		json_object_set_new(limits, "MemoryBytes", json_integer(
		    json_integer_value(mem) * 1024 * 1024));
	json_object_set_new(limits, "Pids", json_integer(4096));
	return json_pack("{s:o}", "Limits", limits);
}

/* The whole ServiceSpec of c with replicas tasks wanted. */
static json_t *
service_spec(struct op_req *r, const struct container *c, json_t *env,
    long long replicas)
{
	char	 name[64], net[64];
	json_t	*placement = json_object_get(c->spec, "placement");

	name_container(c->id, name);
	name_overlay(c->project_id, net);
	return json_pack("{s:s, s:o, s:{s:o, s:o, s:{s:s, s:I}, s:{s:O},"
	    " s:[{s:s, s:[s]}], s:{s:s, s:{s:s, s:s}}}, s:{s:{s:I}}, s:o, s:o,"
	    " s:o}",
	    "Name", name, "Labels", engine_labels(c),
	    "TaskTemplate",
	    "ContainerSpec", container_spec(r, c, env),
	    "Resources", resources(c),
	    "RestartPolicy", "Condition", restart_condition(c->spec),
	    "Delay", 2 * SECOND,
	    "Placement", "Constraints", placement ? placement :
	    json_array(),
	    "Networks", "Target", net, "Aliases", c->name,
	    "LogDriver", "Name", "json-file", "Options", "max-size", "10m",
	    "max-file", "3",
	    "Mode", "Replicated", "Replicas", replicas,
	    "UpdateConfig", rolling("rollback"),
	    "RollbackConfig", rolling("pause"),
	    "EndpointSpec", endpoint(c->spec));
}

/* The replicas the definition asks for. */
static long long
wanted(const struct container *c)
{
	json_t	*n = json_object_get(c->spec, "replicas");

	return json_is_integer(n) ? json_integer_value(n) : 1;
}

enum op_err
service_create(struct op_req *r, struct container *c, json_t *env,
    int start)
{
	struct op_docker	*d;
	json_t			*body, *reply = NULL;
	enum op_err		 er;

	if ((er = swarm_require(r)) != OP_OK ||
	    (er = overlay(r, c->project_id)) != OP_OK ||
	    (er = engine(r, &d)) != OP_OK ||
	    (er = registry_auth(r, d, c->team_id, c->image)) != OP_OK)
		return er;
	if ((body = service_spec(r, c, env, start ? wanted(c) : 0)) == NULL)
		return OP_ENOMEM;
	er = engine_call(r, "POST", "/services/create", body,
	    "create service", 201, 201, &reply);
	json_decref(body);
	if (er != OP_OK)
		return er;
	c->docker_id = op_req_strdup(r, json_string_value(json_object_get(reply,
	    "ID")));
	json_decref(reply);
	return c->docker_id == NULL ? OP_EINTERNAL : OP_OK;
}

/* The service's version and spec as the engine has them now. */
static enum op_err
current(struct op_req *r, const struct container *c, long long *version,
    json_t **spec)
{
	json_t		*reply = NULL;
	enum op_err	 er;

	*spec = NULL;
	if ((er = engine_call(r, "GET", op_req_printf(r, "/services/%s",
	    c->docker_id), NULL, "inspect service", 200, 200, &reply)) !=
	    OP_OK)
		return er;
	*version = json_integer_value(json_object_get(json_object_get(reply,
	    "Version"), "Index"));
	*spec = json_incref(json_object_get(reply, "Spec"));
	json_decref(reply);
	return *spec != NULL ? OP_OK : OP_EINTERNAL;
}

/* Send spec as the service's next version (after version). */
static enum op_err
send_update(struct op_req *r, const struct container *c, long long version,
    json_t *spec)
{
	struct op_docker	*d;
	enum op_err		 er;

	if ((er = engine(r, &d)) != OP_OK ||
	    (er = registry_auth(r, d, c->team_id, c->image)) != OP_OK)
		return er;
	return engine_call(r, "POST", op_req_printf(r,
	    "/services/%s/update?version=%lld", c->docker_id, version), spec,
	    "update service", 200, 200, NULL);
}

enum op_err
service_update(struct op_req *r, struct container *c, json_t *env)
{
	json_t		*was = NULL, *spec;
	long long	 version, replicas;
	enum op_err	 er;

	if ((er = current(r, c, &version, &was)) != OP_OK)
		return er;
	/* A stopped service stays stopped: its replicas stay at 0. */
	replicas = json_integer_value(json_object_get(json_object_get(
	    json_object_get(was, "Mode"), "Replicated"), "Replicas"));
	json_decref(was);
	if ((spec = service_spec(r, c, env, replicas == 0 ? 0 : wanted(c))) ==
	    NULL)
		return OP_ENOMEM;
	er = send_update(r, c, version, spec);
	json_decref(spec);
	return er;
}

/* Change the current spec in place (scale, force) and send it. */
static enum op_err
amend(struct op_req *r, struct container *c, long long replicas, int force)
{
	json_t		*spec = NULL, *mode, *tt;
	long long	 version;
	enum op_err	 er;

	if ((er = current(r, c, &version, &spec)) != OP_OK)
		return er;
	mode = json_object_get(json_object_get(spec, "Mode"), "Replicated");
	if (replicas >= 0 && mode != NULL)
		json_object_set_new(mode, "Replicas", json_integer(replicas));
	tt = json_object_get(spec, "TaskTemplate");
	if (force && tt != NULL)
		json_object_set_new(tt, "ForceUpdate", json_integer(
		    json_integer_value(json_object_get(tt, "ForceUpdate")) +
		    1));
	er = send_update(r, c, version, spec);
	json_decref(spec);
	return er;
}

enum op_err
service_start(struct op_req *r, struct container *c)
{
	return amend(r, c, wanted(c), 0);
}

enum op_err
service_stop(struct op_req *r, struct container *c)
{
	return amend(r, c, 0, 0);
}

enum op_err
service_restart(struct op_req *r, struct container *c)
{
	return amend(r, c, wanted(c), 1);
}

enum op_err
service_image(struct op_req *r, struct container *c, const char *image,
    const char *deployment)
{
	json_t		*spec = NULL, *cs;
	long long	 version;
	enum op_err	 er;

	if ((er = current(r, c, &version, &spec)) != OP_OK)
		return er;
	cs = json_object_get(json_object_get(spec, "TaskTemplate"),
	    "ContainerSpec");
	json_object_set_new(cs, "Image", json_string(image));
	if (deployment != NULL && json_is_object(json_object_get(spec,
	    "Labels")))
		json_object_set_new(json_object_get(spec, "Labels"),
		    "io.openpanel.deployment", json_string(deployment));
	c->image = image;
	er = send_update(r, c, version, spec);
	json_decref(spec);
	return er;
}

enum op_err
service_remove(struct op_req *r, struct container *c)
{
	enum op_err	er;

	if (c->docker_id == NULL)
		return OP_OK;
	er = engine_call(r, "DELETE", op_req_printf(r, "/services/%s",
	    c->docker_id), NULL, "remove service", 200, 404, NULL);
	if (er == OP_ENOTFOUND) {	/* already gone: that is the goal */
		r->err.set = 0;
		er = OP_OK;
	}
	return er;
}
