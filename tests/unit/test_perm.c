/*
 * test_perm.c — perm.c: role names and the permission table; hostile
 * cases first.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "openpanel.h"

/*
 * The documented table, written out again: viewer reads; developer also
 * operates and edits; admin also deletes, manages secrets and members;
 * owner also renames or deletes the team.
 */
static const int	 table[OP_ROLE__MAX][OP_ACT__MAX] = {
	/*		   read operate edit delete secrets members team */
	[OP_ROLE_VIEWER] =    { 1, 0, 0, 0, 0, 0, 0 },
	[OP_ROLE_DEVELOPER] = { 1, 1, 1, 0, 0, 0, 0 },
	[OP_ROLE_ADMIN] =     { 1, 1, 1, 1, 1, 1, 0 },
	[OP_ROLE_OWNER] =     { 1, 1, 1, 1, 1, 1, 1 },
};

/* ------------------------------------------------------------ hostile */

START_TEST(role_parse_unknown)
{
	static const char *const	 bad[] = {
		"", "Owner", "OWNER", "owner ", " owner", "owner\n", "own",
		"owners", "root", "none", "member", "viewer admin",
		"0", "3", "admin,owner",
		("\xef\xbd\x8f\xef\xbd\x97\xef\xbd\x8e"
		    "\xef\xbd\x85\xef\xbd\x92"),	/* full-width "owner" */
	};
	enum op_role			 role;
	size_t				 i;

	for (i = 0; i < nitems(bad); i++) {
		role = OP_ROLE_OWNER;
		ck_assert_msg(op_role_parse(bad[i], &role) == OP_EINVAL,
		    "accepted \"%s\"", bad[i]);
		/* Failure never leaves a stronger role behind. */
		ck_assert_int_eq(role, OP_ROLE_VIEWER);
	}
}
END_TEST

START_TEST(out_of_range)
{
	int	 a, r;

	/* Enums past __MAX (or negative, cast in) allow nothing. */
	ck_assert_str_eq(op_role_name(OP_ROLE__MAX), "none");
	ck_assert_str_eq(op_role_name((enum op_role)99), "none");
	ck_assert_str_eq(op_role_name((enum op_role)-1), "none");
	for (a = 0; a < OP_ACT__MAX; a++) {
		ck_assert(!op_role_allows(OP_ROLE__MAX, (enum op_action)a));
		ck_assert(!op_role_allows((enum op_role)-1, (enum op_action)a));
		ck_assert(!op_role_allows((enum op_role)1000,
		    (enum op_action)a));
	}
	for (r = 0; r < OP_ROLE__MAX; r++) {
		ck_assert(!op_role_allows((enum op_role)r, OP_ACT__MAX));
		ck_assert(!op_role_allows((enum op_role)r,
		    (enum op_action)-1));
		ck_assert(!op_role_allows((enum op_role)r,
		    (enum op_action)31));
		ck_assert(!op_role_allows((enum op_role)r,
		    (enum op_action)32));
	}
}
END_TEST

/* ------------------------------------------------------------ table */

START_TEST(names_round_trip)
{
	static const char *const	 names[OP_ROLE__MAX] = {
		[OP_ROLE_VIEWER] = "viewer",
		[OP_ROLE_DEVELOPER] = "developer",
		[OP_ROLE_ADMIN] = "admin",
		[OP_ROLE_OWNER] = "owner",
	};
	enum op_role			 role;
	int				 r;

	for (r = 0; r < OP_ROLE__MAX; r++) {
		ck_assert_str_eq(op_role_name((enum op_role)r), names[r]);
		role = (enum op_role)((r + 1) % OP_ROLE__MAX);
		ck_assert_int_eq(op_role_parse(op_role_name((enum op_role)r),
		    &role), OP_OK);
		ck_assert_int_eq(role, r);
	}
}
END_TEST

START_TEST(allows_table)
{
	static const char *const	 acts[OP_ACT__MAX] = {
		"read", "operate", "edit", "delete", "secrets", "members",
		"team",
	};
	int				 r, a;

	for (r = 0; r < OP_ROLE__MAX; r++)
		for (a = 0; a < OP_ACT__MAX; a++)
			ck_assert_msg(!!op_role_allows((enum op_role)r,
			    (enum op_action)a) == table[r][a],
			    "%s %s %s", op_role_name((enum op_role)r),
			    table[r][a] ? "may not" : "may", acts[a]);
}
END_TEST

START_TEST(roles_nest)
{
	int	 r, a;

	/* Each role may do all its juniors may, and everyone may read. */
	for (r = 1; r < OP_ROLE__MAX; r++)
		for (a = 0; a < OP_ACT__MAX; a++)
			if (op_role_allows((enum op_role)(r - 1),
			    (enum op_action)a))
				ck_assert(op_role_allows((enum op_role)r,
				    (enum op_action)a));
	for (r = 0; r < OP_ROLE__MAX; r++)
		ck_assert(op_role_allows((enum op_role)r, OP_ACT_READ));
	/* Only the owner may do away with the team. */
	for (r = 0; r < OP_ROLE__MAX; r++)
		ck_assert_int_eq(!!op_role_allows((enum op_role)r,
		    OP_ACT_TEAM), r == OP_ROLE_OWNER);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("perm");
	sr = srunner_create(s);

	tc = tcase_create("hostile");
	tcase_add_test(tc, role_parse_unknown);
	tcase_add_test(tc, out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, allows_table);
	tcase_add_test(tc, roles_nest);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
