/*
 * test_opctl.c — opctl's pure parts: a command's arguments, the config
 * file, tables and cells, the event-stream parser, what an error answer
 * says and the exit status each HTTP status means. Hostile cases first.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"
#include "check_main.h"

/* --- arguments ------------------------------------------------------------ */

static char	*v_team, *v_desc;
static int	 f_follow;

static const struct opctl_opt opts[] = {
	{ "team", OPCTL_OPT_VALUE, &v_team },
	{ "description", OPCTL_OPT_VALUE, &v_desc },
	{ "follow", OPCTL_OPT_FLAG, &f_follow },
	{ NULL, 0, NULL },
};

/* Parse a NULL-ended list of words: 0 or -1, with err. */
static int
parse(struct opctl_args *a, char *err, char **words)
{
	int	 n = 0;

	v_team = v_desc = NULL;
	f_follow = 0;
	while (words[n] != NULL)
		n++;
	return opctl_args_parse(a, n, words, opts, err, 256);
}

START_TEST(args_hostile)
{
	struct opctl_args	 a;
	char			 err[256];
	char			*unknown[] = { "--nope", NULL };
	char			*missing[] = { "x", "--team", NULL };
	char			*flagval[] = { "--follow=yes", NULL };
	char			*shortopt[] = { "-x", NULL };
	char			*many[] = { "1", "2", "3", "4", "5", "6", "7",
				    "8", "9", NULL };
	char			*prefix[] = { "--tea", "x", NULL };

	ck_assert_int_eq(parse(&a, err, unknown), -1);
	ck_assert_str_eq(err, "unknown option --nope");
	ck_assert_int_eq(parse(&a, err, missing), -1);
	ck_assert_str_eq(err, "--team needs a value");
	ck_assert_int_eq(parse(&a, err, flagval), -1);
	ck_assert_str_eq(err, "--follow takes no value");
	ck_assert_int_eq(parse(&a, err, shortopt), -1);
	ck_assert_int_eq(parse(&a, err, many), -1);
	ck_assert_str_eq(err, "too many arguments");
	ck_assert_int_eq(parse(&a, err, prefix), -1);	/* no abbreviations */
}
END_TEST

START_TEST(args_mixed)
{
	struct opctl_args	 a;
	char			 err[256];
	char			*w[] = { "web", "--team", "ops", "--follow",
				    "--description=a = b", "--json", "-",
				    "--", "--team", NULL };

	ck_assert_int_eq(parse(&a, err, w), 0);
	ck_assert_int_eq(a.npos, 3);
	ck_assert_str_eq(a.pos[0], "web");
	ck_assert_str_eq(a.pos[1], "-");	/* a lone dash is an argument */
	ck_assert_str_eq(a.pos[2], "--team");	/* after "--" */
	ck_assert_str_eq(v_team, "ops");
	ck_assert_str_eq(v_desc, "a = b");
	ck_assert_int_eq(f_follow, 1);
	ck_assert_int_eq(a.json, 1);
	ck_assert_int_eq(a.help, 0);
}
END_TEST

START_TEST(args_help_and_empty_value)
{
	struct opctl_args	 a;
	char			 err[256];
	char			*h[] = { "-h", NULL };
	char			*empty[] = { "--team=", NULL };

	ck_assert_int_eq(parse(&a, err, h), 0);
	ck_assert_int_eq(a.help, 1);
	ck_assert_int_eq(parse(&a, err, empty), 0);
	ck_assert_str_eq(v_team, "");
}
END_TEST

START_TEST(numbers_and_ids)
{
	long long	 n = 7;

	ck_assert_int_eq(opctl_args_number("", 1, 10, &n), -1);
	ck_assert_int_eq(opctl_args_number("-1", -5, 10, &n), -1);
	ck_assert_int_eq(opctl_args_number("+1", 1, 10, &n), -1);
	ck_assert_int_eq(opctl_args_number("11", 1, 10, &n), -1);
	ck_assert_int_eq(opctl_args_number("1x", 1, 10, &n), -1);
	ck_assert_int_eq(opctl_args_number("99999999999999999999", 1,
	    100, &n), -1);
	ck_assert_int_eq(n, 7);			/* untouched on failure */
	ck_assert_int_eq(opctl_args_number("10", 1, 10, &n), 0);
	ck_assert_int_eq(n, 10);
	ck_assert(!opctl_is_uuid(""));
	ck_assert(!opctl_is_uuid("6b1f0c2e-8d4a-4e1b-9c3d-2f5a6b7c8d9"));
	ck_assert(!opctl_is_uuid("6b1f0c2e-8d4a-4e1b-9c3d-2f5a6b7c8d9e0"));
	ck_assert(!opctl_is_uuid("6B1F0C2E-8D4A-4E1B-9C3D-2F5A6B7C8D9E"));
	ck_assert(!opctl_is_uuid("6b1f0c2e08d4a-4e1b-9c3d-2f5a6b7c8d9e"));
	ck_assert(opctl_is_uuid("6b1f0c2e-8d4a-4e1b-9c3d-2f5a6b7c8d9e"));
}
END_TEST

/* --- the config file ------------------------------------------------------ */

static int
conf(const char *text, struct opctl_config *c, char *err)
{
	memset(c, 0, sizeof(*c));
	return opctl_config_parse(text, strlen(text), c, err, 256);
}

START_TEST(config_hostile)
{
	struct opctl_config	 c;
	char			 err[256], *big;

	ck_assert_int_eq(conf("url\n", &c, err), -1);
	ck_assert_str_eq(err, "line 1: no '='");
	opctl_config_clear(&c);
	ck_assert_int_eq(conf("# x\n = v\n", &c, err), -1);
	ck_assert_str_eq(err, "line 2: no key");
	opctl_config_clear(&c);
	ck_assert_int_eq(conf("url = a\x1b[2Jb\n", &c, err), -1);
	ck_assert_str_eq(err, "line 1: control byte");
	opctl_config_clear(&c);
	ck_assert_int_eq(conf("token = a\ntoken = b\n", &c, err), -1);
	ck_assert_str_eq(err, "line 2: token given twice");
	opctl_config_clear(&c);
	ck_assert_int_eq(opctl_config_parse("url = a\0b", 9, &c, err, 256), -1);
	big = malloc(OPCTL_CONFIG_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', OPCTL_CONFIG_MAX + 1);
	big[OPCTL_CONFIG_MAX + 1] = '\0';
	ck_assert_int_eq(conf(big, &c, err), -1);
	ck_assert_str_eq(err, "too large");
	memset(big, 'x', OPCTL_VALUE_MAX + 10);
	memcpy(big, "url = ", 6);
	big[OPCTL_VALUE_MAX + 10] = '\0';
	ck_assert_int_eq(conf(big, &c, err), -1);
	ck_assert_str_eq(err, "line 1: value too long");
	opctl_config_clear(&c);
	free(big);
}
END_TEST

START_TEST(config_round_trip)
{
	struct opctl_config	 c, d;
	char			 err[256], *text;

	ck_assert_int_eq(conf("# comment\n\n  url\t=  https://p.example \r\n"
	    "colour = blue\naccess_token = eyJ.a.b\nca_file = /etc/ca.pem\n"
	    "refresh_token=opr_x", &c, err), 0);
	ck_assert_str_eq(c.url, "https://p.example");
	ck_assert_str_eq(c.access_token, "eyJ.a.b");
	ck_assert_str_eq(c.refresh_token, "opr_x");	/* no final newline */
	ck_assert_ptr_null(c.token);			/* colour: skipped */
	ck_assert_str_eq(opctl_config_bearer(&c), "eyJ.a.b");
	/* The environment's wins and is never written. */
	ck_assert_int_eq(opctl_config_set(&c.env_token, "opk_env"), 0);
	ck_assert_int_eq(opctl_config_set(&c.env_url, "http://env"), 0);
	ck_assert_str_eq(opctl_config_bearer(&c), "opk_env");
	ck_assert_str_eq(opctl_config_url(&c), "http://env");
	text = opctl_config_format(&c);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "opk_env"));
	ck_assert_ptr_null(strstr(text, "http://env"));
	ck_assert_int_eq(conf(text, &d, err), 0);
	ck_assert_str_eq(d.url, "https://p.example");
	ck_assert_str_eq(d.refresh_token, "opr_x");
	ck_assert_str_eq(opctl_config_ca(&d), "/etc/ca.pem");
	ck_assert_int_eq(opctl_config_set(&d.env_ca, "/env/ca.pem"), 0);
	ck_assert_str_eq(opctl_config_ca(&d), "/env/ca.pem");
	ck_assert_str_eq(opctl_config_url(&(struct opctl_config){ 0 }),
	    OPCTL_URL_DEFAULT);
	free(text);
	opctl_config_clear(&c);
	opctl_config_clear(&d);
}
END_TEST

START_TEST(config_path_xdg)
{
	char	 p[256];

	ck_assert_int_eq(opctl_config_path("/x/cfg", "/home/u", p, sizeof(p)),
	    0);
	ck_assert_str_eq(p, "/x/cfg/openpanel/config");
	/* A relative XDG_CONFIG_HOME is not one. */
	ck_assert_int_eq(opctl_config_path("cfg", "/home/u", p, sizeof(p)), 0);
	ck_assert_str_eq(p, "/home/u/.config/openpanel/config");
	ck_assert_int_eq(opctl_config_path(NULL, "rel", p, sizeof(p)), -1);
	ck_assert_int_eq(opctl_config_path(NULL, NULL, p, sizeof(p)), -1);
	ck_assert_int_eq(opctl_config_path(NULL, "/home/u", p, 10), -1);
}
END_TEST

/* --- tables and cells ----------------------------------------------------- */

static char *
render(const char *items_json, const struct opctl_col *cols, int record)
{
	json_t	*j = json_loads(items_json, 0, NULL);
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(f);
	if (record)
		opctl_record(f, j, cols);
	else
		opctl_table(f, j, cols);
	fclose(f);
	json_decref(j);
	return buf;
}

static const struct opctl_col cols[] = {
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ "WHO", "actor.user_id", OPCTL_FMT_TEXT },
	{ "WHEN", "time", OPCTL_FMT_TIME },
	{ NULL, NULL, 0 },
};

START_TEST(table_hostile)
{
	char	*out;

	/* Control bytes from the panel never reach the terminal. */
	out = render("[{\"id\": \"a\\u001b[31mb\\r\\n\", \"actor\": null,"
	    " \"time\": 5}]", cols, 0);
	ck_assert_str_eq(out, "ID         WHO  WHEN\na?[31mb??  -    5\n");
	free(out);
	out = render("[]", cols, 0);
	ck_assert_str_eq(out, "(none)\n");
	free(out);
}
END_TEST

START_TEST(table_aligned)
{
	char	*out;

	out = render("[{\"id\": \"p1\", \"actor\": {\"user_id\": \"été\"},"
	    " \"time\": \"2026-11-29T02:40:00.123Z\"}, {\"id\": \"project-22\","
	    " \"actor\": {\"user_id\": null}}]", cols, 0);
	ck_assert_str_eq(out,
	    "ID          WHO  WHEN\n"
	    "p1          été  2026-11-29 02:40:00\n"
	    "project-22  -    -\n");
	free(out);
	out = render("{\"id\": \"p1\", \"time\": \"x\"}", cols, 1);
	ck_assert_str_eq(out, "ID:    p1\nWHO:   -\nWHEN:  x\n");
	free(out);
}
END_TEST

START_TEST(cells)
{
	char	 c[16];
	json_t	*v;

	v = json_string("0123456789abcdefghij");
	opctl_cell(v, OPCTL_FMT_SHORT, c, sizeof(c));
	ck_assert_str_eq(c, "0123456789ab");
	opctl_cell(v, OPCTL_FMT_TEXT, c, 8);		/* cut to fit */
	ck_assert_str_eq(c, "0123456");
	json_decref(v);
	v = json_string("ééé");				/* 6 bytes */
	opctl_cell(v, OPCTL_FMT_TEXT, c, 6);		/* never half a char */
	ck_assert_str_eq(c, "éé");
	json_decref(v);
	v = json_integer(1536);
	opctl_cell(v, OPCTL_FMT_BYTES, c, sizeof(c));
	ck_assert_str_eq(c, "1.5 KiB");
	opctl_cell(v, OPCTL_FMT_MS, c, sizeof(c));
	ck_assert_str_eq(c, "1.5s");
	json_decref(v);
	opctl_cell(json_true(), OPCTL_FMT_TEXT, c, sizeof(c));
	ck_assert_str_eq(c, "yes");
	opctl_cell(NULL, OPCTL_FMT_TEXT, c, sizeof(c));
	ck_assert_str_eq(c, "-");
	v = json_string("");
	opctl_cell(v, OPCTL_FMT_TEXT, c, sizeof(c));
	ck_assert_str_eq(c, "-");
	json_decref(v);
}
END_TEST

/* --- the event stream ----------------------------------------------------- */

static char	 got[8][128];
static int	 ngot;

static void
collect(const char *data, size_t len, void *arg)
{
	(void)arg;
	ck_assert_uint_eq(strlen(data), len);
	if (ngot < 8)
		snprintf(got[ngot++], sizeof(got[0]), "%s", data);
}

START_TEST(sse_hostile)
{
	struct opctl_sse	 s;
	char			*big;
	size_t			 n = OPCTL_EVENT_MAX + 64;

	ngot = 0;
	opctl_sse_init(&s, collect, NULL);
	/* An event larger than the bound is dropped whole; the next is not. */
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	memcpy(big, "data: ", 6);
	big[n] = '\0';
	ck_assert_int_eq(opctl_sse_feed(&s, big, n), 0);
	ck_assert_int_eq(opctl_sse_feed(&s, "\n\ndata: after\n\n", 15), 0);
	/* A blank line without data is no event; ids and comments are not
	 * data. */
	ck_assert_int_eq(opctl_sse_feed(&s, "\n\n: ping\nid: 1:2\n\n", 18), 0);
	ck_assert_int_eq(ngot, 1);
	ck_assert_str_eq(got[0], "after");
	free(big);
	opctl_sse_clear(&s);
}
END_TEST

START_TEST(sse_events)
{
	struct opctl_sse	 s;
	const char		*stream = "id: 5\r\ndata: {\"a\":1}\r\n\r\n"
				    "data:x\ndata: y\n\n: ping\n\ndata: \n\n";
	size_t			 i;

	ngot = 0;
	opctl_sse_init(&s, collect, NULL);
	/* One byte at a time: events split anywhere come out whole. */
	for (i = 0; stream[i] != '\0'; i++)
		ck_assert_int_eq(opctl_sse_feed(&s, stream + i, 1), 0);
	ck_assert_int_eq(ngot, 3);
	ck_assert_str_eq(got[0], "{\"a\":1}");
	ck_assert_str_eq(got[1], "x\ny");
	ck_assert_str_eq(got[2], "");
	opctl_sse_clear(&s);
}
END_TEST

/* --- errors and exit statuses --------------------------------------------- */

START_TEST(errors)
{
	char	 t[512];

	opctl_error_text(404, "{\"error\":{\"code\":\"not_found\",\"message\":"
	    "\"no such project\"}}", "abc", t, sizeof(t));
	ck_assert_str_eq(t, "no such project (not_found; HTTP 404, request abc)");
	opctl_error_text(422, "{\"error\":{\"code\":\"invalid\",\"message\":"
	    "\"bad\\u001b[2J\",\"field\":\"name\"}}", "", t, sizeof(t));
	ck_assert_str_eq(t, "bad?[2J (invalid, field name; HTTP 422)");
	opctl_error_text(502, "<html>bad gateway</html>", "r1", t, sizeof(t));
	ck_assert_str_eq(t, "the panel answered HTTP 502 (request r1)");
	opctl_error_text(500, NULL, NULL, t, sizeof(t));
	ck_assert_str_eq(t, "the panel answered HTTP 500");
	ck_assert_int_eq(opctl_exit_for(200), OPCTL_OK);
	ck_assert_int_eq(opctl_exit_for(204), OPCTL_OK);
	ck_assert_int_eq(opctl_exit_for(401), OPCTL_EAUTH);
	ck_assert_int_eq(opctl_exit_for(403), OPCTL_EAPI);
	ck_assert_int_eq(opctl_exit_for(404), OPCTL_EAPI);
	ck_assert_int_eq(opctl_exit_for(422), OPCTL_EAPI);
	ck_assert_int_eq(opctl_exit_for(429), OPCTL_ENET);
	ck_assert_int_eq(opctl_exit_for(503), OPCTL_ENET);
}
END_TEST

START_TEST(queries)
{
	char	*p = opctl_query(strdup("/api/audit/logs"), "action",
		    "project.*");

	p = opctl_query(p, "since", "2026-11-29T00:00:00+01:00");
	p = opctl_query(p, "skipped", NULL);
	p = opctl_query(p, "x", "a&b=c d");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "/api/audit/logs?action=project.%2A&since="
	    "2026-11-29T00%3A00%3A00%2B01%3A00&x=a%26b%3Dc%20d");
	free(p);
}
END_TEST

/* --- following a build: where the record takes over from the stream ------ */

START_TEST(follow_resume)
{
	const char	*log = "fetching x\nStep 1/2 : FROM a\n ---> 1\n"
			    "Step 2/2 : CMD b\n ---> 1\nbuilt\n";

	/* Nothing shown: all of it. */
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 0, NULL), 0);
	/* The stream's line is not in the record: nothing more. */
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 2, "forged"), 6);
	/* More shown than the record holds, last line elsewhere: its last
	 * occurrence. */
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 9, " ---> 1"), 5);
	/* A prefix: where the count says, though the line recurs later. */
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 3, " ---> 1"), 3);
	/* The stream started late (a suffix): after its last line. */
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 2, "Step 2/2 : CMD b"),
	    4);
	ck_assert_uint_eq(opctl_follow_resume(log, 6, 6, "built"), 6);
	ck_assert_uint_eq(opctl_follow_resume("", 0, 1, "x"), 0);
}
END_TEST

static Suite *
opctl_suite(void)
{
	Suite	*s = suite_create("opctl");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, args_hostile);
	tcase_add_test(tc, args_mixed);
	tcase_add_test(tc, args_help_and_empty_value);
	tcase_add_test(tc, numbers_and_ids);
	tcase_add_test(tc, config_hostile);
	tcase_add_test(tc, config_round_trip);
	tcase_add_test(tc, config_path_xdg);
	tcase_add_test(tc, table_hostile);
	tcase_add_test(tc, table_aligned);
	tcase_add_test(tc, cells);
	tcase_add_test(tc, sse_hostile);
	tcase_add_test(tc, sse_events);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, queries);
	tcase_add_test(tc, follow_resume);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(opctl_suite)
