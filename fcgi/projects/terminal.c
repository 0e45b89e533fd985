/*
 * terminal.c — tickets for the web terminal. FastCGI cannot hold a
 * WebSocket, so this only mints a one-time ticket, good for a minute,
 * naming the container and the command; op-terminal (fcgi/terminal/)
 * consumes it and attaches the socket to a Docker exec session. Only the
 * ticket's SHA-256 is stored, and the command comes from here, never from
 * the WebSocket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define TICKET_BYTES	32		/* of randomness: 43 base64url chars */
#define TICKET_PREFIX	"opt_"
#define TERM_ARGV_MAX	64
#define TERM_ARG_MAX	4096

static const struct op_field fields[] = {
	{ "command", OP_FT_ARRAY, 0, 1, TERM_ARGV_MAX, NULL },
	{ "cols", OP_FT_INT, 0, 1, 1000, NULL },
	{ "rows", OP_FT_INT, 0, 1, 1000, NULL },
	{ "slot", OP_FT_INT, 0, 1, 100000, NULL },
};
enum { F_COMMAND, F_COLS, F_ROWS, F_SLOT };

/* Where the terminal opens. docker_id is NULL for a plain container
 * (op-terminal uses the row's); slot is 0 but for a Swarm task. */
struct target {
	const char	*docker_id;
	long		 slot;
};

/* The argv to run: the body's (checked) or ["/bin/sh"]. New reference. */
static enum op_err
command_of(struct op_req *r, const struct op_value *v, json_t **out)
{
	const char	*why;
	json_t		*s;
	size_t		 i;

	*out = NULL;
	if (!v->set) {
		*out = json_pack("[s]", "/bin/sh");
		return *out == NULL ? OP_ENOMEM : OP_OK;
	}
	json_array_foreach(v->j, i, s)
		if (!json_is_string(s) || json_string_length(s) == 0 ||
		    json_string_length(s) > TERM_ARG_MAX ||
		    op_valid_text(json_string_value(s), &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_command",
			    op_req_printf(r, "command[%zu] must be a non-empty "
			    "string without control characters", i), "command");
	*out = json_incref(v->j);
	return OP_OK;
}

/* 409 not_running unless the engine says c runs. The engine's word, not
 * the row's: engine_refresh sets c->state from the engine ("missing" when
 * it has none), and leaves it NULL when the row was recreated meanwhile. */
static enum op_err
plain_target(struct op_req *r, struct container *c, const struct op_value *slot)
{
	enum op_err	er;

	if (slot->set)
		return op_fail(r, OP_EINVAL, "invalid_slot", "slot names a "
		    "task of a Swarm container, and this one runs as a plain "
		    "container", "slot");
	c->state = NULL;
	if (c->docker_id != NULL && (er = engine_refresh(r, c)) != OP_OK)
		return er;
	if (c->docker_id == NULL || c->state == NULL ||
	    strcmp(c->state, "running") != 0)
		return op_fail(r, OP_ECONFLICT, "not_running", "the container "
		    "is not running: start it first", NULL);
	return OP_OK;
}

/* A Swarm container's terminal opens on its task in the slot asked for,
 * or on its lowest-numbered task on this node. */
static enum op_err
task_target(struct op_req *r, const struct container *c,
    const struct op_value *slot, struct target *to)
{
	struct task	 t[64];
	size_t		 i, n;
	enum op_err	 er;

	if (c->docker_id == NULL)
		return op_fail(r, OP_ECONFLICT, "not_running", "the container "
		    "is not running: start it first", NULL);
	if ((er = service_local_tasks(r, c, t, nitems(t), &n)) != OP_OK)
		return er;
	for (i = 0; i < n && slot->set && t[i].slot != slot->i; i++)
		;
	if (i == n)
		return service_no_local_task(r, slot->set ? op_req_printf(r,
		    "a terminal on slot %lld", slot->i) : "a terminal");
	to->docker_id = op_req_strdup(r, t[i].id);
	to->slot = t[i].slot;
	return to->docker_id == NULL ? OP_ENOMEM : OP_OK;
}

static enum op_err
target_of(struct op_req *r, struct container *c, const struct op_value *slot,
    struct target *to)
{
	memset(to, 0, sizeof(*to));
	if (spec_is_swarm(c->spec))
		return task_target(r, c, slot, to);
	return plain_target(r, c, slot);
}

/*
 * POST /api/containers/:id/terminal {command?, cols?, rows?, slot?} — a
 * ticket for one terminal session on a running container (developers and
 * up, signed-in sessions only). On a Swarm container it opens on one task
 * on the panel's node: slot's, or the lowest slot's.
 */
enum op_err
containers_terminal(struct op_req *r)
{
	struct op_value		 v[nitems(fields)];
	struct container	 c;
	struct target		 to;
	PGresult		*res = NULL;
	json_t			*cmd = NULL, *reply = NULL;
	char			 ticket[64], hash[65], *cmd_text = NULL;
	enum op_err		 er;

	memset(ticket, 0, sizeof(ticket));
	if (r->body == NULL)		/* every field is optional */
		memset(v, 0, sizeof(v));
	else if ((er = op_fields_body(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if ((er = container_authorize(r, r->params[0], OP_ACT_OPERATE, &c)) !=
	    OP_OK || (er = command_of(r, &v[F_COMMAND], &cmd)) != OP_OK ||
	    (er = target_of(r, &c, &v[F_SLOT], &to)) != OP_OK)
		goto out;
	memcpy(ticket, TICKET_PREFIX, sizeof(TICKET_PREFIX) - 1);
	if ((er = op_random_token(ticket + sizeof(TICKET_PREFIX) - 1,
	    sizeof(ticket) - sizeof(TICKET_PREFIX) + 1, TICKET_BYTES)) != OP_OK)
		goto out;
	op_sha256_hex(ticket, strlen(ticket), hash);
	if ((cmd_text = json_dumps(cmd, JSON_COMPACT)) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM"
	    " projects.terminal_tickets WHERE expires_at < now() -"
	    " interval '1 hour'")) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "INSERT INTO"
	    " projects.terminal_tickets (hash, container_id, user_id, team_id,"
	    " command, cols, rows, docker_id) VALUES ($1, $2, $3, $4,"
	    " $5::jsonb, $6::int, $7::int, $8) RETURNING expires_at", hash,
	    c.id, r->auth.user_id, c.team_id, cmd_text,
	    op_req_printf(r, "%lld", v[F_COLS].set ? v[F_COLS].i : 80),
	    op_req_printf(r, "%lld", v[F_ROWS].set ? v[F_ROWS].i : 24),
	    to.docker_id)) !=
	    OP_OK ||
	    (er = op_event_emit(r, "container.terminal_opened", c.team_id,
	    "container", c.id, json_pack("{s:s, s:O}", "project_id",
	    c.project_id, "command", cmd))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK) {
		op_db_rollback(r->db);
		goto out;
	}
	reply = op_db_row_json(res, 0);
	if (reply == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	json_object_set_new(reply, "ticket", json_string(ticket));
	if (to.slot > 0)
		json_object_set_new(reply, "slot", json_integer(to.slot));
	json_object_set_new(reply, "url", json_string(op_req_printf(r,
	    "/api/terminal?ticket=%s", ticket)));
	er = op_reply_json(r, 201, reply);
out:
	op_wipe(ticket, sizeof(ticket));
	PQclear(res);
	json_decref(cmd);
	free(cmd_text);
	return er;
}
