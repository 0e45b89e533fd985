/*
 * totp.c — RFC 6238 time-based one-time codes: HOTP (RFC 4226) with
 * HMAC-SHA1, 30-second steps, 6 digits, one step of drift either way.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "openpanel.h"

#define TOTP_MOD	1000000u	/* 10^OP_TOTP_DIGITS */
#define TOTP_DRIFT	1		/* steps accepted either side */

_Static_assert(OP_TOTP_DIGITS == 6, "TOTP_MOD is 10^OP_TOTP_DIGITS");

static enum op_err	 totp_hotp(const unsigned char *, size_t, uint64_t,
			    uint32_t *);
static enum op_err	 totp_parse(const char *, uint32_t *);

/*
 * The 6-digit HOTP code of secret at counter, or UINT32_MAX (never a
 * valid code) in the unlikely case OpenSSL cannot compute the HMAC.
 */
uint32_t
op_totp_code(const unsigned char *secret, size_t len, uint64_t counter)
{
	uint32_t	 code;

	if (totp_hotp(secret, len, counter, &code) != OP_OK)
		code = UINT32_MAX;
	return code;
}

/*
 * Check code against the steps around now/30. OP_EINVAL unless code is
 * exactly 6 ASCII digits (and secret, now are sane); OP_EUNAUTH when no
 * step matches or the latest match is at or before last_step (a replay).
 * On OP_OK *step is the matching step, to be stored as the new
 * last_step; it is 0 otherwise.
 */
enum op_err
op_totp_verify(const unsigned char *secret, size_t len, const char *code,
    int64_t now, int64_t last_step, int64_t *step)
{
	uint32_t	 want, got;
	int64_t		 t, s, match = -1;
	int		 d, eq;
	enum op_err	 er = OP_EINVAL;

	if (step != NULL)
		*step = 0;
	if (secret == NULL || len == 0 || step == NULL || now < 0)
		goto out;
	if ((er = totp_parse(code, &want)) != OP_OK)
		goto out;

	/* Try every step, so timing does not tell which one matched. */
	t = now / OP_TOTP_STEP;
	for (d = -TOTP_DRIFT; d <= TOTP_DRIFT; d++) {
		s = t + d;
		if (s < 0)
			continue;
		if ((er = totp_hotp(secret, len, (uint64_t)s, &got)) != OP_OK)
			goto out;
		eq = op_ct_equal(&got, &want, sizeof(got));
		if (eq && s > match)
			match = s;
	}
	er = OP_EUNAUTH;
	if (match == -1 || match <= last_step)
		goto out;
	*step = match;
	er = OP_OK;
out:
	return er;
}

/* RFC 4226 section 5.3: HMAC-SHA1, dynamic truncation, modulo 10^6. */
static enum op_err
totp_hotp(const unsigned char *secret, size_t len, uint64_t counter,
    uint32_t *code)
{
	unsigned char	 msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, off;
	uint32_t	 bin;
	int		 i;
	enum op_err	 er = OP_EINTERNAL;

	*code = 0;
	if (secret == NULL || len == 0 || len > INT_MAX)
		goto out;
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(EVP_sha1(), secret, (int)len, msg, sizeof(msg), md,
	    &mdlen) == NULL || mdlen != 20)
		goto out;
	off = md[19] & 0x0f;
	bin = (uint32_t)(md[off] & 0x7f) << 24 |
	    (uint32_t)md[off + 1] << 16 |
	    (uint32_t)md[off + 2] << 8 |
	    (uint32_t)md[off + 3];
	*code = bin % TOTP_MOD;
	er = OP_OK;
out:
	op_wipe(md, sizeof(md));
	return er;
}

/* Exactly OP_TOTP_DIGITS ASCII digits, nothing before or after. */
static enum op_err
totp_parse(const char *code, uint32_t *out)
{
	uint32_t	 v = 0;
	int		 i;
	enum op_err	 er = OP_EINVAL;

	*out = 0;
	if (code == NULL)
		goto out;
	for (i = 0; i < OP_TOTP_DIGITS; i++) {
		if (code[i] < '0' || code[i] > '9')
			goto out;
		v = v * 10 + (uint32_t)(code[i] - '0');
	}
	if (code[OP_TOTP_DIGITS] != '\0')
		goto out;
	*out = v;
	er = OP_OK;
out:
	return er;
}
