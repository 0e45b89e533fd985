/*
 * test_dbtools.c — the commands op-backups runs inside a one-click
 * database's container to dump and restore it: the argv of each engine,
 * only panel-chosen names substituted, credentials left to the
 * container's environment. MongoDB's are checked here only: no MongoDB
 * server or mongodump can be installed on the test machine, so its
 * round trip has no integration test.
 */
#include <string.h>

#include <check.h>

#include "backups.h"

/* argv as one string, words joined by '|'. */
static char *
joined(json_t *argv, char *out, size_t outsz)
{
	json_t	*w;
	size_t	 i;

	out[0] = '\0';
	json_array_foreach(argv, i, w) {
		if (i > 0)
			strncat(out, "|", outsz - strlen(out) - 1);
		strncat(out, json_string_value(w), outsz - strlen(out) - 1);
	}
	return out;
}

START_TEST(postgresql_names_substituted_as_words)
{
	const struct db_tool	*t = db_tool_find("postgresql");
	json_t			*a;
	char			 s[1024];

	ck_assert_ptr_nonnull(t);
	a = db_tool_argv(t->dump, "shop", "shop_db");
	ck_assert_str_eq(joined(a, s, sizeof(s)), "pg_dump|-U|shop|"
	    "--no-password|--clean|--if-exists|--no-owner|--no-privileges|"
	    "--|shop_db");
	json_decref(a);
	a = db_tool_argv(t->restore, "shop", "shop_db");
	ck_assert_str_eq(joined(a, s, sizeof(s)), "psql|-X|-q|-v|"
	    "ON_ERROR_STOP=1|--no-password|-U|shop|-d|shop_db");
	json_decref(a);
	ck_assert_str_eq(t->ext, "sql");
}
END_TEST

START_TEST(mongodb_archive_streams)
{
	const struct db_tool	*t = db_tool_find("mongodb");
	json_t			*a;
	char			 s[1024];

	ck_assert_ptr_nonnull(t);
	a = db_tool_argv(t->dump, "u", "d");
	ck_assert_str_eq(joined(a, s, sizeof(s)), "sh|-c|exec mongodump "
	    "--quiet --archive -u \"$MONGO_INITDB_ROOT_USERNAME\" "
	    "-p \"$MONGO_INITDB_ROOT_PASSWORD\" --authenticationDatabase admin");
	json_decref(a);
	a = db_tool_argv(t->restore, "u", "d");
	ck_assert_str_eq(joined(a, s, sizeof(s)), "sh|-c|exec mongorestore "
	    "--quiet --archive --drop -u \"$MONGO_INITDB_ROOT_USERNAME\" "
	    "-p \"$MONGO_INITDB_ROOT_PASSWORD\" --authenticationDatabase admin");
	json_decref(a);
	ck_assert_str_eq(t->ext, "archive");
}
END_TEST

START_TEST(every_engine_dumps_and_restores)
{
	static const char *const engines[] = { "postgresql", "mysql",
	    "mariadb", "mongodb", "redis" };
	const struct db_tool	*t;
	size_t			 i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		t = db_tool_find(engines[i]);
		ck_assert_ptr_nonnull(t);
		ck_assert_ptr_nonnull(t->dump[0]);
		ck_assert_ptr_nonnull(t->restore[0]);
		ck_assert_ptr_nonnull(t->check[0]);
	}
	ck_assert_ptr_null(db_tool_find("oracle"));
	ck_assert_ptr_null(db_tool_find(NULL));
}
END_TEST

START_TEST(credentials_stay_in_the_environment)
{
	static const char *const engines[] = { "mysql", "mariadb", "mongodb",
	    "redis" };
	const struct db_tool	*t;
	size_t			 i, k;

	/* A shell reads the password from the container's environment: the
	 * panel never puts one in an argv it builds. */
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		t = db_tool_find(engines[i]);
		for (k = 0; t->dump[k] != NULL; k++)
			ck_assert(strstr(t->dump[k], "@") == NULL);
		ck_assert(strstr(t->dump[2], "PASSWORD\"") != NULL);
		ck_assert(strstr(t->restore[2], "PASSWORD\"") != NULL);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dbtools");
	TCase	*tc = tcase_create("dbtools");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, postgresql_names_substituted_as_words);
	tcase_add_test(tc, mongodb_archive_streams);
	tcase_add_test(tc, every_engine_dumps_and_restores);
	tcase_add_test(tc, credentials_stay_in_the_environment);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
