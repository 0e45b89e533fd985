/*
 * test_pgenv.c — pgenv.c: a conninfo becomes PG* variables and nothing
 * of it is left for argv; hostile cases first.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"
#include "check_main.h"

/* The value of name in env, or NULL. */
static const char *
lookup(char **env, const char *name)
{
	size_t	n = strlen(name);

	for (; *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

START_TEST(refuses_bad_conninfo)
{
	char		**env = (char **)1;
	const char	 *why = NULL;

	ck_assert_int_eq(op_pgenv("host", &env, &why), OP_EINVAL);
	ck_assert_ptr_null(env);
	ck_assert_ptr_nonnull(why);
	why = NULL;
	ck_assert_int_eq(op_pgenv("nosuchsetting=1", &env, &why), OP_EINVAL);
	ck_assert_ptr_nonnull(why);
	why = NULL;
	ck_assert_int_eq(op_pgenv("host='unterminated", &env, &why),
	    OP_EINVAL);
	ck_assert_ptr_nonnull(why);
	why = NULL;	/* a setting libpq reads from no variable */
	ck_assert_int_eq(op_pgenv("host=/x replication=database", &env, &why),
	    OP_EINVAL);
	ck_assert_ptr_null(env);
	ck_assert_str_eq(why, "a database setting has no environment variable");
}
END_TEST

START_TEST(every_setting_in_its_variable)
{
	char		**env;
	const char	 *why = NULL;

	ck_assert_int_eq(op_pgenv("host=/run/pg port=5433 dbname=openpanel "
	    "user=op_backups password='s3cr et=x' sslmode=disable", &env,
	    &why), OP_OK);
	ck_assert_str_eq(env[0], "PATH=/usr/bin:/bin");
	ck_assert_str_eq(lookup(env, "PGHOST"), "/run/pg");
	ck_assert_str_eq(lookup(env, "PGPORT"), "5433");
	ck_assert_str_eq(lookup(env, "PGDATABASE"), "openpanel");
	ck_assert_str_eq(lookup(env, "PGUSER"), "op_backups");
	ck_assert_str_eq(lookup(env, "PGPASSWORD"), "s3cr et=x");
	ck_assert_str_eq(lookup(env, "PGSSLMODE"), "disable");
	ck_assert_ptr_null(env[7]);
	op_pgenv_free(env);
}
END_TEST

START_TEST(a_uri_too)
{
	char		**env;
	const char	 *why = NULL;

	ck_assert_int_eq(op_pgenv("postgresql://op:pw@db.internal:6543/panel",
	    &env, &why), OP_OK);
	ck_assert_str_eq(lookup(env, "PGHOST"), "db.internal");
	ck_assert_str_eq(lookup(env, "PGPORT"), "6543");
	ck_assert_str_eq(lookup(env, "PGDATABASE"), "panel");
	ck_assert_str_eq(lookup(env, "PGUSER"), "op");
	ck_assert_str_eq(lookup(env, "PGPASSWORD"), "pw");
	op_pgenv_free(env);
}
END_TEST

START_TEST(only_what_is_given)
{
	char		**env;
	const char	 *why = NULL;

	ck_assert_int_eq(op_pgenv("", &env, &why), OP_OK);
	ck_assert_str_eq(env[0], "PATH=/usr/bin:/bin");
	ck_assert_ptr_null(env[1]);
	op_pgenv_free(env);
	op_pgenv_free(NULL);
}
END_TEST

static Suite *
pgenv_suite(void)
{
	Suite	*s = suite_create("pgenv");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, refuses_bad_conninfo);
	tcase_add_test(tc, every_setting_in_its_variable);
	tcase_add_test(tc, a_uri_too);
	tcase_add_test(tc, only_what_is_given);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(pgenv_suite)
