/*
 * perm.c — roles and what each may do in a team: the one permission
 * table, and the team-scoped authorisation every service uses.
 */
#include <string.h>

#include "openpanel.h"

static const char *const role_names[OP_ROLE__MAX] = {
	[OP_ROLE_VIEWER] = "viewer",
	[OP_ROLE_DEVELOPER] = "developer",
	[OP_ROLE_ADMIN] = "admin",
	[OP_ROLE_OWNER] = "owner",
};

#define R	(1u << OP_ACT_READ)
#define O	(1u << OP_ACT_OPERATE)
#define E	(1u << OP_ACT_EDIT)
#define D	(1u << OP_ACT_DELETE)
#define S	(1u << OP_ACT_SECRETS)
#define M	(1u << OP_ACT_MEMBERS)
#define T	(1u << OP_ACT_TEAM)

static const unsigned allowed[OP_ROLE__MAX] = {
	[OP_ROLE_VIEWER]	= R,
	[OP_ROLE_DEVELOPER]	= R | O | E,
	[OP_ROLE_ADMIN]		= R | O | E | D | S | M,
	[OP_ROLE_OWNER]		= R | O | E | D | S | M | T,
};

const char *
op_role_name(enum op_role role)
{
	return role < OP_ROLE__MAX ? role_names[role] : "none";
}

enum op_err
op_role_parse(const char *s, enum op_role *out)
{
	int	i;

	*out = OP_ROLE_VIEWER;
	for (i = 0; i < OP_ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum op_role)i;
			return OP_OK;
		}
	return OP_EINVAL;
}

int
op_role_allows(enum op_role role, enum op_action act)
{
	return role < OP_ROLE__MAX && act < OP_ACT__MAX &&
	    (allowed[role] & (1u << act)) != 0;
}

enum op_err
op_team_authorize(struct op_req *r, const char *team_id, enum op_action act,
    enum op_role *role)
{
	PGresult	*res = NULL;
	const char	*why, *v;
	enum op_role	 got;
	enum op_err	 er;

	*role = OP_ROLE_VIEWER;
	if (team_id == NULL || op_valid_uuid(team_id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such team",
		    NULL);
	er = op_db_execv(r->db, &res,
	    "SELECT COALESCE((SELECT m.role FROM auth.team_members_v m"
	    "  WHERE m.team_id = $1 AND m.user_id = $2),"
	    "  CASE WHEN $3 THEN 'owner' END)"
	    " FROM auth.teams_v t WHERE t.id = $1",
	    team_id, r->auth.user_id, r->auth.admin ? "true" : "false");
	if (er != OP_OK)
		goto out;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such team",
		    NULL);
		goto out;
	}
	v = PQgetvalue(res, 0, 0);
	if (op_role_parse(v, &got) != OP_OK) {
		er = OP_EINTERNAL;
		goto out;
	}
	if (!op_role_allows(got, act)) {
		er = op_fail(r, OP_EFORBIDDEN, "forbidden", op_req_printf(r,
		    "a team %s may not do this", op_role_name(got)), NULL);
		goto out;
	}
	if (act != OP_ACT_READ && r->auth.scope != OP_SCOPE_WRITE) {
		er = op_fail(r, OP_EFORBIDDEN, "read_only_token",
		    "this token may only read", NULL);
		goto out;
	}
	*role = got;
out:
	PQclear(res);
	return er;
}

/*
 * A project (projects.projects_v) of a team the caller may act in: its
 * team id in *team_id (arena copy). No such project, or another team's,
 * is OP_ENOTFOUND "no such project"; a role that does not allow act is
 * OP_EFORBIDDEN.
 */
enum op_err
op_project_authorize(struct op_req *r, const char *project_id,
    enum op_action act, const char **team_id)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*why;
	enum op_err	 er;

	*team_id = NULL;
	if (project_id == NULL || op_valid_uuid(project_id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such project",
		    NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT team_id FROM"
	    " projects.projects_v WHERE id = $1", project_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such project",
		    NULL);
	}
	*team_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	er = op_team_authorize(r, *team_id, act, &role);
	if (er == OP_ENOTFOUND)	/* another team's project is no project */
		er = op_fail(r, er, "not_found", "no such project", NULL);
	return er;
}
