/*
 * test_jwt.c — jwt.c: forged, altered and malformed tokens first, then
 * the claims one by one, then the round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "openpanel.h"

#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define ISS	"https://panel.example"
#define AUD	"openpanel"
#define NOW	1700000000LL
#define HS256	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

static unsigned char	 key[OP_KEY_LEN];
static unsigned char	 other[OP_KEY_LEN];

/* ------------------------------------------------------------ helpers */

static void
setup(void)
{
	size_t	 i;

	for (i = 0; i < OP_KEY_LEN; i++) {
		key[i] = (unsigned char)(i * 7 + 1);
		other[i] = (unsigned char)(i * 7 + 2);
	}
	ck_assert_int_eq(op_jwt_init(key, ISS, AUD), OP_OK);
}

static void
b64(const void *p, size_t n, char *out, size_t outsz)
{
	ck_assert_uint_ge(outsz, sodium_base64_ENCODED_LEN(n, B64));
	sodium_bin2base64(out, outsz, p, n, B64);
}

/*
 * A token with the given header and payload JSON, MACed with md under k
 * (no signature at all when md is NULL). The caller frees it.
 */
static char *
forge(const char *header, const char *payload, const EVP_MD *md,
    const unsigned char *k)
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		*tok;
	size_t		 sz, n;

	sz = 2 * (strlen(header) + strlen(payload)) + 2 * sizeof(mac) + 16;
	tok = malloc(sz);
	ck_assert_ptr_nonnull(tok);
	b64(header, strlen(header), tok, sz);
	n = strlen(tok);
	tok[n++] = '.';
	b64(payload, strlen(payload), tok + n, sz - n);
	n = strlen(tok);
	if (md != NULL)
		ck_assert_ptr_nonnull(HMAC(md, k, OP_KEY_LEN, (unsigned char *)tok,
		    n, mac, &maclen));
	tok[n++] = '.';
	if (maclen > 0)
		b64(mac, maclen, tok + n, sz - n);
	else
		tok[n] = '\0';
	return tok;
}

/* A payload like op_jwt_issue's; NULL strings and -1 times are left out. */
static const char *
claims(const char *iss, const char *aud, const char *sub, const char *sid,
    const char *typ, long long iat, long long nbf, long long exp)
{
	static char	 buf[1024];
	size_t		 n;

	n = (size_t)snprintf(buf, sizeof(buf), "{\"jti\":\"abc\"");
#define S(k, v)	if ((v) != NULL) n += (size_t)snprintf(buf + n,		\
		    sizeof(buf) - n, ",\"%s\":\"%s\"", (k), (v))
#define I(k, v)	if ((v) != -1) n += (size_t)snprintf(buf + n,		\
		    sizeof(buf) - n, ",\"%s\":%lld", (k), (v))
	S("iss", iss);
	S("aud", aud);
	S("sub", sub);
	S("sid", sid);
	S("typ", typ);
	I("iat", iat);
	I("nbf", nbf);
	I("exp", exp);
#undef S
#undef I
	ck_assert_uint_lt(n + 2, sizeof(buf));
	snprintf(buf + n, sizeof(buf) - n, "}");
	return buf;
}

static const char *
good_claims(void)
{
	return claims(ISS, AUD, "u1", "s1", "access", NOW, NOW, NOW + 900);
}

static void
all_zero(const struct op_claims *c)
{
	static const struct op_claims	 zero;

	ck_assert_mem_eq(c, &zero, sizeof(zero));
}

/* token must fail at NOW, leaving the claims zeroed. */
static void
refused(const char *token, const char *why)
{
	struct op_claims	 c;

	memset(&c, 0x55, sizeof(c));
	ck_assert_msg(op_jwt_verify(token, NOW, &c) == OP_EUNAUTH, "%s", why);
	all_zero(&c);
}

/* header and payload, MACed with md under k, must fail. */
static void
forged_refused(const char *header, const char *payload, const EVP_MD *md,
    const unsigned char *k, const char *why)
{
	char	*tok;

	tok = forge(header, payload, md, k);
	refused(tok, why);
	free(tok);
}

/* ... and the same built honestly passes: the forger is not broken. */
static void
forged_accepted(const char *header, const char *payload)
{
	struct op_claims	 c;
	char			*tok;

	tok = forge(header, payload, EVP_sha256(), key);
	ck_assert_int_eq(op_jwt_verify(tok, NOW, &c), OP_OK);
	free(tok);
}

/* A good token whose jti is jtilen bytes long (static; next call reuses). */
static const char *
big_token(size_t jtilen)
{
	static char	*tok;
	char		 p[4096];

	free(tok);
	ck_assert_uint_lt(jtilen, 3500);
	snprintf(p, sizeof(p), "{\"jti\":\"%0*d\",\"iss\":\"" ISS "\","
	    "\"aud\":\"" AUD "\",\"sub\":\"u1\",\"sid\":\"s1\","
	    "\"typ\":\"access\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
	    (int)jtilen, 0, NOW, NOW, NOW + 900);
	tok = forge(HS256, p, EVP_sha256(), key);
	return tok;
}

static void
forged_accepted_token(const char *tok)
{
	struct op_claims	 c;

	ck_assert_int_eq(op_jwt_verify(tok, NOW, &c), OP_OK);
}

static char *
issue(void)
{
	char	*tok = NULL;

	ck_assert_int_eq(op_jwt_issue("u1", "s1", NOW, 900, &tok), OP_OK);
	ck_assert_ptr_nonnull(tok);
	return tok;
}

/* Part i (0 header, 1 payload) of token, decoded and parsed. */
static json_t *
part(const char *token, int i)
{
	unsigned char	 raw[1024];
	const char	*p = token, *end;
	size_t		 len;
	json_t		*j;

	while (i-- > 0)
		p = strchr(p, '.') + 1;
	end = strchr(p, '.');
	ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw) - 1, p,
	    (size_t)(end - p), NULL, &len, NULL, B64), 0);
	j = json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* ------------------------------------------------------------ forged */

START_TEST(before_init)
{
	struct op_claims	 c;
	char			*tok = (char *)"x";

	ck_assert_int_eq(op_jwt_verify("a.b.c", NOW, &c), OP_EINTERNAL);
	ck_assert_int_eq(op_jwt_issue("u1", "s1", NOW, 900, &tok),
	    OP_EINTERNAL);
	ck_assert_ptr_null(tok);
}
END_TEST

START_TEST(alg_none)
{
	const char	*p = good_claims();

	forged_refused("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, NULL, NULL,
	    "alg none, no signature");
	forged_refused("{\"alg\":\"none\"}", p, NULL, NULL,
	    "alg none, no typ");
	/* With our own valid HS256 MAC attached, none is still none. */
	forged_refused("{\"alg\":\"none\",\"typ\":\"JWT\"}", p, EVP_sha256(),
	    key, "alg none, HS256 signature");
	forged_refused("{\"alg\":\"None\",\"typ\":\"JWT\"}", p, EVP_sha256(),
	    key, "alg None");
	forged_refused("{\"alg\":\"NONE\",\"typ\":\"JWT\"}", p, NULL, NULL,
	    "alg NONE");
	forged_refused("{\"alg\":\"\",\"typ\":\"JWT\"}", p, EVP_sha256(), key,
	    "alg empty");
	forged_refused("{\"typ\":\"JWT\"}", p, EVP_sha256(), key, "no alg");
	forged_refused("{\"alg\":null}", p, EVP_sha256(), key, "alg null");
	forged_refused("{\"alg\":[\"HS256\"]}", p, EVP_sha256(), key,
	    "alg array");
	forged_refused("{\"alg\":\"hs256\"}", p, EVP_sha256(), key,
	    "alg lower case");
	forged_accepted(HS256, p);
}
END_TEST

START_TEST(alg_other_hmac)
{
	const char	*p = good_claims();

	/* libjwt verifies these with our key: only the alg check stops them. */
	forged_refused("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", p, EVP_sha512(),
	    key, "HS512 under our key");
	forged_refused("{\"alg\":\"HS384\",\"typ\":\"JWT\"}", p, EVP_sha384(),
	    key, "HS384 under our key");
	forged_refused("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p, EVP_sha256(),
	    key, "RS256 header, HMAC signature");
	forged_refused("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", p, EVP_sha256(),
	    key, "ES256 header, HMAC signature");
	/* HS256 header, HS512 MAC. */
	forged_refused(HS256, p, EVP_sha512(), key, "HS256 header, HS512 MAC");
	forged_accepted(HS256, p);
}
END_TEST

START_TEST(signature_altered)
{
	char	*tok, *t;
	size_t	 n, dot;

	tok = issue();
	n = strlen(tok);
	dot = (size_t)(strrchr(tok, '.') - tok);
	t = malloc(n + 2);

	memcpy(t, tok, n + 1);
	t[dot + 10] = t[dot + 10] == 'A' ? 'B' : 'A';
	refused(t, "one signature character changed");
	memcpy(t, tok, n + 1);
	t[n - 1] = '\0';
	refused(t, "last signature character dropped");
	memcpy(t, tok, n + 1);
	t[dot + 1] = '\0';
	refused(t, "signature removed");
	memcpy(t, tok, n + 1);
	t[n] = 'A';
	t[n + 1] = '\0';
	refused(t, "signature extended");
	memcpy(t, tok, n + 1);
	t[n] = '=';
	t[n + 1] = '\0';
	refused(t, "signature padded");
	memcpy(t, tok, n + 1);
	t[n] = '\n';
	t[n + 1] = '\0';
	refused(t, "trailing newline");
	t[0] = ' ';
	memcpy(t + 1, tok, n + 1);
	refused(t, "leading space");
	free(t);
	free(tok);
}
END_TEST

START_TEST(payload_altered)
{
	json_t		*j;
	const char	*hdr;
	char		*tok, *js, *t;
	size_t		 n, sz;

	tok = issue();
	j = part(tok, 1);
	json_object_set_new(j, "sub", json_string("admin"));
	js = json_dumps(j, JSON_COMPACT);
	json_decref(j);

	/* header . altered payload . original signature */
	sz = strlen(tok) + 2 * strlen(js) + 8;
	t = malloc(sz);
	n = (size_t)(strchr(tok, '.') - tok) + 1;
	memcpy(t, tok, n);
	b64(js, strlen(js), t + n, sz - n);
	n = strlen(t);
	snprintf(t + n, sz - n, "%s", strrchr(tok, '.'));
	refused(t, "payload altered");

	/* Header altered (a kid added), payload and signature kept. */
	hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"x\"}";
	b64(hdr, strlen(hdr), t, sz);
	n = strlen(t);
	snprintf(t + n, sz - n, "%s", strchr(tok, '.'));
	refused(t, "header altered");
	free(t);
	free(js);
	free(tok);
}
END_TEST

START_TEST(wrong_key)
{
	forged_refused(HS256, good_claims(), EVP_sha256(), other,
	    "another key");
	forged_accepted(HS256, good_claims());
}
END_TEST

START_TEST(garbage)
{
	char	 big[10 * 1024 + 1];
	size_t	 i;

	refused(NULL, "NULL");
	refused("", "empty");
	refused(".", "one dot");
	refused("..", "two dots");
	refused("...", "three dots");
	refused("a.b", "two parts");
	refused("a.b.", "empty signature");
	refused(".a.b", "empty header");
	refused("a..b", "empty payload");
	refused("a.b.c.d", "four parts");
	refused("!!!.###.$$$", "not base64");
	refused("eyJ+.eyJ/.abc=", "standard base64");
	refused("a b.c.d", "space");
	refused("\xff\xfe.\x01.\x7f", "binary");

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)(33 + (i * 7919) % 94);
	big[sizeof(big) - 1] = '\0';
	refused(big, "10 KB of printable garbage");
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 100 == 50 ? '.' : 'A' + (char)(i % 26);
	refused(big, "10 KB of base64 and dots");

	/* Validly signed, well-formed, and just too long; then not. */
	ck_assert_uint_gt(strlen(big_token(3100)), 4096);
	refused(big_token(3100), "over 4096 bytes");
	ck_assert_uint_le(strlen(big_token(2700)), 4096);
	forged_accepted_token(big_token(2700));
}
END_TEST

/* ------------------------------------------------------------ claims */

START_TEST(claims_refused)
{
	const EVP_MD	*md = EVP_sha256();
	char		 s64[65];

	memset(s64, 'a', 64);
	s64[64] = '\0';
	forged_refused(HS256, claims("https://evil.example", AUD, "u1", "s1",
	    "access", NOW, NOW, NOW + 900), md, key, "wrong iss");
	forged_refused(HS256, claims("https://panel", AUD, "u1", "s1",
	    "access", NOW, NOW, NOW + 900), md, key, "iss a prefix of ours");
	forged_refused(HS256, claims(ISS, "other", "u1", "s1", "access", NOW,
	    NOW, NOW + 900), md, key, "wrong aud");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access",
	    NOW - 900, NOW - 900, NOW), md, key, "exp == now");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access",
	    NOW - 900, NOW - 900, NOW - 1), md, key, "expired");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access", NOW,
	    NOW + 31, NOW + 900), md, key, "nbf in the future");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access", NOW + 31,
	    NOW, NOW + 900), md, key, "iat in the future");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "refresh", NOW,
	    NOW, NOW + 900), md, key, "typ refresh");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "Access", NOW,
	    NOW, NOW + 900), md, key, "typ Access");
	forged_refused(HS256, claims(ISS, AUD, "u1", NULL, "access", NOW, NOW,
	    NOW + 900), md, key, "missing sid");
	forged_refused(HS256, claims(ISS, AUD, NULL, "s1", "access", NOW, NOW,
	    NOW + 900), md, key, "missing sub");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", NULL, NOW, NOW,
	    NOW + 900), md, key, "missing typ");
	forged_refused(HS256, claims(NULL, AUD, "u1", "s1", "access", NOW, NOW,
	    NOW + 900), md, key, "missing iss");
	forged_refused(HS256, claims(ISS, NULL, "u1", "s1", "access", NOW, NOW,
	    NOW + 900), md, key, "missing aud");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access", NOW, NOW,
	    -1), md, key, "missing exp");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access", NOW, -1,
	    NOW + 900), md, key, "missing nbf");
	forged_refused(HS256, claims(ISS, AUD, "u1", "s1", "access", -1, NOW,
	    NOW + 900), md, key, "missing iat");
	forged_refused(HS256, claims(ISS, AUD, "", "s1", "access", NOW, NOW,
	    NOW + 900), md, key, "empty sub");
	forged_refused(HS256, claims(ISS, AUD, "u1", "", "access", NOW, NOW,
	    NOW + 900), md, key, "empty sid");
	forged_refused(HS256, claims(ISS, AUD, s64, "s1", "access", NOW, NOW,
	    NOW + 900), md, key, "sub too long for op_claims");
	forged_refused(HS256, claims(ISS, AUD, "u1", s64, "access", NOW, NOW,
	    NOW + 900), md, key, "sid too long for op_claims");
}
END_TEST

START_TEST(claims_wrong_types)
{
	static const char	*bad[] = {
		"[]", "\"access\"", "null", "42", "{", "",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":[\"" AUD "\"],"
		    "\"sub\":\"u1\",\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":\"u1\",\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":\"1700000900\"}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":\"u1\",\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1.7e9}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":42,\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":\"u1\",\"sid\":null,\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":\"u\\u0000x\",\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900}",
		"{\"jti\":\"a\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
		    "\"sub\":\"u1\",\"sid\":\"s1\",\"typ\":\"access\","
		    "\"iat\":1700000000,\"nbf\":true,\"exp\":1700000900}",
	};
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		forged_refused(HS256, bad[i], EVP_sha256(), key, bad[i]);
	/* Not JSON in the header either. */
	forged_refused("{\"alg\":\"HS256\"", good_claims(), EVP_sha256(), key,
	    "header not JSON");
	forged_refused("[\"HS256\"]", good_claims(), EVP_sha256(), key,
	    "header an array");
}
END_TEST

START_TEST(claims_boundaries)
{
	struct op_claims	 c;
	char			 s63[64], *tok;

	/* One second before exp, and nbf/iat 30 s ahead of our clock. */
	forged_accepted(HS256, claims(ISS, AUD, "u1", "s1", "access",
	    NOW - 899, NOW - 899, NOW + 1));
	forged_accepted(HS256, claims(ISS, AUD, "u1", "s1", "access",
	    NOW + 30, NOW + 30, NOW + 900));

	memset(s63, 'b', 63);
	s63[63] = '\0';
	tok = forge(HS256, claims(ISS, AUD, s63, s63, "access", NOW, NOW,
	    NOW + 900), EVP_sha256(), key);
	ck_assert_int_eq(op_jwt_verify(tok, NOW, &c), OP_OK);
	ck_assert_str_eq(c.sub, s63);
	ck_assert_str_eq(c.sid, s63);
	free(tok);

	/* Without the typ header, as RFC 7519 allows. */
	forged_accepted("{\"alg\":\"HS256\"}", good_claims());
}
END_TEST

/* ------------------------------------------------------------ issue, init */

START_TEST(issue_hostile)
{
	char	 s64[65], *tok;

	memset(s64, 'a', 64);
	s64[64] = '\0';
	tok = (char *)"x";
	ck_assert_int_eq(op_jwt_issue(NULL, "s1", NOW, 900, &tok), OP_EINVAL);
	ck_assert_ptr_null(tok);
	ck_assert_int_eq(op_jwt_issue("u1", NULL, NOW, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("", "s1", NOW, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", "", NOW, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue(s64, "s1", NOW, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", s64, NOW, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", "s1", NOW, 0, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", "s1", NOW, -1, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", "s1", -1, 900, &tok), OP_EINVAL);
	ck_assert_int_eq(op_jwt_issue("u1", "s1", NOW, 900, NULL), OP_EINVAL);
	ck_assert_ptr_null(tok);
}
END_TEST

START_TEST(init_hostile)
{
	char	 name[300];

	memset(name, 'i', sizeof(name));
	name[256] = '\0';
	ck_assert_int_eq(op_jwt_init(NULL, ISS, AUD), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, NULL, AUD), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, ISS, NULL), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, "", AUD), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, ISS, ""), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, name, AUD), OP_EINVAL);
	ck_assert_int_eq(op_jwt_init(key, ISS, name), OP_EINVAL);
	/* A refused init leaves the pinned values alone. */
	forged_accepted(HS256, good_claims());
	name[255] = '\0';
	ck_assert_int_eq(op_jwt_init(key, name, AUD), OP_OK);
	forged_refused(HS256, good_claims(), EVP_sha256(), key, "old iss");
}
END_TEST

/* ------------------------------------------------------------ round trip */

START_TEST(roundtrip)
{
	struct op_claims	 c;
	json_t			*h, *p;
	char			*tok, *tok2;

	tok = issue();
	ck_assert_int_eq(op_jwt_verify(tok, NOW, &c), OP_OK);
	ck_assert_str_eq(c.sub, "u1");
	ck_assert_str_eq(c.sid, "s1");
	ck_assert_int_eq(c.iat, NOW);
	ck_assert_int_eq(c.exp, NOW + 900);

	/* Valid from 30 s before issue (skew) until just before exp. */
	ck_assert_int_eq(op_jwt_verify(tok, NOW + 899, &c), OP_OK);
	ck_assert_int_eq(op_jwt_verify(tok, NOW - 30, &c), OP_OK);
	ck_assert_int_eq(op_jwt_verify(tok, NOW + 900, &c), OP_EUNAUTH);
	ck_assert_int_eq(op_jwt_verify(tok, NOW - 31, &c), OP_EUNAUTH);
	ck_assert_int_eq(op_jwt_verify(tok, -1, &c), OP_EUNAUTH);
	ck_assert_int_eq(op_jwt_verify(tok, INT64_MAX, &c), OP_EUNAUTH);
	ck_assert_int_eq(op_jwt_verify(tok, NOW, NULL), OP_EUNAUTH);

	/* The header and payload say what the contract says. */
	h = part(tok, 0);
	ck_assert_str_eq(json_string_value(json_object_get(h, "alg")),
	    "HS256");
	ck_assert_str_eq(json_string_value(json_object_get(h, "typ")), "JWT");
	json_decref(h);
	p = part(tok, 1);
	ck_assert_str_eq(json_string_value(json_object_get(p, "iss")), ISS);
	ck_assert_str_eq(json_string_value(json_object_get(p, "aud")), AUD);
	ck_assert_str_eq(json_string_value(json_object_get(p, "typ")),
	    "access");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "nbf")), NOW);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "iat")), NOW);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(p,
	    "jti"))), 22);
	json_decref(p);

	/* A fresh jti each time. */
	tok2 = issue();
	ck_assert_str_ne(tok, tok2);
	free(tok2);

	/* Another key pinned: yesterday's tokens fail. */
	ck_assert_int_eq(op_jwt_init(other, ISS, AUD), OP_OK);
	refused(tok, "issued under the previous key");
	free(tok);
}
END_TEST

/* ------------------------------------------------------------ runner */

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	SRunner	*sr;
	int	 failed;

	s = suite_create("jwt");
	sr = srunner_create(s);

	/* Needs a process where op_jwt_init never ran. */
	if (srunner_fork_status(sr) != CK_NOFORK) {
		tc = tcase_create("uninitialised");
		tcase_add_test(tc, before_init);
		suite_add_tcase(s, tc);
	}

	tc = tcase_create("forged");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, alg_none);
	tcase_add_test(tc, alg_other_hmac);
	tcase_add_test(tc, signature_altered);
	tcase_add_test(tc, payload_altered);
	tcase_add_test(tc, wrong_key);
	tcase_add_test(tc, garbage);
	suite_add_tcase(s, tc);

	tc = tcase_create("claims");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, claims_refused);
	tcase_add_test(tc, claims_wrong_types);
	tcase_add_test(tc, claims_boundaries);
	suite_add_tcase(s, tc);

	tc = tcase_create("issue");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, issue_hostile);
	tcase_add_test(tc, init_hostile);
	tcase_add_test(tc, roundtrip);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
