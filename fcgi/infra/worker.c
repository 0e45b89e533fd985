/*
 * worker.c — op-infra's background work: keep the routing in step with
 * the containers (events from op:events, read in the group "infra"), and
 * run due certificate orders. At start it renders every domain again, so
 * the gateway's files always follow the database.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "infra.h"

#define ORDERS_PER_PASS	8	/* then the stream gets a turn */

struct worker {
	const struct op_service	*svc;
	struct op_db		*db;
};

/* Remove the domains whose column col (project_id or container_id) is id:
 * their project or container is gone. */
static enum op_err
domains_drop(struct worker *w, const char *col, const char *id)
{
	struct op_req	 r;
	PGresult	*res = NULL;
	enum op_err	 er;
	int		 i;

	if ((er = op_db_execv(w->db, &res, strcmp(col, "project_id") == 0 ?
	    "SELECT id, team_id, container_id FROM infra.domains WHERE"
	    " project_id = $1" : "SELECT id, team_id, container_id FROM"
	    " infra.domains WHERE container_id = $1", id)) != OP_OK)
		return er;
	if ((er = op_system_req(&r, w->svc, w->db)) != OP_OK) {
		PQclear(res);
		return er;
	}
	for (i = 0; i < PQntuples(res) && er == OP_OK; i++) {
		const char *d = PQgetvalue(res, i, 0);

		if ((er = op_db_begin(w->db)) == OP_OK &&
		    (er = op_db_execv(w->db, NULL, "DELETE FROM infra.domains"
		    " WHERE id = $1", d)) == OP_OK &&
		    (er = op_event_emit(&r, "domain.deleted", PQgetvalue(res,
		    i, 1), "domain", d, json_pack("{s:s}", "reason",
		    strcmp(col, "project_id") == 0 ? "project deleted" :
		    "container deleted"))) == OP_OK &&
		    (er = route_remove(w->db, d, PQgetvalue(res, i, 2), NULL)) ==
		    OP_OK)
			er = op_db_commit(w->db);
		op_db_rollback(w->db);
	}
	op_system_req_end(&r);
	PQclear(res);
	return er;
}

/* One event of another service: what it changes in the routing. */
static enum op_err
on_event(void *arg, json_t *ev)
{
	struct worker	*w = arg;
	const char	*type = json_string_value(json_object_get(ev, "type"));
	const char	*id = json_string_value(json_object_get(
	    json_object_get(ev, "subject"), "id"));
	const char	*why;

	if (type == NULL || id == NULL || op_valid_uuid(id, &why) != OP_OK)
		return OP_EINVAL;
	if (strcmp(type, "container.started") == 0 ||
	    strcmp(type, "container.updated") == 0)
		return route_container(w->db, id, 0);
	if (strcmp(type, "container.endpoints_changed") == 0)
		return route_container(w->db, id, 1);
	if (strcmp(type, "container.deleted") == 0)
		return domains_drop(w, "container_id", id);
	if (strcmp(type, "project.deleted") == 0)
		return domains_drop(w, "project_id", id);
	return OP_OK;
}

/* Render every domain again (a gateway whose files were lost, or a
 * change of the rendering between versions). */
static void
sync_all(struct op_db *db)
{
	PGresult	*res = NULL;
	int		 i;

	if (op_db_exec(db, &res, "SELECT id FROM infra.domains ORDER BY id",
	    0, NULL) != OP_OK)
		return;
	for (i = 0; i < PQntuples(res); i++)
		if (route_domain(db, PQgetvalue(res, i, 0), NULL) != OP_OK)
			op_warn("infra: domain %s could not be routed",
			    PQgetvalue(res, i, 0));
	PQclear(res);
}

enum op_err
infra_work(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	struct worker	 w = { svc, db };
	struct op_stream st;
	char		 me[128], host[64];
	int		 ran, n;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s-infra", host);
	memset(&st, 0, sizeof(st));
	st.group = "infra";
	st.consumer = me;
	sync_all(db);
	while (!*stop) {
		if (op_stream_poll(&st, 1000, on_event, &w) != OP_OK)
			poll(NULL, 0, 1000);	/* Redis or the database */
		for (n = 0, ran = 1; ran && n < ORDERS_PER_PASS && !*stop; n++)
			if (order_run_one(svc, db, &ran) != OP_OK)
				break;
	}
	op_stream_close(&st);
	return OP_OK;
}
