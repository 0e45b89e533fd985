/*
 * op-backups — storage targets, backups and restores as jobs, schedules
 * and retention. Its worker runs the jobs: dumps and volume archives
 * streamed from the Docker engine, compressed, optionally encrypted,
 * checksummed, and uploaded as they are made.
 */
#include <string.h>

#include "backups.h"

static const struct op_route routes[] = {
	{ "POST",   "/api/storage",			storage_create,	0 },
	{ "GET",    "/api/storage",			storage_list,	0 },
	{ "GET",    "/api/storage/:id",			storage_get,	0 },
	{ "DELETE", "/api/storage/:id",			storage_delete,	0 },
	{ "POST",   "/api/backups",			backups_create,	0 },
	{ "GET",    "/api/backups",			backups_list,	0 },
	{ "GET",    "/api/backups/:id",			backups_get,	0 },
	{ "DELETE", "/api/backups/:id",			backups_delete,	0 },
	{ "POST",   "/api/backups/:id/restore",		backups_restore, 0 },
	{ "GET",    "/api/backups/:id/restores/:restore_id", restores_get,	0 },
	{ "POST",   "/api/backup-schedules",		schedules_create, 0 },
	{ "GET",    "/api/backup-schedules",		schedules_list,	0 },
	{ "GET",    "/api/backup-schedules/:id",	schedules_get,	0 },
	{ "PATCH",  "/api/backup-schedules/:id",	schedules_update, 0 },
	{ "DELETE", "/api/backup-schedules/:id",	schedules_delete, 0 },
	{ "POST",   "/api/backup-schedules/:id/run",	schedules_run,	0 },
	{ "GET",    "/api/backup-schedules/:id/drills",	schedules_drills, 0 },
};

/* Commands of its own: restore-panel, on a rebuilt server. */
static int
command(int argc, char *argv[])
{
	if (strcmp(argv[1], "restore-panel") == 0)
		return panel_restore_command(argc, argv);
	return -1;
}

static const struct op_service service = {
	.name = "backups",
	.schema = "backups",
	.routes = routes,
	.nroutes = nitems(routes),
	.work = worker_run,
	.command = command,
	.usage = "restore-panel <archive> <directory> [<database conninfo>]",
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
