/*
 * fuzz_git.c — git URLs, refs and repository paths as a source declares
 * them. What the validators accept can go into git's argv safely: never
 * an option ("-…"), never a control byte, never a way to run a helper
 * ("ext::", "--upload-pack").
 */
#include "fuzz.h"

#include "openpanel.h"

static void
check_accepted(const char *s)
{
	const unsigned char	*p;

	FUZZ_ASSERT(s[0] != '-');
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		FUZZ_ASSERT(*p > 0x20 && *p != 0x7f);
}

/* Does url start "<transport>::", which makes git run a remote helper? */
static int
names_helper(const char *url)
{
	size_t	n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-_");

	return strncmp(url + n, "::", 2) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	const char		*why;

	fuzz_split(data, size, 3, &p);
	if (op_valid_git_url(p.part[0], &why) == OP_OK) {
		check_accepted(p.part[0]);
		FUZZ_ASSERT(!names_helper(p.part[0]));
	}
	if (op_valid_git_ref(p.part[1], &why) == OP_OK) {
		check_accepted(p.part[1]);
		FUZZ_ASSERT(strstr(p.part[1], "..") == NULL);
	}
	if (op_valid_repo_path(p.part[2], &why) == OP_OK)
		check_accepted(p.part[2]);
	if (op_git_is_commit(p.part[1]))
		check_accepted(p.part[1]);
	free(p.buf);
	return 0;
}
