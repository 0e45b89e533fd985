/*
 * op-builds — from a git push to a new version serving traffic: git
 * sources and webhooks, builds and deployments as durable jobs, and the
 * worker that builds images and rolls them out without downtime.
 */
#include "builds.h"

static const struct op_route routes[] = {
	{ "GET",    "/api/projects/:id/source",		sources_get,	0 },
	{ "PUT",    "/api/projects/:id/source",		sources_put,	0 },
	{ "DELETE", "/api/projects/:id/source",		sources_delete,	0 },
	{ "POST",   "/api/projects/:id/source/deploy-key", sources_deploy_key, 0 },
	{ "GET",    "/api/projects/:id/webhook",	webhook_get,	0 },
	{ "POST",   "/api/projects/:id/webhook/rotate",	webhook_rotate,	0 },
	{ "GET",    "/api/builds",			builds_list,	0 },
	{ "POST",   "/api/builds",			builds_create,	0 },
	{ "GET",    "/api/builds/:id",			builds_get,	0 },
	{ "GET",    "/api/builds/:id/logs",		builds_logs,	0 },
	{ "POST",   "/api/builds/:id/cancel",		builds_cancel,	0 },
	{ "GET",    "/api/deployments",			deployments_list, 0 },
	{ "POST",   "/api/deployments",			deployments_create, 0 },
	{ "GET",    "/api/deployments/:id",		deployments_get, 0 },
	{ "POST",   "/api/deployments/:id/rollback",	deployments_rollback, 0 },
	{ "POST",   "/api/webhooks/github/:id",		webhooks_github,
	    OP_R_PUBLIC | OP_R_SECRET_PATH },
	{ "POST",   "/api/webhooks/gitlab/:id",		webhooks_gitlab,
	    OP_R_PUBLIC | OP_R_SECRET_PATH },
	{ "POST",   "/api/webhooks/bitbucket/:id",	webhooks_bitbucket,
	    OP_R_PUBLIC | OP_R_SECRET_PATH },
	{ "POST",   "/api/webhooks/generic/:id",	webhooks_generic,
	    OP_R_PUBLIC | OP_R_SECRET_PATH },
};

static const struct op_service service = {
	.name = "builds",
	.schema = "builds",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = worker_run,
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
