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

/* A relative routing path: "upstreams/<word>.conf" or "sites/<word>.conf"
 * with no way out of the directory. */
static int
rel_ok(const char *rel)
{
	const char *name;

	if (strncmp(rel, "upstreams/", 10) == 0)
		name = rel + 10;
	else if (strncmp(rel, "sites/", 6) == 0)
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
	size_t	len, off = 0;
	ssize_t	n;
	int	fd;

	if (text == NULL)
		return unlink(path) == 0 || errno == ENOENT ? OP_OK :
		    OP_EINTERNAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return OP_EINVAL;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0)
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

/* Run the argv in config key (words split on blanks); its output in why. */
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

/* Hold the routing lock (blocking): the descriptor, or -1. */
static int
lock_routes(const char *dir)
{
	char	path[PATH_MAX];
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/.lock", dir) >=
	    sizeof(path))
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
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
	if ((s = calloc(n, sizeof(*s))) == NULL)
		return OP_ENOMEM;
	if ((lock = lock_routes(dir)) < 0) {
		free(s);
		return OP_EUNAVAIL;
	}
	er = write_all(dir, c, n, s);
	if (er == OP_OK && (er = run_configured("OP_PROXY_CHECK", why)) !=
	    OP_OK)
		op_warn("proxy: the gateway configuration check failed; "
		    "routing files restored");
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

/*
 * The upstreams file of container id: one upstream per published TCP port
 * of ports ([{container, host, protocol}], as the engine published them on
 * 127.0.0.1). malloc'd; NULL when a value is unusable.
 */
char *
op_proxy_upstreams_text(const char *container_id, json_t *ports)
{
	struct op_buf	 b;
	json_t		*p;
	char		 name[64];
	size_t		 i;
	long		 cport, hport;

	if (!op_proxy_word_ok(container_id))
		return NULL;
	op_buf_init(&b, PROXY_FILE_MAX);
	(void)op_buf_addf(&b, "# Generated by OpenPanel for container %s."
	    " Do not edit.\n", container_id);
	json_array_foreach(ports, i, p) {
		const char *proto = json_string_value(json_object_get(p,
		    "protocol"));

		cport = (long)json_integer_value(json_object_get(p, "container"));
		hport = (long)json_integer_value(json_object_get(p, "host"));
		if (proto != NULL && strcmp(proto, "tcp") != 0)
			continue;
		if (cport < 1 || cport > 65535 || hport < 1 || hport > 65535) {
			op_buf_clear(&b);
			return NULL;
		}
		op_proxy_upstream_name(container_id, cport, name);
		(void)op_buf_addf(&b, "upstream %s {\n\tserver 127.0.0.1:%ld"
		    " max_fails=0;\n\tkeepalive 16;\n}\n", name, hport);
	}
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
}

/*
 * A server block that proxies site->hostname (at site->path, "/" when
 * NULL) to the upstream site->upstream, listening on OP_PROXY_LISTEN:
 * WebSocket upgrades pass, the forwarding headers are set, timeouts and
 * the body limit are bounded. malloc'd; NULL when a value is unsafe.
 */
char *
op_proxy_site_text(const struct op_proxy_site *site)
{
	struct op_buf	 b;
	const char	*listen = op_config_get("OP_PROXY_LISTEN", NULL);
	const char	*path = site->path != NULL ? site->path : "/";

	if (listen == NULL || !op_proxy_word_ok(listen) ||
	    !op_proxy_word_ok(site->hostname) ||
	    !op_proxy_word_ok(site->upstream) || !op_proxy_word_ok(path) ||
	    path[0] != '/')
		return NULL;
	op_buf_init(&b, PROXY_FILE_MAX);
	(void)op_buf_addf(&b,
	    "# Generated by OpenPanel. Do not edit.\n"
	    "server {\n"
	    "\tlisten %s;\n"
	    "\tserver_name %s;\n"
	    "\tclient_max_body_size %dm;\n"
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
	    "\t}\n"
	    "}\n", listen, site->hostname,
	    site->body_max_mb > 0 ? site->body_max_mb : 64, path,
	    site->upstream, site->read_timeout_s > 0 ?
	    site->read_timeout_s : 60);
	if (op_buf_add(&b, "", 0) != OP_OK) {
		op_buf_clear(&b);
		return NULL;
	}
	return b.data;
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
 * (sites/app-<id>.conf) and its upstreams file. When something else still
 * uses the upstream (nginx -t refuses its removal) only the site goes.
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
	if (routed(dir, ups))
		c[n++] = (struct op_proxy_change){ ups, NULL };
	if (n > 0 && op_proxy_apply(c, n, NULL) == OP_EINVAL && n == 2)
		(void)op_proxy_apply(c, 1, NULL);
}
