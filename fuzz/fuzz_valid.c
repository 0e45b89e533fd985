/*
 * fuzz_valid.c — every validator of lib/valid*.c on any string: the first
 * byte picks one, the rest is the value. A validator answers OP_OK, or
 * OP_EINVAL with a reason; an accepted value is clean UTF-8 without
 * control bytes unless the validator is for multi-line text.
 */
#include "fuzz.h"

#include "openpanel.h"

static const struct {
	op_validator	 check;
	int		 multiline;	/* may accept a line break */
} validators[] = {
	{ op_valid_text, 0 }, { op_valid_name, 0 }, { op_valid_slug, 0 },
	{ op_valid_email, 0 }, { op_valid_uuid, 0 }, { op_valid_password, 0 },
	{ op_valid_hostname, 0 }, { op_valid_pem_certs, 1 },
	{ op_valid_domain, 0 }, { op_valid_url, 0 }, { op_valid_role, 0 },
	{ op_valid_scope, 0 }, { op_valid_totp_code, 0 },
	{ op_valid_env_key, 0 }, { op_valid_volume_name, 0 },
	{ op_valid_container_path, 0 }, { op_valid_label_key, 0 },
	{ op_valid_image, 0 }, { op_valid_git_url, 0 },
	{ op_valid_git_ref, 0 }, { op_valid_repo_path, 0 },
	{ op_valid_cron, 0 }, { op_valid_timezone, 0 },
	{ op_valid_bucket, 0 }, { op_valid_object_prefix, 0 },
	{ op_valid_region, 0 }, { op_valid_endpoint, 0 },
	{ op_valid_abs_path, 0 },
};
#define NVALID	(sizeof(validators) / sizeof(validators[0]))

static int
has_control(const char *s, int multiline)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && !(multiline &&
		    (*s == '\n' || *s == '\r' || *s == '\t'))) || *s == 0x7f)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	const char		*why = NULL;
	size_t			 k;
	enum op_err		 er;

	if (size < 1)
		return 0;
	k = data[0] % NVALID;
	fuzz_split(data + 1, size - 1, 1, &p);
	er = validators[k].check(p.part[0], &why);
	if (er == OP_OK)
		FUZZ_ASSERT(!has_control(p.part[0], validators[k].multiline));
	else
		FUZZ_ASSERT(er == OP_EINVAL && why != NULL);
	free(p.buf);
	return 0;
}
