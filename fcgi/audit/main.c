/*
 * op-audit — the tamper-evident trail of every action: its consumer
 * reads op:events into one hash chain; the API queries, counts, exports
 * and verifies it.
 */
#include "audit.h"

static const struct op_route routes[] = {
	{ "GET",  "/api/audit/logs",	audit_logs,	0 },
	{ "POST", "/api/audit/logs",	audit_record,	OP_R_PUBLIC | OP_R_INTERNAL },
	{ "GET",  "/api/audit/stats",	audit_stats,	0 },
	{ "GET",  "/api/audit/export",	audit_export,	0 },
	{ "GET",  "/api/audit/verify",	audit_verify,	OP_R_ADMIN },
};

static const struct op_service service = {
	.name = "audit",
	.schema = "audit",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = consumer_run,
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
