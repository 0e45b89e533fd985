/*
 * payload.c — what a webhook delivery says, read without the database:
 * whether its signature (or GitLab's token) matches the hook's secret,
 * and which ref and commit a push names, per provider. Pure functions of
 * their input, so the fuzzer drives them as they are.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "builds.h"

int
payload_signed(const char *secret, size_t secret_len, const char *body,
    size_t body_len, const char *header)
{
	unsigned char	mac[32];
	char		hex[65];
	size_t		i;

	if (header == NULL || strncmp(header, "sha256=", 7) != 0 ||
	    strlen(header + 7) != 64)
		return 0;
	op_hmac_sha256(secret, secret_len, body ? body : "", body ? body_len :
	    0, mac);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	for (i = 0; i < 64; i++)
		if (isupper((unsigned char)header[7 + i]))
			return 0;
	return op_ct_equal(hex, header + 7, 64);
}

int
payload_token(const char *secret, size_t secret_len, const char *header)
{
	return header != NULL && strlen(header) == secret_len &&
	    op_ct_equal(header, secret, secret_len);
}

static const char *
str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
payload_push(enum payload_kind kind, json_t *body, const char **ref,
    const char **commit)
{
	json_t	*change, *next;

	*ref = *commit = NULL;
	if (kind != PAYLOAD_BITBUCKET) {
		*ref = str_at(body, "ref");
		*commit = str_at(body, kind == PAYLOAD_GENERIC ? "commit" :
		    "after");
		return 1;
	}
	change = json_array_get(json_object_get(json_object_get(body,
	    "push"), "changes"), 0);
	next = json_object_get(change, "new");
	if (!json_is_object(next) || str_at(next, "type") == NULL ||
	    strcmp(str_at(next, "type"), "branch") != 0)
		return 0;
	*ref = str_at(next, "name");
	*commit = str_at(json_object_get(next, "target"), "hash");
	return 1;
}

enum payload_ref
payload_branch(const char *ref, const char **branch)
{
	*branch = ref;
	if (ref == NULL)
		return PAYLOAD_NO_REF;
	if (strncmp(ref, "refs/heads/", 11) == 0)
		*branch = ref + 11;
	else if (strncmp(ref, "refs/", 5) == 0)
		return PAYLOAD_NOT_BRANCH;
	return PAYLOAD_BRANCH;
}
