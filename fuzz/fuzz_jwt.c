/*
 * fuzz_jwt.c — access tokens as a client presents them. The input is
 * tried as a token of its own, and as edits to a token the panel issued
 * (pairs of a position and a byte). Whatever comes in: the answer is
 * OP_OK or OP_EUNAUTH, and a token that verifies carries claims that
 * were signed — an edited token never verifies with other claims than
 * the issued one's, and no token of the fuzzer's own making verifies.
 */
#include "fuzz.h"

#include "openpanel.h"

#define NOW	1900000000LL	/* a fixed clock: runs repeat exactly */
#define SUB	"0b4f6a52-2c39-4a36-9d5e-6f0c1d8e2a17"
#define SID	"5d0c7f1e-8b3a-4c2d-a1e9-3f6b2d4c8e90"

static char	*issued;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char	key[OP_KEY_LEN];

	(void)argc;
	(void)argv;
	memset(key, 0x5a, sizeof(key));
	if (op_jwt_init(key, "openpanel", "openpanel-api") != OP_OK ||
	    op_jwt_issue(SUB, SID, NOW, 900, &issued) != OP_OK)
		abort();
	return 0;
}

/* The issued token with the input's (position, byte) pairs applied. */
static char *
edited(const uint8_t *data, size_t size)
{
	char	*t = strdup(issued);
	size_t	 n = strlen(issued), i;

	if (t == NULL)
		abort();
	for (i = 0; i + 1 < size; i += 2)
		if (data[i + 1] != '\0')
			t[data[i] % n] = (char)data[i + 1];
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct op_claims	 c;
	char			*own, *t;
	enum op_err		 er;

	if ((own = strndup((const char *)data, size)) == NULL)
		abort();
	er = op_jwt_verify(own, NOW, &c);
	FUZZ_ASSERT(er == OP_EUNAUTH || (er == OP_OK &&
	    strcmp(own, issued) == 0));
	free(own);

	t = edited(data, size);
	er = op_jwt_verify(t, NOW, &c);
	FUZZ_ASSERT(er == OP_OK || er == OP_EUNAUTH);
	if (er == OP_OK)
		FUZZ_ASSERT(strcmp(c.sub, SUB) == 0 &&
		    strcmp(c.sid, SID) == 0 && c.iat == NOW &&
		    c.exp == NOW + 900);
	free(t);
	return 0;
}
