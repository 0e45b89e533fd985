/*
 * x509.c — what a certificate says of itself: validity, issuer, serial.
 */
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "infra.h"

/* An ASN.1 time as RFC 3339 UTC in out[32]. */
static enum op_err
time_text(const ASN1_TIME *t, char out[32])
{
	struct tm	tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return OP_EINVAL;
	return OP_OK;
}

/* The first certificate of pem (the leaf of a chain) into *out. */
enum op_err
cert_info_parse(const char *pem, struct cert_info *out)
{
	struct cert_info ci;
	BIO		*bio;
	X509		*x = NULL;
	BIGNUM		*bn = NULL;
	char		*hex = NULL;
	enum op_err	 er = OP_EINVAL;

	memset(out, 0, sizeof(*out));
	memset(&ci, 0, sizeof(ci));
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return OP_ENOMEM;
	if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		goto out;
	if (time_text(X509_get0_notBefore(x), ci.not_before) != OP_OK ||
	    time_text(X509_get0_notAfter(x), ci.not_after) != OP_OK)
		goto out;
	if (X509_NAME_get_text_by_NID(X509_get_issuer_name(x),
	    NID_commonName, ci.issuer, sizeof(ci.issuer)) < 0)
		X509_NAME_oneline(X509_get_issuer_name(x), ci.issuer,
		    sizeof(ci.issuer));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL || (hex = BN_bn2hex(bn)) == NULL ||
	    strlen(hex) >= sizeof(ci.serial))
		goto out;
	memcpy(ci.serial, hex, strlen(hex) + 1);
	*out = ci;
	er = OP_OK;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	BIO_free(bio);
	return er;
}
