/*
 * op-projects — projects, their environment, and the containers that run
 * them on the Docker engine; its worker relays events and reconciles the
 * database with what the engine reports.
 */
#include "projects.h"

static const struct op_route routes[] = {
	{ "GET",    "/api/projects",			projects_list,	0 },
	{ "POST",   "/api/projects",			projects_create, 0 },
	{ "GET",    "/api/projects/:id",		projects_get,	0 },
	{ "PUT",    "/api/projects/:id",		projects_update, 0 },
	{ "DELETE", "/api/projects/:id",		projects_delete, 0 },
	{ "GET",    "/api/projects/:id/env",		env_project_get, 0 },
	{ "PUT",    "/api/projects/:id/env",		env_project_put, 0 },
	{ "GET",    "/api/containers",			containers_list, 0 },
	{ "POST",   "/api/containers",			containers_create, 0 },
	{ "GET",    "/api/containers/:id",		containers_get,	0 },
	{ "PUT",    "/api/containers/:id",		containers_update, 0 },
	{ "DELETE", "/api/containers/:id",		containers_delete, 0 },
	{ "POST",   "/api/containers/:id/start",	containers_start, 0 },
	{ "POST",   "/api/containers/:id/stop",		containers_stop, 0 },
	{ "POST",   "/api/containers/:id/restart",	containers_restart, 0 },
	{ "GET",    "/api/databases",			databases_list,	0 },
	{ "POST",   "/api/databases",			databases_create, 0 },
	{ "GET",    "/api/databases/:id",		databases_get,	0 },
	{ "DELETE", "/api/databases/:id",		databases_delete, 0 },
	{ "POST",   "/api/databases/:id/reveal",	databases_reveal, OP_R_SESSION },
	{ "GET",    "/api/registries",			registries_list, 0 },
	{ "POST",   "/api/registries",			registries_create, 0 },
	{ "DELETE", "/api/registries/:id",		registries_delete, 0 },
	{ "GET",    "/api/templates",			templates_list,	0 },
	{ "GET",    "/api/templates/:id",		templates_get,	0 },
	{ "POST",   "/api/templates/:id/deploy",	templates_deploy, 0 },
	{ "GET",    "/api/containers/:id/logs",		containers_logs, 0 },
	{ "GET",    "/api/containers/:id/stats",	containers_stats, 0 },
	{ "POST",   "/api/containers/:id/terminal",	containers_terminal, OP_R_SESSION },
	{ "GET",    "/api/containers/:id/env",		env_container_get, 0 },
	{ "PUT",    "/api/containers/:id/env",		env_container_put, 0 },
	/* The swarm the engine manages (swarm.c): instance admins only. */
	{ "GET",    "/api/swarm",			swarm_get,	OP_R_ADMIN },
	{ "GET",    "/api/swarm/nodes",			swarm_nodes_list, OP_R_ADMIN },
	{ "GET",    "/api/swarm/nodes/:id",		swarm_nodes_get, OP_R_ADMIN },
	{ "PUT",    "/api/swarm/nodes/:id",		swarm_nodes_update,
	    OP_R_ADMIN },
	{ "DELETE", "/api/swarm/nodes/:id",		swarm_nodes_delete,
	    OP_R_ADMIN },
	{ "GET",    "/api/swarm/tokens",		swarm_tokens,	OP_R_ADMIN },
	{ "POST",   "/api/swarm/tokens/rotate",		swarm_tokens_rotate,
	    OP_R_ADMIN },
	/* op-builds' zero-downtime deployments (rollout.c). */
	{ "POST",   "/api/containers/candidates",	rollout_candidate,
	    OP_R_PUBLIC | OP_R_INTERNAL },
	{ "POST",   "/api/containers/:id/promote",	rollout_promote,
	    OP_R_PUBLIC | OP_R_INTERNAL },
	{ "DELETE", "/api/containers/:id/candidates/:docker_id",
	    rollout_discard, OP_R_PUBLIC | OP_R_INTERNAL },
	/* op-backups' restores into a new database (databases.c). */
	{ "POST",   "/api/databases/copies",		databases_copy,
	    OP_R_PUBLIC | OP_R_INTERNAL },
	{ "DELETE", "/api/databases/copies/:container_id",
	    databases_copy_delete, OP_R_PUBLIC | OP_R_INTERNAL },
};

static const struct op_service service = {
	.name = "projects",
	.schema = "projects",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = reconcile_run,
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
