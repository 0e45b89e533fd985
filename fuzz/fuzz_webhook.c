/*
 * fuzz_webhook.c — a webhook delivery: a signature header and a body.
 * Only the hook's own HMAC signs a body (a forged header never passes; the
 * right one always does), GitLab's token only when equal, and any payload
 * yields a ref and commit (or none) that the push checks can take.
 */
#include "fuzz.h"

#include "builds.h"

static const char	 secret[] = "whsec-0123456789abcdef";
#define SECRET_LEN	(sizeof(secret) - 1)

/* The header a sender knowing the secret puts on body. */
static void
sign(const char *body, size_t len, char out[72])
{
	unsigned char	mac[32];
	int		i;

	op_hmac_sha256(secret, SECRET_LEN, body, len, mac);
	memcpy(out, "sha256=", 7);
	for (i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static void
signatures(const char *header, const char *body, size_t len)
{
	char	good[72];

	sign(body, len, good);
	FUZZ_ASSERT(payload_signed(secret, SECRET_LEN, body, len, good));
	if (strcmp(header, good) != 0)
		FUZZ_ASSERT(!payload_signed(secret, SECRET_LEN, body, len,
		    header));
	FUZZ_ASSERT(payload_token(secret, SECRET_LEN, header) ==
	    (strcmp(header, secret) == 0));
}

static void
pushes(json_t *body)
{
	const char	*ref, *commit, *branch;
	int		 kind;

	for (kind = PAYLOAD_GITHUB; kind <= PAYLOAD_GENERIC; kind++) {
		if (!payload_push((enum payload_kind)kind, body, &ref, &commit))
			continue;
		if (payload_branch(ref, &branch) != PAYLOAD_BRANCH)
			continue;
		FUZZ_ASSERT(branch != NULL);
		if (commit != NULL)
			(void)op_git_is_commit(commit);
		(void)op_valid_git_ref(branch, &(const char *){ NULL });
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	const char		*body;
	size_t			 len;
	json_t			*j;

	fuzz_split(data, size, 2, &p);
	body = p.part[1];
	len = size - (size_t)(body - p.buf);
	signatures(p.part[0], body, len);
	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) != NULL) {
		pushes(j);
		json_decref(j);
	}
	free(p.buf);
	return 0;
}
