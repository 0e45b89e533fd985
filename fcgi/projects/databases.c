/*
 * databases.c — one-click databases: PostgreSQL, MySQL, MariaDB, Redis
 * and MongoDB as containers of a project, each with a named volume for
 * its data, a health check, and generated credentials that are sealed
 * at rest and revealed only by an explicit call that leaves an event.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

/* What each engine needs; env names take the generated credentials. */
struct db_engine {
	const char	*name;
	const char	*image;		/* repository; the tag is the version */
	const char	*version;	/* default tag */
	int		 port;
	const char	*data;		/* where its volume mounts */
	const char	*env_user, *env_password, *env_db, *env_root;
	const char	*health;	/* sh -c script; reads only our env */
	const char	*command;	/* sh -c script, or NULL for the image's */
	const char	*scheme;	/* of its connection URL */
	const char	*url_suffix;	/* after the database name */
};

static const struct db_engine engines[] = {
	{ "postgresql", "postgres", "16", 5432, "/var/lib/postgresql/data",
	  "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", NULL,
	  "pg_isready -q -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\"",
	  NULL, "postgresql", "" },
	{ "mysql", "mysql", "8.4", 3306, "/var/lib/mysql",
	  "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE",
	  "MYSQL_ROOT_PASSWORD",
	  "mysqladmin ping -h 127.0.0.1 --silent",
	  NULL, "mysql", "" },
	{ "mariadb", "mariadb", "11", 3306, "/var/lib/mysql",
	  "MARIADB_USER", "MARIADB_PASSWORD", "MARIADB_DATABASE",
	  "MARIADB_ROOT_PASSWORD",
	  "mariadb-admin ping -h 127.0.0.1 --silent",
	  NULL, "mysql", "" },
	{ "redis", "redis", "7", 6379, "/data",
	  NULL, "REDIS_PASSWORD", NULL, NULL,
	  "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | "
	  "grep -q PONG",
	  "exec redis-server --appendonly yes --dir /data "
	  "--enable-debug-command local --requirepass \"$REDIS_PASSWORD\"",
	  "redis", "" },
	{ "mongodb", "mongo", "7", 27017, "/data/db",
	  "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD",
	  "MONGO_INITDB_DATABASE", NULL,
	  "mongosh --quiet --eval 'db.adminCommand(\"ping\").ok' | grep -q 1",
	  NULL, "mongodb", "?authSource=admin" },
};

#define DATABASE_COLUMNS \
	"d.id, d.project_id, d.container_id, d.engine, d.version, " \
	"d.db_name AS database, d.username, c.name, c.state, c.health, " \
	"c.image, d.created_at"

static const struct db_engine *
engine_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(engines); i++)
		if (strcmp(engines[i].name, name) == 0)
			return &engines[i];
	return NULL;
}

static enum op_err
valid_engine(const char *s, const char **why)
{
	if (engine_find(s) == NULL) {
		*why = "must be postgresql, mysql, mariadb, redis or mongodb";
		return OP_EINVAL;
	}
	return OP_OK;
}

/* A tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static enum op_err
valid_version(const char *s, const char **why)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    (i > 0 && (s[i] == '.' || s[i] == '-')))) {
			*why = "must be an image tag such as 16 or 8.4";
			return OP_EINVAL;
		}
	return OP_OK;
}

/* The connection string for user/password, with host the container's
 * name on the project network. */
static char *
url(struct op_req *r, const struct db_engine *e, const char *user,
    const char *password, const char *host, const char *db)
{
	return op_req_printf(r, "%s://%s:%s@%s:%d/%s%s", e->scheme, user,
	    password, host, e->port, db, e->url_suffix);
}

/* The API's view: the row, and how the project's containers reach it. */
static json_t *
database_json(struct op_req *r, PGresult *res, int i)
{
	const struct db_engine	*e = engine_find(op_db_get(res, i, "engine"));
	json_t			*o = op_db_row_json(res, i);

	if (o == NULL || e == NULL)
		return o;
	json_object_set_new(o, "connection", json_pack("{s:s, s:i, s:s, s:s}",
	    "host", op_db_get(res, i, "name"), "port", e->port,
	    "database", op_db_get(res, i, "database"),
	    "url", url(r, e, op_db_get(res, i, "username"), "<password>",
	    op_db_get(res, i, "name"), op_db_get(res, i, "database"))));
	return o;
}

/* Answer one database by id. */
static enum op_err
databases_reply(struct op_req *r, int status, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT " DATABASE_COLUMNS
	    " FROM projects.databases d JOIN projects.containers c"
	    " ON c.id = d.container_id WHERE d.id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such database",
		    NULL);
	else
		er = op_reply_json(r, status, database_json(r, res, 0));
	PQclear(res);
	return er;
}

/* Load database id (authorising act in its team) into *res row 0. */
static enum op_err
database_authorize(struct op_req *r, const char *id, enum op_action act,
    PGresult **res, const char **team)
{
	const char	*why;
	enum op_err	 er;

	*res = NULL;
	if (id == NULL || op_valid_uuid(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such database", NULL);
	if ((er = op_db_execv(r->db, res, "SELECT " DATABASE_COLUMNS
	    ", d.password, c.docker_id FROM projects.databases d"
	    " JOIN projects.containers c ON c.id = d.container_id"
	    " WHERE d.id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(*res) != 1)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such database", NULL);
	er = project_authorize(r, op_db_get(*res, 0, "project_id"), act, team);
	if (er == OP_ENOTFOUND)
		er = op_fail(r, er, "not_found", "no such database", NULL);
	return er;
}

static const struct op_field create_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 63, op_valid_slug },
	{ "engine", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, valid_engine },
	{ "version", OP_FT_STRING, 0, 1, 128, valid_version },
	{ "image", OP_FT_STRING, 0, 1, 512, op_valid_image },
	{ "memory_mb", OP_FT_INT, 0, 32, 1048576, NULL },
};

/* The container definition of a database. */
static json_t *
database_spec(const struct db_engine *e, const char *volume, long long mem)
{
	json_t	*spec;

	spec = json_pack("{s:n, s:[], s:[{s:s, s:s, s:b}], s:n, s:n, s:s,"
	    " s:{s:[s, s, s], s:I, s:I, s:I, s:I}, s:{}}",
	    "command", "ports", "volumes", "name", volume, "path", e->data,
	    "read_only", 0, "cpus", "memory_mb", "restart", "unless-stopped",
	    "healthcheck", "test", "sh", "-c", e->health, "interval_s", 5LL,
	    "timeout_s", 5LL, "retries", 10LL, "start_period_s", 5LL,
	    "labels");
	if (spec != NULL && e->command != NULL)
		json_object_set_new(spec, "command", json_pack("[s, s, s]",
		    "sh", "-c", e->command));
	if (spec != NULL && mem > 0)
		json_object_set_new(spec, "memory_mb", json_integer(mem));
	return spec;
}

/* The engine's environment: the credentials, all secret. */
static json_t *
credentials_env(const struct db_engine *e, const char *user,
    const char *password, const char *db, const char *root)
{
	json_t	*env = json_object();

	if (e->env_user != NULL)
		json_object_set_new(env, e->env_user, json_string(user));
	json_object_set_new(env, e->env_password, json_string(password));
	if (e->env_db != NULL)
		json_object_set_new(env, e->env_db, json_string(db));
	if (e->env_root != NULL)
		json_object_set_new(env, e->env_root, json_string(root));
	return env;
}

/*
 * Launch a database of engine e running image as container c (its
 * project_id, team_id and name set): generated credentials, its row
 * with version (a label), database.created; committed. *id the new
 * database's id (arena). On failure nothing stays.
 */
static enum op_err
database_launch(struct op_req *r, const struct db_engine *e,
    struct container *c, const char *image, const char *version,
    long long mem, const char **id)
{
	PGresult	*res = NULL;
	json_t		*secrets = NULL;
	char		 password[48], root[48], *sealed = NULL, *db, *p;
	const char	*user;
	enum op_err	 er;

	/* A database and user named after it: letters, digits, '_' (and
	 * the user within MySQL's 32 characters). PostgreSQL reserves the
	 * role names that begin "pg_": such a user is "u_" and the name. */
	if ((db = op_req_strdup(r, c->name)) == NULL)
		return OP_ENOMEM;
	for (p = db; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	if (strcmp(e->name, "redis") == 0)
		user = "default";
	else if (strcmp(e->name, "postgresql") == 0 &&
	    strncmp(db, "pg_", 3) == 0)
		user = op_req_printf(r, "u_%.30s", db);
	else
		user = op_req_printf(r, "%.32s", db);
	if (strcmp(e->name, "redis") == 0)
		db = op_req_strdup(r, "0");
	if (user == NULL || db == NULL)
		return OP_ENOMEM;
	if ((er = op_random_token(password, sizeof(password), 24)) != OP_OK ||
	    (er = op_random_token(root, sizeof(root), 24)) != OP_OK)
		goto out;
	c->image = image;
	c->spec = database_spec(e, c->name, mem);
	op_req_own_json(r, c->spec);
	secrets = credentials_env(e, user, password, db, root);
	if (c->spec == NULL || secrets == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = op_secret_seal(password, strlen(password), &sealed)) !=
	    OP_OK ||
	    (er = container_launch(r, c, NULL, secrets, 1)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO projects.databases"
	    " (project_id, container_id, engine, version, db_name, username,"
	    " password) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
	    c->project_id, c->id, e->name, version, db, user, sealed)) !=
	    OP_OK ||
	    (er = op_event_emit(r, "database.created", c->team_id, "database",
	    PQgetvalue(res, 0, 0), json_pack("{s:s, s:s, s:s}", "project_id",
	    c->project_id, "engine", e->name, "container_id", c->id))) !=
	    OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		(void)engine_remove(r, c);
		goto out;
	}
	*id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	(void)engine_refresh(r, c);
	r->err.set = 0;
out:
	op_wipe(password, sizeof(password));
	op_wipe(root, sizeof(root));
	json_decref(secrets);
	free(sealed);
	PQclear(res);
	return er;
}

/* POST /api/databases */
enum op_err
databases_create(struct op_req *r)
{
	struct op_value		 v[nitems(create_fields)];
	const struct db_engine	*e;
	struct container	 c;
	const char		*id, *image;
	enum op_err		 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK)
		return er;
	e = engine_find(v[2].s);
	memset(&c, 0, sizeof(c));
	if ((er = project_authorize(r, v[0].s, OP_ACT_EDIT, &c.team_id)) !=
	    OP_OK ||
	    (er = container_name_free(r, v[0].s, v[1].s)) != OP_OK)
		return er;
	c.project_id = v[0].s;
	c.name = v[1].s;
	image = v[4].set ? v[4].s : op_req_printf(r, "%s:%s", e->image,
	    v[3].set ? v[3].s : e->version);
	if ((er = database_launch(r, e, &c, image, v[3].set ? v[3].s :
	    v[4].set ? "custom" : e->version, v[5].set ? v[5].i : 0, &id)) !=
	    OP_OK)
		return er;
	return databases_reply(r, 201, id);
}

static const struct op_field copy_fields[] = {
	{ "container_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 63, op_valid_slug },
};

/*
 * POST /api/databases/copies (internal) — {container_id, name}: a new,
 * empty database of the same engine, image and memory as the one in
 * container_id, called name in the same project (201), for op-backups
 * to restore into. When the project already has a database of that name
 * and engine (a retried job), that one (200); another container of the
 * name is a 409.
 */
enum op_err
databases_copy(struct op_req *r)
{
	struct op_value		 v[nitems(copy_fields)];
	const struct db_engine	*e;
	struct container	 c;
	PGresult		*res = NULL;
	const char		*id;
	enum op_err		 er;

	if ((er = op_fields_body(r, copy_fields, nitems(copy_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT d.project_id, p.team_id,"
	    " d.engine, d.version, c.image, (c.spec ->> 'memory_mb')::bigint"
	    " AS memory_mb, (SELECT n.id FROM projects.databases n JOIN"
	    "  projects.containers nc ON nc.id = n.container_id WHERE"
	    "  nc.project_id = d.project_id AND nc.name = $2 AND"
	    "  n.engine = d.engine) AS existing"
	    " FROM projects.databases d JOIN projects.containers c"
	    " ON c.id = d.container_id JOIN projects.projects p"
	    " ON p.id = d.project_id WHERE d.container_id = $1", v[0].s,
	    v[1].s)) != OP_OK)
		return er;
	if (PQntuples(res) != 1 || (e = engine_find(op_db_get(res, 0,
	    "engine"))) == NULL) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such database",
		    "container_id");
	}
	if ((id = op_db_get(res, 0, "existing")) != NULL) {
		id = op_req_strdup(r, id);
		PQclear(res);
		return databases_reply(r, 200, id);
	}
	memset(&c, 0, sizeof(c));
	c.project_id = op_req_strdup(r, op_db_get(res, 0, "project_id"));
	c.team_id = op_req_strdup(r, op_db_get(res, 0, "team_id"));
	c.name = v[1].s;
	if ((er = container_name_free(r, c.project_id, c.name)) == OP_OK)
		er = database_launch(r, e, &c, op_req_strdup(r, op_db_get(res,
		    0, "image")), op_req_strdup(r, op_db_get(res, 0, "version")),
		    op_db_get(res, 0, "memory_mb") ? strtoll(op_db_get(res, 0,
		    "memory_mb"), NULL, 10) : 0, &id);
	PQclear(res);
	return er != OP_OK ? er : databases_reply(r, 201, id);
}

static const struct op_field list_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
};

/* GET /api/databases?project_id= */
enum op_err
databases_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	const char	*team;
	json_t		*items;
	enum op_err	 er;
	int		 i;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK ||
	    (er = project_authorize(r, v[0].s, OP_ACT_READ, &team)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " DATABASE_COLUMNS
	    " FROM projects.databases d JOIN projects.containers c"
	    " ON c.id = d.container_id WHERE d.project_id = $1"
	    " ORDER BY d.created_at, d.id", v[0].s)) != OP_OK)
		return er;
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, database_json(r, res, i));
	PQclear(res);
	return op_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items,
	    "next"));
}

/* GET /api/databases/:id */
enum op_err
databases_get(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team;
	enum op_err	 er;

	er = database_authorize(r, r->params[0], OP_ACT_READ, &res, &team);
	PQclear(res);
	if (er != OP_OK)
		return er;
	return databases_reply(r, 200, r->params[0]);
}

/*
 * POST /api/databases/:id/reveal — the credentials, for those who manage
 * the team's secrets; every reveal is an event (and so in the audit).
 */
enum op_err
databases_reveal(struct op_req *r)
{
	const struct db_engine	*e;
	PGresult		*res = NULL;
	unsigned char		*pw = NULL;
	const char		*team;
	char			*password;
	size_t			 len = 0;
	enum op_err		 er;

	if ((er = database_authorize(r, r->params[0], OP_ACT_SECRETS, &res,
	    &team)) != OP_OK)
		goto out;
	e = engine_find(op_db_get(res, 0, "engine"));
	if (e == NULL || op_secret_open(op_db_get(res, 0, "password"), &pw,
	    &len) != OP_OK) {
		er = OP_EINTERNAL;
		goto out;
	}
	password = op_req_printf(r, "%.*s", (int)len, (char *)pw);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_event_emit(r, "database.credentials_revealed", team,
	    "database", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_json(r, 200, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s,"
	    " s:s}", "engine", e->name, "host", op_db_get(res, 0, "name"),
	    "port", e->port, "database", op_db_get(res, 0, "database"),
	    "username", op_db_get(res, 0, "username"), "password", password,
	    "url", url(r, e, op_db_get(res, 0, "username"), password,
	    op_db_get(res, 0, "name"), op_db_get(res, 0, "database"))));
out:
	if (pw != NULL) {
		op_wipe(pw, len);
		free(pw);
	}
	PQclear(res);
	return er;
}

/* Remove the database in row 0 of res (container_id, docker_id,
 * project_id, name, engine) of team, its volume too when volumes. */
static enum op_err
database_remove(struct op_req *r, PGresult *res, const char *team,
    int volumes)
{
	struct container	 c;
	char			 vol[128];
	enum op_err		 er;

	memset(&c, 0, sizeof(c));
	c.id = op_req_strdup(r, op_db_get(res, 0, "container_id"));
	c.docker_id = op_db_get(res, 0, "docker_id");
	if ((er = engine_remove(r, &c)) != OP_OK)
		return er;
	name_volume(op_db_get(res, 0, "project_id"), op_db_get(res, 0, "name"),
	    vol);
	if (volumes && (er = engine_volume_remove(r, vol)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM projects.containers"
	    " WHERE id = $1", c.id)) != OP_OK ||
	    (er = op_event_emit(r, "database.deleted", team, "database",
	    op_db_get(res, 0, "id"), json_pack("{s:s, s:b}", "engine",
	    op_db_get(res, 0, "engine"), "volumes", volumes))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		op_db_rollback(r->db);
	return er;
}

/* DELETE /api/databases/:id[?volumes=true] — its container goes too. */
enum op_err
databases_delete(struct op_req *r)
{
	static const struct op_field fields[] = {
		{ "volumes", OP_FT_BOOL, 0, 0, 0, NULL },
	};
	struct op_value		 v[nitems(fields)];
	PGresult		*res = NULL;
	const char		*team;
	enum op_err		 er;

	if ((er = database_authorize(r, r->params[0], OP_ACT_DELETE, &res,
	    &team)) == OP_OK &&
	    (er = op_fields_query(r, fields, nitems(fields), v)) == OP_OK &&
	    (er = database_remove(r, res, team, (int)v[0].i)) == OP_OK)
		er = op_reply_empty(r, 204);
	PQclear(res);
	return er;
}

/*
 * DELETE /api/databases/copies/:container_id (internal) — the database
 * in that container goes, its volume with it (op-backups' scratch
 * restores). Gone already is a 404.
 */
enum op_err
databases_copy_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*why;
	enum op_err	 er;

	if (op_valid_uuid(r->params[0], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such database",
		    NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT d.id, d.container_id,"
	    " c.docker_id, d.project_id, c.name, d.engine, p.team_id"
	    " FROM projects.databases d JOIN projects.containers c"
	    " ON c.id = d.container_id JOIN projects.projects p"
	    " ON p.id = d.project_id WHERE d.container_id = $1",
	    r->params[0])) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such database",
		    NULL);
	else if ((er = database_remove(r, res, op_req_strdup(r, op_db_get(res,
	    0, "team_id")), 1)) == OP_OK)
		er = op_reply_empty(r, 204);
	PQclear(res);
	return er;
}
