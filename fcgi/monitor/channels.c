/*
 * channels.c — a team's notification channels: a webhook (JSON signed
 * with HMAC-SHA256 under a secret shown once), an email address (SMTP),
 * or a Slack or Discord incoming webhook. The target is sealed at rest
 * (incoming-webhook URLs are credentials); answers show only a hint of
 * it. A test button queues a test notification.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor.h"

#define CHANNEL_COLUMNS	"id, team_id, name, kind, target_hint," \
			" secret IS NOT NULL AS secret_set, created_at, updated_at"
#define CHANNELS_PER_TEAM	100

static const char *const channel_kinds[] = { "webhook", "email", "slack",
	"discord" };

static enum op_err
valid_kind(const char *s, const char **why)
{
	size_t	i;

	for (i = 0; i < nitems(channel_kinds); i++)
		if (strcmp(s, channel_kinds[i]) == 0)
			return OP_OK;
	*why = "must be webhook, email, slack or discord";
	return OP_EINVAL;
}

/* What may be shown of a target: an address whole, a URL's origin. */
static const char *
target_hint(struct op_req *r, const char *kind, const char *target)
{
	const char	*host;

	if (strcmp(kind, "email") == 0)
		return target;
	host = strstr(target, "://") + 3;	/* a valid URL has it */
	return op_req_printf(r, "%.*s/…", (int)(host - target +
	    (long)strcspn(host, "/?#")), target);
}

/* The target of kind from the body: url or email, exactly one. */
static enum op_err
target_pick(struct op_req *r, const char *kind, const struct op_value *url,
    const struct op_value *email, const char **out)
{
	int	 is_email = strcmp(kind, "email") == 0;

	*out = NULL;
	if (is_email && (!email->set || url->set))
		return op_fail(r, OP_EINVAL, "invalid_target",
		    "an email channel takes an email and no url", "email");
	if (!is_email && (!url->set || email->set))
		return op_fail(r, OP_EINVAL, "invalid_target",
		    "this channel takes a url and no email", "url");
	*out = is_email ? email->s : url->s;
	return OP_OK;
}

/* GET /api/notification-channels?team_id= */
enum op_err
channels_list(struct op_req *r)
{
	return monitor_team_list(r, "SELECT " CHANNEL_COLUMNS " FROM"
	    " monitor.channels WHERE team_id = $1 ORDER BY name");
}

static enum op_err
channel_reply(struct op_req *r, int status, const char *id,
    const char *secret)
{
	PGresult	*res = NULL;
	json_t		*out;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT " CHANNEL_COLUMNS " FROM"
	    " monitor.channels WHERE id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found",
		    "no such notification channel", NULL);
	}
	out = op_db_row_json(res, 0);
	if (secret != NULL)
		json_object_set_new(out, "secret", json_string(secret));
	PQclear(res);
	return op_reply_json(r, status, out);
}

static const struct op_field create_fields[] = {
	{ "team_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "kind", OP_FT_STRING, OP_FF_REQUIRED, 1, 16, valid_kind },
	{ "url", OP_FT_STRING, OP_FF_SECRET, 8, 2048, op_valid_url },
	{ "email", OP_FT_STRING, 0, 3, 254, op_valid_email },
};

/* Seal target and, for a webhook, a new secret (its plain text in
 * *secret, in the arena). */
static enum op_err
seal_all(struct op_req *r, const char *kind, const char *target,
    char **sealed_target, char **sealed_secret, char **secret)
{
	char		 tok[64];
	enum op_err	 er;

	*sealed_target = *sealed_secret = *secret = NULL;
	if ((er = op_secret_seal(target, strlen(target), sealed_target)) !=
	    OP_OK || strcmp(kind, "webhook") != 0)
		return er;
	if ((er = op_random_token(tok, sizeof(tok), 32)) != OP_OK ||
	    (*secret = op_req_printf(r, "whsec_%s", tok)) == NULL)
		return er != OP_OK ? er : OP_ENOMEM;
	op_wipe(tok, sizeof(tok));
	return op_secret_seal(*secret, strlen(*secret), sealed_secret);
}

/* POST /api/notification-channels — the team's secrets, so admins. */
enum op_err
channels_create(struct op_req *r)
{
	struct op_value	 v[nitems(create_fields)];
	PGresult	*res = NULL;
	enum op_role	 role;
	const char	*target;
	char		*st = NULL, *ss = NULL, *secret = NULL;
	enum op_err	 er;

	if ((er = op_fields_body(r, create_fields, nitems(create_fields), v)) !=
	    OP_OK ||
	    (er = op_team_authorize(r, v[0].s, OP_ACT_SECRETS, &role)) !=
	    OP_OK ||
	    (er = target_pick(r, v[2].s, &v[3], &v[4], &target)) != OP_OK)
		return er;
	if ((er = seal_all(r, v[2].s, target, &st, &ss, &secret)) != OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT count(*) FROM"
	    " monitor.channels WHERE team_id = $1", v[0].s)) != OP_OK)
		goto out;
	if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= CHANNELS_PER_TEAM) {
		er = op_fail(r, OP_ECONFLICT, "too_many_channels",
		    "delete an unused channel first", NULL);
		goto out;
	}
	PQclear(res);
	res = NULL;
	er = op_db_execv(r->db, &res, "INSERT INTO monitor.channels (team_id,"
	    " name, kind, target, secret, target_hint) VALUES ($1, $2, $3, $4,"
	    " $5, $6) RETURNING id", v[0].s, v[1].s, v[2].s, st, ss,
	    target_hint(r, v[2].s, target));
	if (er == OP_ECONFLICT)
		er = op_fail(r, er, "name_taken",
		    "the team already has a channel of this name", "name");
	if (er != OP_OK ||
	    (er = op_event_emit(r, "notification_channel.created", v[0].s,
	    "notification_channel", PQgetvalue(res, 0, 0), json_pack(
	    "{s:s, s:s}", "name", v[1].s, "kind", v[2].s))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = channel_reply(r, 201, PQgetvalue(res, 0, 0), secret);
out:
	if (secret != NULL)
		op_wipe(secret, strlen(secret));
	free(st);
	free(ss);
	PQclear(res);
	return er;
}

/* GET /api/notification-channels/:id */
enum op_err
channels_get(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = monitor_owner(r, "channels", OP_ACT_READ, &team)) != OP_OK)
		return er;
	return channel_reply(r, 200, r->params[0], NULL);
}

static const struct op_field update_fields[] = {
	{ "name", OP_FT_STRING, 0, 1, 100, op_valid_name },
	{ "url", OP_FT_STRING, OP_FF_SECRET, 8, 2048, op_valid_url },
	{ "email", OP_FT_STRING, 0, 3, 254, op_valid_email },
};

/* PATCH /api/notification-channels/:id — its name, or its target. */
enum op_err
channels_update(struct op_req *r)
{
	struct op_value	 v[nitems(update_fields)];
	PGresult	*res = NULL;
	const char	*team, *target = NULL;
	char		*sealed = NULL;
	enum op_err	 er;

	if ((er = monitor_owner(r, "channels", OP_ACT_SECRETS, &team)) !=
	    OP_OK ||
	    (er = op_fields_body(r, update_fields, nitems(update_fields), v)) !=
	    OP_OK ||
	    (er = op_db_execv(r->db, &res, "SELECT kind FROM monitor.channels"
	    " WHERE id = $1", r->params[0])) != OP_OK)
		return er;
	if ((v[1].set || v[2].set) && ((er = target_pick(r,
	    PQgetvalue(res, 0, 0), &v[1], &v[2], &target)) != OP_OK ||
	    (er = op_secret_seal(target, strlen(target), &sealed)) != OP_OK))
		goto out;
	if ((er = op_db_begin(r->db)) != OP_OK)
		goto out;
	er = op_db_execv(r->db, NULL, "UPDATE monitor.channels SET name ="
	    " COALESCE($2, name), target = COALESCE($3, target), target_hint ="
	    " COALESCE($4, target_hint), updated_at = now() WHERE id = $1",
	    r->params[0], v[0].set ? v[0].s : NULL, sealed, target ?
	    target_hint(r, PQgetvalue(res, 0, 0), target) : NULL);
	if (er == OP_ECONFLICT)
		er = op_fail(r, er, "name_taken",
		    "the team already has a channel of this name", "name");
	if (er != OP_OK ||
	    (er = op_event_emit(r, "notification_channel.updated", team,
	    "notification_channel", r->params[0], json_pack("{s:b, s:b}",
	    "name", v[0].set, "target", target != NULL))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = channel_reply(r, 200, r->params[0], NULL);
out:
	free(sealed);
	PQclear(res);
	return er;
}

/* DELETE /api/notification-channels/:id */
enum op_err
channels_delete(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = monitor_owner(r, "channels", OP_ACT_SECRETS, &team)) !=
	    OP_OK ||
	    (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "UPDATE monitor.rules SET"
	    " channel_ids = array_remove(channel_ids, $1::uuid) WHERE"
	    " $1::uuid = ANY(channel_ids)", r->params[0])) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "DELETE FROM monitor.channels"
	    " WHERE id = $1", r->params[0])) != OP_OK ||
	    (er = op_event_emit(r, "notification_channel.deleted", team,
	    "notification_channel", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}

/* POST /api/notification-channels/:id/test — queued, delivered soon. */
enum op_err
channels_test(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team;
	char		 id[37];
	json_t		*payload;
	char		*text;
	enum op_err	 er;

	if ((er = monitor_owner(r, "channels", OP_ACT_EDIT, &team)) != OP_OK ||
	    (er = op_uuid(id)) != OP_OK)
		return er;
	payload = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status", "test",
	    "team_id", team, "rule", "test", "subject", "test", "summary",
	    "a test notification from OpenPanel");
	if (payload == NULL ||
	    (text = json_dumps(payload, JSON_COMPACT)) == NULL) {
		json_decref(payload);
		return OP_ENOMEM;
	}
	json_decref(payload);
	er = op_db_execv(r->db, &res, "INSERT INTO monitor.deliveries (id,"
	    " channel_id, dedup_key, status, payload) VALUES ($1::uuid, $2,"
	    " 'test:' || $1::uuid::text, 'test', $3::jsonb) RETURNING id, status,"
	    " created_at", id, r->params[0], text);
	free(text);
	if (er != OP_OK)
		return er;
	er = op_reply_row(r, 202, res, 0);
	PQclear(res);
	return er;
}

static const struct op_field deliveries_fields[] = {
	{ "limit", OP_FT_INT, 0, 1, 200, NULL },
};

/* GET /api/notification-channels/:id/deliveries — the latest first. */
enum op_err
channels_deliveries(struct op_req *r)
{
	struct op_value	 v[nitems(deliveries_fields)];
	PGresult	*res = NULL;
	const char	*team;
	enum op_err	 er;

	if ((er = monitor_owner(r, "channels", OP_ACT_READ, &team)) != OP_OK ||
	    (er = op_fields_query(r, deliveries_fields,
	    nitems(deliveries_fields), v)) != OP_OK)
		return er;
	if ((er = op_db_execv(r->db, &res, "SELECT id, rule_id, status,"
	    " payload, attempts, sent_at, failed_at, last_error, created_at"
	    " FROM monitor.deliveries WHERE channel_id = $1 ORDER BY"
	    " created_at DESC, id LIMIT $2", r->params[0],
	    op_req_printf(r, "%lld", v[0].set ? v[0].i : 50))) != OP_OK)
		return er;
	er = op_reply_json(r, 200, op_db_page_json(res, PQntuples(res), NULL));
	PQclear(res);
	return er;
}
