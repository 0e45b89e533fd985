/*
 * webhooks.c — pushes from GitHub, GitLab, Bitbucket, or anything that
 * can sign a request (generic). Public routes: the hook id in the path
 * names the project, the signature (or GitLab's token) proves the sender
 * knows the project's webhook secret, and nothing happens before it is
 * checked. A push to the project's branch builds that exact commit (and
 * deploys it when the source says so); other events and branches are
 * acknowledged and ignored; a delivery seen before is not built twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builds.h"

/* Does the header sign the request's body with the hook's secret? */
static int
signed_ok(struct op_req *r, const struct hook *h, const char *header)
{
	return payload_signed(h->secret, h->secret_len, r->body_raw,
	    r->body_len, header);
}

static void
hook_free(struct hook *h)
{
	if (h->secret != NULL) {
		op_wipe(h->secret, h->secret_len);
		free(h->secret);
		h->secret = NULL;
	}
}

static enum op_err
refused(struct op_req *r, struct hook *h)
{
	hook_free(h);
	return op_fail(r, OP_EUNAUTH, "bad_signature", "the delivery is not "
	    "signed with this webhook's secret", NULL);
}

static enum op_err
ignored(struct op_req *r, const char *why)
{
	return op_reply_json(r, 200, json_pack("{s:s}", "ignored", why));
}

/* A delivery seen before: the build it made (OP_ECONFLICT), or a
 * record of this one (OP_OK). No delivery id: OP_OK. */
static enum op_err
delivery_new(struct op_req *r, const char *hook_id, const char *delivery,
    const char **build_id)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	*build_id = NULL;
	if (delivery == NULL)
		return OP_OK;
	if (strlen(delivery) > 128 || !op_proxy_word_ok(delivery))
		return op_fail(r, OP_EBADREQ, "bad_delivery", "the delivery id "
		    "is malformed", NULL);
	if ((er = op_db_execv(r->db, &res, "INSERT INTO builds.deliveries"
	    " (hook_id, delivery) VALUES ($1, $2) ON CONFLICT DO NOTHING"
	    " RETURNING 1", hook_id, delivery)) != OP_OK)
		return er;
	if (PQntuples(res) == 1) {
		PQclear(res);
		return OP_OK;
	}
	PQclear(res);
	if ((er = op_db_execv(r->db, &res, "SELECT build_id FROM"
	    " builds.deliveries WHERE hook_id = $1 AND delivery = $2",
	    hook_id, delivery)) != OP_OK)
		return er;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*build_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	return OP_ECONFLICT;
}

/* A push of ref at commit (either may be NULL): build it when it is the
 * project's branch. Frees h. */
static enum op_err
push(struct op_req *r, struct hook *h, const char *hook_id,
    const char *delivery, const char *ref, const char *commit)
{
	struct build_input	 in;
	PGresult		*res = NULL;
	const char		*branch, *seen, *why;
	char			 id[37];
	enum op_err		 er;

	hook_free(h);
	switch (payload_branch(ref, &branch)) {
	case PAYLOAD_NO_REF:
		return op_fail(r, OP_EINVAL, "missing_field", "the push names no "
		    "ref", "ref");
	case PAYLOAD_NOT_BRANCH:
		return ignored(r, "only pushes to branches are built");
	case PAYLOAD_BRANCH:
		break;
	}
	if (strcmp(branch, h->git_ref) != 0)
		return ignored(r, op_req_printf(r, "a push to another branch "
		    "(the project builds %s)", h->git_ref));
	if (commit != NULL && !op_git_is_commit(commit))
		return op_fail(r, OP_EINVAL, "invalid_commit", "malformed commit "
		    "id", NULL);
	if (commit != NULL && strspn(commit, "0") == strlen(commit))
		return ignored(r, "the branch was deleted");
	if (op_valid_git_ref(branch, &why) != OP_OK)
		return op_fail(r, OP_EINVAL, "invalid_ref", why, "ref");
	if ((er = op_db_begin(r->db)) != OP_OK)
		return er;
	if ((er = delivery_new(r, hook_id, delivery, &seen)) == OP_ECONFLICT) {
		op_db_rollback(r->db);
		return op_reply_json(r, 200, json_pack("{s:b, s:s?}",
		    "duplicate", 1, "build_id", seen));
	}
	if (er != OP_OK || (er = op_db_execv(r->db, &res, "SELECT git_url,"
	    " dockerfile, context, build_args::text FROM builds.sources"
	    " WHERE project_id = $1", h->project_id)) != OP_OK)
		return er;
	memset(&in, 0, sizeof(in));
	in.project_id = h->project_id;
	in.team_id = h->team_id;
	in.git_url = op_req_strdup(r, PQgetvalue(res, 0, 0));
	in.git_ref = commit != NULL ? commit : branch;
	in.dockerfile = op_req_strdup(r, PQgetvalue(res, 0, 1));
	in.context = op_req_strdup(r, PQgetvalue(res, 0, 2));
	in.build_args = json_loads(PQgetvalue(res, 0, 3), 0, NULL);
	op_req_own_json(r, in.build_args);
	in.deploy = h->auto_deploy;
	in.trigger = "webhook";
	PQclear(res);
	if ((er = build_enqueue(r, &in, id)) != OP_OK ||
	    (delivery != NULL && (er = op_db_execv(r->db, NULL, "UPDATE"
	    " builds.deliveries SET build_id = $3 WHERE hook_id = $1 AND"
	    " delivery = $2", hook_id, delivery, id)) != OP_OK) ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 202, json_pack("{s:s, s:o}", "build_id", id,
	    "build", build_json(r, id)));
}

/* The push of kind in the request's body, built when it is to the
 * project's branch; "ignored" when it is not to a branch. Frees h. */
static enum op_err
push_of(struct op_req *r, struct hook *h, enum payload_kind kind,
    const char *delivery)
{
	const char	*ref, *commit;

	if (!payload_push(kind, r->body, &ref, &commit)) {
		hook_free(h);
		return ignored(r, "not a push to a branch");
	}
	return push(r, h, r->params[0], delivery, ref, commit);
}

/* POST /api/webhooks/github/:hook_id */
enum op_err
webhooks_github(struct op_req *r)
{
	struct hook	 h;
	const char	*event = op_req_header(r, "HTTP_X_GITHUB_EVENT");
	enum op_err	 er;

	if ((er = hook_find(r, r->params[0], &h)) != OP_OK)
		return er;
	if (!signed_ok(r, &h, op_req_header(r, "HTTP_X_HUB_SIGNATURE_256")))
		return refused(r, &h);
	if (event == NULL || strcmp(event, "push") != 0) {
		hook_free(&h);
		return ignored(r, op_req_printf(r, "a %s event",
		    event ? (op_proxy_word_ok(event) ? event : "malformed") :
		    "nameless"));
	}
	return push_of(r, &h, PAYLOAD_GITHUB, op_req_header(r,
	    "HTTP_X_GITHUB_DELIVERY"));
}

/* POST /api/webhooks/gitlab/:hook_id — GitLab sends the secret itself. */
enum op_err
webhooks_gitlab(struct op_req *r)
{
	struct hook	 h;
	const char	*event = op_req_header(r, "HTTP_X_GITLAB_EVENT");
	enum op_err	 er;

	if ((er = hook_find(r, r->params[0], &h)) != OP_OK)
		return er;
	if (!payload_token(h.secret, h.secret_len,
	    op_req_header(r, "HTTP_X_GITLAB_TOKEN")))
		return refused(r, &h);
	if (event == NULL || strcmp(event, "Push Hook") != 0) {
		hook_free(&h);
		return ignored(r, "not a push");
	}
	return push_of(r, &h, PAYLOAD_GITLAB, op_req_header(r,
	    "HTTP_X_GITLAB_EVENT_UUID"));
}

/* POST /api/webhooks/bitbucket/:hook_id — the first change to a branch. */
enum op_err
webhooks_bitbucket(struct op_req *r)
{
	struct hook	 h;
	const char	*event = op_req_header(r, "HTTP_X_EVENT_KEY");
	enum op_err	 er;

	if ((er = hook_find(r, r->params[0], &h)) != OP_OK)
		return er;
	if (!signed_ok(r, &h, op_req_header(r, "HTTP_X_HUB_SIGNATURE")))
		return refused(r, &h);
	if (event == NULL || strcmp(event, "repo:push") != 0) {
		hook_free(&h);
		return ignored(r, "not a push");
	}
	return push_of(r, &h, PAYLOAD_BITBUCKET, op_req_header(r,
	    "HTTP_X_REQUEST_UUID"));
}

/* POST /api/webhooks/generic/:hook_id — {ref, commit?}, signed. */
enum op_err
webhooks_generic(struct op_req *r)
{
	struct hook	 h;
	enum op_err	 er;

	if ((er = hook_find(r, r->params[0], &h)) != OP_OK)
		return er;
	if (!signed_ok(r, &h, op_req_header(r, "HTTP_X_OPENPANEL_SIGNATURE")))
		return refused(r, &h);
	return push_of(r, &h, PAYLOAD_GENERIC, op_req_header(r,
	    "HTTP_X_OPENPANEL_DELIVERY"));
}
