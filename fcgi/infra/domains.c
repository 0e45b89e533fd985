/*
 * domains.c — a team's domains: a hostname routed by the gateway to one
 * port of one of its containers, over HTTPS once its certificate is in.
 * Each change is written to the database and the gateway as one: the
 * transaction commits only after nginx has accepted the new routing.
 */
#include <string.h>

#include "infra.h"

#define DOMAIN_COLUMNS							\
	"d.id, d.team_id, d.project_id, d.container_id, d.port,"	\
	" d.hostname, d.path_prefix, d.https, d.redirect_https,"	\
	" d.redirect_www, d.created_at, d.updated_at, CASE WHEN"	\
	" c.domain_id IS NULL THEN NULL ELSE json_build_object('state',"\
	" c.state, 'names', c.names, 'issuer', c.issuer, 'not_after',"	\
	" c.not_after, 'last_error', c.last_error) END AS certificate"
#define DOMAIN_FROM							\
	" FROM infra.domains d LEFT JOIN infra.certificates c"		\
	" ON c.domain_id = d.id"

/* A path prefix: "/" or "/seg/…/", URL-safe bytes, no dot segments. */
static enum op_err
valid_path_prefix(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	*why = "must start with '/' and hold only letters, digits and "
	    "'-', '_', '.', '~', '/' (no '..')";
	if (n == 0 || s[0] != '/' || strstr(s, "..") != NULL ||
	    strstr(s, "//") != NULL)
		return OP_EINVAL;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' &&
		    s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') &&
		    strchr("-_.~/", s[i]) == NULL)
			return OP_EINVAL;
	return OP_OK;
}

/* The caller may act on domain id: its team and container in *d. */
struct domain_ref {
	const char	*team_id;
	const char	*container_id;
	int		 https;
	int		 redirect_www;
};

static enum op_err
domain_authorize(struct op_req *r, const char *id, enum op_action act,
    struct domain_ref *d)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*why;
	enum op_err	 er;

	memset(d, 0, sizeof(*d));
	if (id == NULL || op_valid_uuid(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such domain",
		    NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT team_id, container_id,"
	    " https, redirect_www FROM infra.domains WHERE id = $1", id)) !=
	    OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such domain",
		    NULL);
	}
	d->team_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	d->container_id = op_req_strdup(r, PQgetvalue(res, 0, 1));
	d->https = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	d->redirect_www = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	PQclear(res);
	er = op_team_authorize(r, d->team_id, act, &role);
	if (er == OP_ENOTFOUND)	/* another team's domain is no domain */
		er = op_fail(r, er, "not_found", "no such domain", NULL);
	return er;
}

/* One domain as the API answers it. */
static enum op_err
domain_reply(struct op_req *r, int status, const char *id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT " DOMAIN_COLUMNS
	    DOMAIN_FROM " WHERE d.id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such domain",
		    NULL);
	else
		er = op_reply_row(r, status, res, 0);
	PQclear(res);
	return er;
}

/*
 * Roll back a change to domain id and route it again as the database has
 * it then (gone: its files removed): what the change wrote under the
 * routing directory never outlives it.
 */
static void
take_back(struct op_req *r, const char *id, const char *container_id,
    int removed)
{
	op_db_rollback(r->db);
	if (removed)
		(void)route_domain(r->db, id, NULL);
	else if (route_domain(r->db, id, NULL) == OP_ENOTFOUND)
		(void)route_remove(r->db, id, container_id, NULL);
}

/* Route domain id inside the caller's transaction: a configuration the
 * gateway refuses is a 422 and the transaction is left to roll back (the
 * files were put back); a gateway that could not take it (not running, or
 * its master kept the old configuration) is a 503, and the change is
 * taken back. container_id: the domain's before the change. */
static enum op_err
route_in_tx(struct op_req *r, const char *id, const char *container_id)
{
	struct op_buf	why;
	enum op_err	er;

	op_buf_init(&why, 8192);
	er = route_domain(r->db, id, &why);
	if (er == OP_EINVAL) {
		op_warn("infra: the gateway refused domain %s: %s", id,
		    why.data != NULL ? why.data : "");
		er = op_fail(r, OP_EINVAL, "gateway_refused", "the gateway "
		    "refused the configuration this change renders; nothing "
		    "was changed", NULL);
	} else if (er == OP_EUNAVAIL) {
		op_warn("infra: the gateway did not take domain %s: %s", id,
		    why.data != NULL ? why.data : "");
		take_back(r, id, container_id, 0);
		er = op_fail(r, er, "gateway_unavailable", "the gateway could "
		    "not be reconfigured", NULL);
	}
	op_buf_clear(&why);
	return er;
}

/* Commit after routing; when the commit fails, take the routing back. */
static enum op_err
commit_routed(struct op_req *r, const char *id, const char *container_id,
    int removed)
{
	enum op_err	er;

	if ((er = op_db_commit(r->db)) == OP_OK)
		return OP_OK;
	take_back(r, id, container_id, removed);
	return er;
}

static const struct op_field list_fields[] = {
	{ "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "project_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "container_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/domains[?team_id=&project_id=&container_id=] */
enum op_err
domains_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	limit = v[3].set ? v[3].i : 50;
	er = op_db_execv(r->db, &res, "SELECT " DOMAIN_COLUMNS DOMAIN_FROM
	    INFRA_TEAM_DOMAINS
	    " AND ($4::uuid IS NULL OR d.project_id = $4::uuid)"
	    " AND ($5::uuid IS NULL OR d.container_id = $5::uuid)"
	    " AND ($6::uuid IS NULL OR (d.created_at, d.id) > (SELECT"
	    "  created_at, id FROM infra.domains WHERE id = $6::uuid))"
	    " ORDER BY d.created_at, d.id LIMIT $7", r->auth.user_id,
	    r->auth.admin ? "true" : "false", v[0].s, v[1].s, v[2].s, v[4].s,
	    op_req_printf(r, "%lld", limit + 1));
	if (er != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

static const struct op_field create_fields[] = {
	{ "hostname", OP_FT_STRING, OP_FF_REQUIRED, 1, 1012, op_valid_domain },
	{ "container_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "port", OP_FT_INT, OP_FF_REQUIRED, 1, 65535, NULL },
	{ "path_prefix", OP_FT_STRING, 0, 1, 200, valid_path_prefix },
	{ "https", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "redirect_https", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "redirect_www", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* The team and project of a container the caller may route (EDIT). */
static enum op_err
container_for_domain(struct op_req *r, const char *container_id,
    const char **team, const char **project)
{
	PGresult	*res = NULL;
	enum op_role	 role;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT team_id, project_id FROM"
	    " projects.containers_v WHERE id = $1", container_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_EINVAL, "invalid_container_id",
		    "no such container", "container_id");
	}
	*team = op_req_strdup(r, PQgetvalue(res, 0, 0));
	*project = op_req_strdup(r, PQgetvalue(res, 0, 1));
	PQclear(res);
	er = op_team_authorize(r, *team, OP_ACT_EDIT, &role);
	if (er == OP_ENOTFOUND)	/* another team's container is none */
		return op_fail(r, OP_EINVAL, "invalid_container_id",
		    "no such container", "container_id");
	return er;
}

/* POST /api/domains — route hostname to a container port; with https
 * (the default) a certificate is ordered at once. */
enum op_err
domains_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	const char	*team = NULL, *project = NULL, *why, *id;
	char		 host[OP_DOMAIN_MAX + 1];
	int		 https;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK ||
	    (er = container_for_domain(r, v[1].s, &team, &project)) != OP_OK)
		return er;
	if (op_domain_ascii(v[0].s, host, &why) != OP_OK)
		return op_fail(r, OP_EINVAL, "invalid_hostname", why,
		    "hostname");
	https = v[4].set ? (int)v[4].i : 1;
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	er = op_db_execv(r->db, &res, "INSERT INTO infra.domains (team_id,"
	    " project_id, container_id, port, hostname, path_prefix, https,"
	    " redirect_https, redirect_www) VALUES ($1, $2, $3, $4, $5,"
	    " COALESCE($6, '/'), $7, $8, $9) RETURNING id", team, project,
	    v[1].s, op_req_printf(r, "%lld", v[2].i), host, v[3].s,
	    https ? "true" : "false", v[5].set && v[5].i ? "true" : "false",
	    v[6].set && v[6].i ? "true" : "false");
	if (er == OP_ECONFLICT)
		return op_fail(r, er, "hostname_taken",
		    "this hostname is already routed on this instance",
		    "hostname");
	if (er != OP_OK)
		return er;
	id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((https && (er = op_db_execv(r->db, NULL, "INSERT INTO"
	    " infra.certificates (domain_id, due_at) VALUES ($1, now())",
	    id)) != OP_OK) ||
	    (er = op_event_emit(r, "domain.created", team, "domain", id,
	    json_pack("{s:s, s:s, s:I}", "hostname", host, "container_id",
	    v[1].s, "port", (json_int_t)v[2].i))) != OP_OK ||
	    (er = route_in_tx(r, id, v[1].s)) != OP_OK ||
	    (er = commit_routed(r, id, v[1].s, 0)) != OP_OK)
		return er;
	return domain_reply(r, 201, id);
}

/* GET /api/domains/:id */
enum op_err
domains_get(struct op_req *r)
{
	struct domain_ref d;
	enum op_err	 er;

	if ((er = domain_authorize(r, r->params[0], OP_ACT_READ, &d)) != OP_OK)
		return er;
	return domain_reply(r, 200, r->params[0]);
}

static const struct op_field update_fields[] = {
	{ "port", OP_FT_INT, 0, 1, 65535, NULL },
	{ "path_prefix", OP_FT_STRING, 0, 1, 200, valid_path_prefix },
	{ "https", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "redirect_https", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "redirect_www", OP_FT_BOOL, 0, 0, 0, NULL },
};

/* Order a certificate for domain id now (a new one, or after a change
 * of the names it must cover). */
static enum op_err
order_now(struct op_req *r, const char *id)
{
	return op_db_execv(r->db, NULL, "INSERT INTO infra.certificates"
	    " (domain_id, due_at) VALUES ($1, now()) ON CONFLICT (domain_id)"
	    " DO UPDATE SET due_at = now(), attempts = 0, updated_at = now()",
	    id);
}

/* PUT /api/domains/:id — port, path prefix, HTTPS and redirects; the
 * hostname and container stay (delete and create to move a domain). */
enum op_err
domains_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	struct domain_ref d;
	const char	*b[5];
	enum op_err	 er;
	size_t		 i;

	if ((er = domain_authorize(r, r->params[0], OP_ACT_EDIT, &d)) !=
	    OP_OK ||
	    (er = op_fields_body(r, update_fields, nitems(update_fields), v)) !=
	    OP_OK)
		return er;
	for (i = 2; i < 5; i++)
		b[i] = !v[i].set ? NULL : v[i].i ? "true" : "false";
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE infra.domains SET"
	    " port = COALESCE($2::int, port), path_prefix = COALESCE($3,"
	    " path_prefix), https = COALESCE($4::boolean, https),"
	    " redirect_https = COALESCE($5::boolean, redirect_https),"
	    " redirect_www = COALESCE($6::boolean, redirect_www),"
	    " updated_at = now() WHERE id = $1", r->params[0],
	    v[0].set ? op_req_printf(r, "%lld", v[0].i) : NULL, v[1].s, b[2],
	    b[3], b[4])) != OP_OK)
		return er;
	/* HTTPS turned on, or www added to or taken from the names. */
	if (((v[2].set && v[2].i && !d.https) || (v[4].set &&
	    (int)v[4].i != d.redirect_www && (v[2].set ? v[2].i : d.https))) &&
	    (er = order_now(r, r->params[0])) != OP_OK)
		return er;
	if ((er = op_event_emit(r, "domain.updated", d.team_id, "domain",
	    r->params[0], json_deep_copy(r->body))) != OP_OK ||
	    (er = route_in_tx(r, r->params[0], d.container_id)) != OP_OK ||
	    (er = commit_routed(r, r->params[0], d.container_id, 0)) != OP_OK)
		return er;
	return domain_reply(r, 200, r->params[0]);
}

/* DELETE /api/domains/:id — its server blocks and certificate go too. */
enum op_err
domains_delete(struct op_req *r)
{
	struct domain_ref d;
	struct op_buf	 why;
	enum op_err	 er;

	if ((er = domain_authorize(r, r->params[0], OP_ACT_DELETE, &d)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM infra.domains"
	    " WHERE id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "domain.deleted", d.team_id, "domain",
	    r->params[0], NULL)) != OP_OK)
		return er;
	op_buf_init(&why, 8192);
	er = route_remove(r->db, r->params[0], d.container_id, &why);
	op_buf_clear(&why);
	if (er != OP_OK)
		return op_fail(r, OP_EUNAVAIL, "gateway_unavailable", "the "
		    "gateway could not be reconfigured", NULL);
	if ((er = commit_routed(r, r->params[0], d.container_id, 1)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}

/* POST /api/domains/:id/ssl — order (or renew) its certificate now;
 * turns HTTPS on. 202: the worker does it. */
enum op_err
domains_ssl(struct op_req *r)
{
	struct domain_ref d;
	enum op_err	 er;

	if ((er = domain_authorize(r, r->params[0], OP_ACT_OPERATE, &d)) !=
	    OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE infra.domains SET"
	    " https = true, updated_at = now() WHERE id = $1",
	    r->params[0])) != OP_OK ||
	    (er = order_now(r, r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "certificate.requested", d.team_id,
	    "domain", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return domain_reply(r, 202, r->params[0]);
}
