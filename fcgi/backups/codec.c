/*
 * codec.c — the archive format: the plain stream gzip-compressed, then,
 * when encrypted, "OPBK1\0\0\0" + a 12-byte nonce + AES-256-GCM of the
 * gzip stream + the 16-byte tag. The SHA-256 is of the stored bytes, so
 * a restore can check an archive before it reads a byte of it as data.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "backups.h"

#define MAGIC		"OPBK1\0\0\0"
#define MAGIC_LEN	8
#define NONCE_LEN	12
#define TAG_LEN		16
#define CHUNK		65536

static unsigned char	backup_key[OP_KEY_LEN];
static int		backup_key_set;

enum op_err
codec_init(void)
{
	unsigned char	master[OP_KEY_LEN];
	const char	*file = op_config_get("OP_BACKUP_KEY_FILE", NULL);
	enum op_err	er;

	if (file != NULL)
		er = op_key_load(file, backup_key);
	else if ((er = op_key_load(op_config_get("OP_SECRET_KEY_FILE",
	    "/etc/openpanel/secret.key"), master)) == OP_OK) {
		/* A key of its own, so an archive never shares the key of
		 * the secrets at rest. */
		op_hmac_sha256(master, sizeof(master), "openpanel backups v1",
		    20, backup_key);
		op_wipe(master, sizeof(master));
	}
	backup_key_set = er == OP_OK;
	return er;
}

struct codec {
	int		 encode;
	int		 crypt;
	z_stream	 z;
	int		 z_live;
	int		 z_done;	/* decoder: the gzip stream ended */
	EVP_CIPHER_CTX	*aes;
	EVP_MD_CTX	*sha;
	uint64_t	 size;		/* stored bytes */
	/* decoder: the header, then the last TAG_LEN bytes held back */
	unsigned char	 head[MAGIC_LEN + NONCE_LEN];
	size_t		 hlen;
	unsigned char	 tail[TAG_LEN];
	size_t		 tlen;
	bk_sink		 sink;
	void		*arg;
	unsigned char	 buf[CHUNK];
	unsigned char	 mid[CHUNK + 32];
};

static enum op_err
codec_new(int encode, int crypt, bk_sink sink, void *arg, struct codec **out)
{
	struct codec	*c;
	int		 zr;

	*out = NULL;
	if (crypt && !backup_key_set)
		return OP_EINTERNAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return OP_ENOMEM;
	c->encode = encode;
	c->crypt = crypt;
	c->sink = sink;
	c->arg = arg;
	zr = encode ? deflateInit2(&c->z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) : inflateInit2(&c->z, 15 + 16);
	c->z_live = zr == Z_OK;
	c->sha = EVP_MD_CTX_new();
	if (crypt)
		c->aes = EVP_CIPHER_CTX_new();
	if (!c->z_live || c->sha == NULL || (crypt && c->aes == NULL) ||
	    EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1) {
		codec_free(c);
		return OP_ENOMEM;
	}
	*out = c;
	return OP_OK;
}

/* Stored bytes out of the encoder: hash, count, pass on. */
static enum op_err
stored(struct codec *c, const void *data, size_t len)
{
	if (len == 0)
		return OP_OK;
	EVP_DigestUpdate(c->sha, data, len);
	c->size += len;
	return c->sink(c->arg, data, len);
}

/* Compressed bytes out of the encoder: encrypt when asked, then store. */
static enum op_err
compressed(struct codec *c, const unsigned char *data, size_t len)
{
	int	n = 0;

	if (!c->crypt)
		return stored(c, data, len);
	if (EVP_EncryptUpdate(c->aes, c->mid, &n, data, (int)len) != 1)
		return OP_EINTERNAL;
	return stored(c, c->mid, (size_t)n);
}

enum op_err
codec_enc_new(int encrypt, bk_sink sink, void *arg, struct codec **out)
{
	unsigned char	 head[MAGIC_LEN + NONCE_LEN];
	struct codec	*c;
	enum op_err	 er;
	int		 n;

	if ((er = codec_new(1, encrypt, sink, arg, &c)) != OP_OK)
		return er;
	if (encrypt) {
		memcpy(head, MAGIC, MAGIC_LEN);
		if ((er = op_random(head + MAGIC_LEN, NONCE_LEN)) != OP_OK ||
		    EVP_EncryptInit_ex(c->aes, EVP_aes_256_gcm(), NULL,
		    backup_key, head + MAGIC_LEN) != 1 ||
		    EVP_EncryptUpdate(c->aes, NULL, &n, head, MAGIC_LEN) != 1 ||	/* the magic is authenticated too */
		    (er = stored(c, head, sizeof(head))) != OP_OK) {
			codec_free(c);
			return er != OP_OK ? er : OP_EINTERNAL;
		}
	}
	*out = c;
	return OP_OK;
}

enum op_err
codec_dec_new(int encrypted, bk_sink sink, void *arg, struct codec **out)
{
	return codec_new(0, encrypted, sink, arg, out);
}

/* Run deflate over the input (flush Z_FINISH at the end). */
static enum op_err
deflate_some(struct codec *c, const void *data, size_t len, int flush)
{
	enum op_err	er;
	int		zr;

	c->z.next_in = (unsigned char *)(uintptr_t)data;
	c->z.avail_in = (uInt)len;
	do {
		c->z.next_out = c->buf;
		c->z.avail_out = sizeof(c->buf);
		zr = deflate(&c->z, flush);
		if (zr == Z_STREAM_ERROR)
			return OP_EINTERNAL;
		if ((er = compressed(c, c->buf, sizeof(c->buf) -
		    c->z.avail_out)) != OP_OK)
			return er;
	} while (c->z.avail_out == 0 || (flush == Z_FINISH &&
	    zr != Z_STREAM_END));
	return OP_OK;
}

/* Gunzip plain-text input (already decrypted) to the sink. */
static enum op_err
inflate_some(struct codec *c, const unsigned char *data, size_t len)
{
	enum op_err	er;
	int		zr;

	c->z.next_in = (unsigned char *)(uintptr_t)data;
	c->z.avail_in = (uInt)len;
	while (c->z.avail_in > 0) {
		if (c->z_done)
			return OP_EINVAL;	/* bytes after the end */
		c->z.next_out = c->buf;
		c->z.avail_out = sizeof(c->buf);
		zr = inflate(&c->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			return OP_EINVAL;
		if ((er = c->sink(c->arg, c->buf, sizeof(c->buf) -
		    c->z.avail_out)) != OP_OK)
			return er;
		if (zr == Z_STREAM_END)
			c->z_done = 1;
	}
	return OP_OK;
}

/* Decrypt len stored bytes (none of them the tag) and inflate them. */
static enum op_err
decrypt_some(struct codec *c, const unsigned char *data, size_t len)
{
	enum op_err	er;
	size_t		n;
	int		outl;

	while (len > 0) {
		n = len > CHUNK ? CHUNK : len;
		if (EVP_DecryptUpdate(c->aes, c->mid, &outl, data, (int)n) != 1)
			return OP_EINVAL;
		if ((er = inflate_some(c, c->mid, (size_t)outl)) != OP_OK)
			return er;
		data += n;
		len -= n;
	}
	return OP_OK;
}

/* The decoder's input: header first, the tag held back at the end. */
static enum op_err
decode(struct codec *c, const unsigned char *data, size_t len)
{
	enum op_err	er;
	size_t		n, total;
	int		aad;

	if (!c->crypt)
		return inflate_some(c, data, len);
	if (c->hlen < sizeof(c->head)) {
		n = sizeof(c->head) - c->hlen;
		n = n < len ? n : len;
		memcpy(c->head + c->hlen, data, n);
		c->hlen += n;
		data += n;
		len -= n;
		if (c->hlen < sizeof(c->head))
			return OP_OK;
		if (memcmp(c->head, MAGIC, MAGIC_LEN) != 0 ||
		    EVP_DecryptInit_ex(c->aes, EVP_aes_256_gcm(), NULL,
		    backup_key, c->head + MAGIC_LEN) != 1 ||
		    EVP_DecryptUpdate(c->aes, NULL, &aad, c->head,
		    MAGIC_LEN) != 1)
			return OP_EINVAL;
	}
	/* All but the last TAG_LEN bytes seen so far are ciphertext. */
	total = c->tlen + len;
	if (total <= TAG_LEN) {
		memcpy(c->tail + c->tlen, data, len);
		c->tlen = total;
		return OP_OK;
	}
	n = total - TAG_LEN;		/* to decrypt now */
	if (n <= c->tlen) {		/* only from the held-back bytes */
		if ((er = decrypt_some(c, c->tail, n)) != OP_OK)
			return er;
		memmove(c->tail, c->tail + n, c->tlen - n);
		memcpy(c->tail + c->tlen - n, data, len);
		c->tlen = TAG_LEN;
		return OP_OK;
	}
	if ((er = decrypt_some(c, c->tail, c->tlen)) != OP_OK ||
	    (er = decrypt_some(c, data, n - c->tlen)) != OP_OK)
		return er;
	memcpy(c->tail, data + (n - c->tlen), TAG_LEN);
	c->tlen = TAG_LEN;
	return OP_OK;
}

enum op_err
codec_write(void *p, const void *data, size_t len)
{
	struct codec	*c = p;

	if (c->encode)
		return deflate_some(c, data, len, Z_NO_FLUSH);
	EVP_DigestUpdate(c->sha, data, len);
	c->size += len;
	return decode(c, data, len);
}

static void
hex(const unsigned char *md, char out[65])
{
	static const char	digits[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[64] = '\0';
}

enum op_err
codec_finish(struct codec *c, char sha[65], uint64_t *size)
{
	unsigned char	md[32], tag[TAG_LEN];
	enum op_err	er;
	int		n = 0;

	if (c->encode) {
		if ((er = deflate_some(c, NULL, 0, Z_FINISH)) != OP_OK)
			return er;
		if (c->crypt && (EVP_EncryptFinal_ex(c->aes, c->mid, &n) != 1 ||
		    (er = stored(c, c->mid, (size_t)n)) != OP_OK ||
		    EVP_CIPHER_CTX_ctrl(c->aes, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
		    tag) != 1 || (er = stored(c, tag, TAG_LEN)) != OP_OK))
			return er != OP_OK ? er : OP_EINTERNAL;
	} else {
		if (c->crypt && (c->hlen < sizeof(c->head) ||
		    c->tlen != TAG_LEN || EVP_CIPHER_CTX_ctrl(c->aes,
		    EVP_CTRL_GCM_SET_TAG, TAG_LEN, c->tail) != 1 ||
		    EVP_DecryptFinal_ex(c->aes, c->mid, &n) != 1))
			return OP_EINVAL;	/* altered, or another key */
		if (!c->z_done)
			return OP_EINVAL;	/* cut short */
	}
	EVP_DigestFinal_ex(c->sha, md, NULL);
	hex(md, sha);
	*size = c->size;
	return OP_OK;
}

void
codec_free(struct codec *c)
{
	if (c == NULL)
		return;
	if (c->z_live) {
		if (c->encode)
			deflateEnd(&c->z);
		else
			inflateEnd(&c->z);
	}
	EVP_CIPHER_CTX_free(c->aes);
	EVP_MD_CTX_free(c->sha);
	op_wipe(c, sizeof(*c));
	free(c);
}

struct hasher {
	EVP_MD_CTX	*sha;
	uint64_t	 size;
};

enum op_err
hasher_new(struct hasher **out)
{
	struct hasher	*h;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return OP_ENOMEM;
	if ((h->sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->sha);
		free(h);
		return OP_ENOMEM;
	}
	*out = h;
	return OP_OK;
}

enum op_err
hasher_write(void *p, const void *data, size_t len)
{
	struct hasher	*h = p;

	EVP_DigestUpdate(h->sha, data, len);
	h->size += len;
	return OP_OK;
}

void
hasher_end(struct hasher *h, char sha[65], uint64_t *size)
{
	unsigned char	md[32];

	EVP_DigestFinal_ex(h->sha, md, NULL);
	hex(md, sha);
	*size = h->size;
	EVP_MD_CTX_free(h->sha);
	free(h);
}
