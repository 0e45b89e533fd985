/*
 * retention.c — rows older than the retention period are archived (a
 * JSON-lines file of their events, written and synced first) and then
 * pruned, oldest first, in one transaction that moves the chain's anchor
 * to the last pruned row's hash: the trail stays verifiable from the
 * first row that remains.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

#define BATCH	"5000"

/* Write the events of res to dir/audit-<first>-<last>.jsonl, synced. */
static enum op_err
archive(PGresult *res, const char *dir)
{
	char		 path[4096], tmp[4200];
	const char	*ev;
	int		 fd = -1, i, n = PQntuples(res);
	enum op_err	 er = OP_EIO;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		op_error("audit archive %s: %s", dir, strerror(errno));
		return OP_EIO;
	}
	snprintf(path, sizeof(path), "%s/audit-%s-%s.jsonl", dir,
	    PQgetvalue(res, 0, 0), PQgetvalue(res, n - 1, 0));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0)
		goto out;
	for (i = 0; i < n; i++) {
		ev = PQgetvalue(res, i, 1);
		if (write(fd, ev, strlen(ev)) != (ssize_t)strlen(ev) ||
		    write(fd, "\n", 1) != 1)
			goto out;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	er = OP_OK;
out:
	if (er != OP_OK)
		op_error("audit archive %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (er != OP_OK)
		unlink(tmp);
	return er;
}

/*
 * One batch: the oldest rows recorded before the cutoff, archived, then
 * pruned with the anchor moved. *pruned is how many went.
 */
static enum op_err
prune_batch(struct op_db *db, const char *days, const char *dir,
    long long *pruned)
{
	PGresult	*res = NULL;
	const char	*last_seq, *last_hash;
	enum op_err	 er;
	int		 n;

	*pruned = 0;
	if ((er = op_db_begin(db)) != OP_OK ||
	    (er = op_db_exec(db, NULL, "SELECT 1 FROM audit.head WHERE id = 1"
	    " FOR UPDATE", 0, NULL)) != OP_OK ||
	    (er = op_db_execv(db, &res, "SELECT seq, event, hash FROM"
	    " audit.entries WHERE seq <= (SELECT max(seq) FROM audit.entries"
	    " WHERE recorded_at < now() - make_interval(days => $1::int))"
	    " ORDER BY seq LIMIT " BATCH, days)) != OP_OK)
		goto out;
	if ((n = PQntuples(res)) == 0)
		goto out;
	if ((er = archive(res, dir)) != OP_OK)
		goto out;
	last_seq = PQgetvalue(res, n - 1, 0);
	last_hash = PQgetvalue(res, n - 1, 2);
	if ((er = op_db_execv(db, NULL, "DELETE FROM audit.entries WHERE"
	    " seq <= $1", last_seq)) != OP_OK ||
	    (er = op_db_execv(db, NULL, "UPDATE audit.head SET anchor = $2,"
	    " anchor_seq = $1 WHERE id = 1", last_seq, last_hash)) != OP_OK ||
	    (er = op_db_commit(db)) != OP_OK)
		goto out;
	*pruned = n;
	op_info("audit: %d rows older than %s days archived and pruned", n,
	    days);
out:
	PQclear(res);
	op_db_rollback(db);
	return er;
}

enum op_err
retention_run(struct op_db *db)
{
	char		 days[24];
	long long	 n;
	enum op_err	 er;

	snprintf(days, sizeof(days), "%lld", op_config_int(
	    "OP_AUDIT_RETENTION_DAYS", 365, 1, 36500));
	do
		er = prune_batch(db, days, op_config_get("OP_AUDIT_ARCHIVE_DIR",
		    "/var/lib/openpanel-audit/archive"), &n);
	while (er == OP_OK && n > 0);
	return er;
}
