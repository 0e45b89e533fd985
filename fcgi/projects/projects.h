/*
 * projects.h — private to op-projects: handlers and what they share.
 */
#ifndef PROJECTS_H
#define PROJECTS_H

#include "openpanel.h"

#define DOCKER_TIMEOUT	30000	/* ms for ordinary engine calls */
#define STOP_SECONDS	10	/* grace before the engine kills */

/* Handlers, one file per group. */
enum op_err	projects_list(struct op_req *);		/* projects.c */
enum op_err	projects_create(struct op_req *);
enum op_err	projects_get(struct op_req *);
enum op_err	projects_update(struct op_req *);
enum op_err	projects_delete(struct op_req *);
enum op_err	env_project_get(struct op_req *);	/* env.c */
enum op_err	env_project_put(struct op_req *);
enum op_err	env_container_get(struct op_req *);
enum op_err	env_container_put(struct op_req *);
enum op_err	containers_list(struct op_req *);	/* containers.c */
enum op_err	containers_create(struct op_req *);
enum op_err	containers_get(struct op_req *);
enum op_err	containers_update(struct op_req *);
enum op_err	containers_delete(struct op_req *);
enum op_err	containers_start(struct op_req *);	/* lifecycle.c */
enum op_err	containers_stop(struct op_req *);
enum op_err	containers_restart(struct op_req *);
enum op_err	databases_list(struct op_req *);	/* databases.c */
enum op_err	databases_create(struct op_req *);
enum op_err	databases_get(struct op_req *);
enum op_err	databases_reveal(struct op_req *);
enum op_err	databases_delete(struct op_req *);
enum op_err	databases_copy(struct op_req *);	/* internal */
enum op_err	databases_copy_delete(struct op_req *);	/* internal */
enum op_err	templates_list(struct op_req *);	/* templates.c */
enum op_err	templates_get(struct op_req *);
enum op_err	templates_deploy(struct op_req *);
enum op_err	registries_list(struct op_req *);	/* registries.c */
enum op_err	registries_create(struct op_req *);
enum op_err	registries_delete(struct op_req *);
enum op_err	containers_logs(struct op_req *);	/* logs.c */
enum op_err	containers_stats(struct op_req *);
enum op_err	containers_terminal(struct op_req *);	/* terminal.c */
enum op_err	rollout_candidate(struct op_req *);	/* rollout.c */
enum op_err	rollout_promote(struct op_req *);
enum op_err	rollout_discard(struct op_req *);

/*
 * The project id (a path or body value): authorise act in its team and
 * give its team id (arena copy). Another team's project is OP_ENOTFOUND.
 */
enum op_err	project_authorize(struct op_req *, const char *project_id,
		    enum op_action act, const char **team_id);

/* A container row as the handlers use it. */
struct container {
	const char	*id;
	const char	*project_id;
	const char	*team_id;
	const char	*name;
	const char	*image;
	const char	*docker_id;	/* NULL before the engine has it */
	const char	*deployment;	/* labels a deployment's candidate */
	const char	*state;
	json_t		*spec;		/* owned by the request's arena list */
};

/* OP_ECONFLICT (name_taken) when the project has a container called name. */
enum op_err	container_name_free(struct op_req *, const char *project_id,
		    const char *name);
/*
 * Create c (project_id, team_id, name, image, spec set; id assigned here)
 * on the engine, start it when asked, and, in a transaction this opens
 * and leaves open for the caller to add to and commit, insert its row,
 * body_env (plain values), secrets (sealed; may be NULL) and
 * container.created. On failure the caller rolls back and calls
 * engine_remove(c).
 */
enum op_err	container_launch(struct op_req *, struct container *,
		    json_t *body_env, json_t *secrets, int start);

/* Remove c's engine object: its service (mode swarm) or container. */
enum op_err	container_discard(struct op_req *, struct container *);
/* Load container id, unauthorised: for internal callers only. */
enum op_err	container_load(struct op_req *, const char *id,
		    struct container *);
/* The environment c runs with: the project's and c's stored values (c's
 * plain ones only when body_env is given), then body_env over them (new
 * reference in *out). */
enum op_err	env_for(struct op_req *, const struct container *,
		    json_t *body_env, json_t **out);
/* Load container id, authorising act in its project's team. */
enum op_err	container_authorize(struct op_req *, const char *id,
		    enum op_action act, struct container *);
/* The container as the API answers it (new reference). */
json_t		*container_json(struct op_req *, const char *id);

/* engine.c — the Docker side of a container. */

/* This panel's instance id (labels every engine object), or NULL when
 * the database cannot say. */
const char	*engine_instance(struct op_req *);
/* The per-request engine client (opened on first use). */
enum op_err	engine(struct op_req *, struct op_docker **);
/*
 * One engine call for the handlers: the engine away is a 503
 * (docker_unavailable), a 404 is OP_ENOTFOUND (docker_missing), any other
 * status but ok1, ok2 or a 2xx a 409 with the engine's words. The reply
 * in *reply_out when wanted (the caller decrefs).
 */
enum op_err	engine_call(struct op_req *, const char *method,
		    const char *path, json_t *body, const char *what, long ok1,
		    long ok2, json_t **reply_out);
/* The labels of c's engine objects: its own, then the panel's. */
json_t		*engine_labels(const struct container *);
/* ["K=V", …] from {K: V} (new reference). */
json_t		*engine_env_list(json_t *env);
/* The engine's Healthcheck of a definition's healthcheck. */
json_t		*engine_health(json_t *healthcheck);
/* The engine's Mounts of c's volumes (named, or allowed host paths). */
json_t		*engine_mounts(const struct container *);
/* Create the project's network if it is missing. */
enum op_err	engine_network(struct op_req *, const char *project_id);
/*
 * Create the Docker container for c (pulling the image when absent) with
 * the environment env (a JSON object of KEY: value, plain), named
 * op-<id><suffix> (suffix may be NULL), and set c->docker_id. Policy is
 * applied here: whatever the spec, no privilege, no host namespaces, no
 * added capabilities or devices, ports on 127.0.0.1 only.
 */
enum op_err	engine_create(struct op_req *, struct container *, json_t *env,
		    const char *suffix);
/* Give the engine's container c a new name. */
enum op_err	engine_rename(struct op_req *, struct container *,
		    const char *name);
enum op_err	engine_start(struct op_req *, struct container *);
enum op_err	engine_stop(struct op_req *, struct container *);
/* Remove the engine's container (and its anonymous volumes). */
enum op_err	engine_remove(struct op_req *, struct container *);
/* The engine's inspection of a container (OP_ENOTFOUND when it has
 * none); the caller decrefs *reply. */
enum op_err	engine_inspect(struct op_req *, const char *docker_id,
		    json_t **reply);

/*
 * state.c — read the engine's view of c into its row (state, health,
 * ports, times) and emit container.started, container.stopped and
 * container.health_changed for what changed. Runs in the caller's
 * transaction when one is open (which should hold the row's lock), else
 * in its own. A row that no longer names c->docker_id is left alone.
 */
enum op_err	engine_refresh(struct op_req *, struct container *);
/* The events a move from (was, was_health) to (now, now_health) makes:
 * container.started, container.stopped, container.health_changed. */
enum op_err	state_events(struct op_req *, const struct container *,
		    const char *was, const char *was_health, const char *now,
		    const char *now_health);
/*
 * Open a transaction and lock container id's row against the reconciler
 * and other requests (skip_locked: OP_ECONFLICT at once when another
 * holds it). The caller commits; the request's end rolls back otherwise.
 */
enum op_err	container_lock(struct op_req *, const char *id, int skip_locked);
/* [{container, protocol, host_ip, host}] from an inspection's
 * NetworkSettings.Ports (new reference). */
json_t		*engine_published(json_t *ports);
/* Remove the project's network. */
enum op_err	engine_network_remove(struct op_req *, const char *project_id);
/* Remove one engine volume by name (absent is fine). */
enum op_err	engine_volume_remove(struct op_req *, const char *name);
/* Remove the named volumes of a project. */
enum op_err	engine_volumes_remove(struct op_req *, const char *project_id);

/* service.c — a swarm container (mode "swarm") as a Swarm service. */

/* The project's overlay network's name. */
void		name_overlay(const char *project_id, char out[64]);
/* Create c's service (its replicas wanted, or none unless start) with
 * the environment env, and set c->docker_id to the service's id. */
enum op_err	service_create(struct op_req *, struct container *, json_t *env,
		    int start);
/* Roll the service to c's definition and env (start-first, rolled back
 * by Swarm when the new tasks fail); a stopped service stays stopped. */
enum op_err	service_update(struct op_req *, struct container *, json_t *env);
/* Roll the service to image alone (a deployment), labelled with it. */
enum op_err	service_image(struct op_req *, struct container *,
		    const char *image, const char *deployment);
/* Scale to the definition's replicas, to none, or roll every task. */
enum op_err	service_start(struct op_req *, struct container *);
enum op_err	service_stop(struct op_req *, struct container *);
enum op_err	service_restart(struct op_req *, struct container *);
/* Remove the service (absent is fine). */
enum op_err	service_remove(struct op_req *, struct container *);
/* task.c — a Swarm service's task containers on this node. */
struct task {
	char	id[72];		/* the engine's container id */
	long	slot;		/* its replica's slot; 0 for a global service */
};
/* The running tasks of c's service (c->docker_id) on this node, into
 * t[0..max) in slot order; *n how many. */
enum op_err	service_local_tasks(struct op_req *, const struct container *c,
		    struct task *t, size_t max, size_t *n);
/* 409 no_local_task: what (a terminal, a stats sample) needs a task on
 * this node. */
enum op_err	service_no_local_task(struct op_req *, const char *what);
/* service_state.c — read the service and its tasks into the locked row
 * (state, image, ports of the running tasks, swarm), with the events of
 * what changed; was, ports_was and update_was are the row's before. */
enum op_err	service_refresh_locked(struct op_req *, struct container *,
		    const char *was, const char *ports_was,
		    const char *update_was);

/* task_ports.c — the running tasks' ports of a service, as its row's
 * `published` keeps them: [{container, protocol, host_ip, host}] in one
 * order and once, host_ip the address of the task's node (nodes, as
 * GET /nodes answers) and loopback for the ingress mesh's (endpoint, the
 * service's Endpoint); a task on a node with no address is counted in
 * *running but not listed. *out (a new array) only on OP_OK. */
enum op_err	task_ports(json_t *tasks, json_t *nodes, json_t *endpoint,
		    json_t **out, int *running);

/* swarm.c — the engine as a swarm manager. */

/* OP_OK when the engine manages a swarm, else 409 swarm_inactive. */
enum op_err	swarm_require(struct op_req *);
enum op_err	swarm_get(struct op_req *);
enum op_err	swarm_nodes_list(struct op_req *);
enum op_err	swarm_nodes_get(struct op_req *);
enum op_err	swarm_nodes_update(struct op_req *);
enum op_err	swarm_nodes_delete(struct op_req *);
enum op_err	swarm_tokens(struct op_req *);
enum op_err	swarm_tokens_rotate(struct op_req *);

/* env.c — the environment a container runs with: project's, then its own
 * (its plain values only when container_plain), secrets unsealed (new
 * reference). */
enum op_err	env_effective(struct op_req *, const char *project_id,
		    const char *container_id, int container_plain,
		    json_t **out);
/* Is key a secret of the container (or, container_id NULL, project)? */
int		env_is_secret(struct op_req *, const char *project_id,
		    const char *container_id, const char *key);

/* spec.c — a container definition from a request body. */
struct spec_input {
	const char	*project_id;	/* create only */
	const char	*name;		/* create only */
	const char	*image;		/* NULL on update when unchanged */
	json_t		*env;		/* borrowed; NULL when absent */
	json_t		*spec;		/* owned: the normalised definition,
					 * only the keys given on update */
	int		 start;		/* start after create (default 1) */
};

/*
 * Check the body against the container definition: types, bounds, each
 * nested value, and the policy (privilege, host namespaces, capabilities,
 * devices and host paths are refused with 422 policy_violation naming
 * the field). On OP_OK the caller decrefs in->spec.
 */
enum op_err	spec_parse(struct op_req *, int creating, struct spec_input *);
/* spec with the keys of update laid over it (new reference). */
json_t		*spec_merge(json_t *spec, json_t *update);
/* Does the definition run as a Swarm service (mode "swarm")? */
int		 spec_is_swarm(json_t *spec);
/* 422 when update sets a swarm field (replicas, placement) of a stored
 * definition that is not a swarm one. */
enum op_err	 spec_swarm_check(struct op_req *, json_t *stored,
		    json_t *update);

/* registries.c: the registry server of an image ("docker.io" when it
 * names none), and the team's credentials for it set on d for the next
 * call (none: nothing is set). */
const char	*registry_of(struct op_req *, const char *image);
enum op_err	registry_auth(struct op_req *, struct op_docker *,
		    const char *team_id, const char *image);

/* reconcile.c — the worker's loop, until *stop. */
enum op_err	reconcile_run(const struct op_service *, struct op_db *,
		    volatile int *stop);

/* Docker object names. */
void		name_network(const char *project_id, char out[64]);
void		name_container(const char *container_id, char out[64]);
void		name_volume(const char *project_id, const char *volume,
		    char out[128]);

#endif
