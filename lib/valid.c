/*
 * valid.c — one validator per kind of value, used by every service.
 *
 * Each answers OP_OK, or OP_EINVAL with *why a constant, human message.
 * Lengths are bounded by the declared field (fields.c); these check shape.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <idn2.h>

#include "openpanel.h"

#define BAD(msg)	do { *why = (msg); return OP_EINVAL; } while (0)

size_t
op_utf8_seq(const unsigned char *s, size_t n)
{
	size_t		 len, i;
	unsigned	 cp, min;

	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xe0) == 0xc0) {
		len = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; cp = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
op_utf8_clean(const char *s, size_t len, int allow_tab)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	unsigned		 cp, need;

	while (p < end) {
		if (*p < 0x80) {
			if ((*p < 0x20 && !(allow_tab && *p == '\t')) ||
			    *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			need = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			need = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			need = 3;
		} else
			return 0;
		if ((size_t)(end - p) <= need)
			return 0;
		for (p++; need > 0; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*p & 0x3f);
		}
		/* overlongs, surrogates, past Unicode, C1 controls */
		if (cp < 0xa0 || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return 0;
		if ((cp < 0x800 && (p[-2] & 0xe0) != 0xc0) ||
		    (cp < 0x10000 && cp >= 0x800 && (p[-3] & 0xf0) != 0xe0) ||
		    (cp >= 0x10000 && (p[-4] & 0xf8) != 0xf0))
			return 0;
	}
	return 1;
}

enum op_err
op_valid_text(const char *s, const char **why)
{
	if (!op_utf8_clean(s, strlen(s), 0))
		BAD("must be UTF-8 text without control characters");
	return OP_OK;
}

enum op_err
op_valid_name(const char *s, const char **why)
{
	size_t	n = strlen(s);

	if (op_valid_text(s, why) != OP_OK)
		return OP_EINVAL;
	if (n == 0 || isspace((unsigned char)s[0]) ||
	    isspace((unsigned char)s[n - 1]))
		BAD("must not be empty or start or end with a space");
	return OP_OK;
}

enum op_err
op_valid_slug(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 63)
		BAD("must be 1 to 63 characters");
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			BAD("may hold only a-z, 0-9 and '-'");
	if (s[0] == '-' || s[n - 1] == '-')
		BAD("must not start or end with '-'");
	return OP_OK;
}

/* One DNS label: letters, digits, inner hyphens, 1..63 bytes. */
static int
label_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

enum op_err
op_valid_hostname(const char *s, const char **why)
{
	const char	*dot;
	size_t		 n = strlen(s);

	if (n == 0 || n > 253)
		BAD("must be 1 to 253 characters");
	for (;;) {
		dot = strchr(s, '.');
		if (!label_ok(s, dot ? (size_t)(dot - s) : strlen(s)))
			BAD("must be a host name (letters, digits, "
			    "'-' and dots)");
		if (dot == NULL)
			return OP_OK;
		s = dot + 1;
	}
}

/*
 * A public domain name to route, in its ASCII form: IDN labels become
 * punycode (IDNA2008, non-transitional), upper case becomes lower, one
 * trailing dot goes; no wildcard (that needs DNS-01), no bare label, no
 * address. out holds OP_DOMAIN_MAX + 1 bytes and is written only on OP_OK.
 */
enum op_err
op_domain_ascii(const char *s, char *out, const char **why)
{
	char	*idn = NULL, buf[OP_DOMAIN_MAX + 2];
	size_t	 i, n = strlen(s);
	int	 nonascii = 0;
	const char *tld;

	if (n == 0 || n > 4 * OP_DOMAIN_MAX)
		BAD("must be 1 to 253 characters");
	if (!op_utf8_clean(s, n, 0))
		BAD("must be UTF-8 text without control characters");
	for (i = 0; i < n; i++) {
		if (s[i] == '*')
			BAD("wildcard domains need the DNS-01 challenge, which "
			    "this panel does not use");
		if ((unsigned char)s[i] >= 0x80)
			nonascii = 1;
		else if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			BAD("must be a domain name (letters, digits, '-' and "
			    "dots)");
	}
	if (nonascii) {
		if (idn2_to_ascii_8z(s, &idn, IDN2_NONTRANSITIONAL |
		    IDN2_NFC_INPUT) != IDN2_OK)
			BAD("is not a valid internationalised domain name");
		s = idn;
	}
	n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > OP_DOMAIN_MAX) {
		idn2_free(idn);
		BAD("must be 1 to 253 characters");
	}
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[n] = '\0';
	idn2_free(idn);
	if (op_valid_hostname(buf, why) != OP_OK)
		BAD("must be a domain name (letters, digits, '-' and dots)");
	if ((tld = strrchr(buf, '.')) == NULL)
		BAD("must be a fully qualified domain name, such as "
		    "app.example.com");
	for (i = 1; tld[i] != '\0' && isdigit((unsigned char)tld[i]); i++)
		;
	if (tld[i] == '\0')
		BAD("must be a domain name, not an address");
	memcpy(out, buf, n + 1);
	return OP_OK;
}

enum op_err
op_valid_domain(const char *s, const char **why)
{
	char	out[OP_DOMAIN_MAX + 1];

	return op_domain_ascii(s, out, why);
}

/* PEM text of one or more certificates (a CA bundle): printable ASCII
 * lines, each certificate between its BEGIN and END lines. */
enum op_err
op_valid_pem_certs(const char *s, const char **why)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char	*p, *e;

	for (p = s; *p != '\0'; p++)
		if ((*p < 0x20 || *p > 0x7e) && *p != '\n' && *p != '\r')
			BAD("must be PEM text (printable ASCII lines)");
	if ((p = strstr(s, begin)) == NULL)
		BAD("must hold at least one PEM certificate");
	for (; p != NULL; p = strstr(e, begin))
		if ((e = strstr(p, end)) == NULL)
			BAD("holds a certificate without its END line");
	return OP_OK;
}

enum op_err
op_valid_email(const char *s, const char **why)
{
	const char	*at = strchr(s, '@'), *p;
	size_t		 n = strlen(s);

	if (n < 3 || n > 254 || at == NULL || at == s || strchr(at + 1, '@'))
		BAD("must be an email address");
	if ((size_t)(at - s) > 64)
		BAD("the part before '@' is too long");
	for (p = s; p < at; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".!#$%&'*+/=?^_`{|}~-",
		    *p))
			BAD("must be an email address");
	if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		BAD("must be an email address");
	if (strchr(at + 1, '.') == NULL ||
	    op_valid_hostname(at + 1, why) != OP_OK)
		BAD("the domain of the email address is not valid");
	return OP_OK;
}

enum op_err
op_valid_uuid(const char *s, const char **why)
{
	size_t	i;

	if (strlen(s) != 36)
		BAD("must be a UUID");
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				BAD("must be a UUID");
		} else if (!isxdigit((unsigned char)s[i]))
			BAD("must be a UUID");
	}
	return OP_OK;
}

enum op_err
op_valid_password(const char *s, const char **why)
{
	size_t	n = strlen(s);

	if (n < 10)
		BAD("must be at least 10 characters");
	if (n > 512)
		BAD("must be at most 512 characters");
	if (!op_utf8_clean(s, n, 0))
		BAD("must be UTF-8 text without control characters");
	return OP_OK;
}

enum op_err
op_valid_url(const char *s, const char **why)
{
	const char	*host = NULL, *end;
	char		 buf[254];
	size_t		 n;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		BAD("must be an http:// or https:// URL");
	if (strlen(s) > 2048 || !op_utf8_clean(s, strlen(s), 0) ||
	    strpbrk(s, " \"<>\\^`{|}") != NULL)
		BAD("must be a URL without spaces or control characters");
	end = host + strcspn(host, ":/?#");
	n = (size_t)(end - host);
	if (n == 0 || n >= sizeof(buf))
		BAD("must name a host");
	if (*end == ':') {
		const char	*p = end + 1;
		long long	 port = 0;

		for (; isdigit((unsigned char)*p) && port <= 65535; p++)
			port = port * 10 + (*p - '0');
		if (p == end + 1 || port < 1 || port > 65535 ||
		    (*p != '\0' && !strchr("/?#", *p)))
			BAD("has a malformed port");
	}
	memcpy(buf, host, n);
	buf[n] = '\0';
	if (op_valid_hostname(buf, why) != OP_OK)
		BAD("must name a valid host");
	return OP_OK;
}

enum op_err
op_valid_role(const char *s, const char **why)
{
	enum op_role	role;

	if (op_role_parse(s, &role) != OP_OK)
		BAD("must be one of owner, admin, developer, viewer");
	return OP_OK;
}

enum op_err
op_valid_scope(const char *s, const char **why)
{
	if (strcmp(s, "read") != 0 && strcmp(s, "write") != 0 &&
	    strcmp(s, "metrics") != 0)
		BAD("must be read, write or metrics");
	return OP_OK;
}

/* Six digits, or a recovery code: two groups of five base32 letters. */
enum op_err
op_valid_totp_code(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 6) {
		for (i = 0; i < 6; i++)
			if (!isdigit((unsigned char)s[i]))
				BAD("must be a 6-digit code or a recovery code");
		return OP_OK;
	}
	if (n == 11 && s[5] == '-') {
		for (i = 0; i < 11; i++)
			if (i != 5 && !strchr("abcdefghijklmnopqrstuvwxyz234567",
			    tolower((unsigned char)s[i])))
				BAD("must be a 6-digit code or a recovery code");
		return OP_OK;
	}
	BAD("must be a 6-digit code or a recovery code");
}

enum op_err
op_strtonum(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	*out = 0;
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) ||
	    strlen(s) > 20)
		return OP_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return OP_EINVAL;
	*out = v;
	return OP_OK;
}

/* n decimal digits at s, into *v. */
static int
digits(const char *s, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

enum op_err
op_parse_time(const char *s, int64_t *out)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char	*p;
	time_t		 t;

	*out = 0;
	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 20 || strlen(s) > 40 ||
	    !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return OP_EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return OP_EINVAL;	/* a fraction needs a digit */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
	    digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om))
		sign = *p == '+' ? 1 : -1;
	else
		return OP_EINVAL;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return OP_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != d)
		return OP_EINVAL;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0 || t > 253402300799LL)	/* 9999-12-31T23:59:59Z */
		return OP_EINVAL;
	*out = (int64_t)t;
	return OP_OK;
}

enum op_err
op_valid_env_key(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 128)
		BAD("must be 1 to 128 characters");
	for (i = 0; i < n; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    (i > 0 && isdigit((unsigned char)s[i]))))
			BAD("must be letters, digits and '_', not starting "
			    "with a digit");
	return OP_OK;
}

enum op_err
op_valid_volume_name(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 63)
		BAD("must be 1 to 63 characters");
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) ||
		    (i > 0 && strchr("_.-", s[i]))))
			BAD("may hold a-z, 0-9, '_', '.' and '-', starting with "
			    "a letter or digit");
	return OP_OK;
}

enum op_err
op_valid_container_path(const char *s, const char **why)
{
	const char	*comp, *slash;
	size_t		 n = strlen(s), len;

	if (n < 2 || n > 1024 || s[0] != '/')
		BAD("must be an absolute path other than /");
	if (!op_utf8_clean(s, n, 0) || strpbrk(s, ":,") != NULL)
		BAD("must be text without control characters, ':' or ','");
	for (comp = s + 1; ; comp = slash + 1) {
		slash = strchr(comp, '/');
		len = slash ? (size_t)(slash - comp) : strlen(comp);
		if (len == 0)
			BAD("must not hold empty components or end in /");
		if ((len == 1 && comp[0] == '.') ||
		    (len == 2 && comp[0] == '.' && comp[1] == '.'))
			BAD("must not hold . or .. components");
		if (slash == NULL)
			return OP_OK;
	}
}

enum op_err
op_valid_label_key(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 128)
		BAD("must be 1 to 128 characters");
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) ||
		    (i > 0 && strchr("._-", s[i]))))
			BAD("may hold a-z, 0-9, '.', '_' and '-'");
	if (strncmp(s, "io.openpanel.", 13) == 0 ||
	    strncmp(s, "com.docker.", 11) == 0)
		BAD("is reserved");
	return OP_OK;
}

/* [a-z0-9]+ joined by '.', '_', '__' or runs of '-'. */
static int
path_component_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++) {
		if (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]))
			continue;
		if (s[i] == '.' && isalnum((unsigned char)s[i + 1]))
			continue;
		if (s[i] == '_' && (isalnum((unsigned char)s[i + 1]) ||
		    (s[i + 1] == '_' && isalnum((unsigned char)s[i + 2])))) {
			i += s[i + 1] == '_';
			continue;
		}
		if (s[i] == '-' && (isalnum((unsigned char)s[i + 1]) ||
		    s[i + 1] == '-'))
			continue;
		return 0;
	}
	return 1;
}

/* host[:port] of a registry. */
static int
domain_ok(const char *s, size_t n)
{
	char		 host[254];
	const char	*colon = memchr(s, ':', n), *why;
	size_t		 hlen = colon ? (size_t)(colon - s) : n, i;

	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (op_valid_hostname(host, &why) != OP_OK)
		return 0;
	if (colon != NULL) {
		if (n - hlen - 1 == 0 || n - hlen - 1 > 5)
			return 0;
		for (i = hlen + 1; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
	}
	return 1;
}

enum op_err
op_valid_image(const char *s, const char **why)
{
	const char	*at, *name_end, *slash, *colon, *p, *comp;
	size_t		 n = strlen(s), i;

	if (n == 0 || n > 512)
		BAD("must be 1 to 512 characters");
	at = strchr(s, '@');
	if (at != NULL) {
		if (strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64)
			BAD("has a malformed digest (sha256:<64 hex>)");
		for (i = 0; i < 64; i++)
			if (!isxdigit((unsigned char)at[8 + i]) ||
			    isupper((unsigned char)at[8 + i]))
				BAD("has a malformed digest (sha256:<64 hex>)");
	}
	name_end = at ? at : s + n;
	/* A tag is the part after the last ':' that follows the last '/'. */
	slash = NULL;
	for (p = s; p < name_end; p++)
		if (*p == '/')
			slash = p;
	colon = NULL;
	for (p = slash ? slash : s; p < name_end; p++)
		if (*p == ':')
			colon = p;
	if (colon != NULL) {
		if (name_end - colon - 1 < 1 || name_end - colon - 1 > 128 ||
		    !(isalnum((unsigned char)colon[1]) || colon[1] == '_'))
			BAD("has a malformed tag");
		for (p = colon + 1; p < name_end; p++)
			if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
				BAD("has a malformed tag");
		name_end = colon;
	}
	if (name_end - s > 255)
		BAD("has a name longer than 255 characters");
	/* The first component is a registry when it looks like a host. */
	comp = s;
	p = memchr(s, '/', (size_t)(name_end - s));
	if (p != NULL && (memchr(s, '.', (size_t)(p - s)) ||
	    memchr(s, ':', (size_t)(p - s)) ||
	    (p - s == 9 && strncmp(s, "localhost", 9) == 0))) {
		if (!domain_ok(s, (size_t)(p - s)))
			BAD("names a malformed registry");
		comp = p + 1;
	}
	for (;;) {
		p = memchr(comp, '/', (size_t)(name_end - comp));
		if (!path_component_ok(comp, p ? (size_t)(p - comp) :
		    (size_t)(name_end - comp)))
			BAD("must be an image reference such as "
			    "registry.example.com/team/app:1.2");
		if (p == NULL)
			break;
		comp = p + 1;
	}
	return OP_OK;
}
