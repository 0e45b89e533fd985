/*
 * db.c — PostgreSQL access: one lazily (re)connected session per process,
 * parameterised statements only, errors mapped to enum op_err (rows as
 * JSON: dbjson.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "openpanel.h"

#define PREPARED_MAX	256	/* statements kept prepared per session */

struct op_db {
	char	*conninfo;
	PGconn	*conn;
	int	 in_tx;
	/* Statements this session has prepared, by text: parsed and planned
	 * once, not on every request. */
	char	*prepared[PREPARED_MAX];
	size_t	 nprepared;
};

/* A new session has prepared nothing. */
static void
prepared_forget(struct op_db *db)
{
	while (db->nprepared > 0)
		free(db->prepared[--db->nprepared]);
}

enum op_err
op_db_conninfo(const char *service, char *out, size_t outsz)
{
	char		 key[64], *p;
	const char	*v;
	int		 n;

	snprintf(key, sizeof(key), "OP_DB_%s", service);
	for (p = key; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	if ((v = op_config_get(key, NULL)) != NULL)
		n = snprintf(out, outsz, "%s", v);
	else
		n = snprintf(out, outsz, "%s user=op_%s",
		    op_config_get("OP_DB", "dbname=openpanel"), service);
	return n < 0 || (size_t)n >= outsz ? OP_EINVAL : OP_OK;
}

enum op_err
op_db_open(const char *conninfo, struct op_db **out)
{
	struct op_db	*db;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->conninfo = strdup(conninfo)) == NULL) {
		free(db);
		return OP_ENOMEM;
	}
	*out = db;
	return OP_OK;
}

void
op_db_close(struct op_db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	prepared_forget(db);
	free(db->conninfo);
	free(db);
}

/*
 * The name under which sql is prepared in this session, preparing it on
 * first use; NULL when it cannot be (the cache is full, or the server
 * refused: then the caller runs it unprepared and gets the real error).
 */
static const char *
prepared_name(struct op_db *db, const char *sql, int n, char name[16])
{
	PGresult	*res;
	char		 drop[32];
	size_t		 i;
	int		 ok;

	/* Only queries: transaction control and the like run as they are. */
	if (strncasecmp(sql, "SELECT", 6) != 0 &&
	    strncasecmp(sql, "INSERT", 6) != 0 &&
	    strncasecmp(sql, "UPDATE", 6) != 0 &&
	    strncasecmp(sql, "DELETE", 6) != 0 &&
	    strncasecmp(sql, "WITH", 4) != 0)
		return NULL;
	for (i = 0; i < db->nprepared; i++)
		if (strcmp(db->prepared[i], sql) == 0) {
			snprintf(name, 16, "op_%zu", i);
			return name;
		}
	if (db->nprepared == PREPARED_MAX)
		return NULL;
	snprintf(name, 16, "op_%zu", db->nprepared);
	res = PQprepare(db->conn, name, sql, n, NULL);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || (db->prepared[db->nprepared] = strdup(sql)) == NULL) {
		if (ok) {	/* out of memory: let the server forget it */
			snprintf(drop, sizeof(drop), "DEALLOCATE %s", name);
			res = PQexec(db->conn, drop);
			PQclear(res);
		}
		return NULL;
	}
	db->nprepared++;
	return name;
}

/* Make sure a live connection exists, (re)connecting when needed. */
static enum op_err
db_connect(struct op_db *db)
{
	PGresult	*res;

	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return OP_OK;
	if (db->conn != NULL)
		PQfinish(db->conn);
	prepared_forget(db);
	db->in_tx = 0;
	db->conn = PQconnectdb(db->conninfo);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		op_warn("postgresql: %s", PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return OP_EUNAVAIL;
	}
	res = PQexec(db->conn, "SET TimeZone = 'UTC'; "
	    "SET statement_timeout = '30s'");
	PQclear(res);
	return OP_OK;
}

PGconn *
op_db_conn(struct op_db *db)
{
	return db_connect(db) == OP_OK ? db->conn : NULL;
}

/* Map a failed result to an error, logging what is not the client's. */
static enum op_err
db_error(struct op_db *db, const PGresult *res, const char *sql)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (PQstatus(db->conn) != CONNECTION_OK) {
		op_warn("postgresql connection lost: %s",
		    PQerrorMessage(db->conn));
		return OP_EUNAVAIL;
	}
	if (state == NULL)
		state = "";
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return OP_ECONFLICT;
	if (strcmp(state, "57014") == 0)
		return OP_ETIMEOUT;
	/* A data exception is a value the validators let through: still the
	 * client's value, so a 422, but logged, as the validator is wrong. */
	if (strncmp(state, "22", 2) == 0) {
		op_warn("sql refused a value (%s): %s", state,
		    PQresultErrorMessage(res));
		return OP_EINVAL;
	}
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P03") == 0 || strcmp(state, "53300") == 0)
		return OP_EUNAVAIL;
	op_error("sql failed (%s): %s in: %.200s", state,
	    PQresultErrorMessage(res), sql);
	return OP_EINTERNAL;
}

enum op_err
op_db_exec(struct op_db *db, PGresult **out, const char *sql, int n,
    const char *const *params)
{
	PGresult	*res = NULL;
	const char	*pname;
	char		 name[16];
	enum op_err	 er;
	int		 tries;

	if (out != NULL)
		*out = NULL;
	for (tries = 0; tries < 2; tries++) {
		if ((er = db_connect(db)) != OP_OK)
			return er;
		if ((pname = prepared_name(db, sql, n, name)) != NULL)
			res = PQexecPrepared(db->conn, pname, n, params, NULL,
			    NULL, 0);
		else
			res = PQexecParams(db->conn, sql, n, NULL, params, NULL,
			    NULL, 0);
		if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK))
			break;
		er = res ? db_error(db, res, sql) : OP_EUNAVAIL;
		PQclear(res);
		res = NULL;
		/* A connection that died outside a transaction: retry once. */
		if (er != OP_EUNAVAIL || db->in_tx ||
		    PQstatus(db->conn) == CONNECTION_OK)
			return er;
		PQfinish(db->conn);
		db->conn = NULL;
	}
	if (res == NULL)
		return OP_EUNAVAIL;
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return OP_OK;
}

enum op_err
op_db_begin(struct op_db *db)
{
	enum op_err	er;

	if ((er = op_db_exec(db, NULL, "BEGIN", 0, NULL)) == OP_OK)
		db->in_tx = 1;
	return er;
}

enum op_err
op_db_commit(struct op_db *db)
{
	enum op_err	er;

	er = op_db_exec(db, NULL, "COMMIT", 0, NULL);
	db->in_tx = 0;
	return er;
}

int
op_db_in_tx(struct op_db *db)
{
	return db->conn != NULL &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

void
op_db_rollback(struct op_db *db)
{
	PGresult	*res;

	if (db->conn == NULL ||
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		db->in_tx = 0;
		return;
	}
	res = PQexec(db->conn, "ROLLBACK");
	PQclear(res);
	db->in_tx = 0;
}

const char *
op_db_get(const PGresult *res, int row, const char *col)
{
	int	c = PQfnumber(res, col);

	if (c < 0 || row >= PQntuples(res) || PQgetisnull(res, row, c))
		return NULL;
	return PQgetvalue(res, row, c);
}
