/*
 * test_crypto.c — crypto.c, secret.c and password.c: hostile cases first.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "openpanel.h"

#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char	*hexkey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static char	 tmpdir[64];

/* ------------------------------------------------------------ helpers */

static void
tmp_setup(void)
{
	const char	*t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/opcrypto.XXXXXX",
	    t != NULL && strlen(t) < 40 ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	char	 path[128];
	int	 i;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path), "%s/k%d", tmpdir, i);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* Write len bytes to a new file in tmpdir; return its path (static). */
static const char *
keyfile(const void *data, size_t len)
{
	static char	 path[128];
	static int	 seq;
	int		 fd;

	snprintf(path, sizeof(path), "%s/k%d", tmpdir, seq++);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
key_fill(unsigned char key[OP_KEY_LEN], unsigned char v)
{
	memset(key, v, OP_KEY_LEN);
}

static int
all_zero(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
secret_setup_key(unsigned char v)
{
	unsigned char	 key[OP_KEY_LEN];

	key_fill(key, v);
	ck_assert_int_eq(op_secret_init(key), OP_OK);
}

/* Seal plain under the current key; the test frees the result. */
static char *
seal(const char *plain)
{
	char	*s = NULL;

	ck_assert_int_eq(op_secret_seal(plain, strlen(plain), &s), OP_OK);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void
open_fails(const char *sealed, enum op_err want)
{
	unsigned char	*p = (unsigned char *)"x";
	size_t		 n = 7;

	ck_assert_int_eq(op_secret_open(sealed, &p, &n), want);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
}

/* ------------------------------------------------------------ key files */

START_TEST(key_load_hostile)
{
	unsigned char	 key[OP_KEY_LEN], raw[80];
	char		 hex[80];
	struct {
		const char	*what;
		const char	*data;
		size_t		 len;
	} bad[] = {
		{ "empty", "", 0 },
		{ "31 raw bytes", "0123456789012345678901234567890", 31 },
		{ "33 raw bytes", "012345678901234567890123456789012", 33 },
		{ "63 hex", hexkey, 63 },
		{ "64 non-hex", "zz0102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f", 64 },
		{ "hex with a space", "00 102030405060708090a0b0c0d0e0f"
		    "101112131415161718191a1b1c1d1e1f", 64 },
	};
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		key_fill(key, 0xaa);
		ck_assert_msg(op_key_load(keyfile(bad[i].data, bad[i].len),
		    key) == OP_EINVAL, "%s", bad[i].what);
		ck_assert_msg(all_zero(key, sizeof(key)), "%s", bad[i].what);
	}

	/* 64 hex digits and anything but one newline. */
	snprintf(hex, sizeof(hex), "%s\r\n", hexkey);
	ck_assert_int_eq(op_key_load(keyfile(hex, 66), key), OP_EINVAL);
	snprintf(hex, sizeof(hex), "%s\n\n", hexkey);
	ck_assert_int_eq(op_key_load(keyfile(hex, 66), key), OP_EINVAL);
	snprintf(hex, sizeof(hex), "%sx", hexkey);
	ck_assert_int_eq(op_key_load(keyfile(hex, 65), key), OP_EINVAL);
	snprintf(hex, sizeof(hex), "%s00", hexkey);
	ck_assert_int_eq(op_key_load(keyfile(hex, 66), key), OP_EINVAL);
	/* Oversize files. */
	memset(raw, 'a', sizeof(raw));
	ck_assert_int_eq(op_key_load(keyfile(raw, sizeof(raw)), key),
	    OP_EINVAL);
	ck_assert_int_eq(op_key_load(keyfile(raw, 64), key), OP_OK);

	key_fill(key, 0xaa);
	ck_assert_int_eq(op_key_load(tmpdir, key), OP_EINVAL);	/* a dir */
	ck_assert(all_zero(key, sizeof(key)));
	key_fill(key, 0xaa);
	ck_assert_int_eq(op_key_load("/nonexistent/key", key), OP_EIO);
	ck_assert(all_zero(key, sizeof(key)));
	ck_assert_int_eq(op_key_load(NULL, key), OP_EINVAL);
}
END_TEST

START_TEST(key_load_good)
{
	unsigned char	 key[OP_KEY_LEN], want[OP_KEY_LEN];
	char		 hex[80];
	size_t		 i;

	for (i = 0; i < OP_KEY_LEN; i++)
		want[i] = (unsigned char)i;

	ck_assert_int_eq(op_key_load(keyfile(want, OP_KEY_LEN), key), OP_OK);
	ck_assert_mem_eq(key, want, OP_KEY_LEN);

	memset(key, 0, sizeof(key));
	ck_assert_int_eq(op_key_load(keyfile(hexkey, 64), key), OP_OK);
	ck_assert_mem_eq(key, want, OP_KEY_LEN);

	memset(key, 0, sizeof(key));
	snprintf(hex, sizeof(hex), "%s\n", hexkey);
	ck_assert_int_eq(op_key_load(keyfile(hex, 65), key), OP_OK);
	ck_assert_mem_eq(key, want, OP_KEY_LEN);

	/* Upper-case hex too. */
	memset(key, 0, sizeof(key));
	for (i = 0; i < 64; i++)
		hex[i] = (char)(hexkey[i] >= 'a' ? hexkey[i] - 32 : hexkey[i]);
	ck_assert_int_eq(op_key_load(keyfile(hex, 64), key), OP_OK);
	ck_assert_mem_eq(key, want, OP_KEY_LEN);

	/* 32 raw bytes that happen to end in a newline are still raw. */
	want[31] = '\n';
	ck_assert_int_eq(op_key_load(keyfile(want, OP_KEY_LEN), key), OP_OK);
	ck_assert_mem_eq(key, want, OP_KEY_LEN);
}
END_TEST

/* ------------------------------------------------------------ random */

START_TEST(random_token_hostile)
{
	char	 out[64];

	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(op_random_token(out, sizeof(out), 0), OP_EINVAL);
	ck_assert_str_eq(out, "");
	/* 32 bytes need 43 characters and a NUL. */
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(op_random_token(out, 43, 32), OP_EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(op_random_token(out, sizeof(out), 257), OP_EINVAL);
	ck_assert_int_eq(op_random_token(NULL, 64, 16), OP_EINVAL);
	ck_assert_int_eq(op_random_token(out, 0, 16), OP_EINVAL);
}
END_TEST

START_TEST(random_token_good)
{
	char	 a[80], b[80], big[400];
	size_t	 n, i;

	for (n = 1; n <= 48; n++) {
		/* The header's bound on outsz is enough. */
		ck_assert_int_eq(op_random_token(a, 4 * n / 3 + 2, n), OP_OK);
		ck_assert_uint_eq(strlen(a), (4 * n + 2) / 3);
		for (i = 0; a[i] != '\0'; i++)
			ck_assert_ptr_nonnull(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	}
	ck_assert_int_eq(op_random_token(a, 44, 32), OP_OK);
	ck_assert_int_eq(op_random_token(b, 44, 32), OP_OK);
	ck_assert_uint_eq(strlen(a), 43);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(op_random_token(big, sizeof(big), 256), OP_OK);
	ck_assert_uint_eq(strlen(big), 342);
}
END_TEST

START_TEST(random_fills)
{
	unsigned char	 a[1024], b[1024];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(op_random(a, sizeof(a)), OP_OK);
	ck_assert_int_eq(op_random(b, sizeof(b)), OP_OK);
	ck_assert(!all_zero(a + sizeof(a) - 16, 16));
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert_int_eq(op_random(a, 0), OP_OK);
}
END_TEST

/* ------------------------------------------------------------ compare, hash */

START_TEST(ct_equal)
{
	unsigned char	 a[33], b[33];

	memset(a, 7, sizeof(a));
	memset(b, 7, sizeof(b));
	ck_assert_int_eq(op_ct_equal(a, b, sizeof(a)), 1);
	b[0] ^= 1;
	ck_assert_int_eq(op_ct_equal(a, b, sizeof(a)), 0);
	b[0] ^= 1;
	b[32] ^= 0x80;
	ck_assert_int_eq(op_ct_equal(a, b, sizeof(a)), 0);
	ck_assert_int_eq(op_ct_equal(a, b, 32), 1);
	ck_assert_int_eq(op_ct_equal(a, b, 0), 1);
}
END_TEST

START_TEST(sha256_vectors)
{
	char	 out[65];

	op_sha256_hex("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	op_sha256_hex("", 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	op_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, out);
	ck_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

static void
hex_of(const unsigned char *p, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

START_TEST(hmac_rfc4231)
{
	unsigned char	 mac[32], key[131];
	char		 hex[65];

	/* Test case 2: a key shorter than the output. */
	op_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	hex_of(mac, 32, hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");

	/* Test case 1. */
	memset(key, 0x0b, 20);
	op_hmac_sha256(key, 20, "Hi There", 8, mac);
	hex_of(mac, 32, hex);
	ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");

	/* Test case 6: a key longer than the block is hashed first. */
	memset(key, 0xaa, 131);
	op_hmac_sha256(key, 131,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
	hex_of(mac, 32, hex);
	ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");

	/* An empty key is a key, not "the previous one". */
	op_hmac_sha256(NULL, 0, "", 0, mac);
	hex_of(mac, 32, hex);
	ck_assert_str_eq(hex, "b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
}
END_TEST

START_TEST(wipe)
{
	unsigned char	 buf[40];

	memset(buf, 0x5a, sizeof(buf));
	op_wipe(buf, sizeof(buf));
	ck_assert(all_zero(buf, sizeof(buf)));
	op_wipe(NULL, 10);
}
END_TEST

/* ------------------------------------------------------------ secret box */

START_TEST(secret_before_init)
{
	char	*s = (char *)"x";

	ck_assert_int_eq(op_secret_seal("a", 1, &s), OP_EINTERNAL);
	ck_assert_ptr_null(s);
	open_fails("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", OP_EINTERNAL);
}
END_TEST

START_TEST(secret_open_garbage)
{
	char	*s, *t;
	size_t	 n;

	secret_setup_key(1);
	s = seal("hunter2");
	n = strlen(s);

	open_fails(NULL, OP_EINVAL);
	open_fails("", OP_EINVAL);
	open_fails("v1", OP_EINVAL);
	open_fails("v1.", OP_EINVAL);
	open_fails("v1.!!!!", OP_EINVAL);
	open_fails("v1.AAAA", OP_EINVAL);		/* too short */
	/* 27 bytes: one short of nonce and tag. */
	open_fails("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", OP_EINVAL);
	open_fails("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", OP_EINVAL);

	t = strdup(s);
	t[1] = '2';				/* v2. */
	open_fails(t, OP_EINVAL);
	t[1] = '1';
	t[0] = 'V';				/* V1. */
	open_fails(t, OP_EINVAL);
	t[0] = 'v';
	t[2] = ':';
	open_fails(t, OP_EINVAL);
	free(t);

	/* Padding, standard base64 and stray characters are all refused. */
	t = malloc(n + 3);
	snprintf(t, n + 3, "%s=", s);
	open_fails(t, OP_EINVAL);
	snprintf(t, n + 3, "%s\n", s);
	open_fails(t, OP_EINVAL);
	snprintf(t, n + 3, " %s", s);
	open_fails(t, OP_EINVAL);
	snprintf(t, n + 3, "%sA", s);
	open_fails(t, OP_EINVAL);
	snprintf(t, n + 3, "%s", s);
	t[n / 2] = '+';
	open_fails(t, OP_EINVAL);
	snprintf(t, n + 3, "%s", s);
	t[n - 1] = '\0';			/* truncated */
	open_fails(t, OP_EINVAL);
	free(t);
	free(s);
}
END_TEST

START_TEST(secret_open_tampered)
{
	unsigned char	 raw[64];
	char		 text[128], *s;
	size_t		 rawlen, i;
	unsigned char	*p;
	size_t		 plen;

	secret_setup_key(1);
	s = seal("hunter2");
	ck_assert_int_eq(sodium_base642bin(raw, sizeof(raw), s + 3,
	    strlen(s + 3), NULL, &rawlen, NULL, B64), 0);
	ck_assert_uint_eq(rawlen, 12 + 7 + 16);

	/* Every byte: nonce, ciphertext and tag. */
	for (i = 0; i < rawlen; i++) {
		raw[i] ^= 0x01;
		memcpy(text, "v1.", 3);
		sodium_bin2base64(text + 3, sizeof(text) - 3, raw, rawlen, B64);
		open_fails(text, OP_EINVAL);
		raw[i] ^= 0x01;
	}
	/* Cut the tag short by one byte. */
	sodium_bin2base64(text + 3, sizeof(text) - 3, raw, rawlen - 1, B64);
	open_fails(text, OP_EINVAL);

	/* Untouched it still opens: the loop above tested something. */
	sodium_bin2base64(text + 3, sizeof(text) - 3, raw, rawlen, B64);
	ck_assert_int_eq(op_secret_open(text, &p, &plen), OP_OK);
	ck_assert_str_eq((char *)p, "hunter2");
	op_wipe(p, plen);
	free(p);
	free(s);
}
END_TEST

START_TEST(secret_wrong_key)
{
	char	*s;

	secret_setup_key(1);
	s = seal("hunter2");
	secret_setup_key(2);
	open_fails(s, OP_EINVAL);
	free(s);
}
END_TEST

START_TEST(secret_too_large)
{
	unsigned char	*big;
	char		*s = (char *)"x";
	unsigned char	*p;
	size_t		 n;

	secret_setup_key(1);
	big = calloc(1, 1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(op_secret_seal(big, 1024 * 1024 + 1, &s), OP_EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(op_secret_seal(NULL, 1, &s), OP_EINVAL);
	ck_assert_int_eq(op_secret_seal("a", 1, NULL), OP_EINVAL);

	/* Exactly 1 MiB is fine, and opens. */
	big[0] = 'A';
	big[1024 * 1024 - 1] = 'Z';
	ck_assert_int_eq(op_secret_seal(big, 1024 * 1024, &s), OP_OK);
	ck_assert_int_eq(op_secret_open(s, &p, &n), OP_OK);
	ck_assert_uint_eq(n, 1024 * 1024);
	ck_assert_mem_eq(p, big, n);
	ck_assert_int_eq(p[n], '\0');
	free(p);

	/* A sealed text past the longest legal one is refused unread. */
	s = realloc(s, 2 * 1024 * 1024);
	memset(s + 3, 'A', 2 * 1024 * 1024 - 4);
	s[2 * 1024 * 1024 - 1] = '\0';
	open_fails(s, OP_EINVAL);
	free(s);
	free(big);
}
END_TEST

START_TEST(secret_roundtrip)
{
	static const unsigned char	 bin[] = { 0, 1, 2, 0, 255, 0 };
	char				*s, *t;
	unsigned char			*p;
	size_t				 n;

	secret_setup_key(1);
	s = seal("correct horse battery staple");
	ck_assert(strncmp(s, "v1.", 3) == 0);
	ck_assert(strpbrk(s + 3, "+/=.") == NULL);
	ck_assert_int_eq(op_secret_open(s, &p, &n), OP_OK);
	ck_assert_uint_eq(n, 28);
	ck_assert_str_eq((char *)p, "correct horse battery staple");
	op_wipe(p, n);
	free(p);

	/* A fresh nonce each time. */
	t = seal("correct horse battery staple");
	ck_assert_str_ne(s, t);
	free(s);
	free(t);

	/* Empty and binary plaintexts. */
	ck_assert_int_eq(op_secret_seal("", 0, &s), OP_OK);
	ck_assert_int_eq(op_secret_open(s, &p, &n), OP_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(p[0], '\0');
	free(p);
	free(s);
	ck_assert_int_eq(op_secret_seal(bin, sizeof(bin), &s), OP_OK);
	ck_assert_int_eq(op_secret_open(s, &p, &n), OP_OK);
	ck_assert_uint_eq(n, sizeof(bin));
	ck_assert_mem_eq(p, bin, n);
	free(p);
	free(s);
}
END_TEST

/* ------------------------------------------------------------ passwords */

START_TEST(password_hostile)
{
	char	 big[1100], out[128], small[127];

	memset(big, 'a', sizeof(big));
	big[1025] = '\0';
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(op_password_hash(big, out, sizeof(out)), OP_EINVAL);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(op_password_hash("pw", small, sizeof(small)),
	    OP_EINVAL);
	ck_assert_int_eq(op_password_hash(NULL, out, sizeof(out)), OP_EINVAL);
	ck_assert_int_eq(op_password_hash("pw", NULL, 128), OP_EINVAL);

	ck_assert_int_eq(op_password_verify(NULL, "pw"), OP_EINVAL);
	ck_assert_int_eq(op_password_verify("$argon2id$", NULL), OP_EINVAL);
	ck_assert_int_eq(op_password_init(0), OP_EINVAL);
	ck_assert_int_eq(op_password_init(65), OP_EINVAL);
}
END_TEST

START_TEST(password_malformed_hash)
{
	char		 h[128], t[300];
	const char	*bad[] = {
		"",
		"garbage",
		"$argon2id$",
		"$argon2id$v=19$m=65536,t=2,p=1$",
		"$argon2id$v=19$m=abc,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=65536,t=2,p=1$!!!!$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2x$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$2b$12$abcdefghijklmnopqrstuuJ0N0pC2x1b4uG1QeqgXq3d2bq0zNlS",
	};
	size_t		 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(op_password_verify(bad[i], "pw") == OP_EINVAL,
		    "%s", bad[i]);

	ck_assert_int_eq(op_password_hash("pw", h, sizeof(h)), OP_OK);
	/* Cut after the salt, and overlong (no NUL within 128 bytes). */
	snprintf(t, sizeof(t), "%.*s", (int)(strrchr(h, '$') - h), h);
	ck_assert_int_eq(op_password_verify(t, "pw"), OP_EINVAL);
	memset(t, 'A', sizeof(t) - 1);
	t[sizeof(t) - 1] = '\0';
	memcpy(t, h, strlen(h));
	ck_assert_int_eq(op_password_verify(t, "pw"), OP_EINVAL);
}
END_TEST

START_TEST(password_roundtrip)
{
	char	 h1[128], h2[128], big[1025];

	ck_assert_int_eq(op_password_hash("correct horse", h1, sizeof(h1)),
	    OP_OK);
	ck_assert(strncmp(h1, "$argon2id$", 10) == 0);
	ck_assert(strstr(h1, "m=65536,t=2,p=1") != NULL);
	ck_assert_int_eq(op_password_verify(h1, "correct horse"), OP_OK);
	ck_assert_int_eq(op_password_verify(h1, "correct horsf"), OP_EUNAUTH);
	ck_assert_int_eq(op_password_verify(h1, ""), OP_EUNAUTH);
	ck_assert_int_eq(op_password_verify(h1, "correct horse "), OP_EUNAUTH);

	/* Salted: the same password hashes differently. */
	ck_assert_int_eq(op_password_hash("correct horse", h2, sizeof(h2)),
	    OP_OK);
	ck_assert_str_ne(h1, h2);

	/* 1024 bytes is the longest accepted; 1025 is refused on verify. */
	memset(big, 'p', 1024);
	big[1024] = '\0';
	ck_assert_int_eq(op_password_hash(big, h1, sizeof(h1)), OP_OK);
	ck_assert_int_eq(op_password_verify(h1, big), OP_OK);
	{
		char	 over[1026];

		memset(over, 'p', 1025);
		over[1025] = '\0';
		ck_assert_int_eq(op_password_verify(h1, over), OP_EINVAL);
	}
}
END_TEST

/*
 * With one slot: a child holding it makes us wait a second and give up;
 * once the child is killed mid-hash, its slot is reclaimed.
 */
START_TEST(password_gate)
{
	/* Parses, but costs minutes: the child is killed long before. */
	static const char	*slow = "$argon2id$v=19$m=65536,t=10000,p=1$"
	    "c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char			 h[128];
	struct timespec		 t0, t1, nap = { 0, 300000000L };
	long			 ms;
	pid_t			 pid;
	int			 status, i;

	ck_assert_int_eq(op_password_init(1), OP_OK);
	ck_assert_int_eq(op_password_init(1), OP_EINVAL);
	/* Sequential hashes give their slot back. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(op_password_hash("pw", h, sizeof(h)), OP_OK);
	ck_assert_int_eq(op_password_verify(h, "pw"), OP_OK);
	ck_assert_int_eq(op_password_verify(h, "px"), OP_EUNAUTH);

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)op_password_verify(slow, "pw");
		_exit(0);
	}
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(op_password_hash("pw", h, sizeof(h)), OP_EUNAVAIL);
	ck_assert_str_eq(h, "");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 990);
	ck_assert_int_lt(ms, 3000);

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(op_password_hash("pw", h, sizeof(h)), OP_OK);
	ck_assert_int_eq(op_password_hash("pw", h, sizeof(h)), OP_OK);
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

	s = suite_create("crypto");
	sr = srunner_create(s);

	/*
	 * These need a fresh process each (no key set, no gate yet); under
	 * CK_FORK=no they would see other tests' state, so they are left out.
	 */
	if (srunner_fork_status(sr) != CK_NOFORK) {
		tc = tcase_create("isolated");
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, secret_before_init);
		tcase_add_test(tc, password_gate);
		suite_add_tcase(s, tc);
	}

	tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, key_load_hostile);
	tcase_add_test(tc, key_load_good);
	suite_add_tcase(s, tc);

	tc = tcase_create("primitives");
	tcase_add_test(tc, random_token_hostile);
	tcase_add_test(tc, random_token_good);
	tcase_add_test(tc, random_fills);
	tcase_add_test(tc, ct_equal);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, wipe);
	suite_add_tcase(s, tc);

	tc = tcase_create("secret");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, secret_open_garbage);
	tcase_add_test(tc, secret_open_tampered);
	tcase_add_test(tc, secret_wrong_key);
	tcase_add_test(tc, secret_too_large);
	tcase_add_test(tc, secret_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("password");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, password_hostile);
	tcase_add_test(tc, password_malformed_hash);
	tcase_add_test(tc, password_roundtrip);
	suite_add_tcase(s, tc);

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
