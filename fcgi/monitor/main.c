/*
 * op-monitor — what runs, live: Prometheus metrics, health probes,
 * dashboard stats, the panel's own logs, history, alert rules and
 * notification channels; its worker follows every running container's
 * logs and resource use and the team event stream into the gateway's live
 * channels (nchan), evaluates the rules and delivers the notifications.
 */
#include "monitor.h"

static const struct op_route routes[] = {
	{ "GET", "/api/metrics",		metrics_get,	0 },
	{ "GET", "/api/metrics/history",	history_get,	0 },
	{ "GET", "/api/health/live",		health_live,	OP_R_PUBLIC },
	{ "GET", "/api/health/ready",		health_ready,	OP_R_PUBLIC },
	{ "GET", "/api/stats",			stats_get,	0 },
	{ "GET", "/api/logs",			logs_get,	OP_R_ADMIN },
	{ "GET", "/api/alerts",			alerts_list,	0 },
	{ "POST", "/api/alerts",		alerts_create,	0 },
	{ "GET", "/api/alerts/:id",		alerts_get,	0 },
	{ "PATCH", "/api/alerts/:id",		alerts_update,	0 },
	{ "DELETE", "/api/alerts/:id",		alerts_delete,	0 },
	{ "GET", "/api/notification-channels",	channels_list,	0 },
	{ "POST", "/api/notification-channels",	channels_create, 0 },
	{ "GET", "/api/notification-channels/:id", channels_get, 0 },
	{ "PATCH", "/api/notification-channels/:id", channels_update, 0 },
	{ "DELETE", "/api/notification-channels/:id", channels_delete, 0 },
	{ "POST", "/api/notification-channels/:id/test", channels_test, 0 },
	{ "GET", "/api/notification-channels/:id/deliveries",
	    channels_deliveries, 0 },
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
