/*
 * route.c — a domain as gateway configuration: the upstreams file of its
 * container (upstreams/<container_id>.conf, from the ports the engine
 * published), its server blocks (sites/domain-<id>.conf), and once it has
 * a certificate, certs/domain-<id>.crt and .key. Everything goes through
 * op_proxy_apply: checked by nginx -t, rolled back when refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra.h"

#define ROUTE_CHANGES	5

/* What rendering a domain needs, from one query. */
#define DOMAIN_ROUTE_SQL						\
	"SELECT d.id, d.container_id, d.port, d.hostname, d.path_prefix,"\
	" d.redirect_https, d.redirect_www, c.state, c.cert_pem,"	\
	" c.key_sealed, ct.ports::text AS ports FROM infra.domains d"	\
	" LEFT JOIN infra.certificates c ON c.domain_id = d.id"		\
	" LEFT JOIN projects.containers_v ct ON ct.id = d.container_id"	\
	" WHERE d.id = $1"

/* Is container port `port` published over TCP in ports? */
static int
published(json_t *ports, long port)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(ports, i, p) {
		const char *proto = json_string_value(json_object_get(p,
		    "protocol"));

		if (json_integer_value(json_object_get(p, "container")) ==
		    port && json_integer_value(json_object_get(p, "host")) > 0 &&
		    (proto == NULL || strcmp(proto, "tcp") == 0))
			return 1;
	}
	return 0;
}

/*
 * The upstreams file of container_id: each port it publishes now, and
 * for each routed port it does not (stopped, or not published), an
 * upstream marked down, so its sites stay valid and answer 502 until the
 * container is back. malloc'd; NULL on failure.
 */
static char *
upstreams_text(struct op_db *db, const char *container_id,
    const char *ports_json)
{
	PGresult	*res = NULL;
	json_t		*ports;
	struct op_buf	 b;
	char		*text, name[64];
	long		 port;
	int		 i;

	ports = json_loads(ports_json != NULL ? ports_json : "[]", 0, NULL);
	if (!json_is_array(ports) || (text = op_proxy_upstreams_text(
	    container_id, ports)) == NULL) {
		json_decref(ports);
		return NULL;
	}
	if (op_db_execv(db, &res, "SELECT DISTINCT port FROM infra.domains"
	    " WHERE container_id = $1 ORDER BY port", container_id) != OP_OK) {
		json_decref(ports);
		free(text);
		return NULL;
	}
	op_buf_init(&b, 256 * 1024);
	(void)op_buf_add(&b, text, strlen(text));
	free(text);
	for (i = 0; i < PQntuples(res); i++) {
		port = strtol(PQgetvalue(res, i, 0), NULL, 10);
		if (published(ports, port))
			continue;
		op_proxy_upstream_name(container_id, port, name);
		(void)op_buf_addf(&b, "upstream %s {\n\tserver 127.0.0.1:1"
		    " down;\t# not published now\n}\n", name);
	}
	PQclear(res);
	json_decref(ports);
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
}

/* The sealed key of a certificate, opened (malloc'd text), or NULL. */
static char *
key_open(const char *sealed)
{
	unsigned char	*plain = NULL;
	size_t		 len;

	if (sealed == NULL || op_secret_open(sealed, &plain, &len) != OP_OK)
		return NULL;
	return (char *)plain;
}

struct rendering {
	struct op_proxy_change	 c[ROUTE_CHANGES];
	char			*text[ROUTE_CHANGES];
	char			 rel[ROUTE_CHANGES][128];
	size_t			 n;
};

/* Add the change of dir+name+suffix (takes text; NULL: removal). */
static void
change(struct rendering *g, const char *dir, const char *name,
    const char *suffix, char *text)
{
	snprintf(g->rel[g->n], sizeof(g->rel[g->n]), "%s%s%s", dir, name,
	    suffix);
	g->c[g->n].rel = g->rel[g->n];
	g->c[g->n].text = g->text[g->n] = text;
	g->n++;
}

static void
rendering_clear(struct rendering *g)
{
	size_t	i;

	for (i = 0; i < g->n; i++) {
		if (g->text[i] != NULL)
			op_wipe(g->text[i], strlen(g->text[i]));
		free(g->text[i]);
	}
	g->n = 0;
}

/* Row 0 of res (DOMAIN_ROUTE_SQL) as changes: upstreams, site, certs. */
static enum op_err
render(struct op_db *db, const PGresult *res, struct rendering *g)
{
	struct op_proxy_site	 site;
	const char		*id = op_db_get(res, 0, "id");
	const char		*ctr = op_db_get(res, 0, "container_id");
	const char		*state = op_db_get(res, 0, "state");
	char			 upstream[64], tls_name[64], *key = NULL;
	int			 tls;

	tls = state != NULL && strcmp(state, "valid") == 0 &&
	    op_db_get(res, 0, "cert_pem") != NULL &&
	    (key = key_open(op_db_get(res, 0, "key_sealed"))) != NULL;
	snprintf(tls_name, sizeof(tls_name), "domain-%s", id);
	op_proxy_upstream_name(ctr, strtol(op_db_get(res, 0, "port"), NULL,
	    10), upstream);
	memset(&site, 0, sizeof(site));
	site.hostname = op_db_get(res, 0, "hostname");
	site.path = op_db_get(res, 0, "path_prefix");
	site.upstream = upstream;
	site.tls_name = tls ? tls_name : NULL;
	site.redirect_https = strcmp(op_db_get(res, 0, "redirect_https"),
	    "t") == 0;
	site.redirect_www = strcmp(op_db_get(res, 0, "redirect_www"), "t") == 0;
	site.acme = 1;
	change(g, "upstreams/", ctr, ".conf", upstreams_text(db, ctr,
	    op_db_get(res, 0, "ports")));
	change(g, "sites/domain-", id, ".conf", op_proxy_site_text(&site));
	if (tls) {
		change(g, "certs/domain-", id, ".crt", strdup(op_db_get(res, 0,
		    "cert_pem")));
		change(g, "certs/domain-", id, ".key", key);
	}
	return g->text[0] != NULL && g->text[1] != NULL &&
	    (!tls || g->text[2] != NULL) ? OP_OK : OP_EINTERNAL;
}

enum op_err
route_domain(struct op_db *db, const char *id, struct op_buf *why)
{
	struct rendering g;
	PGresult	*res = NULL;
	enum op_err	 er;

	memset(&g, 0, sizeof(g));
	if ((er = op_db_execv(db, &res, DOMAIN_ROUTE_SQL, id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	if ((er = render(db, res, &g)) == OP_OK)
		er = op_proxy_apply(g.c, g.n, why);
	else
		op_error("infra: domain %s cannot be rendered", id);
	rendering_clear(&g);
	PQclear(res);
	return er;
}

enum op_err
route_remove(struct op_db *db, const char *id, const char *container_id,
    struct op_buf *why)
{
	struct rendering g;
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 others;

	memset(&g, 0, sizeof(g));
	change(&g, "sites/domain-", id, ".conf", NULL);
	change(&g, "certs/domain-", id, ".crt", NULL);
	change(&g, "certs/domain-", id, ".key", NULL);
	/* The container's upstreams go only when no site names them. */
	if ((er = op_db_execv(db, &res, "SELECT count(*) FROM infra.domains"
	    " WHERE container_id = $1 AND id <> $2", container_id, id)) !=
	    OP_OK)
		return er;
	others = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	if (!others && !op_proxy_upstreams_used(container_id, g.rel[0]))
		change(&g, "upstreams/", container_id, ".conf", NULL);
	er = op_proxy_apply(g.c, g.n, why);
	rendering_clear(&g);
	return er;
}

/*
 * A container without domains whose upstreams a deployment's site names
 * (sites/app-<id>.conf): its upstreams file again, from the ports it
 * publishes now (a swarm container's tasks come and go).
 */
static enum op_err
route_app(struct op_db *db, const char *container_id)
{
	struct op_proxy_change	 ch;
	PGresult		*res = NULL;
	char			 rel[64], *text;
	enum op_err		 er;

	if (op_proxy_dir() == NULL ||
	    !op_proxy_upstreams_used(container_id, NULL))
		return OP_OK;
	if ((er = op_db_execv(db, &res, "SELECT ports::text FROM"
	    " projects.containers_v WHERE id = $1", container_id)) != OP_OK)
		return er;
	snprintf(rel, sizeof(rel), "upstreams/%s.conf", container_id);
	ch.rel = rel;
	ch.text = text = PQntuples(res) == 1 ? upstreams_text(db,
	    container_id, PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	if (text == NULL)
		return OP_OK;	/* gone: container.deleted removes it */
	if ((er = op_proxy_apply(&ch, 1, NULL)) == OP_EINVAL) {
		op_warn("infra: the gateway refused the upstreams of "
		    "container %s", container_id);
		er = OP_OK;
	}
	free(text);
	return er;
}

enum op_err
route_container(struct op_db *db, const char *container_id, int endpoints)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_execv(db, &res, "SELECT id FROM infra.domains"
	    " WHERE container_id = $1 ORDER BY id", container_id)) != OP_OK)
		return er;
	if (PQntuples(res) == 0 && endpoints) {
		PQclear(res);
		return route_app(db, container_id);
	}
	for (i = 0; i < PQntuples(res) && er == OP_OK; i++)
		if ((er = route_domain(db, PQgetvalue(res, i, 0), NULL)) ==
		    OP_EINVAL) {
			op_warn("infra: the gateway refused domain %s of "
			    "container %s", PQgetvalue(res, i, 0),
			    container_id);
			er = OP_OK;
		}
	PQclear(res);
	return er;
}
