/*
 * projects.c — a team's projects. Deleting one removes its containers and
 * network from the engine (its volumes only when asked).
 */
#include <string.h>

#include "projects.h"

#define PROJECT_COLUMNS	"p.id, p.team_id, p.name, p.description, " \
			"p.created_at, p.updated_at, (SELECT count(*) FROM " \
			"projects.containers c WHERE c.project_id = p.id) " \
			"AS container_count"

enum op_err
project_authorize(struct op_req *r, const char *project_id,
    enum op_action act, const char **team_id)
{
	return op_project_authorize(r, project_id, act, team_id);
}

static const struct op_field list_fields[] = {
	{ "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/projects[?team_id=] — the projects of the caller's teams. */
enum op_err
projects_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	limit = v[1].set ? v[1].i : 50;
	er = op_db_execv(r->db, &res, "SELECT " PROJECT_COLUMNS
	    " FROM projects.projects p WHERE"
	    " ($2 OR p.team_id IN (SELECT team_id FROM auth.team_members_v"
	    "  WHERE user_id = $1))"
	    " AND ($3::uuid IS NULL OR p.team_id = $3::uuid)"
	    " AND ($4::uuid IS NULL OR (p.created_at, p.id) > (SELECT"
	    "  created_at, id FROM projects.projects WHERE id = $4::uuid))"
	    " ORDER BY p.created_at, p.id LIMIT $5", r->auth.user_id,
	    r->auth.admin ? "true" : "false", v[0].s, v[2].s,
	    op_req_printf(r, "%lld", limit + 1));
	if (er != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

static const struct op_field create_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "description", OP_FT_STRING, OP_FF_NULLABLE, 0, 2000, NULL },
};

/* One project as the API answers it. */
static enum op_err
project_reply(struct op_req *r, int status, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT " PROJECT_COLUMNS
	    " FROM projects.projects p WHERE p.id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such project",
		    NULL);
	else
		er = op_reply_row(r, status, res, 0);
	PQclear(res);
	return er;
}

/* POST /api/projects */
enum op_err
projects_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*id;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK)
		return er;
	er = op_team_authorize(r, v[0].s, OP_ACT_EDIT, &role);
	if (er == OP_ENOTFOUND)
		return op_fail(r, OP_EINVAL, "invalid_team_id",
		    "no such team", "team_id");
	if (er != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	er = op_db_execv(r->db, &res, "INSERT INTO projects.projects"
	    " (team_id, name, description) VALUES ($1, $2, COALESCE($3, ''))"
	    " RETURNING id", v[0].s, v[1].s, v[2].null ? NULL : v[2].s);
	if (er == OP_ECONFLICT)
		return op_fail(r, er, "name_taken",
		    "the team already has a project with this name", "name");
	if (er != OP_OK)
		return er;
	id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((er = op_event_emit(r, "project.created", v[0].s, "project", id,
	    json_pack("{s:s}", "name", v[1].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return project_reply(r, 201, id);
}

/* GET /api/projects/:id */
enum op_err
projects_get(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = project_authorize(r, r->params[0], OP_ACT_READ, &team)) !=
	    OP_OK)
		return er;
	return project_reply(r, 200, r->params[0]);
}

static const struct op_field update_fields[] = {
	{ "name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "description", OP_FT_STRING, OP_FF_NULLABLE, 0, 2000, NULL },
};

/* PUT /api/projects/:id — name and description. */
enum op_err
projects_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	const char	*team;
	enum op_err	 er;

	if ((er = project_authorize(r, r->params[0], OP_ACT_EDIT, &team)) !=
	    OP_OK ||
	    (er = op_fields_body(r, update_fields, nitems(update_fields), v)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	er = op_db_execv(r->db, NULL, "UPDATE projects.projects SET"
	    " name = COALESCE($2, name), description = CASE WHEN $4 THEN"
	    " COALESCE($3, '') ELSE description END, updated_at = now()"
	    " WHERE id = $1", r->params[0], v[0].set ? v[0].s : NULL,
	    v[1].set && !v[1].null ? v[1].s : NULL, v[1].set ? "true" : "false");
	if (er == OP_ECONFLICT)
		return op_fail(r, er, "name_taken",
		    "the team already has a project with this name", "name");
	if (er != OP_OK ||
	    (er = op_event_emit(r, "project.updated", team, "project",
	    r->params[0], json_pack("{s:b, s:b}", "name", v[0].set,
	    "description", v[1].set))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return project_reply(r, 200, r->params[0]);
}

/*
 * DELETE /api/projects/:id[?volumes=true] — the containers and network go
 * first; the row goes only once the engine has let them go, so a failure
 * halfway leaves a project that can be deleted again.
 */
enum op_err
projects_delete(struct op_req *r)
{
	static const struct op_field fields[] = {
		{ "volumes", OP_FT_BOOL, 0, 0, 0, NULL },
	};
	struct op_value	 v[nitems(fields)];
	struct container c;
	PGresult	*res = NULL;
	const char	*team;
	enum op_err	 er;
	int		 i;

	if ((er = project_authorize(r, r->params[0], OP_ACT_DELETE, &team)) !=
	    OP_OK ||
	    (er = op_fields_query(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT id, docker_id FROM"
	    " projects.containers WHERE project_id = $1", r->params[0])) !=
	    OP_OK)
		return er;
	for (i = 0; i < PQntuples(res); i++) {
		memset(&c, 0, sizeof(c));
		c.id = PQgetvalue(res, i, 0);
		c.docker_id = PQgetisnull(res, i, 1) ? NULL :
		    PQgetvalue(res, i, 1);
		if ((er = engine_remove(r, &c)) != OP_OK) {
			PQclear(res);
			return er;
		}
		op_proxy_forget(c.id);
	}
	PQclear(res);
	if ((er = engine_network_remove(r, r->params[0])) != OP_OK ||
	    (v[0].i && (er = engine_volumes_remove(r, r->params[0])) != OP_OK))
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM projects.projects"
	    " WHERE id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "project.deleted", team, "project",
	    r->params[0], json_pack("{s:b}", "volumes", (int)v[0].i))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}
