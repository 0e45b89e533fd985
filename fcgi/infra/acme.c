/*
 * acme.c — certificates from an ACME (RFC 8555) CA with the HTTP-01
 * challenge, through Debian's lego run by the exec helper (an argv, no
 * shell, a timeout, a minimal environment). lego writes the challenge
 * answers into OP_ACME_WEBROOT, which the gateway serves at
 * /.well-known/acme-challenge/ for every hostname.
 *
 * lego keeps its account and the new key in files: each order runs in a
 * fresh private directory that holds them only while lego runs. The
 * account key is stored sealed in infra.acme_accounts and put back for
 * the next order, so the account is registered once per (CA, email).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "infra.h"

#define LEGO_TIMEOUT	(170 * 1000)	/* ms for a whole order */
#define LEGO_OUT_MAX	(64 * 1024)
#define PEM_MAX		(256 * 1024)
#define NAMES_MAX	4

/* The string value of JSON text (a setting), malloc'd, or NULL. */
static char *
setting_string(const char *json)
{
	json_t	*j = json_loads(json, JSON_DECODE_ANY, NULL);
	char	*s = json_is_string(j) && json_string_length(j) > 0 ?
	    strdup(json_string_value(j)) : NULL;

	json_decref(j);
	return s;
}

/* The instance's ACME settings (op-auth's acme_* keys). */
enum op_err
acme_settings_load(struct op_db *db, struct acme_settings *s)
{
	PGresult	*res = NULL;
	enum op_err	 er;
	char		**slot;
	int		 i;

	memset(s, 0, sizeof(*s));
	if ((er = op_db_exec(db, &res, "SELECT key, value::text FROM"
	    " auth.settings_v WHERE key IN ('acme_directory',"
	    " 'acme_ca_bundle', 'acme_email')", 0, NULL)) != OP_OK)
		return er;
	for (i = 0; i < PQntuples(res); i++) {
		const char *k = PQgetvalue(res, i, 0);

		slot = strcmp(k, "acme_directory") == 0 ? &s->directory :
		    strcmp(k, "acme_ca_bundle") == 0 ? &s->ca_bundle : &s->email;
		free(*slot);
		*slot = setting_string(PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return OP_OK;
}

void
acme_settings_clear(struct acme_settings *s)
{
	free(s->directory);
	free(s->ca_bundle);
	free(s->email);
	memset(s, 0, sizeof(*s));
}

/* Write text to dir/rel (0600), making its directories. */
static enum op_err
write_under(const char *dir, const char *rel, const char *text)
{
	char	path[PATH_MAX], *p;
	size_t	len = strlen(text);
	int	fd, ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    sizeof(path))
		return OP_EINVAL;
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		ok = mkdir(path, 0700) == 0 || errno == EEXIST;
		*p = '/';
		if (!ok)
			return OP_EIO;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return OP_EIO;
	ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok ? OP_OK : OP_EIO;
}

/* The file dir/rel, malloc'd and NUL-terminated, or NULL. */
static char *
read_under(const char *dir, const char *rel)
{
	char		path[PATH_MAX], chunk[4096];
	struct op_buf	b;
	ssize_t		n;
	int		fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	op_buf_init(&b, PEM_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (op_buf_add(&b, chunk, (size_t)n) != OP_OK)
			break;
	close(fd);
	if (n != 0 || op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

/* Where lego keeps the account of (directory, email) under its path:
 * accounts/<CA host, ':' as '_'>/<email>, in out. */
static enum op_err
account_dir(const char *directory, const char *email, char *out,
    size_t outsz)
{
	const char	*host = strstr(directory, "://");
	size_t		 n, i;

	if (host == NULL)
		return OP_EINVAL;
	host += 3;
	n = strcspn(host, "/?#");
	if (n == 0 || (size_t)snprintf(out, outsz, "accounts/%.*s/%s",
	    (int)n, host, email) >= outsz)
		return OP_EINVAL;
	for (i = 9; i < 9 + n; i++)
		if (out[i] == ':')
			out[i] = '_';
	return OP_OK;
}

/* Put the stored account of s (if any) where lego will look for it. */
static enum op_err
account_restore(struct op_db *db, const struct acme_settings *s,
    const char *tmp)
{
	PGresult	*res = NULL;
	unsigned char	*key = NULL;
	size_t		 len;
	enum op_err	 er;

	if ((er = op_db_execv(db, &res, "SELECT key_rel, key_sealed,"
	    " account_rel, account_json FROM infra.acme_accounts WHERE"
	    " directory = $1 AND email = $2", s->directory, s->email)) !=
	    OP_OK)
		return er;
	if (PQntuples(res) == 1 &&
	    (er = op_secret_open(PQgetvalue(res, 0, 1), &key, &len)) ==
	    OP_OK) {
		er = write_under(tmp, PQgetvalue(res, 0, 0), (char *)key);
		if (er == OP_OK)
			er = write_under(tmp, PQgetvalue(res, 0, 2),
			    PQgetvalue(res, 0, 3));
		op_wipe(key, len);
		free(key);
	}
	PQclear(res);
	return er;
}

/* Keep the account lego registered (its key sealed), once. */
static enum op_err
account_save(struct op_db *db, const struct acme_settings *s,
    const char *tmp)
{
	char		 dir[PATH_MAX], key_rel[PATH_MAX], acct_rel[PATH_MAX];
	char		*key = NULL, *acct = NULL, *sealed = NULL;
	enum op_err	 er = OP_EIO;

	if (account_dir(s->directory, s->email, dir, sizeof(dir)) != OP_OK)
		return OP_EINVAL;
	if ((size_t)snprintf(key_rel, sizeof(key_rel), "%s/keys/%s.key", dir,
	    s->email) >= sizeof(key_rel) || (size_t)snprintf(acct_rel,
	    sizeof(acct_rel), "%s/account.json", dir) >= sizeof(acct_rel))
		return OP_EINVAL;
	if ((key = read_under(tmp, key_rel)) != NULL &&
	    (acct = read_under(tmp, acct_rel)) != NULL &&
	    (er = op_secret_seal(key, strlen(key), &sealed)) == OP_OK)
		er = op_db_execv(db, NULL, "INSERT INTO infra.acme_accounts"
		    " (directory, email, key_rel, key_sealed, account_rel,"
		    " account_json) VALUES ($1, $2, $3, $4, $5, $6)"
		    " ON CONFLICT DO NOTHING", s->directory, s->email, key_rel,
		    sealed, acct_rel, acct);
	if (key != NULL)
		op_wipe(key, strlen(key));
	free(key);
	free(acct);
	free(sealed);
	return er;
}

/* The tail of lego's words (its last lines say what failed) into why. */
static void
explain(struct op_buf *why, const struct op_buf *out)
{
	size_t	from;

	if (why == NULL || out->data == NULL)
		return;
	from = out->len > 600 ? out->len - 600 : 0;
	(void)op_buf_add(why, out->data + from, out->len - from);
}

/* Run lego in tmp for names; OP_ERATE when the CA refused for its rate
 * limits, OP_ENOTFOUND when it no longer knows the account, OP_EUNAVAIL
 * for any other failure. */
static enum op_err
lego_run(const struct acme_settings *s, const char *tmp,
    const char *const *names, size_t n, struct op_buf *why)
{
	const char		*argv[16 + NAMES_MAX];
	char			 env_ca[PATH_MAX + 32], opt[5 + NAMES_MAX][1100];
	const char		*envp[] = { "PATH=/usr/bin:/bin", env_ca, NULL };
	struct op_exec		 x;
	struct op_exec_result	 res;
	size_t			 a = 0, i;
	enum op_err		 er;

	if ((size_t)snprintf(env_ca, sizeof(env_ca),
	    "LEGO_CA_CERTIFICATES=%s/ca.pem", tmp) >= sizeof(env_ca))
		return OP_EINVAL;
	if (s->ca_bundle == NULL)
		envp[1] = NULL;
	argv[a++] = op_config_get("OP_LEGO", "/usr/bin/lego");
	argv[a++] = "--accept-tos";
	/* Every value in the "--flag=value" form: none can be a flag. */
	if ((size_t)snprintf(opt[0], sizeof(opt[0]), "--server=%s",
	    s->directory) >= sizeof(opt[0]) ||
	    (size_t)snprintf(opt[1], sizeof(opt[1]), "--email=%s", s->email) >=
	    sizeof(opt[1]) ||
	    (size_t)snprintf(opt[2], sizeof(opt[2]), "--path=%s", tmp) >=
	    sizeof(opt[2]) ||
	    (size_t)snprintf(opt[3], sizeof(opt[3]), "--http.webroot=%s",
	    op_config_get("OP_ACME_WEBROOT", "/var/lib/openpanel/acme")) >=
	    sizeof(opt[3]))
		return OP_EINVAL;
	for (i = 0; i < 4; i++)
		argv[a++] = opt[i];
	argv[a++] = "--key-type=ec256";
	argv[a++] = "--http";
	for (i = 0; i < n && i < NAMES_MAX; i++) {
		if ((size_t)snprintf(opt[5 + i], sizeof(opt[5 + i]),
		    "--domains=%s", names[i]) >= sizeof(opt[5 + i]))
			return OP_EINVAL;
		argv[a++] = opt[5 + i];
	}
	argv[a++] = "run";
	argv[a] = NULL;
	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.envp = envp;
	x.cwd = tmp;
	x.timeout_ms = LEGO_TIMEOUT;
	x.out_max = LEGO_OUT_MAX;
	if ((er = op_exec_run(&x, &res)) != OP_OK)
		return er;
	if (res.status != 0) {
		explain(why, &res.out);
		er = res.out.data == NULL ? OP_EUNAVAIL :
		    strstr(res.out.data, "rateLimited") != NULL ? OP_ERATE :
		    strstr(res.out.data, "accountDoesNotExist") != NULL ?
		    OP_ENOTFOUND : OP_EUNAVAIL;
	}
	op_buf_clear(&res.out);
	return er;
}

/* The CA no longer knows the stored account (it was deactivated, or the
 * CA lost its state): forget it and order again with a new one. */
static enum op_err
account_forget(struct op_db *db, const struct acme_settings *s,
    const char *tmp, const char *const *names, size_t n, struct op_buf *why)
{
	char		path[PATH_MAX];
	enum op_err	er;

	op_warn("infra: the CA no longer knows the account of %s; "
	    "registering a new one", s->email);
	if ((size_t)snprintf(path, sizeof(path), "%s/accounts", tmp) >=
	    sizeof(path))
		return OP_EINVAL;
	(void)nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if ((er = op_db_execv(db, NULL, "DELETE FROM infra.acme_accounts"
	    " WHERE directory = $1 AND email = $2", s->directory, s->email)) !=
	    OP_OK)
		return er;
	op_buf_reset(why);
	er = lego_run(s, tmp, names, n, why);
	return er == OP_ENOTFOUND ? OP_EUNAVAIL : er;
}

/* Is every setting an order needs there? */
static enum op_err
settings_check(const struct acme_settings *s, struct op_buf *why)
{
	if (s->directory == NULL || s->email == NULL) {
		(void)op_buf_addf(why, "set acme_directory and acme_email in "
		    "the instance settings first");
		return OP_EINVAL;
	}
	return OP_OK;
}

enum op_err
acme_obtain(struct op_db *db, const struct acme_settings *s,
    const char *const *names, size_t n, char **cert_pem, char **key_pem,
    struct op_buf *why)
{
	char		 tmp[PATH_MAX], rel[PATH_MAX];
	char		*crt = NULL, *key = NULL;
	enum op_err	 er;

	*cert_pem = *key_pem = NULL;
	if ((er = settings_check(s, why)) != OP_OK)
		return er;
	snprintf(tmp, sizeof(tmp), "%s/op-acme.XXXXXX",
	    op_config_get("OP_ACME_TMP_DIR", "/tmp"));
	if (mkdtemp(tmp) == NULL)
		return OP_EIO;
	if ((s->ca_bundle == NULL ||
	    (er = write_under(tmp, "ca.pem", s->ca_bundle)) == OP_OK) &&
	    (er = account_restore(db, s, tmp)) == OP_OK &&
	    (er = lego_run(s, tmp, names, n, why)) == OP_ENOTFOUND)
		er = account_forget(db, s, tmp, names, n, why);
	if (er == OP_OK) {
		if ((size_t)snprintf(rel, sizeof(rel), "certificates/%s.crt",
		    names[0]) < sizeof(rel))
			crt = read_under(tmp, rel);
		if ((size_t)snprintf(rel, sizeof(rel), "certificates/%s.key",
		    names[0]) < sizeof(rel))
			key = read_under(tmp, rel);
		er = crt != NULL && key != NULL ? account_save(db, s, tmp) :
		    OP_EIO;
	}
	(void)nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (er == OP_OK) {
		*cert_pem = crt;
		*key_pem = key;
		return OP_OK;
	}
	free(crt);
	if (key != NULL)
		op_wipe(key, strlen(key));
	free(key);
	return er;
}
