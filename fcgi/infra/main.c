/*
 * op-infra — domains routed to container ports through the gateway, and
 * their certificates from an ACME CA; its worker orders and renews them
 * and keeps the routing in step with the containers.
 */
#include "infra.h"

static const struct op_route routes[] = {
	{ "GET",    "/api/domains",		domains_list,	0 },
	{ "POST",   "/api/domains",		domains_create,	0 },
	{ "GET",    "/api/domains/:id",		domains_get,	0 },
	{ "PUT",    "/api/domains/:id",		domains_update,	0 },
	{ "DELETE", "/api/domains/:id",		domains_delete,	0 },
	{ "POST",   "/api/domains/:id/ssl",	domains_ssl,	0 },
	{ "GET",    "/api/certificates",	certificates_list, 0 },
	{ "GET",    "/api/proxy/config",	proxy_config,	0 },
};

static const struct op_service service = {
	.name = "infra",
	.schema = "infra",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = infra_work,
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
