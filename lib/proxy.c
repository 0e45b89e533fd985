/*
 * proxy.c — the gateway's generated routing: files under OP_ROUTES_DIR
 * that nginx includes (upstreams/NAME.conf and sites/NAME.conf), changed only
 * through op_proxy_apply.
 *
 * A change is written beside its target and renamed over it, the whole
 * gateway configuration is checked (OP_PROXY_CHECK, an argv such as
 * "/usr/sbin/nginx -t -q -c …"), and only a configuration that passes is
 * reloaded (OP_PROXY_RELOAD). A failed check puts every file back as it
 * was, so a bad render never reaches the running gateway. Changes from
 * every service and process are serialised by a lock file.
 *
 * The renderers refuse any value that could end a directive or open a
 * block (whitespace, ';', '{', '}', quotes, '$', '#', '\', control bytes):
 * no byte from a request can add configuration, whatever the caller
 * validated before.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openpanel.h"

#define PROXY_FILE_MAX	(256 * 1024)	/* bytes in one routing file */
#define PROXY_ARGS	24		/* words in a check or reload argv */
#define PROXY_TIMEOUT	30000		/* ms for nginx -t or a reload */
#define PROXY_TEMPFAIL	75		/* EX_TEMPFAIL: the gateway could not
					 * be asked, which is no refusal */

/* The routing directory, or NULL when this instance has none, or no way
 * to check (OP_PROXY_CHECK) and reload (OP_PROXY_RELOAD) the gateway: a
 * routing file nobody checked never reaches nginx. */
const char *
op_proxy_dir(void)
{
	if (op_config_get("OP_PROXY_CHECK", NULL) == NULL ||
	    op_config_get("OP_PROXY_RELOAD", NULL) == NULL)
		return NULL;
	return op_config_get("OP_ROUTES_DIR", NULL);
}

/* Is s safe to place in a directive as one word? */
int
op_proxy_word_ok(const char *s)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr(";{}\"'$#\\`", *p))
			return 0;
	return 1;
}

/* A relative routing path: "upstreams/<word>", "sites/<word>" or
 * "certs/<word>" with no way out of the directory. */
static int
rel_ok(const char *rel)
{
	const char *name;

	if (strncmp(rel, "upstreams/", 10) == 0)
		name = rel + 10;
	else if (strncmp(rel, "sites/", 6) == 0)
		name = rel + 6;
	else if (strncmp(rel, "certs/", 6) == 0)
		name = rel + 6;
	else
		return 0;
	return op_proxy_word_ok(name) && strchr(name, '/') == NULL &&
	    name[0] != '.' && strlen(name) < 200;
}

/* The file at path in *out (malloc'd), or *out NULL when absent. */
static enum op_err
slurp(const char *path, char **out)
{
	struct op_buf	b;
	char		chunk[4096];
	ssize_t		n;
	int		fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? OP_OK : OP_EINTERNAL;
	op_buf_init(&b, PROXY_FILE_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (op_buf_add(&b, chunk, (size_t)n) != OP_OK)
			break;
	close(fd);
	if (n != 0) {
		op_buf_clear(&b);
		return OP_EINTERNAL;
	}
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return OP_ENOMEM;
	}
	*out = b.data;
	return OP_OK;
}

/* Replace path with text atomically (write, fsync, rename), or remove it
 * when text is NULL. */
static enum op_err
put(const char *path, const char *text)
{
	char	tmp[PATH_MAX];
	size_t	len, off = 0, plen = strlen(path);
	ssize_t	n;
	int	fd;
	/* Private keys are for the gateway's (root) master only. */
	mode_t	mode = plen > 4 && strcmp(path + plen - 4, ".key") == 0 ?
	    0600 : 0644;

	if (text == NULL)
		return unlink(path) == 0 || errno == ENOENT ? OP_OK :
		    OP_EINTERNAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return OP_EINVAL;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return OP_EINTERNAL;
	for (len = strlen(text); off < len; off += (size_t)n)
		if ((n = write(fd, text + off, len - off)) <= 0)
			break;
	if (off < len || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return OP_EINTERNAL;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return OP_EINTERNAL;
	}
	return OP_OK;
}

/* Run the argv in config key (words split on blanks); its output in why.
 * OP_EINVAL when it refused (a non-zero exit); OP_EUNAVAIL when it timed
 * out or exited 75 (EX_TEMPFAIL: it could not ask the gateway). */
static enum op_err
run_configured(const char *key, struct op_buf *why)
{
	struct op_exec		x;
	struct op_exec_result	res;
	const char		*argv[PROXY_ARGS + 1];
	const char		*v = op_config_get(key, NULL);
	char			*copy, *w, *save = NULL;
	size_t			n = 0;
	enum op_err		er;

	if (v == NULL)
		return OP_EUNAVAIL;
	if ((copy = strdup(v)) == NULL)
		return OP_ENOMEM;
	for (w = strtok_r(copy, " \t", &save); w != NULL && n <= PROXY_ARGS;
	    w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	if (n == 0 || n > PROXY_ARGS || argv[0][0] != '/') {
		op_warn("proxy: %s must be an absolute program and at most %d "
		    "words", key, PROXY_ARGS);
		free(copy);
		return OP_EINTERNAL;
	}
	argv[n] = NULL;
	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.timeout_ms = PROXY_TIMEOUT;
	x.out_max = 8192;
	er = op_exec_run(&x, &res);
	free(copy);
	if (er != OP_OK)
		return er;
	if (why != NULL && res.out.data != NULL)
		(void)op_buf_add(why, res.out.data, res.out.len);
	op_buf_clear(&res.out);
	if (res.timed_out || res.status == PROXY_TEMPFAIL)
		return OP_EUNAVAIL;
	return res.status == 0 ? OP_OK : OP_EINVAL;
}

struct saved {
	char	path[PATH_MAX];
	char	*old;		/* what was there, or NULL (absent) */
	int	 written;
};

/* Put back every saved file that was changed. */
static void
restore(struct saved *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i].written)
			(void)put(s[i].path, s[i].old);
}

/* Write the changes, saving what they replace. */
static enum op_err
write_all(const char *dir, const struct op_proxy_change *c, size_t n,
    struct saved *s)
{
	size_t		i;
	enum op_err	er;

	for (i = 0; i < n; i++) {
		if (!rel_ok(c[i].rel))
			return OP_EINVAL;
		if ((size_t)snprintf(s[i].path, sizeof(s[i].path), "%s/%s",
		    dir, c[i].rel) >= sizeof(s[i].path))
			return OP_EINVAL;
		if ((er = slurp(s[i].path, &s[i].old)) != OP_OK)
			return er;
		if ((er = put(s[i].path, c[i].text)) != OP_OK)
			return er;
		s[i].written = 1;
	}
	return OP_OK;
}

/* The private directory of certificates and keys, made when missing. */
static enum op_err
certs_dir_ensure(const char *dir)
{
	char	path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/certs", dir) >=
	    sizeof(path))
		return OP_EINVAL;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return OP_EIO;
	return OP_OK;
}

/* Hold the routing lock (blocking): the descriptor, or -1. */
static int
lock_routes(const char *dir)
{
	char	path[PATH_MAX];
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/.lock", dir) >=
	    sizeof(path))
		return -1;
	/* Every service that routes shares it (group openpanel-routes). */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) < 0)
		return -1;
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

/*
 * Apply n changes to the routing directory as one: write them, check the
 * gateway's whole configuration, and reload it. A failed check restores
 * every file and answers OP_EINVAL with nginx's words in why (when not
 * NULL); a failed reload keeps the (valid) files and answers OP_EUNAVAIL.
 * OP_EUNAVAIL too when this instance has no routing directory.
 */
enum op_err
op_proxy_apply(const struct op_proxy_change *c, size_t n, struct op_buf *why)
{
	const char	*dir = op_proxy_dir();
	struct saved	*s;
	size_t		 i;
	int		 lock;
	enum op_err	 er;

	if (dir == NULL || n == 0 || n > 64)
		return dir == NULL ? OP_EUNAVAIL : n == 0 ? OP_OK : OP_EINVAL;
	if (certs_dir_ensure(dir) != OP_OK)
		return OP_EUNAVAIL;
	if ((s = calloc(n, sizeof(*s))) == NULL)
		return OP_ENOMEM;
	if ((lock = lock_routes(dir)) < 0) {
		free(s);
		return OP_EUNAVAIL;
	}
	er = write_all(dir, c, n, s);
	if (er == OP_OK && (er = run_configured("OP_PROXY_CHECK", why)) !=
	    OP_OK)
		op_warn("proxy: the gateway configuration %s; routing files "
		    "restored", er == OP_EUNAVAIL ? "could not be checked" :
		    "check failed");
	if (er != OP_OK)
		restore(s, n);
	else if (run_configured("OP_PROXY_RELOAD", why) != OP_OK)
		er = OP_EUNAVAIL;
	close(lock);
	for (i = 0; i < n; i++)
		free(s[i].old);
	free(s);
	return er;
}

/* The upstream's name for port of container id: op_ct_<32 hex>_<port>. */
void
op_proxy_upstream_name(const char *container_id, long port, char out[64])
{
	char	hex[33];
	size_t	i, j = 0;

	for (i = 0; container_id[i] != '\0' && j < 32; i++)
		if (container_id[i] != '-')
			hex[j++] = container_id[i];
	hex[j] = '\0';
	snprintf(out, 64, "op_ct_%s_%ld", hex, port);
}

#define SERVER_ADDR_MAX	(INET6_ADDRSTRLEN + 2)	/* "[" v6 "]" */

/* The TCP port p as (container port, host port, server address): the
 * address is host_ip when it names one (a task on another swarm node:
 * IPv4, or IPv6 in brackets as nginx takes it), else loopback (none, the
 * unspecified address, or not an address). 0 when p is not TCP; -1 when
 * a value is unusable. */
static int
port_server(json_t *p, long *cport, long *hport, char addr[SERVER_ADDR_MAX])
{
	const char	*proto = json_string_value(json_object_get(p,
	    "protocol"));
	const char	*ip = json_string_value(json_object_get(p, "host_ip"));
	unsigned char	 bin[16];
	char		 text[INET6_ADDRSTRLEN];
	static const unsigned char zero[16];

	*cport = (long)json_integer_value(json_object_get(p, "container"));
	*hport = (long)json_integer_value(json_object_get(p, "host"));
	if (proto != NULL && strcmp(proto, "tcp") != 0)
		return 0;
	if (*cport < 1 || *cport > 65535 || *hport < 1 || *hport > 65535)
		return -1;
	snprintf(addr, SERVER_ADDR_MAX, "127.0.0.1");
	if (ip == NULL)
		return 1;
	if (inet_pton(AF_INET, ip, bin) == 1 && memcmp(bin, zero, 4) != 0 &&
	    inet_ntop(AF_INET, bin, text, sizeof(text)) != NULL)
		snprintf(addr, SERVER_ADDR_MAX, "%s", text);
	else if (inet_pton(AF_INET6, ip, bin) == 1 &&
	    memcmp(bin, zero, 16) != 0 &&
	    inet_ntop(AF_INET6, bin, text, sizeof(text)) != NULL)
		snprintf(addr, SERVER_ADDR_MAX, "[%s]", text);
	return 1;
}

/* The upstream of container port cport: every entry of ports that
 * publishes it (one per swarm task, or the container's one). */
static int
upstream_add(struct op_buf *b, const char *container_id, json_t *ports,
    long cport)
{
	json_t	*p;
	char	 name[64], addr[SERVER_ADDR_MAX];
	size_t	 i;
	long	 c, h;

	op_proxy_upstream_name(container_id, cport, name);
	(void)op_buf_addf(b, "upstream %s {\n", name);
	json_array_foreach(ports, i, p) {
		if (port_server(p, &c, &h, addr) != 1 || c != cport)
			continue;
		(void)op_buf_addf(b, "\tserver %s:%ld max_fails=0;\n", addr,
		    h);
	}
	return op_buf_addf(b, "\tkeepalive 16;\n}\n") == OP_OK ? 0 : -1;
}

/*
 * The upstreams file of container id: one upstream per published TCP port
 * of ports ([{container, host, protocol, host_ip?}], as the engine
 * published them), with a server for each entry of that port.
 * malloc'd; NULL when a value is unusable.
 */
char *
op_proxy_upstreams_text(const char *container_id, json_t *ports)
{
	struct op_buf	 b;
	json_t		*p, *q;
	char		 addr[SERVER_ADDR_MAX];
	size_t		 i, j;
	long		 cport, hport, c2, h2;
	int		 seen;

	if (!op_proxy_word_ok(container_id))
		return NULL;
	op_buf_init(&b, PROXY_FILE_MAX);
	(void)op_buf_addf(&b, "# Generated by OpenPanel for container %s."
	    " Do not edit.\n", container_id);
	json_array_foreach(ports, i, p) {
		switch (port_server(p, &cport, &hport, addr)) {
		case 0:
			continue;
		case -1:
			op_buf_clear(&b);
			return NULL;
		}
		seen = 0;
		json_array_foreach(ports, j, q)
			if (j < i && port_server(q, &c2, &h2, addr) == 1 &&
			    c2 == cport)
				seen = 1;
		if (!seen)
			(void)upstream_add(&b, container_id, ports, cport);
	}
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
}

/* Where the proxying of one location goes: upgrades, forwarding headers,
 * bounded timeouts. */
static void
add_proxy_location(struct op_buf *b, const struct op_proxy_site *site,
    const char *path)
{
	(void)op_buf_addf(b,
	    "\tlocation %s {\n"
	    "\t\tproxy_pass http://%s;\n"
	    "\t\tproxy_http_version 1.1;\n"
	    "\t\tproxy_set_header Host $host;\n"
	    "\t\tproxy_set_header Upgrade $http_upgrade;\n"
	    "\t\tproxy_set_header Connection $op_connection_upgrade;\n"
	    "\t\tproxy_set_header X-Real-IP $remote_addr;\n"
	    "\t\tproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
	    "\t\tproxy_set_header X-Forwarded-Proto $scheme;\n"
	    "\t\tproxy_set_header X-Forwarded-Host $host;\n"
	    "\t\tproxy_set_header X-Request-Id $request_id;\n"
	    "\t\tproxy_connect_timeout 5s;\n"
	    "\t\tproxy_send_timeout 60s;\n"
	    "\t\tproxy_read_timeout %ds;\n"
	    "\t\tproxy_next_upstream error timeout http_502;\n"
	    "\t}\n", path, site->upstream, site->read_timeout_s > 0 ?
	    site->read_timeout_s : 60);
}

/* ":<port>" of a listen address ("127.0.0.1:8443", "443"), or "" when
 * the port is the scheme's default. */
static void
port_suffix(const char *listen, const char *dflt, char out[16])
{
	const char	*c = strrchr(listen, ':');
	const char	*port = c != NULL ? c + 1 : listen;

	out[0] = '\0';
	if (strcmp(port, dflt) != 0 && strlen(port) < 8)
		snprintf(out, 16, ":%s", port);
}

/* The HTTP-01 challenge answers, from the ACME client's web root. */
static void
add_acme_location(struct op_buf *b, const char *webroot)
{
	(void)op_buf_addf(b, "\tlocation ^~ /.well-known/acme-challenge/ {\n"
	    "\t\troot %s;\n\t\tdefault_type text/plain;\n\t}\n", webroot);
}

/* The certificate lines of a TLS server block for tls_name. */
static void
add_tls(struct op_buf *b, const char *listen_tls, const char *name)
{
	(void)op_buf_addf(b, "\tlisten %s ssl;\n"
	    "\tssl_certificate %s/certs/%s.crt;\n"
	    "\tssl_certificate_key %s/certs/%s.key;\n",
	    listen_tls, op_proxy_dir(), name, op_proxy_dir(), name);
}

/* The server blocks that send www.<hostname> to hostname. */
static void
add_www_redirect(struct op_buf *b, const struct op_proxy_site *site,
    const char *listen, const char *listen_tls, const char *webroot)
{
	char	port[16];

	port_suffix(listen, "80", port);
	(void)op_buf_addf(b, "server {\n\tlisten %s;\n\tserver_name www.%s;\n",
	    listen, site->hostname);
	if (webroot != NULL)
		add_acme_location(b, webroot);
	(void)op_buf_addf(b, "\tlocation / {\n\t\treturn 301 http://%s%s"
	    "$request_uri;\n\t}\n}\n", site->hostname, port);
	if (listen_tls == NULL)
		return;
	port_suffix(listen_tls, "443", port);
	(void)op_buf_addf(b, "server {\n");
	add_tls(b, listen_tls, site->tls_name);
	(void)op_buf_addf(b, "\tserver_name www.%s;\n\tlocation / {\n"
	    "\t\treturn 301 https://%s%s$request_uri;\n\t}\n}\n",
	    site->hostname, site->hostname, port);
}

/* May site be rendered: every word safe, every setting it needs set? */
static int
site_ok(const struct op_proxy_site *site, const char *listen,
    const char *listen_tls, const char *webroot, const char *path)
{
	if (listen == NULL || !op_proxy_word_ok(listen) ||
	    !op_proxy_word_ok(site->hostname) ||
	    !op_proxy_word_ok(site->upstream) || !op_proxy_word_ok(path) ||
	    path[0] != '/')
		return 0;
	if (site->tls_name != NULL && (listen_tls == NULL ||
	    !op_proxy_word_ok(listen_tls) || !op_proxy_word_ok(site->tls_name) ||
	    strchr(site->tls_name, '/') != NULL || op_proxy_dir() == NULL ||
	    !op_proxy_word_ok(op_proxy_dir())))
		return 0;
	if (site->acme && (webroot == NULL || !op_proxy_word_ok(webroot)))
		return 0;
	return 1;
}

/*
 * The server blocks of a site: site->hostname (at site->path, "/" when
 * NULL) proxied to the upstream site->upstream, listening on
 * OP_PROXY_LISTEN: WebSocket upgrades pass, the forwarding headers are
 * set, timeouts and the body limit are bounded. With tls_name, the same
 * over TLS on OP_PROXY_LISTEN_TLS with certs/<tls_name>.crt and .key
 * (and plain HTTP answering 301 to HTTPS when redirect_https); with acme,
 * HTTP-01 challenges answered from OP_ACME_WEBROOT; with redirect_www,
 * www.<hostname> answering 301 to hostname. malloc'd; NULL when a value
 * is unsafe or a setting it needs is missing.
 */
char *
op_proxy_site_text(const struct op_proxy_site *site)
{
	struct op_buf	 b;
	const char	*listen = op_config_get("OP_PROXY_LISTEN", NULL);
	const char	*tls = op_config_get("OP_PROXY_LISTEN_TLS", NULL);
	const char	*webroot = op_config_get("OP_ACME_WEBROOT", NULL);
	const char	*path = site->path != NULL ? site->path : "/";
	int		 body = site->body_max_mb > 0 ? site->body_max_mb : 64;
	char		 port[16];

	if (!site_ok(site, listen, tls, webroot, path))
		return NULL;
	if (site->tls_name == NULL)
		tls = NULL;
	op_buf_init(&b, PROXY_FILE_MAX);
	(void)op_buf_addf(&b, "# Generated by OpenPanel. Do not edit.\n"
	    "server {\n\tlisten %s;\n\tserver_name %s;\n"
	    "\tclient_max_body_size %dm;\n", listen, site->hostname, body);
	if (site->acme)
		add_acme_location(&b, webroot);
	if (tls != NULL && site->redirect_https) {
		port_suffix(tls, "443", port);
		(void)op_buf_addf(&b, "\tlocation / {\n\t\treturn 301 "
		    "https://$host%s$request_uri;\n\t}\n", port);
	} else
		add_proxy_location(&b, site, path);
	(void)op_buf_addf(&b, "}\n");
	if (tls != NULL) {
		(void)op_buf_addf(&b, "server {\n");
		add_tls(&b, tls, site->tls_name);
		(void)op_buf_addf(&b, "\tserver_name %s;\n"
		    "\tclient_max_body_size %dm;\n", site->hostname, body);
		add_proxy_location(&b, site, path);
		(void)op_buf_addf(&b, "}\n");
	}
	if (site->redirect_www)
		add_www_redirect(&b, site, listen, tls, site->acme ? webroot :
		    NULL);
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
}

/* Does the file at path hold needle? */
static int
file_holds(const char *path, const char *needle)
{
	char	*text = NULL;
	int	 found;

	if (slurp(path, &text) != OP_OK || text == NULL)
		return 0;
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

/*
 * Does a site file other than except ("sites/<name>.conf", or NULL) name
 * an upstream of container_id? Its upstreams file must then stay: nginx
 * would refuse the configuration without it. Answers 1 when unsure.
 */
int
op_proxy_upstreams_used(const char *container_id, const char *except)
{
	const char	*dir = op_proxy_dir();
	char		 prefix[64], path[PATH_MAX], *end;
	struct dirent	*e;
	DIR		*d;
	int		 used = 0;

	if (dir == NULL)
		return 1;
	op_proxy_upstream_name(container_id, 0, prefix);
	if ((end = strrchr(prefix, '_')) != NULL)
		end[1] = '\0';		/* "op_ct_<hex>_": any of its ports */
	if ((size_t)snprintf(path, sizeof(path), "%s/sites", dir) >=
	    sizeof(path) || (d = opendir(path)) == NULL)
		return 1;
	while (!used && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (except != NULL &&
		    strcmp(except + 6, e->d_name) == 0))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/sites/%s", dir,
		    e->d_name) < sizeof(path))
			used = file_holds(path, prefix);
	}
	closedir(d);
	return used;
}

/* Does the routing file rel exist? */
static int
routed(const char *dir, const char *rel)
{
	char		path[PATH_MAX];
	struct stat	st;

	return (size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) <
	    sizeof(path) && stat(path, &st) == 0;
}

/*
 * Forget a deleted container's generated routing: its site
 * (sites/app-<id>.conf) and its upstreams file, unless another site (a
 * domain) still proxies to it.
 */
void
op_proxy_forget(const char *container_id)
{
	const char		*dir = op_proxy_dir();
	struct op_proxy_change	 c[2];
	char			 site[128], ups[128];
	size_t			 n = 0;

	if (dir == NULL || !op_proxy_word_ok(container_id))
		return;
	snprintf(site, sizeof(site), "sites/app-%s.conf", container_id);
	snprintf(ups, sizeof(ups), "upstreams/%s.conf", container_id);
	if (routed(dir, site))
		c[n++] = (struct op_proxy_change){ site, NULL };
	if (routed(dir, ups) && !op_proxy_upstreams_used(container_id, site))
		c[n++] = (struct op_proxy_change){ ups, NULL };
	if (n > 0)
		(void)op_proxy_apply(c, n, NULL);
}
