/*
 * jwt.c — HS256 access tokens (libjwt 1.10).
 *
 * libjwt verifies whatever algorithm the token's header names, so an
 * HS384 or HS512 token MACed with our key decodes without error, and it
 * reads the name case-insensitively ("hs256"): the algorithm is checked
 * after decoding, exactly. libjwt skips verification when given no key;
 * we always pass the pinned one. Claims are then read from the decoded
 * payload with strict types, every one required.
 */
#include <sys/mman.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "openpanel.h"

#define JWT_TOKEN_MAX	4096	/* bytes; ours are well under 1 KiB */
#define JWT_NAME_MAX	256	/* issuer and audience, with the NUL */
#define JWT_LEEWAY	30	/* seconds of clock skew for nbf and iat */
#define JWT_JTI_BYTES	16
#define JWT_TYP		"access"

static unsigned char	 jwt_key[OP_KEY_LEN];
static char		 jwt_iss[JWT_NAME_MAX];
static char		 jwt_aud[JWT_NAME_MAX];
static int		 jwt_ready;

static int		 jwt_shape(const char *, size_t);
static enum op_err	 jwt_claims(json_t *, int64_t, struct op_claims *);
static int		 jwt_str(json_t *, const char *, size_t, const char **);
static int		 jwt_int(json_t *, const char *, int64_t *);

/*
 * Pin the HS256 key, issuer and audience (all copied; issuer and
 * audience non-empty, under 256 bytes). Calling it again replaces them.
 */
enum op_err
op_jwt_init(const unsigned char key[OP_KEY_LEN], const char *issuer,
    const char *audience)
{
	size_t		 ilen, alen;
	enum op_err	 er = OP_EINVAL;

	if (key == NULL || issuer == NULL || audience == NULL)
		goto out;
	ilen = strnlen(issuer, sizeof(jwt_iss));
	alen = strnlen(audience, sizeof(jwt_aud));
	if (ilen == 0 || ilen == sizeof(jwt_iss) ||
	    alen == 0 || alen == sizeof(jwt_aud))
		goto out;
	/* Best effort: a failed mlock only means the key may be swapped. */
	(void)mlock(jwt_key, sizeof(jwt_key));
	memcpy(jwt_key, key, sizeof(jwt_key));
	memcpy(jwt_iss, issuer, ilen + 1);
	memcpy(jwt_aud, audience, alen + 1);
	jwt_ready = 1;
	er = OP_OK;
out:
	return er;
}

/*
 * An HS256 access token for (sub, sid), each non-empty and short enough
 * for struct op_claims, issued at now and valid for ttl > 0 seconds.
 * *out is malloc'd; the caller frees it. OP_EINTERNAL before
 * op_jwt_init.
 */
enum op_err
op_jwt_issue(const char *sub, const char *sid, int64_t now, int ttl,
    char **out)
{
	struct op_claims	 c;
	jwt_t			*jwt = NULL;
	char			 jti[2 * JWT_JTI_BYTES];
	char			*tok = NULL;
	size_t			 sublen, sidlen;
	enum op_err		 er = OP_EINVAL;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || sub == NULL || sid == NULL)
		goto out;
	sublen = strnlen(sub, sizeof(c.sub));
	sidlen = strnlen(sid, sizeof(c.sid));
	if (sublen == 0 || sublen == sizeof(c.sub) ||
	    sidlen == 0 || sidlen == sizeof(c.sid))
		goto out;
	/* libjwt takes times as long. */
	if (ttl <= 0 || now < 0 || now > LONG_MAX - ttl)
		goto out;
	er = OP_EINTERNAL;
	if (!jwt_ready)
		goto out;
	if ((er = op_random_token(jti, sizeof(jti), JWT_JTI_BYTES)) != OP_OK)
		goto out;

	er = OP_ENOMEM;
	if (jwt_new(&jwt) != 0)
		goto out;
	er = OP_EINTERNAL;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, jwt_key, sizeof(jwt_key)) != 0 ||
	    jwt_add_header(jwt, "typ", "JWT") != 0 ||
	    jwt_add_grant(jwt, "iss", jwt_iss) != 0 ||
	    jwt_add_grant(jwt, "aud", jwt_aud) != 0 ||
	    jwt_add_grant(jwt, "sub", sub) != 0 ||
	    jwt_add_grant(jwt, "sid", sid) != 0 ||
	    jwt_add_grant(jwt, "typ", JWT_TYP) != 0 ||
	    jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "nbf", (long)now) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) != 0 ||
	    jwt_add_grant(jwt, "jti", jti) != 0)
		goto out;
	er = OP_ENOMEM;
	if ((tok = jwt_encode_str(jwt)) == NULL)
		goto out;
	*out = tok;
	er = OP_OK;
out:
	jwt_free(jwt);		/* scrubs its copy of the key */
	return er;
}

/*
 * Verify token at now: at most 4096 bytes of base64url in three parts,
 * alg HS256 and a good signature under the pinned key, typ "access", our
 * iss and aud, exp > now, nbf and iat <= now + 30 s, sub and sid that
 * fit struct op_claims. Anything else is OP_EUNAUTH; OP_EINTERNAL before
 * op_jwt_init. *out is zeroed on entry and filled on OP_OK.
 */
enum op_err
op_jwt_verify(const char *token, int64_t now, struct op_claims *out)
{
	struct op_claims	 c;
	jwt_t			*jwt = NULL;
	json_t			*grants = NULL;
	const char		*alg;
	char			*js = NULL;
	size_t			 len;
	enum op_err		 er = OP_EUNAUTH;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || token == NULL ||
	    now < 0 || now > INT64_MAX - JWT_LEEWAY)
		goto out;
	if (!jwt_ready) {
		er = OP_EINTERNAL;
		goto out;
	}
	len = strnlen(token, JWT_TOKEN_MAX + 1);
	if (len > JWT_TOKEN_MAX || !jwt_shape(token, len))
		goto out;
	if (jwt_decode(&jwt, token, jwt_key, sizeof(jwt_key)) != 0)
		goto out;
	alg = jwt_get_header(jwt, "alg");
	if (jwt_get_alg(jwt) != JWT_ALG_HS256 || alg == NULL ||
	    strcmp(alg, "HS256") != 0)
		goto out;
	if ((js = jwt_get_grants_json(jwt, NULL)) == NULL ||
	    (grants = json_loads(js, 0, NULL)) == NULL)
		goto out;
	if ((er = jwt_claims(grants, now, &c)) != OP_OK)
		goto out;
	*out = c;
	er = OP_OK;
out:
	json_decref(grants);
	free(js);
	jwt_free(jwt);
	return er;
}

/*
 * 1 when token is three non-empty runs of base64url characters joined
 * by dots: libjwt's parser never sees anything else.
 */
static int
jwt_shape(const char *token, size_t len)
{
	size_t	 i, run = 0;
	int	 dots = 0;
	char	 ch;

	for (i = 0; i < len; i++) {
		ch = token[i];
		if (ch == '.') {
			if (run == 0 || ++dots > 2)
				return 0;
			run = 0;
		} else if ((ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
			run++;
		else
			return 0;
	}
	return dots == 2 && run > 0;
}

/* Check the payload's claims at now and copy the ones callers use. */
static enum op_err
jwt_claims(json_t *g, int64_t now, struct op_claims *out)
{
	const char	*typ, *iss, *aud, *sub, *sid;
	int64_t		 iat, nbf, exp;
	enum op_err	 er = OP_EUNAUTH;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(g))
		goto out;
	if (!jwt_str(g, "typ", sizeof(JWT_TYP), &typ) ||
	    !jwt_str(g, "iss", sizeof(jwt_iss), &iss) ||
	    !jwt_str(g, "aud", sizeof(jwt_aud), &aud) ||
	    !jwt_str(g, "sub", sizeof(out->sub), &sub) ||
	    !jwt_str(g, "sid", sizeof(out->sid), &sid) ||
	    !jwt_int(g, "iat", &iat) ||
	    !jwt_int(g, "nbf", &nbf) ||
	    !jwt_int(g, "exp", &exp))
		goto out;
	if (strcmp(typ, JWT_TYP) != 0 || strcmp(iss, jwt_iss) != 0 ||
	    strcmp(aud, jwt_aud) != 0)
		goto out;
	if (exp <= now || nbf > now + JWT_LEEWAY || iat > now + JWT_LEEWAY)
		goto out;
	memcpy(out->sub, sub, strlen(sub) + 1);
	memcpy(out->sid, sid, strlen(sid) + 1);
	out->iat = iat;
	out->exp = exp;
	er = OP_OK;
out:
	return er;
}

/* 1 when g[key] is a non-empty string shorter than size bytes. */
static int
jwt_str(json_t *g, const char *key, size_t size, const char **out)
{
	json_t	*v;
	size_t	 len;

	*out = NULL;
	if ((v = json_object_get(g, key)) == NULL || !json_is_string(v))
		return 0;
	/* jansson refuses \u0000 by default, so the length is strlen's. */
	len = json_string_length(v);
	if (len == 0 || len >= size)
		return 0;
	*out = json_string_value(v);
	return 1;
}

/* 1 when g[key] is a JSON integer (not a real, not a string). */
static int
jwt_int(json_t *g, const char *key, int64_t *out)
{
	json_t	*v;

	*out = 0;
	if ((v = json_object_get(g, key)) == NULL || !json_is_integer(v))
		return 0;
	*out = (int64_t)json_integer_value(v);
	return 1;
}
