/*
 * valid_git.c — validators for what reaches git: repository URLs, refs,
 * and paths inside a repository.
 *
 * git is run with an argv and "--" (never a shell), but a value that
 * starts with '-' would still be an option before the "--", and some URL
 * forms are programs in disguise ("ext::sh -c …", "fd::", helpers named
 * "<transport>::"). Only the network forms an operator expects pass:
 * https://, http://, ssh://, and scp-like user@host:path. Local paths
 * and file:// are refused here; a service that allows local sources
 * checks them itself against the directory an instance admin allowed.
 */
#include <ctype.h>
#include <string.h>

#include "openpanel.h"

#define BAD(msg)	do { *why = (msg); return OP_EINVAL; } while (0)

/* No byte that git, ssh or a URL parser would treat specially. */
static int
plain_bytes(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'`\\<>|;$", *p))
			return 0;
	return 1;
}

/* host[:port] followed by '/' and a path, as in ssh://user@host:22/p. */
static int
ssh_authority_ok(const char *s)
{
	const char	*at, *host, *end, *why;
	char		 buf[254];
	size_t		 n;

	end = s + strcspn(s, "/");
	at = memchr(s, '@', (size_t)(end - s));
	host = at != NULL ? at + 1 : s;
	if (at != NULL && (at == s || at[-1] == '-' || *s == '-'))
		return 0;
	n = strcspn(host, ":/");
	if (n == 0 || n >= sizeof(buf) || *end != '/' || end[1] == '\0')
		return 0;
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (op_valid_hostname(buf, &why) != OP_OK)
		return 0;
	if (host[n] == ':') {
		const char *p = host + n + 1;

		if (p == end)
			return 0;
		for (; p < end; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	return 1;
}

/* user@host:path (scp-like), the form GitHub shows for SSH. */
static int
scp_like_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *colon, *why;
	char		 buf[254];
	size_t		 n;

	if (at == NULL || at == s || s[0] == '-')
		return 0;
	colon = strchr(at, ':');
	if (colon == NULL || colon[1] == '\0' || colon[1] == '-' ||
	    colon[1] == '/')
		return 0;
	for (const char *p = s; p < at; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	n = (size_t)(colon - at - 1);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, at + 1, n);
	buf[n] = '\0';
	return op_valid_hostname(buf, &why) == OP_OK;
}

enum op_err
op_valid_git_url(const char *s, const char **why)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 2048)
		BAD("must be 1 to 2048 characters");
	if (s[0] == '-')
		BAD("must not start with '-'");
	if (!op_utf8_clean(s, n, 0) || !plain_bytes(s))
		BAD("must be a URL without spaces, quotes or control "
		    "characters");
	if (strstr(s, "::") != NULL)
		BAD("must not name a transport helper (\"<helper>::\")");
	if (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) {
		if (op_valid_url(s, why) != OP_OK)
			return OP_EINVAL;
		if (strchr(strchr(s, ':') + 3, '@') != NULL)
			BAD("must not carry credentials: set a token on the "
			    "project's source instead");
		return OP_OK;
	}
	if (strncmp(s, "ssh://", 6) == 0) {
		if (!ssh_authority_ok(s + 6))
			BAD("must be ssh://[user@]host[:port]/path");
		return OP_OK;
	}
	if (strncmp(s, "file:", 5) == 0 || s[0] == '/' || s[0] == '.' ||
	    s[0] == '~')
		BAD("is a local path: local sources are refused unless an "
		    "instance admin allows them");
	if (strstr(s, "://") != NULL)
		BAD("must be an https://, http:// or ssh:// URL");
	if (!scp_like_ok(s))
		BAD("must be an https://, http:// or ssh:// URL, or "
		    "user@host:path");
	return OP_OK;
}

/* A branch or tag name, per git check-ref-format, or a commit id. */
enum op_err
op_valid_git_ref(const char *s, const char **why)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > 255)
		BAD("must be 1 to 255 characters");
	if (s[0] == '-')
		BAD("must not start with '-'");
	if (strcmp(s, "@") == 0 || strstr(s, "..") || strstr(s, "@{") ||
	    strstr(s, "//") || s[0] == '/' || s[n - 1] == '/' ||
	    s[n - 1] == '.' || (n >= 5 && strcmp(s + n - 5, ".lock") == 0))
		BAD("must be a branch, tag or commit");
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f ||
		    strchr("~^:?*[\\", s[i]))
			BAD("must be a branch, tag or commit");
	if (s[0] == '.' || strstr(s, "/.") != NULL)
		BAD("must not have a component starting with '.'");
	return OP_OK;
}

/* Is s a full or abbreviated commit id (7 to 64 lower-case hex)? */
int
op_git_is_commit(const char *s)
{
	size_t	n = strlen(s), i;

	if (n < 7 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' &&
		    s[i] <= 'f'))
			return 0;
	return 1;
}

/* A relative path inside a repository: no way out, no option. */
enum op_err
op_valid_repo_path(const char *s, const char **why)
{
	const char	*comp, *end;
	size_t		 n = strlen(s);

	if (n == 0 || n > 1024)
		BAD("must be 1 to 1024 characters");
	if (s[0] == '/' || s[0] == '-')
		BAD("must be a relative path inside the repository");
	if (!op_utf8_clean(s, n, 0) || !plain_bytes(s) || strchr(s, ':'))
		BAD("must be a path without spaces, quotes or control "
		    "characters");
	for (comp = s; ; comp = end + 1) {
		end = comp + strcspn(comp, "/");
		if ((end - comp == 2 && strncmp(comp, "..", 2) == 0) ||
		    end == comp)
			BAD("must not contain '..' or empty components");
		if (*end == '\0')
			return OP_OK;
	}
}
