/*
 * op-monitor — what runs, live: Prometheus metrics, health probes,
 * dashboard stats, the panel's own logs, history; its worker follows
 * every running container's logs and resource use and the team event
 * stream into the gateway's live channels (nchan).
 */
#include "monitor.h"

static const struct op_route routes[] = {
	{ "GET", "/api/metrics",		metrics_get,	0 },
	{ "GET", "/api/metrics/history",	history_get,	0 },
	{ "GET", "/api/health/live",		health_live,	OP_R_PUBLIC },
	{ "GET", "/api/health/ready",		health_ready,	OP_R_PUBLIC },
	{ "GET", "/api/stats",			stats_get,	0 },
	{ "GET", "/api/logs",			logs_get,	OP_R_ADMIN },
};

static const struct op_service service = {
	.name = "monitor",
	.schema = "monitor",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = monitor_work,
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
