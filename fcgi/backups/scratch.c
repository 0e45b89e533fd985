/*
 * scratch.c — new database containers to restore into, asked of
 * op-projects over the internal socket (it owns containers): made beside
 * the backed-up database with the same engine and image, waited for
 * until healthy, and removed again after a drill.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backups.h"

#define INTERNAL_MS	60000		/* create and start a container */
#define READY_POLL_MS	1000

/* The error message of op-projects' answer. */
static const char *
answer_why(struct op_req *r, long status, json_t *reply)
{
	const char	*m = json_string_value(json_object_get(json_object_get(
	    reply, "error"), "message"));

	return op_req_printf(r, "op-projects answered %ld: %s", status,
	    m ? m : "no reason given");
}

enum op_err
scratch_create(struct op_req *r, const char *source, const char *name,
    const char **container_id, const char **why)
{
	json_t		*body, *reply = NULL;
	const char	*id;
	long		 status;
	enum op_err	 er;

	*container_id = NULL;
	if ((body = json_pack("{s:s, s:s}", "container_id", source, "name",
	    name)) == NULL)
		return OP_ENOMEM;
	er = op_internal_call(r->request_id, "POST", "/api/databases/copies",
	    body, INTERNAL_MS, &status, &reply);
	json_decref(body);
	if (er != OP_OK || status == 0 || status >= 500) {
		*why = "op-projects could not be asked for a new container";
		er = OP_EUNAVAIL;
	} else if (status != 200 && status != 201) {
		*why = answer_why(r, status, reply);
		er = OP_ENOTFOUND;	/* refused: not worth a retry */
	} else if ((id = json_string_value(json_object_get(reply,
	    "container_id"))) == NULL ||
	    (*container_id = op_req_strdup(r, id)) == NULL) {
		*why = "op-projects answered without a container";
		er = OP_EUNAVAIL;
	}
	json_decref(reply);
	return er;
}

/* How long a new database may take to become healthy. */
static int
ready_s(void)
{
	return (int)op_config_int("OP_BACKUP_READY_S", 300, 10, 3600);
}

enum op_err
scratch_wait_ready(struct op_req *r, struct job *j, const char *container_id,
    const char **why)
{
	PGresult	*res = NULL;
	time_t		 until = time(NULL) + ready_s();
	int		 healthy;
	enum op_err	 er;

	for (;;) {
		if ((er = job_heartbeat(r->db, j)) != OP_OK)
			return er;
		if ((er = op_db_execv(r->db, &res, "SELECT health, docker_id"
		    " FROM projects.containers_v WHERE id = $1",
		    container_id)) != OP_OK)
			return er;
		if (PQntuples(res) != 1) {
			PQclear(res);
			*why = "the new container went away";
			return OP_ENOTFOUND;
		}
		healthy = op_db_get(res, 0, "docker_id") != NULL &&
		    op_db_get(res, 0, "health") != NULL &&
		    strcmp(op_db_get(res, 0, "health"), "healthy") == 0;
		PQclear(res);
		if (healthy)
			return OP_OK;
		if (time(NULL) >= until) {
			*why = "the new container did not become healthy";
			return OP_ETIMEOUT;
		}
		poll(NULL, 0, READY_POLL_MS);
	}
}

enum op_err
scratch_remove(struct op_req *r, const char *container_id)
{
	json_t		*reply = NULL;
	long		 status;
	enum op_err	 er;

	er = op_internal_call(r->request_id, "DELETE", op_req_printf(r,
	    "/api/databases/copies/%s", container_id), NULL, INTERNAL_MS,
	    &status, &reply);
	json_decref(reply);
	if (er == OP_OK && status != 204 && status != 404)
		er = OP_EUNAVAIL;
	return er;
}
