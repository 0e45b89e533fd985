/*
 * tools.c — how each one-click database engine is dumped and restored
 * inside its own container. Only values the panel chose reach an argv
 * (the database and user names op-projects derived from a slug); the
 * credentials stay in the container's environment, read by its shell.
 */
#include <string.h>

#include "backups.h"

static const struct db_tool tools[] = {
	{ "postgresql",
	  { "pg_dump", "-U", "@USER@", "--no-password", "--clean",
	    "--if-exists", "--no-owner", "--no-privileges", "--", "@DB@",
	    NULL },
	  { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password",
	    "-U", "@USER@", "-d", "@DB@", NULL },
	  "sql",
	  { "psql", "-X", "-At", "--no-password", "-U", "@USER@", "-d", "@DB@",
	    "-c", "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname"
	    " NOT IN ('pg_catalog', 'information_schema')", NULL } },
	{ "mysql",
	  { "sh", "-c", "exec mysqldump -uroot -p\"$MYSQL_ROOT_PASSWORD\""
	    " --single-transaction --routines \"$MYSQL_DATABASE\"", NULL },
	  { "sh", "-c", "exec mysql -uroot -p\"$MYSQL_ROOT_PASSWORD\""
	    " \"$MYSQL_DATABASE\"", NULL },
	  "sql",
	  { "sh", "-c", "exec mysql -uroot -p\"$MYSQL_ROOT_PASSWORD\" -N -B"
	    " \"$MYSQL_DATABASE\" -e 'SELECT COUNT(*) FROM"
	    " information_schema.tables WHERE table_schema = DATABASE()'",
	    NULL } },
	{ "mariadb",
	  { "sh", "-c", "exec mariadb-dump -uroot"
	    " -p\"$MARIADB_ROOT_PASSWORD\" --single-transaction --routines"
	    " \"$MARIADB_DATABASE\"", NULL },
	  { "sh", "-c", "exec mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\""
	    " \"$MARIADB_DATABASE\"", NULL },
	  "sql",
	  { "sh", "-c", "exec mariadb -uroot -p\"$MARIADB_ROOT_PASSWORD\" -N -B"
	    " \"$MARIADB_DATABASE\" -e 'SELECT COUNT(*) FROM"
	    " information_schema.tables WHERE table_schema = DATABASE()'",
	    NULL } },
	{ "mongodb",
	  { "sh", "-c", "exec mongodump --quiet --archive"
	    " -u \"$MONGO_INITDB_ROOT_USERNAME\""
	    " -p \"$MONGO_INITDB_ROOT_PASSWORD\""
	    " --authenticationDatabase admin", NULL },
	  { "sh", "-c", "exec mongorestore --quiet --archive --drop"
	    " -u \"$MONGO_INITDB_ROOT_USERNAME\""
	    " -p \"$MONGO_INITDB_ROOT_PASSWORD\""
	    " --authenticationDatabase admin", NULL },
	  "archive",
	  { "sh", "-c", "exec mongosh --quiet"
	    " -u \"$MONGO_INITDB_ROOT_USERNAME\""
	    " -p \"$MONGO_INITDB_ROOT_PASSWORD\""
	    " --authenticationDatabase admin"
	    " --eval 'db.getMongo().getDBNames().length'", NULL } },
	/* Redis: its RDB, streamed by redis-cli; restored by putting the
	 * file in place and loading it (DEBUG RELOAD, which op-projects'
	 * Redis allows from inside the container), then rewriting the
	 * append-only file so that a restart keeps what was restored. */
	{ "redis",
	  { "sh", "-c", "exec redis-cli -a \"$REDIS_PASSWORD\""
	    " --no-auth-warning --rdb -", NULL },
	  { "sh", "-c", "cat > /data/.restore.rdb &&"
	    " mv /data/.restore.rdb /data/dump.rdb &&"
	    " [ \"$(redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning"
	    " DEBUG RELOAD NOSAVE)\" = OK ] &&"
	    " redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning"
	    " BGREWRITEAOF >/dev/null", NULL },
	  "rdb",
	  { "sh", "-c", "exec redis-cli -a \"$REDIS_PASSWORD\""
	    " --no-auth-warning DBSIZE", NULL } },
};

const struct db_tool *
db_tool_find(const char *engine)
{
	size_t	i;

	for (i = 0; engine != NULL && i < nitems(tools); i++)
		if (strcmp(tools[i].engine, engine) == 0)
			return &tools[i];
	return NULL;
}

json_t *
db_tool_argv(const char *const *tmpl, const char *user, const char *db)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && tmpl[i] != NULL; i++)
		json_array_append_new(a, json_string(strcmp(tmpl[i], "@USER@")
		    == 0 ? user : strcmp(tmpl[i], "@DB@") == 0 ? db :
		    tmpl[i]));
	return a;
}
