/*
 * chain.c — the trail's hash chain. Each row's hash covers the event as
 * it was published and the hash of the row before it; appends take the
 * chain's end under a row lock, one at a time, so the chain is a line.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"

#define EVENT_MAX	(256 * 1024)

void
chain_hash(const char *event, const char *prev, char out[65])
{
	struct op_buf	b;

	op_buf_init(&b, EVENT_MAX + 128);
	if (op_buf_addf(&b, "%s\n%s", event, prev) != OP_OK) {
		out[0] = '\0';	/* cannot match any stored hash */
		op_buf_clear(&b);
		return;
	}
	op_sha256_hex(b.data, b.len, out);
	op_buf_clear(&b);
}

enum op_err
audit_valid_outcome(const char *s, const char **why)
{
	if (strcmp(s, "success") != 0 && strcmp(s, "failure") != 0) {
		*why = "must be success or failure";
		return OP_EINVAL;
	}
	return OP_OK;
}

const char *
chain_outcome(const char *type, json_t *event)
{
	const char	*o = json_string_value(json_object_get(json_object_get(
			    event, "data"), "outcome"));
	size_t		 n = strlen(type);

	if (o != NULL && strcmp(o, "failure") == 0)
		return "failure";
	if ((n > 7 && strcmp(type + n - 7, "_failed") == 0) ||
	    strncmp(type, "request.", 8) == 0)
		return "failure";
	return "success";
}

/* A string member of o (or of o's member sub), or NULL. */
static const char *
str(json_t *o, const char *sub, const char *key)
{
	if (sub != NULL)
		o = json_object_get(o, sub);
	return json_string_value(json_object_get(o, key));
}

enum op_err
chain_append(struct op_db *db, const char *text, int *added)
{
	PGresult	*res = NULL;
	json_t		*ev;
	const char	*id, *type, *time, *why;
	char		 hash[65];
	enum op_err	 er;

	*added = 0;
	if (strlen(text) > EVENT_MAX ||
	    (ev = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return OP_EINVAL;
	id = str(ev, NULL, "id");
	type = str(ev, NULL, "type");
	time = str(ev, NULL, "time");
	if (id == NULL || op_valid_uuid(id, &why) != OP_OK || type == NULL ||
	    *type == '\0' || time == NULL) {
		json_decref(ev);
		return OP_EINVAL;
	}
	if ((er = op_db_exec(db, &res, "SELECT hash FROM audit.head WHERE"
	    " id = 1 FOR UPDATE", 0, NULL)) != OP_OK || PQntuples(res) != 1) {
		er = er != OP_OK ? er : OP_EINTERNAL;
		goto out;
	}
	chain_hash(text, PQgetvalue(res, 0, 0), hash);
	/* The previous hash, as a parameter: res is cleared below. */
	er = op_db_execv(db, NULL, "WITH row AS (INSERT INTO audit.entries"
	    " (event_id, event, time, action, team_id, actor_id, actor_ip,"
	    " user_agent, subject_kind, subject_id, request_id, outcome,"
	    " prev_hash, hash) VALUES ($1, $2, $3::timestamptz, $4, $5::uuid,"
	    " $6::uuid, $7, $8, $9, $10, $11, $12, $13, $14)"
	    " ON CONFLICT (event_id) DO NOTHING RETURNING seq, hash)"
	    " UPDATE audit.head h SET seq = row.seq, hash = row.hash"
	    " FROM row WHERE h.id = 1", id, text, time, type,
	    str(ev, NULL, "team_id"), str(ev, "actor", "user_id"),
	    str(ev, "actor", "ip"), str(ev, "actor", "user_agent"),
	    str(ev, "subject", "kind"), str(ev, "subject", "id"),
	    str(ev, NULL, "request_id"), chain_outcome(type, ev),
	    PQgetvalue(res, 0, 0), hash);
	if (er != OP_OK)
		goto out;
	PQclear(res);
	res = NULL;
	if ((er = op_db_execv(db, &res, "SELECT 1 FROM audit.entries WHERE"
	    " event_id = $1 AND hash = $2", id, hash)) != OP_OK)
		goto out;
	*added = PQntuples(res) == 1;
out:
	PQclear(res);
	json_decref(ev);
	return er;
}
