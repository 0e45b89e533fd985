/*
 * crypto.c — the primitives everything else builds on: randomness,
 * constant-time comparison, SHA-256, HMAC-SHA256, wiping, key files.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "openpanel.h"

#define TOKEN_MAX_BYTES	256		/* randomness in one token */
#define KEY_HEX_LEN	(2 * OP_KEY_LEN)
#define KEY_FILE_MAX	(KEY_HEX_LEN + 1)	/* hex and a newline */

/*
 * Fill buf with n bytes from getrandom(2). Blocks only until the kernel's
 * pool is first seeded; OP_EIO if the kernel refuses.
 */
enum op_err
op_random(void *buf, size_t n)
{
	unsigned char	*p = buf;
	ssize_t		 r;
	enum op_err	 er = OP_EIO;

	while (n > 0) {
		/* Reads past 256 bytes may be cut short by a signal. */
		r = getrandom(p, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		p += r;
		n -= (size_t)r;
	}
	er = OP_OK;
out:
	return er;
}

/*
 * nbytes (1..256) of randomness as base64url without padding, NUL
 * terminated, in out. OP_EINVAL when out cannot hold it; out is the
 * empty string on any failure.
 */
enum op_err
op_random_token(char *out, size_t outsz, size_t nbytes)
{
	unsigned char	 raw[TOKEN_MAX_BYTES];
	const int	 variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	enum op_err	 er = OP_EINVAL;

	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (out == NULL || nbytes == 0 || nbytes > sizeof(raw))
		goto out;
	if (outsz < sodium_base64_ENCODED_LEN(nbytes, variant))
		goto out;
	if ((er = op_random(raw, nbytes)) != OP_OK)
		goto out;
	sodium_bin2base64(out, outsz, raw, nbytes, variant);
out:
	op_wipe(raw, sizeof(raw));
	return er;
}

/*
 * 1 when the n bytes at a and b are equal, else 0, in time that depends
 * only on n.
 */
int
op_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * SHA-256 of data as lower-case hex. OpenSSL failing to hash (no memory,
 * a broken provider) is a broken invariant with no error channel here,
 * so it aborts rather than hand back a wrong digest.
 */
void
op_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		abort();
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[64] = '\0';
}

/*
 * HMAC-SHA256 of data under key into out. Aborts, like op_sha256_hex,
 * when OpenSSL cannot compute it: a MAC must never be silently wrong.
 */
void
op_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[32])
{
	static const unsigned char	 empty[1];
	unsigned int			 outlen = 0;

	/* HMAC() reads a NULL key as "reuse the previous one". */
	if (key == NULL || keylen == 0) {
		key = empty;
		keylen = 0;
	}
	if (data == NULL)
		data = empty;
	if (keylen > INT_MAX ||
	    HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != 32)
		abort();
}

/* Overwrite n bytes at p with zeros; the compiler may not elide it. */
void
op_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

/*
 * Read a key file holding exactly OP_KEY_LEN raw bytes, or 2 * OP_KEY_LEN
 * hex digits and an optional newline. OP_EIO when it cannot be read,
 * OP_EINVAL for any other shape. key is zeroed on entry.
 */
enum op_err
op_key_load(const char *path, unsigned char key[OP_KEY_LEN])
{
	unsigned char	 buf[KEY_FILE_MAX + 1];
	unsigned char	 tmp[OP_KEY_LEN];
	struct stat	 st;
	size_t		 n = 0, binlen = 0;
	ssize_t		 r;
	const char	*end = NULL;
	int		 fd = -1;
	enum op_err	 er = OP_EIO;

	op_wipe(key, OP_KEY_LEN);
	if (path == NULL) {
		er = OP_EINVAL;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		goto out;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		er = OP_EINVAL;
		goto out;
	}
	/* Read one byte past the longest valid file to see oversize ones. */
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0)
			break;
		n += (size_t)r;
	}

	er = OP_EINVAL;
	if (n == OP_KEY_LEN) {
		memcpy(tmp, buf, OP_KEY_LEN);
	} else if (n == KEY_HEX_LEN ||
	    (n == KEY_HEX_LEN + 1 && buf[KEY_HEX_LEN] == '\n')) {
		/* libsodium's decoder runs in constant time. */
		if (sodium_hex2bin(tmp, sizeof(tmp), (const char *)buf,
		    KEY_HEX_LEN, NULL, &binlen, &end) != 0 ||
		    binlen != OP_KEY_LEN || end != (const char *)buf + KEY_HEX_LEN)
			goto out;
	} else
		goto out;

	memcpy(key, tmp, OP_KEY_LEN);
	er = OP_OK;
out:
	if (fd != -1)
		close(fd);
	op_wipe(buf, sizeof(buf));
	op_wipe(tmp, sizeof(tmp));
	return er;
}
