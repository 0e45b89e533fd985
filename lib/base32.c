/*
 * base32.c — RFC 4648 base32, as authenticator apps read TOTP seeds.
 */
#include <limits.h>
#include <string.h>

#include "openpanel.h"

static const char	 b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int	 b32_value(char);

/*
 * Encode len bytes of in as upper-case base32 without padding, NUL
 * terminated, into out. Return the characters written (without the NUL),
 * or -1 when out cannot hold them and the NUL; out is untouched then.
 */
ssize_t
op_base32_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	uint32_t	 acc = 0;
	size_t		 need, i, o = 0;
	int		 bits = 0;
	ssize_t		 r = -1;

	if (len > SSIZE_MAX / 8 - 1 || (in == NULL && len > 0) || out == NULL)
		goto out;
	need = (len * 8 + 4) / 5;
	if (outsz < need + 1)
		goto out;
	for (i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xfff;	/* at most 12 bits live */
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 0x1f];
		}
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 0x1f];
	out[o] = '\0';
	r = (ssize_t)o;
out:
	return r;
}

/*
 * Decode the NUL-terminated base32 string in (either case; '=' allowed
 * only as trailing padding) into out. Return the bytes written, or -1 for
 * any other character, a length no encoder produces, or an out too small;
 * out is untouched then. Leftover bits in the last character are ignored.
 */
ssize_t
op_base32_decode(const char *in, unsigned char *out, size_t outsz)
{
	uint32_t	 acc = 0;
	size_t		 len, need, i, o = 0;
	int		 bits = 0;
	ssize_t		 r = -1;

	if (in == NULL)
		goto out;
	len = strlen(in);
	while (len > 0 && in[len - 1] == '=')
		len--;
	/* 1, 3 or 6 characters past a multiple of 8 encode no whole byte. */
	if (len % 8 == 1 || len % 8 == 3 || len % 8 == 6)
		goto out;
	need = len / 8 * 5 + (len % 8) * 5 / 8;
	if (need > 0 && (out == NULL || outsz < need))
		goto out;
	/* Validate everything before writing anything. */
	for (i = 0; i < len; i++)
		if (b32_value(in[i]) == -1)
			goto out;
	for (i = 0; i < len; i++) {
		acc = (acc << 5 | (uint32_t)b32_value(in[i])) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	r = (ssize_t)o;
out:
	return r;
}

/* The 5-bit value of base32 character c, or -1. */
static int
b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}
