/*
 * secret.c — the secret box: AES-256-GCM under the master key, for
 * values stored encrypted at rest (TOTP seeds, registry passwords, …).
 *
 * Sealed form: "v1." + base64url(nonce[12] || ciphertext || tag[16]),
 * without padding. Every seal draws a fresh random nonce; with 96-bit
 * nonces that stays safe well past 2^32 seals under one key.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "openpanel.h"

#define SECRET_PREFIX	"v1."
#define SECRET_PFXLEN	(sizeof(SECRET_PREFIX) - 1)
#define SECRET_NONCE	12
#define SECRET_TAG	16
#define SECRET_MAX	(1024 * 1024)	/* plaintext bytes */
#define SECRET_RAW_MAX	(SECRET_NONCE + SECRET_MAX + SECRET_TAG)
#define SECRET_B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* The longest sealed text, without its NUL. */
#define SECRET_TEXT_MAX	(SECRET_PFXLEN + \
	sodium_base64_ENCODED_LEN(SECRET_RAW_MAX, SECRET_B64) - 1)

static unsigned char	 secret_key[OP_KEY_LEN];
static int		 secret_ready;

/*
 * Pin the master key (copied; the caller wipes its own). Calling it again
 * replaces the key. The copy is locked in memory when the system allows.
 */
enum op_err
op_secret_init(const unsigned char key[OP_KEY_LEN])
{
	enum op_err	 er = OP_EINVAL;

	if (key == NULL)
		goto out;
	/* Best effort: a failed mlock only means the key may be swapped. */
	(void)mlock(secret_key, sizeof(secret_key));
	memcpy(secret_key, key, sizeof(secret_key));
	secret_ready = 1;
	er = OP_OK;
out:
	return er;
}

/*
 * Seal len (at most 1 MiB) bytes of plain into the text form, in *out
 * (malloc'd; the caller frees it). OP_EINTERNAL before op_secret_init.
 */
enum op_err
op_secret_seal(const void *plain, size_t len, char **out)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*raw = NULL;
	char		*text = NULL;
	size_t		 rawlen = 0, textlen;
	int		 n;
	enum op_err	 er = OP_EINVAL;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || (plain == NULL && len > 0) || len > SECRET_MAX)
		goto out;
	er = OP_EINTERNAL;
	if (!secret_ready)
		goto out;

	er = OP_ENOMEM;
	rawlen = SECRET_NONCE + len + SECRET_TAG;
	textlen = SECRET_PFXLEN +
	    sodium_base64_ENCODED_LEN(rawlen, SECRET_B64);
	if ((raw = malloc(rawlen)) == NULL ||
	    (text = malloc(textlen)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if ((er = op_random(raw, SECRET_NONCE)) != OP_OK)
		goto out;

	er = OP_EINTERNAL;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, secret_key,
	    raw) != 1)
		goto out;
	if (len > 0 && (EVP_EncryptUpdate(ctx, raw + SECRET_NONCE, &n, plain,
	    (int)len) != 1 || (size_t)n != len))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, raw + SECRET_NONCE + len, &n) != 1 ||
	    n != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRET_TAG,
	    raw + SECRET_NONCE + len) != 1)
		goto out;

	memcpy(text, SECRET_PREFIX, SECRET_PFXLEN);
	sodium_bin2base64(text + SECRET_PFXLEN, textlen - SECRET_PFXLEN,
	    raw, rawlen, SECRET_B64);
	*out = text;
	text = NULL;
	er = OP_OK;
out:
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	free(raw);
	free(text);
	return er;
}

/*
 * Open a sealed text into *out (malloc'd, NUL-terminated after *outlen
 * bytes; the caller wipes and frees it). OP_EINVAL for a wrong prefix,
 * bad base64, a short or overlong input, any altered byte, or a text
 * sealed under another key; OP_EINTERNAL before op_secret_init.
 */
enum op_err
op_secret_open(const char *sealed, unsigned char **out, size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*raw = NULL, *plain = NULL, *tag;
	const char	*b64;
	size_t		 textlen, b64len, rawlen = 0, plainlen = 0;
	int		 n;
	enum op_err	 er = OP_EINVAL;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (sealed == NULL || out == NULL || outlen == NULL)
		goto out;
	textlen = strnlen(sealed, SECRET_TEXT_MAX + 1);
	if (textlen > SECRET_TEXT_MAX || textlen < SECRET_PFXLEN ||
	    memcmp(sealed, SECRET_PREFIX, SECRET_PFXLEN) != 0)
		goto out;
	er = OP_EINTERNAL;
	if (!secret_ready)
		goto out;

	b64 = sealed + SECRET_PFXLEN;
	b64len = textlen - SECRET_PFXLEN;
	er = OP_ENOMEM;
	if ((raw = malloc(b64len / 4 * 3 + 3)) == NULL)
		goto out;
	/* Strict: no padding, no stray characters, canonical final bits. */
	er = OP_EINVAL;
	if (sodium_base642bin(raw, b64len / 4 * 3 + 3, b64, b64len, NULL,
	    &rawlen, NULL, SECRET_B64) != 0)
		goto out;
	if (rawlen < SECRET_NONCE + SECRET_TAG)
		goto out;
	plainlen = rawlen - SECRET_NONCE - SECRET_TAG;
	tag = raw + SECRET_NONCE + plainlen;

	er = OP_ENOMEM;
	if ((plain = malloc(plainlen + 1)) == NULL ||
	    (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	er = OP_EINTERNAL;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, secret_key,
	    raw) != 1)
		goto out;
	if (plainlen > 0 && (EVP_DecryptUpdate(ctx, plain, &n,
	    raw + SECRET_NONCE, (int)plainlen) != 1 || (size_t)n != plainlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRET_TAG,
	    tag) != 1)
		goto out;
	/* The tag check: altered bytes and other keys fail here. */
	er = OP_EINVAL;
	if (EVP_DecryptFinal_ex(ctx, plain + plainlen, &n) != 1)
		goto out;
	plain[plainlen] = '\0';
	*out = plain;
	*outlen = plainlen;
	plain = NULL;
	er = OP_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (plain != NULL) {
		/* Unauthenticated plaintext must not linger either. */
		op_wipe(plain, plainlen + 1);
		free(plain);
	}
	free(raw);
	return er;
}
