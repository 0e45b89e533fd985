/*
 * test_proxy.c — the generated routing: hostile values never render, a
 * change the check refuses puts every file back, an accepted one stays.
 * /bin/true and /bin/false stand in for nginx -t: the behaviour under
 * test is ours, not nginx's (the integration suites run the real one).
 */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openpanel.h"
#include "check_main.h"

static char	dir[] = "/tmp/op-proxy-test.XXXXXX";

static void
setup(void)
{
	char	sub[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/upstreams", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/sites", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	setenv("OP_ROUTES_DIR", dir, 1);
	setenv("OP_PROXY_LISTEN", "127.0.0.1:8080", 1);
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	setenv("OP_PROXY_RELOAD", "/bin/true", 1);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Each test runs in its own process: what its setup made goes with it. */
static void
teardown(void)
{
	if (strcmp(dir + strlen(dir) - 6, "XXXXXX") != 0)
		(void)nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The contents of dir/rel, or "" when absent (static buffer). */
static const char *
contents(const char *rel)
{
	static char	 text[4096];
	char		 path[512];
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	text[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return text;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(hostile_words_refused)
{
	static const char *bad[] = { "a;b", "a b", "a{", "}", "a\"b", "a'b",
	    "a$b", "a#b", "a\\b", "a\nb", "a\rb", "a\tb", "", "x`y" };
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!op_proxy_word_ok(bad[i]), "accepted %s", bad[i]);
	ck_assert(op_proxy_word_ok("app.example.com"));
	ck_assert(op_proxy_word_ok(NULL) == 0);
}
END_TEST

START_TEST(site_refuses_injection)
{
	struct op_proxy_site	s = { .hostname = "evil.com; include /etc/passwd",
	    .upstream = "op_ct_x_80" };
	char			*text;

	setup();
	ck_assert_ptr_null(op_proxy_site_text(&s));
	s.hostname = "ok.example.com";
	s.path = "/x{";
	ck_assert_ptr_null(op_proxy_site_text(&s));
	s.path = "relative";
	ck_assert_ptr_null(op_proxy_site_text(&s));
	s.path = NULL;
	text = op_proxy_site_text(&s);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "server_name ok.example.com;"));
	ck_assert_ptr_nonnull(strstr(text, "proxy_pass http://op_ct_x_80;"));
	ck_assert_ptr_nonnull(strstr(text, "listen 127.0.0.1:8080;"));
	free(text);
}
END_TEST

START_TEST(upstreams_rendered)
{
	json_t	*ports = json_pack("[{s:i, s:i, s:s}, {s:i, s:i, s:s}]",
	    "container", 80, "host", 32768, "protocol", "tcp",
	    "container", 53, "host", 32769, "protocol", "udp");
	char	*text, name[64];

	text = op_proxy_upstreams_text("0b6a4d1e-1111-2222-3333-444455556666",
	    ports);
	ck_assert_ptr_nonnull(text);
	op_proxy_upstream_name("0b6a4d1e-1111-2222-3333-444455556666", 80,
	    name);
	ck_assert_str_eq(name, "op_ct_0b6a4d1e111122223333444455556666_80");
	ck_assert_ptr_nonnull(strstr(text, name));
	ck_assert_ptr_nonnull(strstr(text, "server 127.0.0.1:32768"));
	ck_assert_ptr_null(strstr(text, "32769"));	/* udp is not proxied */
	free(text);
	json_array_append_new(ports, json_pack("{s:i, s:i, s:s}",
	    "container", 81, "host", 70000, "protocol", "tcp"));
	ck_assert_ptr_null(op_proxy_upstreams_text("abc", ports));
	json_decref(ports);
}
END_TEST

/* A swarm container's tasks: one upstream per port, a server per task,
 * on its node's address, IPv4 or IPv6 (loopback when none is usable). */
START_TEST(upstreams_of_tasks)
{
	json_t	*ports = json_pack("[{s:i, s:i, s:s, s:s}, {s:i, s:i, s:s,"
	    " s:s}, {s:i, s:i, s:s, s:s}, {s:i, s:i, s:s, s:s}]",
	    "container", 8080, "host", 30001, "protocol", "tcp", "host_ip",
	    "127.0.0.1",
	    "container", 8080, "host", 30002, "protocol", "tcp", "host_ip",
	    "10.0.0.7",
	    "container", 8080, "host", 30003, "protocol", "tcp", "host_ip",
	    "0.0.0.0",
	    "container", 8080, "host", 30004, "protocol", "tcp", "host_ip",
	    "10.0.0.7; include /etc/passwd");
	const char *const hostile[] = { "10.0.0.7 ", "010.0.0.7",
	    "10.0.0.256", "fd00::7]; include /x", "[fd00::7]", "::",
	    "10.0.0.7:80", "fd00::7%eth0" };
	char	*text, *first;
	size_t	 i;

	/* An IPv6 node address, as nginx takes it: in brackets, canonical. */
	json_array_append_new(ports, json_pack("{s:i, s:i, s:s, s:s}",
	    "container", 8080, "host", 30005, "protocol", "tcp", "host_ip",
	    "fd00:0::7"));
	for (i = 0; i < nitems(hostile); i++)
		json_array_append_new(ports, json_pack("{s:i, s:I, s:s, s:s}",
		    "container", 8080, "host", (json_int_t)(31000 + i),
		    "protocol", "tcp", "host_ip", hostile[i]));

	text = op_proxy_upstreams_text("c1", ports);
	ck_assert_ptr_nonnull(text);
	first = strstr(text, "upstream op_ct_c1_8080 {");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "upstream "));	/* just one */
	ck_assert_ptr_nonnull(strstr(text, "server 127.0.0.1:30001 "));
	ck_assert_ptr_nonnull(strstr(text, "server 10.0.0.7:30002 "));
	ck_assert_ptr_nonnull(strstr(text, "server 127.0.0.1:30003 "));
	ck_assert_ptr_nonnull(strstr(text, "server 127.0.0.1:30004 "));
	ck_assert_ptr_null(strstr(text, "passwd"));
	ck_assert_ptr_nonnull(strstr(text, "server [fd00::7]:30005 "));
	for (i = 0; i < nitems(hostile); i++) {	/* none is an address */
		char	line[64];

		snprintf(line, sizeof(line), "server 127.0.0.1:%zu ", 31000 + i);
		ck_assert_msg(strstr(text, line) != NULL, "%s", hostile[i]);
	}
	ck_assert_ptr_null(strstr(text, "include /x"));
	free(text);
	json_decref(ports);
}
END_TEST

START_TEST(refused_check_restores)
{
	struct op_proxy_change	c[2] = {
		{ "upstreams/a.conf", "upstream a { server 127.0.0.1:1; }\n" },
		{ "sites/b.conf", "new site\n" },
	};
	struct op_buf		why;

	setup();
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	ck_assert_int_eq(op_proxy_apply(c, 1, NULL), OP_OK);
	ck_assert_str_eq(contents("upstreams/a.conf"), c[0].text);

	/* The check refuses: a's old text is back, b never appears. */
	setenv("OP_PROXY_CHECK", "/bin/false", 1);
	c[0].text = "changed\n";
	op_buf_init(&why, 4096);
	ck_assert_int_eq(op_proxy_apply(c, 2, &why), OP_EINVAL);
	ck_assert_str_eq(contents("upstreams/a.conf"),
	    "upstream a { server 127.0.0.1:1; }\n");
	ck_assert_str_eq(contents("sites/b.conf"), "");
	op_buf_clear(&why);

	/* Without a way to reload, nothing is written at all. */
	unsetenv("OP_PROXY_RELOAD");
	c[0].text = "unreloadable\n";
	ck_assert_int_eq(op_proxy_apply(c, 1, NULL), OP_EUNAVAIL);
	ck_assert_str_eq(contents("upstreams/a.conf"),
	    "upstream a { server 127.0.0.1:1; }\n");
	setenv("OP_PROXY_RELOAD", "/bin/true", 1);

	/* A removal the check accepts. */
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	c[0].text = NULL;
	ck_assert_int_eq(op_proxy_apply(c, 1, NULL), OP_OK);
	ck_assert_str_eq(contents("upstreams/a.conf"), "");
}
END_TEST

START_TEST(paths_confined)
{
	struct op_proxy_change	c = { "upstreams/../../etc/x.conf", "x" };

	setup();
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	ck_assert_int_eq(op_proxy_apply(&c, 1, NULL), OP_EINVAL);
	c.rel = "elsewhere/x.conf";
	ck_assert_int_eq(op_proxy_apply(&c, 1, NULL), OP_EINVAL);
	c.rel = "sites/.hidden";
	ck_assert_int_eq(op_proxy_apply(&c, 1, NULL), OP_EINVAL);
}
END_TEST

/* TLS, redirects and the challenge location, for op-infra's domains. */
START_TEST(site_tls_rendered)
{
	struct op_proxy_site	s;
	char			*text, want[512];

	setup();
	setenv("OP_PROXY_LISTEN_TLS", "127.0.0.1:8443", 1);
	setenv("OP_ACME_WEBROOT", "/var/lib/acme", 1);
	memset(&s, 0, sizeof(s));
	s.hostname = "app.example.com";
	s.upstream = "op_ct_x_80";
	s.tls_name = "domain-1";
	s.redirect_https = 1;
	s.redirect_www = 1;
	s.acme = 1;
	text = op_proxy_site_text(&s);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "listen 127.0.0.1:8443 ssl;"));
	snprintf(want, sizeof(want), "ssl_certificate %s/certs/domain-1.crt;",
	    dir);
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want), "ssl_certificate_key %s/certs/"
	    "domain-1.key;", dir);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text,
	    "return 301 https://$host:8443$request_uri;"));
	ck_assert_ptr_nonnull(strstr(text, "server_name www.app.example.com;"));
	ck_assert_ptr_nonnull(strstr(text,
	    "return 301 https://app.example.com:8443$request_uri;"));
	ck_assert_ptr_nonnull(strstr(text, "location ^~ /.well-known/"
	    "acme-challenge/ {\n\t\troot /var/lib/acme;"));
	ck_assert_ptr_nonnull(strstr(text, "proxy_pass http://op_ct_x_80;"));
	free(text);

	/* Standard ports leave the port out of the redirect. */
	setenv("OP_PROXY_LISTEN_TLS", "443", 1);
	text = op_proxy_site_text(&s);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text,
	    "return 301 https://$host$request_uri;"));
	free(text);

	/* Without a certificate, no TLS block and no redirect to one. */
	s.tls_name = NULL;
	text = op_proxy_site_text(&s);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "ssl"));
	ck_assert_ptr_null(strstr(text, "https://"));
	free(text);
	unsetenv("OP_PROXY_LISTEN_TLS");
	unsetenv("OP_ACME_WEBROOT");
}
END_TEST

START_TEST(site_tls_refuses)
{
	struct op_proxy_site	s;

	setup();
	memset(&s, 0, sizeof(s));
	s.hostname = "app.example.com";
	s.upstream = "op_ct_x_80";
	s.tls_name = "domain-1";
	unsetenv("OP_PROXY_LISTEN_TLS");
	ck_assert_ptr_null(op_proxy_site_text(&s));	/* nowhere to listen */
	setenv("OP_PROXY_LISTEN_TLS", "127.0.0.1:8443", 1);
	s.tls_name = "../../etc/x";
	ck_assert_ptr_null(op_proxy_site_text(&s));
	s.tls_name = "a;b";
	ck_assert_ptr_null(op_proxy_site_text(&s));
	s.tls_name = NULL;
	s.acme = 1;
	unsetenv("OP_ACME_WEBROOT");
	ck_assert_ptr_null(op_proxy_site_text(&s));	/* no web root */
	setenv("OP_ACME_WEBROOT", "/a b", 1);
	ck_assert_ptr_null(op_proxy_site_text(&s));
	unsetenv("OP_ACME_WEBROOT");
	unsetenv("OP_PROXY_LISTEN_TLS");
}
END_TEST

/* Keys are written for the gateway only; upstreams in use are seen. */
START_TEST(keys_private_upstreams_used)
{
	struct op_proxy_change	c[2] = {
		{ "certs/d.key", "PRIVATE\n" },
		{ "sites/app-1.conf", "proxy_pass "
		    "http://op_ct_0b6a4d1e111122223333444455556666_80;\n" },
	};
	char			path[512];
	struct stat		st;

	setup();
	setenv("OP_PROXY_CHECK", "/bin/true", 1);
	ck_assert_int_eq(op_proxy_apply(c, 2, NULL), OP_OK);
	snprintf(path, sizeof(path), "%s/certs/d.key", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert(op_proxy_upstreams_used(
	    "0b6a4d1e-1111-2222-3333-444455556666", NULL));
	ck_assert(!op_proxy_upstreams_used(
	    "0b6a4d1e-1111-2222-3333-444455556666", "sites/app-1.conf"));
	ck_assert(!op_proxy_upstreams_used(
	    "0b6a4d1e-1111-2222-3333-444455556667", NULL));
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite	*s = suite_create("proxy");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);

	tcase_add_test(tc, hostile_words_refused);
	tcase_add_test(tc, site_refuses_injection);
	tcase_add_test(tc, upstreams_rendered);
	tcase_add_test(tc, upstreams_of_tasks);
	tcase_add_test(tc, refused_check_restores);
	tcase_add_test(tc, paths_confined);
	tcase_add_test(tc, site_tls_rendered);
	tcase_add_test(tc, site_tls_refuses);
	tcase_add_test(tc, keys_private_upstreams_used);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(proxy_suite)
