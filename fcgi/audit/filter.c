/*
 * filter.c — the one door to the trail's query side: the filters logs,
 * stats and export share (one declared table), who may see which rows,
 * and the SQL condition both come to, every value an SQL parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"

/* An action, or a prefix of one: "project.created", "project.",
 * "project.*" (the trailing '*' is dropped: the same prefix). */
static enum op_err
valid_action(const char *s, const char **why)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' &&
		    s[i] <= '9') && s[i] != '_' && s[i] != '.' &&
		    !(s[i] == '*' && s[i + 1] == '\0')) {
			*why = "must be an action such as project.created, or a"
			    " prefix ending in '.' or '*'";
			return OP_EINVAL;
		}
	return OP_OK;
}

static enum op_err
valid_format(const char *s, const char **why)
{
	if (strcmp(s, "csv") != 0 && strcmp(s, "jsonl") != 0) {
		*why = "must be csv or jsonl";
		return OP_EINVAL;
	}
	return OP_OK;
}

enum {
	F_TEAM, F_ACTOR, F_ACTION, F_SUBJECT_KIND, F_SUBJECT_ID, F_OUTCOME,
	F_SINCE, F_UNTIL, F_LIMIT, F_AFTER, F_FORMAT, F__MAX
};

static const struct op_field fields[F__MAX] = {
	[F_TEAM] = { "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	[F_ACTOR] = { "actor_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	[F_ACTION] = { "action", OP_FT_STRING, 0, 1, 64, valid_action },
	[F_SUBJECT_KIND] = { "subject_kind", OP_FT_STRING, 0, 1, 32,
	    op_valid_slug },
	[F_SUBJECT_ID] = { "subject_id", OP_FT_STRING, 0, 1, 128, NULL },
	[F_OUTCOME] = { "outcome", OP_FT_STRING, 0, 7, 7, audit_valid_outcome },
	[F_SINCE] = { "since", OP_FT_TIME, 0, 20, 40, NULL },
	[F_UNTIL] = { "until", OP_FT_TIME, 0, 20, 40, NULL },
	[F_LIMIT] = { "limit", OP_FT_INT, 0, 1, 200, NULL },
	[F_AFTER] = { "after", OP_FT_INT, 0, 1, INT64_MAX, NULL },
	[F_FORMAT] = { "format", OP_FT_STRING, 0, 3, 5, valid_format },
};

const char *
audit_filter_bind(struct op_req *r, struct audit_filter *f,
    const char *value)
{
	if (f->n >= AUDIT_PARAMS_MAX)
		abort();	/* the handlers bind a fixed number */
	f->params[f->n++] = value;
	return op_req_printf(r, "$%d", f->n);
}

enum op_err
audit_filter_and(struct op_req *r, struct audit_filter *f, const char *lhs,
    const char *value, const char *rhs)
{
	const char	*p, *w;

	if ((p = audit_filter_bind(r, f, value)) == NULL ||
	    (w = op_req_printf(r, "%s AND %s%s%s", f->where, lhs, p, rhs)) ==
	    NULL)
		return OP_ENOMEM;
	f->where = w;
	return OP_OK;
}

enum op_err
audit_filter_range(struct op_req *r, struct audit_filter *f)
{
	enum op_err	er = OP_OK;

	if (f->since != NULL)
		er = audit_filter_and(r, f, "e.time >= ", f->since,
		    "::timestamptz");
	if (er == OP_OK && f->until != NULL)
		er = audit_filter_and(r, f, "e.time < ", f->until,
		    "::timestamptz");
	return er;
}

/* "project.*" → "project.%" for LIKE, with LIKE's own characters
 * escaped ('_' is one, and valid in actions). */
static const char *
like_prefix(struct op_req *r, const char *s)
{
	size_t	 n = strlen(s), i, o = 0;
	char	*p;

	if (n > 0 && s[n - 1] == '*')
		n--;
	if ((p = op_req_alloc(r, 2 * n + 2)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '_' || s[i] == '%' || s[i] == '\\')
			p[o++] = '\\';
		p[o++] = s[i];
	}
	p[o++] = '%';
	p[o] = '\0';
	return p;
}

/* An action is a prefix when it ends in '.' or '*'. */
static enum op_err
action_filter(struct op_req *r, struct audit_filter *f, const char *a)
{
	size_t		 n = strlen(a);
	const char	*like;

	if (a[n - 1] != '.' && a[n - 1] != '*')
		return audit_filter_and(r, f, "e.action = ", a, "");
	if ((like = like_prefix(r, a)) == NULL)
		return OP_ENOMEM;
	return audit_filter_and(r, f, "e.action LIKE ", like, "");
}

/*
 * Who may see what. With team_id: instance admins any team; members the
 * team's rows when owner or admin (a read-scoped token will do: reading
 * the trail changes nothing, so the role is checked, not the scope).
 * Without: instance admins everything, including the rows of no team
 * (sign-ins, users); others the rows of every team they own or
 * administer, and 403 when there is none.
 */
static enum op_err
scope(struct op_req *r, struct audit_filter *f, const char *team)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;
	int		 any;

	if (team != NULL) {
		if (!r->auth.admin &&
		    (er = op_team_authorize(r, team, OP_ACT_READ, &role)) !=
		    OP_OK)
			return er;	/* 404: not a team of theirs */
		if (!r->auth.admin && !op_role_allows(role, OP_ACT_MEMBERS))
			return op_fail(r, OP_EFORBIDDEN, "forbidden",
			    op_req_printf(r, "a team %s may not read its audit "
			    "trail", op_role_name(role)), NULL);
		return audit_filter_and(r, f, "e.team_id = ", team, "");
	}
	if (r->auth.admin)
		return OP_OK;
	if ((er = op_db_execv(r->db, &res, "SELECT 1 FROM auth.team_members_v"
	    " WHERE user_id = $1 AND role IN ('owner', 'admin') LIMIT 1",
	    r->auth.user_id)) != OP_OK)
		return er;
	any = PQntuples(res) > 0;
	PQclear(res);
	if (!any)
		return op_fail(r, OP_EFORBIDDEN, "forbidden", "only instance "
		    "admins and team owners and admins may read the audit "
		    "trail", NULL);
	return audit_filter_and(r, f, "e.team_id IN (SELECT team_id FROM"
	    " auth.team_members_v WHERE user_id = ", r->auth.user_id,
	    " AND role IN ('owner', 'admin'))");
}

/* The parameters `accept` does not take are refused as fields.c refuses
 * unknown ones. */
static enum op_err
refuse_unaccepted(struct op_req *r, unsigned accept,
    const struct op_value *v)
{
	if (((accept & AUDIT_F_PAGE) == 0 && (v[F_LIMIT].set ||
	    v[F_AFTER].set)) || ((accept & AUDIT_F_FORMAT) == 0 &&
	    v[F_FORMAT].set))
		return op_fail(r, OP_EBADREQ, "unknown_parameter",
		    "unknown query parameter", NULL);
	return OP_OK;
}

enum op_err
audit_filter_parse(struct op_req *r, unsigned accept, struct audit_filter *f)
{
	struct op_value	 v[F__MAX];
	enum op_err	 er;

	memset(f, 0, sizeof(*f));
	f->where = "TRUE";
	if ((er = op_fields_query(r, fields, F__MAX, v)) != OP_OK ||
	    (er = refuse_unaccepted(r, accept, v)) != OP_OK)
		return er;
	if (v[F_SINCE].set && v[F_UNTIL].set && v[F_SINCE].i > v[F_UNTIL].i)
		return op_fail(r, OP_EINVAL, "invalid_range",
		    "until must not be before since", "until");
	f->since = v[F_SINCE].s;
	f->until = v[F_UNTIL].s;
	f->limit = v[F_LIMIT].set ? v[F_LIMIT].i : 50;
	f->format = v[F_FORMAT].s;
	if (v[F_AFTER].set &&
	    (f->after = op_req_printf(r, "%lld", v[F_AFTER].i)) == NULL)
		return OP_ENOMEM;
	if ((er = scope(r, f, v[F_TEAM].s)) != OP_OK)
		return er;
	if (v[F_ACTOR].set &&
	    (er = audit_filter_and(r, f, "e.actor_id = ", v[F_ACTOR].s, "")) !=
	    OP_OK)
		return er;
	if (v[F_ACTION].set &&
	    (er = action_filter(r, f, v[F_ACTION].s)) != OP_OK)
		return er;
	if (v[F_SUBJECT_KIND].set && (er = audit_filter_and(r, f,
	    "e.subject_kind = ", v[F_SUBJECT_KIND].s, "")) != OP_OK)
		return er;
	if (v[F_SUBJECT_ID].set && (er = audit_filter_and(r, f,
	    "e.subject_id = ", v[F_SUBJECT_ID].s, "")) != OP_OK)
		return er;
	if (v[F_OUTCOME].set && (er = audit_filter_and(r, f, "e.outcome = ",
	    v[F_OUTCOME].s, "")) != OP_OK)
		return er;
	return OP_OK;
}
