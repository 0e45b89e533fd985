/*
 * migrate.c — forward-only schema migrations: the numbered *.sql files of
 * a directory, applied in order, each once, in one transaction under an
 * advisory lock, recorded in <schema>.migrations.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"

#define MIGRATIONS_MAX	512
#define MIGRATION_SIZE	(1024 * 1024)

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "001_init.sql": digits, an underscore, a name, ".sql". */
static int
is_migration(const char *name)
{
	size_t	n = strlen(name), i;

	if (n < 6 || strcmp(name + n - 4, ".sql") != 0 ||
	    name[0] < '0' || name[0] > '9')
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-", name[i]))
			return 0;
	return 1;
}

/* The sorted migration file names of dir; *names is malloc'd. */
static enum op_err
list_dir(const char *dir, char ***names, size_t *count)
{
	DIR		*d;
	struct dirent	*e;
	char		**v = NULL;
	size_t		 n = 0;
	enum op_err	 er = OP_OK;

	*names = NULL;
	*count = 0;
	if ((d = opendir(dir)) == NULL) {
		op_error("migrations: %s: %s", dir, strerror(errno));
		return OP_EIO;
	}
	if ((v = calloc(MIGRATIONS_MAX, sizeof(*v))) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_migration(e->d_name))
			continue;
		if (n == MIGRATIONS_MAX || (v[n] = strdup(e->d_name)) == NULL) {
			er = OP_ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(v, n, sizeof(*v), name_cmp);
out:
	closedir(d);
	if (er != OP_OK) {
		while (n > 0)
			free(v[--n]);
		free(v);
		return er;
	}
	*names = v;
	*count = n;
	return OP_OK;
}

static enum op_err
read_file(const char *path, char **out)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 n;
	enum op_err er = OP_OK;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL)
		return OP_EIO;
	if ((buf = malloc(MIGRATION_SIZE + 1)) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	n = fread(buf, 1, MIGRATION_SIZE + 1, f);
	if (ferror(f) || n > MIGRATION_SIZE) {
		er = OP_EIO;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return er;
}

/* Run a whole file (several statements) inside the open transaction. */
static enum op_err
apply(struct op_db *db, const char *dir, const char *name)
{
	char		 path[4096];
	char		*sql = NULL;
	PGresult	*res;
	enum op_err	 er;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((er = read_file(path, &sql)) != OP_OK) {
		op_error("migration %s: cannot read", path);
		return er;
	}
	res = PQexec(op_db_conn(db), sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		op_error("migration %s failed: %s", name,
		    PQresultErrorMessage(res));
		er = OP_EINTERNAL;
	}
	PQclear(res);
	free(sql);
	return er;
}

enum op_err
op_migrate(struct op_db *db, const char *schema, const char *dir)
{
	PGresult	*res = NULL;
	char		**names = NULL, *sql = NULL, *ident = NULL;
	size_t		 count = 0, i, applied = 0;
	enum op_err	 er;
	const char	*why;

	if (op_valid_slug(schema, &why) != OP_OK || strchr(schema, '-'))
		return OP_EINVAL;
	if ((er = list_dir(dir, &names, &count)) != OP_OK)
		return er;
	if ((er = op_db_begin(db)) != OP_OK)
		goto out;
	if ((er = op_db_execv(db, NULL, "SELECT pg_advisory_xact_lock("
	    "hashtext('openpanel.migrate.' || $1))", schema)) != OP_OK)
		goto out;
	ident = PQescapeIdentifier(op_db_conn(db), schema, strlen(schema));
	if (ident == NULL || asprintf(&sql, "CREATE TABLE IF NOT EXISTS "
	    "%s.migrations (name text PRIMARY KEY, applied_at timestamptz "
	    "NOT NULL DEFAULT now())", ident) < 0) {
		sql = NULL;
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = op_db_exec(db, NULL, sql, 0, NULL)) != OP_OK ||
	    (er = op_db_execv(db, NULL, "SELECT set_config('search_path', "
	    "$1 || ', public', true)", ident)) != OP_OK)
		goto out;
	free(sql);
	sql = NULL;
	if (asprintf(&sql, "INSERT INTO %s.migrations (name) VALUES ($1) "
	    "ON CONFLICT DO NOTHING RETURNING name", ident) < 0) {
		sql = NULL;
		er = OP_ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((er = op_db_execv(db, &res, sql, names[i])) != OP_OK)
			goto out;
		if (PQntuples(res) == 1) {	/* new to this database */
			if ((er = apply(db, dir, names[i])) != OP_OK)
				goto out;
			op_info("migration %s.%s applied", schema, names[i]);
			applied++;
		}
		PQclear(res);
		res = NULL;
	}
	er = op_db_commit(db);
out:
	PQclear(res);
	if (er != OP_OK)
		op_db_rollback(db);
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	free(sql);
	PQfreemem(ident);
	return er;
}
