/*
 * registries.c — a team's credentials for private image registries. The
 * password is sealed at rest and never answered; pulls of the team's
 * images from that server present it to the engine.
 */
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define REGISTRY_COLUMNS "id, team_id, server, username, created_at"

/* host[:port] of a registry, or docker.io. */
static enum op_err
valid_server(const char *s, const char **why)
{
	const char	*colon = strrchr(s, ':');
	char		 host[254];
	long long	 port;
	size_t		 n = colon ? (size_t)(colon - s) : strlen(s);

	if (n == 0 || n >= sizeof(host)) {
		*why = "must be a registry host[:port]";
		return OP_EINVAL;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (op_valid_hostname(host, why) != OP_OK ||
	    (colon != NULL && op_strtonum(colon + 1, 1, 65535, &port) !=
	    OP_OK)) {
		*why = "must be a registry host[:port]";
		return OP_EINVAL;
	}
	return OP_OK;
}

const char *
registry_of(struct op_req *r, const char *image)
{
	const char	*slash = strchr(image, '/');
	size_t		 n;

	if (slash == NULL)
		return "docker.io";
	n = (size_t)(slash - image);
	if (memchr(image, '.', n) == NULL && memchr(image, ':', n) == NULL &&
	    !(n == 9 && strncmp(image, "localhost", 9) == 0))
		return "docker.io";
	return op_req_printf(r, "%.*s", (int)n, image);
}

enum op_err
registry_auth(struct op_req *r, struct op_docker *d, const char *team_id,
    const char *image)
{
	PGresult	*res = NULL;
	unsigned char	*pw = NULL;
	const char	*server = registry_of(r, image);
	char		*password;
	size_t		 len = 0;
	enum op_err	 er;

	if (team_id == NULL)
		return OP_OK;
	if ((er = op_db_execv(r->db, &res, "SELECT username, password FROM"
	    " projects.registries WHERE team_id = $1 AND server = $2", team_id,
	    server)) != OP_OK || PQntuples(res) != 1)
		goto out;	/* none: pull anonymously */
	if ((er = op_secret_open(PQgetvalue(res, 0, 1), &pw, &len)) != OP_OK) {
		er = OP_EINTERNAL;
		goto out;
	}
	password = op_req_printf(r, "%.*s", (int)len, (char *)pw);
	er = op_docker_registry_auth(d, PQgetvalue(res, 0, 0), password,
	    server);
	op_wipe(password, len);
out:
	if (pw != NULL) {
		op_wipe(pw, len);
		free(pw);
	}
	PQclear(res);
	return er;
}

static const struct op_field list_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
};

/* GET /api/registries?team_id= */
enum op_err
registries_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK || (er = op_team_authorize(r, v[0].s, OP_ACT_READ, &role)) !=
	    OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT " REGISTRY_COLUMNS " FROM"
	    " projects.registries WHERE team_id = $1 ORDER BY server",
	    v[0].s)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}

static const struct op_field create_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "server", OP_FT_STRING, OP_FF_REQUIRED, 1, 260, valid_server },
	{ "username", OP_FT_STRING, OP_FF_REQUIRED, 1, 256, op_valid_text },
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 1, 4096,
	    op_valid_text },
};

/* POST /api/registries — managing the team's secrets. */
enum op_err
registries_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	char		*sealed = NULL;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK ||
	    (er = op_team_authorize(r, v[0].s, OP_ACT_SECRETS, &role)) != OP_OK)
		return er;
	if ((er = op_secret_seal(v[3].s, strlen(v[3].s), &sealed)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK)
		goto out;
	er = op_db_execv(r->db, &res, "INSERT INTO projects.registries"
	    " (team_id, server, username, password) VALUES ($1, $2, $3, $4)"
	    " RETURNING " REGISTRY_COLUMNS, v[0].s, v[1].s, v[2].s, sealed);
	if (er == OP_ECONFLICT) {
		er = op_fail(r, er, "registry_exists", "the team already has "
		    "credentials for this server; delete them first", "server");
		goto out;
	}
	if (er != OP_OK ||
	    (er = op_event_emit(r, "registry.created", v[0].s, "registry",
	    PQgetvalue(res, 0, 0), json_pack("{s:s, s:s}", "server", v[1].s,
	    "username", v[2].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 201, res, 0);
out:
	free(sealed);
	PQclear(res);
	return er;
}

/* DELETE /api/registries/:id */
enum op_err
registries_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*why;
	enum op_err	 er;

	if (op_valid_uuid(r->params[0], &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such registry", NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT team_id FROM"
	    " projects.registries WHERE id = $1", r->params[0])) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such registry", NULL);
	}
	er = op_team_authorize(r, PQgetvalue(res, 0, 0), OP_ACT_SECRETS, &role);
	if (er == OP_ENOTFOUND)
		er = op_fail(r, er, "not_found", "no such registry", NULL);
	if (er != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM projects.registries"
	    " WHERE id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "registry.deleted", PQgetvalue(res, 0, 0),
	    "registry", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		PQclear(res);
		return er;
	}
	PQclear(res);
	return op_reply_empty(r, 204);
}
