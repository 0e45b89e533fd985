/*
 * config.c — "KEY = value" settings from one file, overridden by the
 * environment.
 *
 *	# a comment line
 *	OP_DB = host=/run/postgresql dbname=openpanel
 *	OP_GREETING = "  kept as written, # included  "
 *
 * Keys are [A-Z_][A-Z0-9_]*, each at most once. A value runs to the end
 * of its line, surrounding whitespace trimmed; '#' starts a comment only
 * at the start of a line, so values may hold it. A double-quoted value
 * keeps its spaces and may escape '"' and '\' with a backslash.
 *
 * The strings handed out live until exit: each loaded file is kept whole
 * (parsed in place) and never freed, and a reload only swaps the table.
 * Not thread-safe: load at startup (or on SIGHUP), before threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openpanel.h"

#define CONFIG_DEFAULT	"/etc/openpanel/openpanel.conf"
#define CONFIG_KEYS	256		/* keys in one file */
#define CONFIG_LINE	4096		/* bytes in one line, newline aside */
#define CONFIG_SIZE	(1024 * 1024)	/* bytes in the file */
#define CONFIG_KEYLEN	64		/* bytes in a key */

struct entry {
	const char	*key;
	const char	*value;
};

/* A loaded file: the text that entries point into. Never freed. */
struct text {
	struct text	*prev;
	char		 data[];
};

static struct entry	 entries[CONFIG_KEYS];
static size_t		 nentries;
static struct text	*texts;		/* every file loaded, kept reachable */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A key as configuration spells them: upper case, digits, '_'. */
static int
valid_key(const char *k)
{
	size_t	 i;

	if (k[0] == '\0' || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; k[i] != '\0'; i++)
		if (i >= CONFIG_KEYLEN || !((k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

/* Nothing below space but tab, and no DEL. */
static int
clean_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * Unquote v in place: "..." with \" and \\ escapes, nothing but spaces
 * after the closing quote. NULL with *why set when malformed.
 */
static char *
unquote(char *v, const char **why)
{
	char	*r, *w;

	for (r = w = v + 1; *r != '"'; r++) {
		if (*r == '\0') {
			*why = "unterminated quoted value";
			return NULL;
		}
		if (*r == '\\') {
			if (r[1] != '"' && r[1] != '\\') {
				*why = "unknown escape in quoted value";
				return NULL;
			}
			r++;
		}
		*w++ = *r;
	}
	for (r++; is_space(*r); r++)
		continue;
	if (*r != '\0') {
		*why = "text after quoted value";
		return NULL;
	}
	*w = '\0';
	return v + 1;
}

/*
 * Parse one NUL-terminated line in place into tab[*n]. OP_OK for a
 * comment or a blank line too; OP_EINVAL with *why set otherwise.
 */
static enum op_err
parse_line(char *line, struct entry *tab, size_t *n, const char **why)
{
	char	*k, *v, *eq, *end;
	size_t	 i;

	for (k = line; is_space(*k); k++)
		continue;
	if (*k == '\0' || *k == '#')
		return OP_OK;

	if ((eq = strchr(k, '=')) == NULL) {
		*why = "expected KEY = value";
		return OP_EINVAL;
	}
	for (end = eq; end > k && is_space(end[-1]); end--)
		continue;
	*end = '\0';
	if (!valid_key(k)) {
		*why = "key is not [A-Z_][A-Z0-9_]*, at most 64 bytes";
		return OP_EINVAL;
	}

	for (v = eq + 1; is_space(*v); v++)
		continue;
	for (end = v + strlen(v); end > v && is_space(end[-1]); end--)
		continue;
	*end = '\0';
	if (*v == '"' && (v = unquote(v, why)) == NULL)
		return OP_EINVAL;
	if (!clean_text(v)) {
		*why = "control byte in value";
		return OP_EINVAL;
	}

	for (i = 0; i < *n; i++)
		if (strcmp(tab[i].key, k) == 0) {
			*why = "duplicate key";
			return OP_EINVAL;
		}
	if (*n >= CONFIG_KEYS) {
		*why = "too many keys";
		return OP_EINVAL;
	}
	tab[*n].key = k;
	tab[*n].value = v;
	(*n)++;
	return OP_OK;
}

/*
 * Read the whole file at path into a new struct text: OP_ENOTFOUND when
 * it does not exist, OP_EINVAL (logged) when it cannot be read or is
 * larger than CONFIG_SIZE.
 */
static enum op_err
read_text(const char *path, struct text **out, size_t *outlen)
{
	struct text	*t = NULL, *p;
	struct stat	 st;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd = -1;
	enum op_err	 er = OP_EINVAL;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			er = OP_ENOTFOUND;
		else
			op_error("config: %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		op_error("config: %s: not a regular file", path);
		goto out;
	}
	if ((t = malloc(sizeof(*t) + CONFIG_SIZE + 1)) == NULL) {
		er = OP_ENOMEM;
		goto out;
	}
	/* Read one byte past the limit to tell "too large" from "full". */
	while (len <= CONFIG_SIZE) {
		r = read(fd, t->data + len, CONFIG_SIZE + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			op_error("config: %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_SIZE) {
		op_error("config: %s: larger than %d bytes", path,
		    CONFIG_SIZE);
		goto out;
	}
	t->data[len] = '\0';
	/* Kept until exit: give back what the file did not use. */
	if ((p = realloc(t, sizeof(*t) + len + 1)) != NULL)
		t = p;
	*out = t;
	*outlen = len;
	t = NULL;
	er = OP_OK;
out:
	free(t);
	if (fd != -1)
		close(fd);
	return er;
}

/*
 * Load the file at path (NULL: $OP_CONFIG, else the default path) in
 * place of whatever was loaded before. A missing file is no settings and
 * OP_OK; an unreadable or malformed one is OP_EINVAL, logged with its
 * line number, and leaves the previous settings in force.
 */
enum op_err
op_config_load(const char *path)
{
	struct entry	 tab[CONFIG_KEYS];
	struct text	*t = NULL;
	const char	*why = NULL;
	char		*line, *nl;
	size_t		 len, n = 0, lineno = 0;
	enum op_err	 er;

	if (path == NULL && (path = getenv("OP_CONFIG")) == NULL)
		path = CONFIG_DEFAULT;

	if ((er = read_text(path, &t, &len)) == OP_ENOTFOUND) {
		nentries = 0;
		er = OP_OK;
		goto out;
	}
	if (er != OP_OK)
		goto out;

	for (line = t->data; line < t->data + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', t->data + len - line)) == NULL)
			nl = t->data + len;	/* last line, no newline */
		if ((size_t)(nl - line) > CONFIG_LINE) {
			why = "line too long";
			er = OP_EINVAL;
			break;
		}
		if (memchr(line, '\0', nl - line) != NULL) {
			why = "NUL byte";
			er = OP_EINVAL;
			break;
		}
		*nl = '\0';
		if ((er = parse_line(line, tab, &n, &why)) != OP_OK)
			break;
	}
	if (er != OP_OK) {
		op_error("config: %s: line %zu: %s", path, lineno, why);
		goto out;
	}

	memcpy(entries, tab, n * sizeof(tab[0]));
	nentries = n;
	t->prev = texts;
	texts = t;
	t = NULL;
out:
	free(t);
	return er;
}

/*
 * The value of key: the environment variable of that name when set, else
 * the loaded file's value, else def. Lives until exit.
 */
const char *
op_config_get(const char *key, const char *def)
{
	const char	*v;
	size_t		 i;

	if (key == NULL)
		return def;
	if ((v = getenv(key)) != NULL)
		return v;
	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].key, key) == 0)
			return entries[i].value;
	return def;
}

/*
 * The value of key as a base-10 integer in [min, max]: def when unset,
 * and def with a warning when it is not exactly such a number (no
 * spaces, no trailing bytes, no overflow).
 */
long long
op_config_int(const char *key, long long def, long long min, long long max)
{
	const char	*v;
	char		*end;
	long long	 ll;

	if ((v = op_config_get(key, NULL)) == NULL)
		return def;
	errno = 0;
	ll = strtoll(v, &end, 10);
	/* strtoll would skip leading spaces; a setting may not have any. */
	if (!((v[0] >= '0' && v[0] <= '9') || v[0] == '-' || v[0] == '+') ||
	    *end != '\0' || errno == ERANGE || ll < min || ll > max) {
		op_warn("config: %s: not an integer in [%lld, %lld], "
		    "using %lld", key, min, max, def);
		return def;
	}
	return ll;
}
