/*
 * test_valid_git.c — what may reach git: hostile URLs, refs and paths
 * first (options, transport helpers, local paths, credentials, escapes),
 * then the forms an operator expects.
 */
#include <check.h>
#include <stdlib.h>

#include "openpanel.h"
#include "check_main.h"

#define OK(f, s)	ck_assert_msg(f(s, &why) == OP_OK, "refused %s: %s", s, why)
#define BAD(f, s)	ck_assert_msg(f(s, &why) == OP_EINVAL, "accepted %s", s)

START_TEST(urls_hostile)
{
	const char	*why = "";

	BAD(op_valid_git_url, "--upload-pack=touch /tmp/x");
	BAD(op_valid_git_url, "-cfoo=bar");
	BAD(op_valid_git_url, "ext::sh -c touch% /tmp/pwned");
	BAD(op_valid_git_url, "ext::sh");
	BAD(op_valid_git_url, "fd::17");
	BAD(op_valid_git_url, "file:///etc");
	BAD(op_valid_git_url, "/srv/repo");
	BAD(op_valid_git_url, "./repo");
	BAD(op_valid_git_url, "~/repo");
	BAD(op_valid_git_url, "https://user:pass@example.com/x.git");
	BAD(op_valid_git_url, "https://example.com/a b.git");
	BAD(op_valid_git_url, "https://example.com/a\nb");
	BAD(op_valid_git_url, "https://exa;mple.com/x");
	BAD(op_valid_git_url, "ftp://example.com/x.git");
	BAD(op_valid_git_url, "ssh://-oProxyCommand=x/y");
	BAD(op_valid_git_url, "ssh://host");
	BAD(op_valid_git_url, "-oProxyCommand=x@host:y");
	BAD(op_valid_git_url, "git@host:-y");
	BAD(op_valid_git_url, "git@-host:y");
	BAD(op_valid_git_url, "git@host:");
	BAD(op_valid_git_url, "git@host:$(id)");
	BAD(op_valid_git_url, "");
}
END_TEST

START_TEST(urls_good)
{
	const char	*why = "";

	OK(op_valid_git_url, "https://github.com/openpanel/app.git");
	OK(op_valid_git_url, "http://127.0.0.1:8123/repo.git");
	OK(op_valid_git_url, "ssh://git@gitlab.example.com:2222/team/app.git");
	OK(op_valid_git_url, "git@github.com:openpanel/app.git");
}
END_TEST

START_TEST(refs)
{
	const char	*why = "";

	BAD(op_valid_git_ref, "--output=/tmp/x");
	BAD(op_valid_git_ref, "-b");
	BAD(op_valid_git_ref, "a..b");
	BAD(op_valid_git_ref, "main.lock");
	BAD(op_valid_git_ref, "a b");
	BAD(op_valid_git_ref, "a~1");
	BAD(op_valid_git_ref, "a^");
	BAD(op_valid_git_ref, "a:b");
	BAD(op_valid_git_ref, "a*");
	BAD(op_valid_git_ref, "@");
	BAD(op_valid_git_ref, "a@{1}");
	BAD(op_valid_git_ref, "/main");
	BAD(op_valid_git_ref, "main/");
	BAD(op_valid_git_ref, "feature/.hidden");
	BAD(op_valid_git_ref, ".hidden");
	BAD(op_valid_git_ref, "a\\b");
	OK(op_valid_git_ref, "main");
	OK(op_valid_git_ref, "release/1.2");
	OK(op_valid_git_ref, "v1.2.3");
	OK(op_valid_git_ref, "0123abc");
	ck_assert(op_git_is_commit("0123abcdef"));
	ck_assert(!op_git_is_commit("0123ABCDEF"));
	ck_assert(!op_git_is_commit("main"));
	ck_assert(!op_git_is_commit("abc"));
}
END_TEST

START_TEST(paths)
{
	const char	*why = "";

	BAD(op_valid_repo_path, "../etc/passwd");
	BAD(op_valid_repo_path, "a/../../b");
	BAD(op_valid_repo_path, "/abs");
	BAD(op_valid_repo_path, "-f");
	BAD(op_valid_repo_path, "a//b");
	BAD(op_valid_repo_path, "a b");
	BAD(op_valid_repo_path, "HEAD:x");
	BAD(op_valid_repo_path, "..");
	OK(op_valid_repo_path, "Dockerfile");
	OK(op_valid_repo_path, "docker/Dockerfile.prod");
	OK(op_valid_repo_path, ".");
}
END_TEST

static Suite *
valid_git_suite(void)
{
	Suite	*s = suite_create("valid_git");
	TCase	*tc = tcase_create("hostile first");

	tcase_add_test(tc, urls_hostile);
	tcase_add_test(tc, urls_good);
	tcase_add_test(tc, refs);
	tcase_add_test(tc, paths);
	suite_add_tcase(s, tc);
	return s;
}

OP_CHECK_MAIN(valid_git_suite)
