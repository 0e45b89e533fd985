/*
 * fuzz_codec.c — backup archives as storage hands them back, and as the
 * panel writes them. The input's first byte sets the piece size the
 * decoder is fed in and, with the second, where one byte of an archive
 * is changed; the rest is the data. Whatever comes in:
 * - read as an encrypted archive it never decodes (no tag is forged),
 *   and read as a plain one it decodes or is refused, cleanly;
 * - encoded, encrypted or not, it decodes to itself, with the same
 *   SHA-256 and size on both sides;
 * - an encrypted archive with one byte changed never decodes.
 */
#include <unistd.h>

#include "fuzz.h"

#include "backups.h"

#define OUT_MAX	(8 * 1024 * 1024)	/* a sink's most: gzip bombs stop */

struct sink {
	unsigned char	*buf;
	size_t		 len, cap;
};

static enum op_err
sink_write(void *arg, const void *data, size_t len)
{
	struct sink	*s = arg;
	size_t		 cap;

	if (len == 0)
		return OP_OK;
	if (len > OUT_MAX - s->len)
		return OP_ETOOLARGE;
	if (s->len + len > s->cap) {
		cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		if ((s->buf = realloc(s->buf, cap)) == NULL)
			abort();
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return OP_OK;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	path[] = "/tmp/fuzz_codec.XXXXXX";
	int	fd;

	(void)argc;
	(void)argv;
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, "0123456789abcdef0123456789abcdef", 32) != 32)
		abort();
	close(fd);
	setenv("OP_BACKUP_KEY_FILE", path, 1);
	if (codec_init() != OP_OK)
		abort();
	unlink(path);
	return 0;
}

/* Decode data (len bytes, fed step at a time) into out: the finish's
 * answer, or the first write's failure. */
static enum op_err
decode(int crypt, const unsigned char *data, size_t len, size_t step,
    struct sink *out, char sha[65], uint64_t *size)
{
	struct codec	*c;
	size_t		 at, n;
	enum op_err	 er;

	FUZZ_ASSERT(codec_dec_new(crypt, sink_write, out, &c) == OP_OK);
	for (er = OP_OK, at = 0; er == OP_OK && at < len; at += n) {
		n = len - at < step ? len - at : step;
		er = codec_write(c, data + at, n);
	}
	if (er == OP_OK)
		er = codec_finish(c, sha, size);
	codec_free(c);
	FUZZ_ASSERT(er == OP_OK || er == OP_EINVAL || er == OP_ETOOLARGE);
	return er;
}

static void
encode(int crypt, const unsigned char *data, size_t len, struct sink *out,
    char sha[65], uint64_t *size)
{
	struct codec	*c;

	FUZZ_ASSERT(codec_enc_new(crypt, sink_write, out, &c) == OP_OK);
	FUZZ_ASSERT(codec_write(c, data, len) == OP_OK);
	FUZZ_ASSERT(codec_finish(c, sha, size) == OP_OK);
	codec_free(c);
}

/* Encode data, decode it back, then change one byte and decode again. */
static void
round_trip(int crypt, const unsigned char *data, size_t len, size_t step,
    unsigned where)
{
	struct sink	 stored = { 0 }, back = { 0 }, bad = { 0 };
	char		 sha1[65], sha2[65];
	uint64_t	 size1, size2;

	encode(crypt, data, len, &stored, sha1, &size1);
	FUZZ_ASSERT(size1 == stored.len);
	FUZZ_ASSERT(decode(crypt, stored.buf, stored.len, step, &back, sha2,
	    &size2) == OP_OK);
	FUZZ_ASSERT(back.len == len && (len == 0 ||
	    memcmp(back.buf, data, len) == 0));
	FUZZ_ASSERT(strcmp(sha1, sha2) == 0 && size1 == size2);
	if (crypt) {
		stored.buf[where % stored.len] ^= (unsigned char)(where >> 8 |
		    1);
		FUZZ_ASSERT(decode(1, stored.buf, stored.len, step, &bad,
		    sha2, &size2) != OP_OK);
	}
	free(stored.buf);
	free(back.buf);
	free(bad.buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink	 out = { 0 };
	char		 sha[65];
	uint64_t	 n;
	size_t		 step;
	unsigned	 where;

	if (size < 2)
		return 0;
	step = (size_t)data[0] * 37 % 4096 + 1;
	where = (unsigned)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	FUZZ_ASSERT(decode(1, data, size, step, &out, sha, &n) != OP_OK);
	out.len = 0;
	(void)decode(0, data, size, step, &out, sha, &n);
	free(out.buf);
	round_trip(0, data, size, step, where);
	round_trip(1, data, size, step, where);
	return 0;
}
