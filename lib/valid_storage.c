/*
 * valid_storage.c — validators for where backups are stored: S3 bucket
 * names, object key prefixes, regions, endpoints, and local paths.
 */
#include <string.h>

#include "openpanel.h"

#define BAD(msg)	do { *why = (msg); return OP_EINVAL; } while (0)

static int
lower_or_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

enum op_err
op_valid_bucket(const char *s, const char **why)
{
	size_t	i, n = strlen(s), dots = 0;
	int	digits_only = 1;

	if (n < 3 || n > 63)
		BAD("must be 3 to 63 characters");
	if (!lower_or_digit(s[0]) || !lower_or_digit(s[n - 1]))
		BAD("must start and end with a lower-case letter or digit");
	for (i = 0; i < n; i++) {
		if (!lower_or_digit(s[i]) && s[i] != '.' && s[i] != '-')
			BAD("may hold only lower-case letters, digits, '.' "
			    "and '-'");
		if (s[i] == '.') {
			dots++;
			if (s[i + 1] == '.' || s[i + 1] == '-' ||
			    (i > 0 && s[i - 1] == '-'))
				BAD("may not have '..', '.-' or '-.'");
		} else if (!(s[i] >= '0' && s[i] <= '9'))
			digits_only = 0;
	}
	if (dots == 3 && digits_only)
		BAD("may not look like an IP address");
	if (strncmp(s, "xn--", 4) == 0)
		BAD("may not start with xn--");
	return OP_OK;
}

enum op_err
op_valid_object_prefix(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n > 512)
		BAD("must be at most 512 characters");
	if (n > 0 && s[0] == '/')
		BAD("must not start with '/'");
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._-/", s[i])))
			BAD("may hold only letters, digits, '.', '_', '-' "
			    "and '/'");
	if (strstr(s, "//") != NULL)
		BAD("must not hold '//'");
	for (i = 0; i < n; i++)	/* no "." or ".." segment */
		if ((i == 0 || s[i - 1] == '/') && s[i] == '.' &&
		    (s[i + 1] == '/' || s[i + 1] == '\0' ||
		    (s[i + 1] == '.' && (s[i + 2] == '/' || s[i + 2] == '\0'))))
			BAD("must not hold '.' or '..' segments");
	return OP_OK;
}

enum op_err
op_valid_region(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n < 1 || n > 32)
		BAD("must be 1 to 32 characters");
	for (i = 0; i < n; i++)
		if (!lower_or_digit(s[i]) && s[i] != '-')
			BAD("may hold only lower-case letters, digits and '-'");
	return OP_OK;
}

enum op_err
op_valid_endpoint(const char *s, const char **why)
{
	const char	*p;

	if (op_valid_url(s, why) != OP_OK)
		return OP_EINVAL;
	p = strstr(s, "://") + 3;
	p += strcspn(p, "/?#");
	if (!(*p == '\0' || (p[0] == '/' && p[1] == '\0')))
		BAD("must be scheme://host[:port] without a path");
	return OP_OK;
}

enum op_err
op_valid_abs_path(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n < 1 || n > 1024 || s[0] != '/')
		BAD("must be an absolute path");
	if (!op_utf8_clean(s, n, 0))
		BAD("must not hold control characters");
	for (i = 0; i < n; i++)
		if (s[i] == '/' && s[i + 1] == '.' && (s[i + 2] == '/' ||
		    s[i + 2] == '\0' || (s[i + 2] == '.' && (s[i + 3] == '/' ||
		    s[i + 3] == '\0'))))
			BAD("must not hold '.' or '..' segments");
	if (strstr(s, "//") != NULL)
		BAD("must not hold '//'");
	return OP_OK;
}
