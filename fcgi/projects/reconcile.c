/*
 * reconcile.c — keep the database true to what the engine reports. Every
 * few seconds the whole list of the panel's containers is compared with
 * the rows; between those passes the engine's /events stream is followed,
 * so a container that dies, restarts or changes health outside the panel
 * shows so within moments, with container.started, container.stopped and
 * container.health_changed events.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "projects.h"

#define FOLLOW_MS	5000	/* one /events window between full passes */
#define ORPHAN_SECONDS	300	/* a labelled container with no row, older */

struct follow {
	struct op_req	*r;
	struct op_buf	 line;
	volatile int	*stop;
};

/*
 * Refresh the row of an engine container, unless a request is changing
 * it right now (its lock is held): that request will tell.
 */
static void
reconcile_one(struct op_req *r, const char *docker_id)
{
	struct container c;
	PGresult	*res = NULL;

	if (op_db_execv(r->db, &res, "SELECT c.id, c.project_id, p.team_id"
	    " FROM projects.containers c JOIN projects.projects p"
	    " ON p.id = c.project_id WHERE c.docker_id = $1", docker_id) !=
	    OP_OK || PQntuples(res) != 1)
		goto out;
	memset(&c, 0, sizeof(c));
	c.id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	c.project_id = op_req_strdup(r, PQgetvalue(res, 0, 1));
	c.team_id = op_req_strdup(r, PQgetvalue(res, 0, 2));
	c.docker_id = op_req_strdup(r, docker_id);
	if (container_lock(r, c.id, 1) == OP_OK &&
	    engine_refresh(r, &c) == OP_OK)
		(void)op_db_commit(r->db);
out:
	PQclear(res);
	op_db_rollback(r->db);
	r->err.set = 0;
}

/* Remove an engine container that carries our label but has no row. */
static void
remove_orphan(struct op_req *r, json_t *item)
{
	struct container	c;

	if (time(NULL) - json_integer_value(json_object_get(item, "Created")) <
	    ORPHAN_SECONDS)
		return;		/* maybe a create or update in flight */
	memset(&c, 0, sizeof(c));
	c.docker_id = json_string_value(json_object_get(item, "Id"));
	op_info("removing orphan engine container %.12s", c.docker_id);
	(void)engine_remove(r, &c);
	r->err.set = 0;
}

/* The full pass: every labelled engine container against the rows. */
static void
reconcile_all(struct op_req *r)
{
	struct op_docker	*d;
	PGresult		*res = NULL;
	json_t			*list = NULL, *item;
	const char		*id, *q;
	long			 status;
	size_t			 i;

	if (engine(r, &d) != OP_OK)
		return;
	q = op_req_printf(r, "/containers/json?all=1&filters=%s",
	    op_req_urlencode(r, op_req_printf(r, "{\"label\":["
	    "\"io.openpanel.container\",\"io.openpanel.instance=%s\"]}",
	    engine_instance(r))));
	if (op_docker_call(d, "GET", q, NULL, DOCKER_TIMEOUT, &status,
	    &list) != OP_OK || status != 200 || !json_is_array(list))
		goto out;
	json_array_foreach(list, i, item) {
		id = json_string_value(json_object_get(item, "Id"));
		if (id == NULL)
			continue;
		PQclear(res);
		res = NULL;
		if (op_db_execv(r->db, &res, "SELECT state FROM"
		    " projects.containers WHERE docker_id = $1", id) != OP_OK)
			goto out;
		if (PQntuples(res) == 0)
			remove_orphan(r, item);
		else if (strcmp(PQgetvalue(res, 0, 0), json_string_value(
		    json_object_get(item, "State")) ?
		    json_string_value(json_object_get(item, "State")) : "") != 0)
			reconcile_one(r, id);
	}
	PQclear(res);
	res = NULL;
	/* Rows whose engine container is gone. */
	if (op_db_exec(r->db, &res, "SELECT docker_id FROM projects.containers"
	    " WHERE docker_id IS NOT NULL AND state <> 'missing'", 0, NULL) !=
	    OP_OK)
		goto out;
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		int	found = 0;
		size_t	j;

		json_array_foreach(list, j, item)
			if (strcmp(json_string_value(json_object_get(item,
			    "Id")) ?: "", PQgetvalue(res, (int)i, 0)) == 0)
				found = 1;
		if (!found)
			reconcile_one(r, PQgetvalue(res, (int)i, 0));
	}
out:
	PQclear(res);
	json_decref(list);
}

/* Each /events line names a container whose row may be stale. */
static int
follow_sink(void *arg, const char *data, size_t len)
{
	struct follow	*f = arg;
	const char	*nl, *id;
	json_t		*ev;
	size_t		 n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) + 1 : len;
		if (op_buf_add(&f->line, data, n) != OP_OK)
			op_buf_reset(&f->line);	/* absurd line: drop it */
		data += n;
		len -= n;
		if (nl == NULL)
			break;
		ev = json_loadb(f->line.data, f->line.len, 0, NULL);
		op_buf_reset(&f->line);
		/* A swarm task's container stands for its service. */
		id = json_string_value(json_object_get(json_object_get(
		    json_object_get(ev, "Actor"), "Attributes"),
		    "com.docker.swarm.service.id"));
		if (id == NULL)
			id = json_string_value(json_object_get(json_object_get(
			    ev, "Actor"), "ID"));
		if (id != NULL)
			reconcile_one(f->r, id);
		json_decref(ev);
	}
	return *f->stop != 0;
}

/*
 * Follow the engine's container events (a swarm task's among them) and
 * service events (updates, rollbacks) for one window, on a client of its
 * own: the sink refreshes rows through the shared one while this stream
 * is still open.
 */
static void
follow(struct op_req *r, volatile int *stop)
{
	struct op_docker	*d;
	struct follow		 f = { r, { 0 }, stop };
	const char		*q;
	long			 status;

	if (engine_instance(r) == NULL) {	/* the database is down */
		poll(NULL, 0, 1000);
		return;
	}
	if (op_docker_open(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"), &d) != OP_OK)
		return;
	op_buf_init(&f.line, 1024 * 1024);
	q = op_req_printf(r, "/events?since=%lld&filters=%s",
	    (long long)time(NULL), op_req_urlencode(r, op_req_printf(r,
	    "{\"type\":[\"container\",\"service\"],\"label\":["
	    "\"io.openpanel.instance=%s\"]}", engine_instance(r))));
	if (op_docker_stream(d, "GET", q, NULL, NULL, 0, FOLLOW_MS,
	    follow_sink, &f, &status) == OP_EUNAVAIL)
		poll(NULL, 0, 1000);	/* the engine is down: not too eagerly */
	op_buf_clear(&f.line);
	op_docker_close(d);
}

enum op_err
reconcile_run(const struct op_service *svc, struct op_db *db,
    volatile int *stop)
{
	struct op_req	r;

	while (!*stop) {
		/* A request-shaped context: the panel itself is the actor. */
		if (op_system_req(&r, svc, db) != OP_OK)
			return OP_ENOMEM;
		reconcile_all(&r);
		follow(&r, stop);
		op_system_req_end(&r);
	}
	return OP_OK;
}
