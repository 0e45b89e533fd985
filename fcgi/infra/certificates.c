/*
 * certificates.c — what the caller's teams may read of the routing: their
 * certificates (issuer, names, expiry, the state of their orders) and the
 * gateway configuration generated for their domains, as nginx runs it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "infra.h"

#define CONFIG_MAX	(1024 * 1024)	/* bytes of configuration answered */

static const struct op_field list_fields[] = {
	{ "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
	{ "after", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
};

/* GET /api/certificates[?team_id=] */
enum op_err
certificates_list(struct op_req *r)
{
	struct op_value	 v[nitems(list_fields)];
	PGresult	*res = NULL;
	long long	 limit;
	enum op_err	 er;

	if ((er = op_fields_query(r, list_fields, nitems(list_fields), v)) !=
	    OP_OK)
		return er;
	limit = v[1].set ? v[1].i : 50;
	er = op_db_execv(r->db, &res, "SELECT c.domain_id AS id, d.team_id,"
	    " d.hostname, c.state, c.names, c.issuer, c.serial, c.not_before,"
	    " c.not_after, c.issued_at, c.renewals, c.attempts, c.due_at AS"
	    " next_order_at, c.last_error FROM infra.certificates c JOIN"
	    " infra.domains d ON d.id = c.domain_id" INFRA_TEAM_DOMAINS
	    " AND ($4::uuid IS NULL OR c.domain_id > $4::uuid)"
	    " ORDER BY c.domain_id LIMIT $5", r->auth.user_id,
	    r->auth.admin ? "true" : "false", v[0].s, v[2].s,
	    op_req_printf(r, "%lld", limit + 1));
	if (er != OP_OK)
		return er;
	er = op_reply_page(r, 200, res, limit);
	PQclear(res);
	return er;
}

/* Append the routing file rel (if present) to b. */
static void
add_file(struct op_buf *b, const char *rel)
{
	char	path[4096], chunk[4096];
	ssize_t	n;
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", op_proxy_dir(),
	    rel) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	(void)op_buf_addf(b, "# --- %s\n", rel);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (op_buf_add(b, chunk, (size_t)n) != OP_OK)
			break;
	close(fd);
}

/* GET /api/proxy/config[?team_id=] — the upstreams and server blocks the
 * gateway runs for the caller's teams' domains, as text. */
enum op_err
proxy_config(struct op_req *r)
{
	static const struct op_field fields[] = {
		{ "team_id", OP_FT_STRING, 0, 36, 36, op_valid_uuid },
	};
	struct op_value	 v[nitems(fields)];
	struct op_buf	 b;
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_fields_query(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if (op_proxy_dir() == NULL)
		return op_fail(r, OP_EUNAVAIL, "no_gateway",
		    "this instance has no generated routing", NULL);
	if ((er = op_db_execv(r->db, &res, "SELECT d.id, d.container_id,"
	    " lag(d.container_id) OVER (ORDER BY d.container_id, d.id) AS prev"
	    " FROM infra.domains d" INFRA_TEAM_DOMAINS " ORDER BY d.container_id,"
	    " d.id", r->auth.user_id, r->auth.admin ? "true" : "false",
	    v[0].s)) != OP_OK)
		return er;
	op_buf_init(&b, CONFIG_MAX);
	(void)op_buf_addf(&b, "# The gateway's routing for %d domain(s).\n",
	    PQntuples(res));
	for (i = 0; i < PQntuples(res); i++) {
		const char *ctr = PQgetvalue(res, i, 1);

		if (PQgetisnull(res, i, 2) || strcmp(ctr,
		    PQgetvalue(res, i, 2)) != 0)
			add_file(&b, op_req_printf(r, "upstreams/%s.conf", ctr));
		add_file(&b, op_req_printf(r, "sites/domain-%s.conf",
		    PQgetvalue(res, i, 0)));
	}
	PQclear(res);
	er = op_reply_text(r, 200, "text/plain; charset=utf-8",
	    b.data != NULL ? b.data : "", b.len);
	op_buf_clear(&b);
	return er;
}
