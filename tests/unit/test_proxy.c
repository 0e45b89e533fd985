/*
 * test_proxy.c — the generated routing: hostile values never render, a
 * change the check refuses puts every file back, an accepted one stays.
 * /bin/true and /bin/false stand in for nginx -t: the behaviour under
 * test is ours, not nginx's (the integration suites run the real one).
 */
#include <check.h>
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
	setenv("OP_PROXY_RELOAD", "/bin/true", 1);
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
	struct op_proxy_site	s = { "evil.com; include /etc/passwd", NULL,
	    "op_ct_x_80", 0, 0 };
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

static Suite *
proxy_suite(void)
{
	Suite	*s = suite_create("proxy");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, hostile_words_refused);
	tcase_add_test(tc, site_refuses_injection);
	tcase_add_test(tc, upstreams_rendered);
	tcase_add_test(tc, refused_check_restores);
	tcase_add_test(tc, paths_confined);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(proxy_suite)
