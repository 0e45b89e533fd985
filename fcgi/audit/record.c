/*
 * record.c — POST /api/audit/logs: for services that must record
 * something directly. Reachable only through the gateway's internal
 * socket, never its public listener. The record goes through op-audit's
 * own outbox, so it joins the chain the way every event does.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"

static enum op_err
valid_type(const char *s, const char **why)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && s[i] != '_' &&
		    s[i] != '.') {
			*why = "must be a dotted event name such as "
			    "backup.restored";
			return OP_EINVAL;
		}
	if (strchr(s, '.') == NULL || s[0] == '.' || s[i - 1] == '.') {
		*why = "must be a dotted event name such as backup.restored";
		return OP_EINVAL;
	}
	return OP_OK;
}

static const struct op_field fields[] = {
	{ "type", OP_FT_STRING, OP_FF_REQUIRED, 3, 64, valid_type },
	{ "team_id", OP_FT_STRING, OP_FF_NULLABLE, 36, 36, op_valid_uuid },
	{ "actor_id", OP_FT_STRING, OP_FF_NULLABLE, 36, 36, op_valid_uuid },
	{ "subject_kind", OP_FT_STRING, OP_FF_NULLABLE, 1, 32, op_valid_slug },
	{ "subject_id", OP_FT_STRING, OP_FF_NULLABLE, 1, 128, NULL },
	{ "outcome", OP_FT_STRING, 0, 7, 7, audit_valid_outcome },
	{ "data", OP_FT_OBJECT, 0, 0, 64, NULL },
};

enum op_err
audit_record(struct op_req *r)
{
	struct op_value	 v[nitems(fields)];
	json_t		*data;
	enum op_err	 er;

	if ((er = op_fields_body(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if (v[2].set && !v[2].null)
		snprintf(r->auth.user_id, sizeof(r->auth.user_id), "%s",
		    v[2].s);
	data = v[6].set ? json_deep_copy(v[6].j) : json_object();
	if (data != NULL && v[5].set)
		json_object_set_new(data, "outcome", json_string(v[5].s));
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_event_emit(r, v[0].s, v[1].null ? NULL : v[1].s,
	    v[3].null ? NULL : v[3].s, v[4].null ? NULL : v[4].s, data)) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, json_pack("{s:b}", "accepted", 1));
}
