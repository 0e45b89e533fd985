/*
 * worker.c — op-backups' worker beside the outbox relay: each round it
 * queues the backups and restore drills of due schedules, fails the jobs
 * whose lease lapsed with no attempt left, then runs due backups and
 * restores one at a time until none is left, and waits a moment.
 */
#include <poll.h>

#include "backups.h"

#define IDLE_MS		500

/* Claim and run jobs of table until none is due or *stop. */
static int
drain(struct op_req *r, struct op_docker *d, const char *table,
    volatile int *stop)
{
	struct job	j;
	int		ran = 0;

	while (!*stop && job_claim(r->db, table, &j) == OP_OK) {
		op_info("%s %s: attempt %d", table, j.id, j.attempts);
		if (table[0] == 'b')
			(void)backup_run(r, d, &j);
		else
			(void)restore_run(r, d, &j);
		job_clear(&j);
		ran = 1;
	}
	return ran;
}

enum op_err
worker_run(const struct op_service *svc, struct op_db *db, volatile int *stop)
{
	struct op_docker	*d = NULL;
	struct op_req		 r;
	int			 ran;

	if (codec_init() != OP_OK) {
		op_error("cannot load the backup key (OP_BACKUP_KEY_FILE or "
		    "OP_SECRET_KEY_FILE)");
		return OP_EINTERNAL;
	}
	if (op_docker_open(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"), &d) != OP_OK)
		return OP_ENOMEM;
	while (!*stop) {
		if (op_system_req(&r, svc, db) != OP_OK)
			break;
		(void)schedules_tick(&r);
		(void)drills_tick(&r);
		(void)job_sweep(&r, "backups", "backup.failed");
		(void)job_sweep(&r, "restores", "restore.failed");
		(void)backup_leftovers_sweep(&r);
		ran = drain(&r, d, "restores", stop);
		ran |= drain(&r, d, "backups", stop);
		op_system_req_end(&r);
		if (!ran)
			poll(NULL, 0, IDLE_MS);
	}
	op_docker_close(d);
	return OP_OK;
}
