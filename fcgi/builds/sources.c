/*
 * sources.c — a project's git source (where its builds come from and
 * which container they deploy), its credentials (an HTTPS token, or an
 * SSH deploy key the panel generates), and its webhook (an id in the URL
 * and a secret that signs deliveries). Credentials and the secret are
 * sealed at rest; the token and the private key are never answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builds.h"

#define SOURCE_COLUMNS "project_id, git_url, git_ref, dockerfile, context," \
	" build_args, container, port, health_path, auto_deploy," \
	" token IS NOT NULL AS has_token, deploy_key_pub AS" \
	" deploy_key_public, hook_id, created_at, updated_at"

/* An absolute URL path to probe: '/', then printable bytes. */
static enum op_err
valid_probe_path(const char *s, const char **why)
{
	const unsigned char	*p;

	if (s[0] != '/')
		goto bad;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\^`{|}#", *p))
			goto bad;
	return OP_OK;
bad:
	*why = "must be a URL path such as /healthz";
	return OP_EINVAL;
}

static json_t *
source_json(struct op_req *r, const char *project_id)
{
	PGresult	*res = NULL;
	json_t		*o = NULL;

	if (op_db_execv(r->db, &res, "SELECT " SOURCE_COLUMNS " FROM"
	    " builds.sources WHERE project_id = $1", project_id) == OP_OK &&
	    PQntuples(res) == 1)
		o = op_db_row_json(res, 0);
	PQclear(res);
	return o;
}

/* GET /api/projects/:id/source */
enum op_err
sources_get(struct op_req *r)
{
	const char	*team;
	json_t		*o;
	enum op_err	 er;

	if ((er = op_project_authorize(r, r->params[0], OP_ACT_READ, &team)) !=
	    OP_OK)
		return er;
	if ((o = source_json(r, r->params[0])) == NULL)
		return op_fail(r, OP_ENOTFOUND, "no_source", "the project has "
		    "no git source: PUT one first", NULL);
	return op_reply_json(r, 200, o);
}

static const struct op_field source_fields[] = {
	{ "git_url", OP_FT_STRING, OP_FF_REQUIRED, 1, 2048, valid_source_url },
	{ "git_ref", OP_FT_STRING, 0, 1, 255, op_valid_git_ref },
	{ "dockerfile", OP_FT_STRING, 0, 1, 1024, op_valid_repo_path },
	{ "context", OP_FT_STRING, 0, 1, 1024, op_valid_repo_path },
	{ "build_args", OP_FT_OBJECT, 0, 0, 64, NULL },
	{ "container", OP_FT_STRING, 0, 1, 63, op_valid_slug },
	{ "port", OP_FT_INT, OP_FF_NULLABLE, 1, 65535, NULL },
	{ "health_path", OP_FT_STRING, OP_FF_NULLABLE, 1, 1024,
	    valid_probe_path },
	{ "auto_deploy", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "token", OP_FT_STRING, OP_FF_NULLABLE | OP_FF_SECRET, 1, 4096, NULL },
};
enum { S_URL, S_REF, S_DOCKERFILE, S_CONTEXT, S_ARGS, S_CONTAINER, S_PORT,
	S_HEALTH, S_AUTO, S_TOKEN };

static const char *
str_or(struct op_value *v, const char *def)
{
	return v->set && !v->null ? v->s : def;
}

/* j as compact JSON text (arena). */
static const char *
json_text(struct op_req *r, json_t *j)
{
	char		*text = json_dumps(j, JSON_COMPACT);
	const char	*copy;

	if (text == NULL)
		return NULL;
	copy = op_req_strdup(r, text);
	free(text);
	return copy;
}

/* A new random token of nbytes (arena). */
static const char *
random_token(struct op_req *r, size_t nbytes)
{
	char	*t = op_req_alloc(r, 4 * nbytes / 3 + 4);

	if (t == NULL || op_random_token(t, 4 * nbytes / 3 + 4, nbytes) !=
	    OP_OK)
		return NULL;
	return t;
}

/* Seal plain (arena copy of the sealed text), NULL on failure. */
static const char *
seal(struct op_req *r, const char *plain)
{
	char		*sealed;
	const char	*copy;

	if (op_secret_seal(plain, strlen(plain), &sealed) != OP_OK)
		return NULL;
	copy = op_req_strdup(r, sealed);
	free(sealed);
	return copy;
}

/*
 * PUT /api/projects/:id/source — link (or relink) the project to a
 * repository. Fields left out take their defaults. A token left out is
 * kept while git_url stays the same (it never follows the source to
 * another URL), a null one removed; setting one is managing secrets. The
 * webhook id and secret are made once.
 */
enum op_err
sources_put(struct op_req *r)
{
	struct op_value	 v[nitems(source_fields)];
	const char	*team, *args, *token = NULL, *secret, *hook;
	char		 port[24];
	enum op_err	 er;

	if ((er = op_fields_body(r, source_fields, nitems(source_fields),
	    v)) != OP_OK ||
	    (v[S_ARGS].set && (er = build_args_check(r, v[S_ARGS].j,
	    "build_args")) != OP_OK) ||
	    (er = op_project_authorize(r, r->params[0], v[S_TOKEN].set ?
	    OP_ACT_SECRETS : OP_ACT_EDIT, &team)) != OP_OK)
		return er;
	if (v[S_TOKEN].set && !v[S_TOKEN].null &&
	    (token = seal(r, v[S_TOKEN].s)) == NULL)
		return OP_ENOMEM;
	if ((hook = random_token(r, 16)) == NULL ||
	    (secret = random_token(r, 32)) == NULL ||
	    (secret = seal(r, secret)) == NULL)
		return OP_ENOMEM;
	args = v[S_ARGS].set ? json_text(r, v[S_ARGS].j) : NULL;
	snprintf(port, sizeof(port), "%lld", v[S_PORT].i);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, NULL, "INSERT INTO builds.sources"
	    " (project_id, team_id, git_url, git_ref, dockerfile, context,"
	    " build_args, container, port, health_path, auto_deploy, token,"
	    " hook_id, hook_secret) VALUES ($1, $2, $3, $4, $5, $6,"
	    " COALESCE($7::jsonb, '{}'), $8, $9::int, $10, $11, $12, $13, $14)"
	    " ON CONFLICT (project_id) DO UPDATE SET git_url = $3, git_ref ="
	    " $4, dockerfile = $5, context = $6, build_args = COALESCE("
	    "$7::jsonb, '{}'), container = $8, port = $9::int, health_path ="
	    " $10, auto_deploy = $11, token = CASE WHEN $15 THEN $12 WHEN"
	    " builds.sources.git_url = $3 THEN builds.sources.token END,"
	    " updated_at = now()", r->params[0],
	    team, v[S_URL].s, str_or(&v[S_REF], "main"),
	    str_or(&v[S_DOCKERFILE], "Dockerfile"), str_or(&v[S_CONTEXT], "."),
	    args, str_or(&v[S_CONTAINER], "app"), v[S_PORT].set &&
	    !v[S_PORT].null ? port : NULL, str_or(&v[S_HEALTH], NULL),
	    !v[S_AUTO].set || v[S_AUTO].i ? "t" : "f", token, hook, secret,
	    v[S_TOKEN].set ? "t" : "f")) != OP_OK ||
	    (er = op_event_emit(r, "project.source_updated", team, "project",
	    r->params[0], json_pack("{s:s, s:s}", "git_url", v[S_URL].s,
	    "git_ref", str_or(&v[S_REF], "main")))) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 200, source_json(r, r->params[0]));
}

/* DELETE /api/projects/:id/source — unlink; builds stay. */
enum op_err
sources_delete(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team;
	enum op_err	 er;

	if ((er = op_project_authorize(r, r->params[0], OP_ACT_DELETE,
	    &team)) != OP_OK || (er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "DELETE FROM builds.sources WHERE"
	    " project_id = $1 RETURNING 1", r->params[0])) != OP_OK)
		return er;
	if (PQntuples(res) == 0)
		er = op_fail(r, OP_ENOTFOUND, "no_source", "the project has no "
		    "git source", NULL);
	PQclear(res);
	if (er != OP_OK || (er = op_event_emit(r, "project.source_removed",
	    team, "project", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}

/* The whole of a small file (arena), or NULL. */
static char *
slurp(struct op_req *r, const char *path)
{
	FILE	*f = fopen(path, "re");
	char	 buf[8192];
	size_t	 n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 ? op_req_strdup(r, buf) : NULL;
}

/* A fresh ed25519 key pair from ssh-keygen, in a private directory. */
static enum op_err
keygen(struct op_req *r, const char *comment, char **priv,
    const char **pub)
{
	char			 dir[] = "/tmp/op-keygen.XXXXXX";
	const char		*key, *argv[] = { "/usr/bin/ssh-keygen", "-q",
	    "-t", "ed25519", "-N", "", "-C", comment, "-f", NULL, NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	enum op_err		 er;

	if (mkdtemp(dir) == NULL)
		return OP_EIO;
	key = op_req_printf(r, "%s/key", dir);
	argv[9] = key;
	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = 30000;
	x.out_max = 4096;
	if ((er = op_exec_run(&x, &res)) == OP_OK) {
		er = res.status == 0 ? OP_OK : OP_EIO;
		op_buf_clear(&res.out);
	}
	*priv = er == OP_OK ? slurp(r, key) : NULL;
	*pub = er == OP_OK ? slurp(r, op_req_printf(r, "%s.pub", key)) : NULL;
	unlink(key);
	unlink(op_req_printf(r, "%s.pub", key));
	rmdir(dir);
	return *priv != NULL && *pub != NULL ? OP_OK : OP_EIO;
}

/*
 * POST /api/projects/:id/source/deploy-key — a new SSH deploy key: the
 * private half sealed, the public half answered (add it to the
 * repository as a read-only deploy key). Replaces any earlier key.
 */
enum op_err
sources_deploy_key(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team, *pub, *sealed;
	char		*priv;
	enum op_err	 er;

	if ((er = op_project_authorize(r, r->params[0], OP_ACT_SECRETS,
	    &team)) != OP_OK)
		return er;
	if ((er = keygen(r, op_req_printf(r, "openpanel-%.8s", r->params[0]),
	    &priv, &pub)) != OP_OK)
		return op_fail(r, OP_EUNAVAIL, "keygen_failed", "the key pair "
		    "could not be made (is ssh-keygen installed?)", NULL);
	sealed = seal(r, priv);
	op_wipe(priv, strlen(priv));
	if (sealed == NULL)
		return OP_ENOMEM;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "UPDATE builds.sources SET"
	    " deploy_key = $2, deploy_key_pub = $3, updated_at = now() WHERE"
	    " project_id = $1 RETURNING 1", r->params[0], sealed,
	    op_req_printf(r, "%.*s", (int)strcspn(pub, "\n"), pub))) != OP_OK)
		return er;
	if (PQntuples(res) == 0)
		er = op_fail(r, OP_ENOTFOUND, "no_source", "the project has no "
		    "git source: PUT one first", NULL);
	PQclear(res);
	if (er != OP_OK || (er = op_event_emit(r, "project.deploy_key_created",
	    team, "project", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return op_reply_json(r, 200, json_pack("{s:s}", "deploy_key_public",
	    op_req_printf(r, "%.*s", (int)strcspn(pub, "\n"), pub)));
}

/* The webhook as answered: id, secret, and a URL per provider. */
static enum op_err
webhook_reply(struct op_req *r, const char *project_id)
{
	PGresult	*res = NULL;
	unsigned char	*plain = NULL;
	const char	*host = op_req_header(r, "HTTP_HOST");
	const char	*base, *hook;
	size_t		 len;
	json_t		*o;
	enum op_err	 er;

	if ((er = op_db_execv(r->db, &res, "SELECT hook_id, hook_secret FROM"
	    " builds.sources WHERE project_id = $1", project_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1 || op_secret_open(PQgetvalue(res, 0, 1),
	    &plain, &len) != OP_OK) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "no_source", "the project has "
		    "no git source: PUT one first", NULL);
	}
	hook = op_req_strdup(r, PQgetvalue(res, 0, 0));
	PQclear(res);
	base = op_config_get("OP_PUBLIC_URL", NULL);
	if (base == NULL)
		base = op_req_printf(r, "%s://%s", r->tls ? "https" : "http",
		    host != NULL && op_proxy_word_ok(host) ? host : "localhost");
	o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "hook_id", hook,
	    "secret", (char *)plain, "urls",
	    "github", op_req_printf(r, "%s/api/webhooks/github/%s", base, hook),
	    "gitlab", op_req_printf(r, "%s/api/webhooks/gitlab/%s", base, hook),
	    "bitbucket", op_req_printf(r, "%s/api/webhooks/bitbucket/%s", base,
	    hook), "generic", op_req_printf(r, "%s/api/webhooks/generic/%s",
	    base, hook));
	op_wipe(plain, len);
	free(plain);
	return op_reply_json(r, 200, o);
}

/* GET /api/projects/:id/webhook — the secret shows: secrets managers only. */
enum op_err
webhook_get(struct op_req *r)
{
	const char	*team;
	enum op_err	 er;

	if ((er = op_project_authorize(r, r->params[0], OP_ACT_SECRETS,
	    &team)) != OP_OK)
		return er;
	return webhook_reply(r, r->params[0]);
}

/* POST /api/projects/:id/webhook/rotate — a new secret; the old one stops
 * working at once. */
enum op_err
webhook_rotate(struct op_req *r)
{
	PGresult	*res = NULL;
	const char	*team, *secret;
	enum op_err	 er;

	if ((er = op_project_authorize(r, r->params[0], OP_ACT_SECRETS,
	    &team)) != OP_OK)
		return er;
	if ((secret = random_token(r, 32)) == NULL ||
	    (secret = seal(r, secret)) == NULL)
		return OP_ENOMEM;
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_execv(r->db, &res, "UPDATE builds.sources SET"
	    " hook_secret = $2, updated_at = now() WHERE project_id = $1"
	    " RETURNING 1", r->params[0], secret)) != OP_OK)
		return er;
	if (PQntuples(res) == 0)
		er = op_fail(r, OP_ENOTFOUND, "no_source", "the project has no "
		    "git source: PUT one first", NULL);
	PQclear(res);
	if (er != OP_OK || (er = op_event_emit(r, "project.webhook_rotated",
	    team, "project", r->params[0], NULL)) != OP_OK ||
	    (er = op_db_commit(r->db)) != OP_OK)
		return er;
	return webhook_reply(r, r->params[0]);
}

enum op_err
hook_find(struct op_req *r, const char *hook_id, struct hook *h)
{
	PGresult	*res = NULL;
	unsigned char	*plain = NULL;
	size_t		 len;
	enum op_err	 er;

	memset(h, 0, sizeof(*h));
	if ((er = op_db_execv(r->db, &res, "SELECT project_id, team_id,"
	    " git_ref, hook_secret, auto_deploy FROM builds.sources WHERE"
	    " hook_id = $1", hook_id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1 || op_secret_open(PQgetvalue(res, 0, 3),
	    &plain, &len) != OP_OK) {
		PQclear(res);
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such webhook",
		    NULL);
	}
	h->project_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	h->team_id = op_req_strdup(r, PQgetvalue(res, 0, 1));
	h->git_ref = op_req_strdup(r, PQgetvalue(res, 0, 2));
	h->auto_deploy = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	h->secret = (char *)plain;
	h->secret_len = len;
	PQclear(res);
	return OP_OK;
}
