/*
 * fuzz_proxy.c — the nginx configuration the panel renders from a
 * hostname, a path, an upstream, a certificate name and published ports.
 * Whatever the values, the text either is not rendered or is made of
 * whole directives: every line a comment, or ending in ';', '{' or '}',
 * with its braces balanced. A validated hostname always renders.
 */
#include "fuzz.h"

#include "openpanel.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("OP_PROXY_LISTEN", "127.0.0.1:8080", 1);
	setenv("OP_PROXY_LISTEN_TLS", "127.0.0.1:8443", 1);
	setenv("OP_ACME_WEBROOT", "/var/lib/openpanel/acme", 1);
	setenv("OP_ROUTES_DIR", "/var/lib/openpanel/routes", 1);
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	setenv("OP_PROXY_RELOAD", "/bin/true", 1);
	return 0;
}

/* Whole directives with balanced braces. */
static void
check_text(const char *text)
{
	const char	*line = text, *end;
	long		 depth = 0;
	size_t		 n;

	while (*line != '\0') {
		end = strchr(line, '\n');
		FUZZ_ASSERT(end != NULL);	/* the last line ends too */
		while (line < end && (*line == '\t' || *line == ' '))
			line++;
		n = (size_t)(end - line);
		if (n > 0 && *line != '#')
			FUZZ_ASSERT(strchr(";{}", line[n - 1]) != NULL);
		for (; line < end && *line != '#'; line++)
			depth += *line == '{' ? 1 : *line == '}' ? -1 : 0;
		FUZZ_ASSERT(depth >= 0);
		line = end + 1;
	}
	FUZZ_ASSERT(depth == 0);
}

static void
render(const struct op_proxy_site *site)
{
	char	*text;

	if ((text = op_proxy_site_text(site)) == NULL)
		return;
	check_text(text);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	struct op_proxy_site	 site;
	char			 upstream[64], *text;
	const char		*why;
	json_t			*ports;
	unsigned		 flags;

	if (size < 1)
		return 0;
	flags = data[0];
	fuzz_split(data + 1, size - 1, 4, &p);
	op_proxy_upstream_name("0123456789abcdef0123456789abcdef", 8080,
	    upstream);
	memset(&site, 0, sizeof(site));
	site.hostname = p.part[0];
	site.path = (flags & 1) ? p.part[1] : NULL;
	site.upstream = (flags & 2) ? p.part[2] : upstream;
	site.tls_name = (flags & 4) ? p.part[2] : NULL;
	site.redirect_https = (flags & 8) != 0;
	site.redirect_www = (flags & 16) != 0;
	site.acme = (flags & 32) != 0;
	site.body_max_mb = flags & 64 ? 1 : 0;
	render(&site);
	if (op_valid_hostname(p.part[0], &why) == OP_OK && !(flags & 3)) {
		site.tls_name = NULL;
		text = op_proxy_site_text(&site);
		FUZZ_ASSERT(text != NULL);
		free(text);
	}
	if ((ports = json_loads(p.part[3], 0, NULL)) != NULL) {
		if ((text = op_proxy_upstreams_text(p.part[2], ports)) != NULL) {
			check_text(text);
			free(text);
		}
		json_decref(ports);
	}
	free(p.buf);
	return 0;
}
