/*
 * ticket.c — the one-time tickets op-projects mints: a ticket is good
 * once, for a minute. Using it is a single UPDATE that sets used_at only
 * where it is still unset and unexpired, so of two connections racing
 * with the same ticket exactly one wins.
 */
#include <stdio.h>
#include <string.h>

#include "terminal.h"

#define TICKET_PREFIX	"opt_"

int
ticket_wellformed(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != TICKET_LEN ||
	    strncmp(s, TICKET_PREFIX, sizeof(TICKET_PREFIX) - 1) != 0)
		return 0;
	for (i = sizeof(TICKET_PREFIX) - 1; i < TICKET_LEN; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Copy a column into a fixed field; 0 when absent or too long. */
static int
column(const PGresult *res, const char *name, char *out, size_t outsz)
{
	const char	*v = op_db_get(res, 0, name);

	if (v == NULL || strlen(v) >= outsz)
		return 0;
	snprintf(out, outsz, "%s", v);
	return 1;
}

enum op_err
ticket_consume(const char *ticket, struct ticket *out)
{
	struct op_db	*db = NULL;
	PGresult	*res = NULL;
	const char	*docker_id;
	char		 conninfo[1024], hash[65];
	long long	 cols, rows;
	enum op_err	 er;

	memset(out, 0, sizeof(*out));
	if (!ticket_wellformed(ticket))
		return OP_EUNAUTH;
	op_sha256_hex(ticket, strlen(ticket), hash);
	if ((er = op_db_conninfo("projects", conninfo, sizeof(conninfo))) !=
	    OP_OK || (er = op_db_open(conninfo, &db)) != OP_OK)
		goto out;
	if ((er = op_db_execv(db, &res, "UPDATE projects.terminal_tickets t"
	    " SET used_at = now() FROM projects.containers c"
	    " WHERE t.hash = $1 AND t.used_at IS NULL AND t.expires_at > now()"
	    " AND c.id = t.container_id RETURNING t.container_id, t.user_id,"
	    " t.team_id, t.command, t.cols, t.rows,"
	    " COALESCE(t.docker_id, c.docker_id) AS docker_id", hash)) !=
	    OP_OK) {
		if (er != OP_ENOMEM)
			er = OP_EUNAVAIL;
		goto out;
	}
	if (PQntuples(res) != 1) {
		er = OP_EUNAUTH;	/* unknown, used, or expired */
		goto out;
	}
	docker_id = op_db_get(res, 0, "docker_id");
	if (!column(res, "container_id", out->container_id,
	    sizeof(out->container_id)) ||
	    !column(res, "user_id", out->user_id, sizeof(out->user_id)) ||
	    !column(res, "team_id", out->team_id, sizeof(out->team_id)) ||
	    (docker_id != NULL && !column(res, "docker_id", out->docker_id,
	    sizeof(out->docker_id))) ||
	    op_strtonum(op_db_get(res, 0, "cols"), 1, 1000, &cols) != OP_OK ||
	    op_strtonum(op_db_get(res, 0, "rows"), 1, 1000, &rows) != OP_OK ||
	    (out->command = json_loads(op_db_get(res, 0, "command"), 0,
	    NULL)) == NULL || !json_is_array(out->command)) {
		op_error("terminal ticket row is malformed");
		ticket_clear(out);
		er = OP_EINTERNAL;
		goto out;
	}
	out->cols = (int)cols;
	out->rows = (int)rows;
	er = OP_OK;
out:
	op_wipe(hash, sizeof(hash));
	PQclear(res);
	op_db_close(db);
	return er;
}

void
ticket_clear(struct ticket *t)
{
	json_decref(t->command);
	memset(t, 0, sizeof(*t));
}
