/*
 * config.c — where the panel is and the credentials to call it, kept in
 * $XDG_CONFIG_HOME/openpanel/config (else ~/.config/openpanel/config),
 * mode 0600, as "key = value" lines:
 *
 *	# a comment
 *	url = https://panel.example.com
 *	access_token = eyJ…        (a session, from `opctl login`)
 *	refresh_token = opr_…
 *	token = opk_…               (or an API token)
 *	ca_file = /etc/ssl/panel.pem (CAs to trust, else the system's)
 *
 * OPENPANEL_URL, OPENPANEL_TOKEN and OPENPANEL_CA override the file;
 * what came from the environment is never written back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opctl.h"

/* The keys of the file and where each goes. */
static char **
config_slot(struct opctl_config *c, const char *key, size_t len)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "url", offsetof(struct opctl_config, url) },
		{ "access_token", offsetof(struct opctl_config, access_token) },
		{ "refresh_token", offsetof(struct opctl_config, refresh_token) },
		{ "token", offsetof(struct opctl_config, token) },
		{ "ca_file", offsetof(struct opctl_config, ca_file) },
	};
	size_t	 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == len &&
		    memcmp(keys[i].key, key, len) == 0)
			return (char **)((char *)c + keys[i].off);
	return NULL;
}

int
opctl_config_path(const char *xdg, const char *home, char *out,
    size_t outlen)
{
	int	 n;

	/* XDG: a relative XDG_CONFIG_HOME is invalid and ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/openpanel/config", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.config/openpanel/config", home);
	else
		return -1;
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int
opctl_config_set(char **slot, const char *v)
{
	char	*copy = NULL;

	if (v != NULL && (copy = strdup(v)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* One line (len bytes, no newline) into c. */
static int
parse_line(const char *p, size_t len, struct opctl_config *c, int lineno,
    char *err, size_t errlen)
{
	const char	*key, *eq, *v, *end = p + len;
	size_t		 klen, vlen, i;
	char		**slot, *copy;

	while (p < end && is_blank(*p))
		p++;
	if (p == end || *p == '#')
		return 0;
	if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL) {
		snprintf(err, errlen, "line %d: no '='", lineno);
		return -1;
	}
	key = p;
	for (klen = (size_t)(eq - p); klen > 0 && is_blank(key[klen - 1]);)
		klen--;
	for (v = eq + 1; v < end && is_blank(*v);)
		v++;
	for (vlen = (size_t)(end - v); vlen > 0 && is_blank(v[vlen - 1]);)
		vlen--;
	if (klen == 0 || vlen >= OPCTL_VALUE_MAX) {
		snprintf(err, errlen, "line %d: %s", lineno, klen == 0 ?
		    "no key" : "value too long");
		return -1;
	}
	for (i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(err, errlen, "line %d: control byte", lineno);
			return -1;
		}
	}
	if ((slot = config_slot(c, key, klen)) == NULL)
		return 0;			/* a newer opctl's key */
	if (*slot != NULL) {
		snprintf(err, errlen, "line %d: %.*s given twice", lineno,
		    (int)klen, key);
		return -1;
	}
	if ((copy = strndup(v, vlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*slot = copy;
	return 0;
}

int
opctl_config_parse(const char *text, size_t len, struct opctl_config *c,
    char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;
	int		 lineno = 0;

	if (len > OPCTL_CONFIG_MAX || memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, len > OPCTL_CONFIG_MAX ? "too large" :
		    "a NUL byte");
		return -1;
	}
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (parse_line(p, (size_t)(nl - p), c, ++lineno, err,
		    errlen) != 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

const char *
opctl_config_url(const struct opctl_config *c)
{
	if (c->env_url != NULL)
		return c->env_url;
	return c->url != NULL ? c->url : OPCTL_URL_DEFAULT;
}

const char *
opctl_config_bearer(const struct opctl_config *c)
{
	if (c->env_token != NULL)
		return c->env_token;
	return c->token != NULL ? c->token : c->access_token;
}

const char *
opctl_config_ca(const struct opctl_config *c)
{
	return c->env_ca != NULL ? c->env_ca : c->ca_file;
}

char *
opctl_config_format(const struct opctl_config *c)
{
	const char	*url = c->url, *tok = c->token, *ca = c->ca_file;
	const char	*at = c->access_token, *rt = c->refresh_token;

	return opctl_strf("# opctl: the panel and your credentials to it."
	    " Keep it private (mode 0600).\n%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s",
	    url ? "url = " : "", url ? url : "", url ? "\n" : "",
	    ca ? "ca_file = " : "", ca ? ca : "", ca ? "\n" : "",
	    at ? "access_token = " : "", at ? at : "", at ? "\n" : "",
	    rt ? "refresh_token = " : "", rt ? rt : "", rt ? "\n" : "",
	    tok ? "token = " : "", tok ? tok : "", tok ? "\n" : "");
}

/* The file at path whole into a new string (*len bytes); NULL with errno
 * ENOENT when there is none. */
static char *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*text = NULL;
	ssize_t		 n;
	int		 fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > OPCTL_CONFIG_MAX) {
		errno = EFBIG;
		goto out;
	}
	if ((st.st_mode & 077) != 0)
		fprintf(stderr, "opctl: warning: %s is readable by others;"
		    " chmod 600 it\n", path);
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	if ((n = read(fd, text, (size_t)st.st_size)) < 0) {
		free(text);
		text = NULL;
		goto out;
	}
	text[n] = '\0';
	*len = (size_t)n;
out:
	close(fd);
	return text;
}

int
opctl_config_load(struct opctl_config *c, const char *path)
{
	const char	*env;
	char		*text, err[256];
	size_t		 len;
	int		 rc = 0;

	if ((text = read_file(path, &len)) == NULL && errno != ENOENT) {
		fprintf(stderr, "opctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (text != NULL && opctl_config_parse(text, len, c, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "opctl: %s: %s\n", path, err);
		rc = -1;
	}
	free(text);
	if (rc == 0 && (env = getenv("OPENPANEL_URL")) != NULL && *env)
		rc = opctl_config_set(&c->env_url, env);
	if (rc == 0 && (env = getenv("OPENPANEL_TOKEN")) != NULL && *env)
		rc = opctl_config_set(&c->env_token, env);
	if (rc == 0 && (env = getenv("OPENPANEL_CA")) != NULL && *env)
		rc = opctl_config_set(&c->env_ca, env);
	return rc;
}

/* Make the parent directory of path, 0700, when missing. */
static int
make_parent(const char *path)
{
	char	 dir[4096], *slash;

	if (strlen(path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || make_parent(dir) != 0)
		return -1;
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int
opctl_config_save(const struct opctl_config *c, const char *path)
{
	char	 tmp[4200], *text = NULL;
	size_t	 len;
	int	 fd = -1, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp) ||
	    (text = opctl_config_format(c)) == NULL)
		goto out;
	len = strlen(text);
	if (make_parent(path) != 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == 0)
		rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "opctl: cannot write %s: %s\n", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return rc;
}

void
opctl_config_clear(struct opctl_config *c)
{
	char	**slots[] = { &c->url, &c->access_token, &c->refresh_token,
		    &c->token, &c->ca_file, &c->env_url, &c->env_token,
		    &c->env_ca };
	size_t	 i;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		if (*slots[i] != NULL)
			explicit_bzero(*slots[i], strlen(*slots[i]));
		free(*slots[i]);
		*slots[i] = NULL;
	}
}
