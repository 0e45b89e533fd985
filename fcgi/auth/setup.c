/*
 * setup.c — the first user: a one-time token minted at start-up while no
 * user exists, traded once for an instance admin account.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"

int
setup_token_mint(const char *path)
{
	struct op_db	*db = NULL;
	PGresult	*res = NULL;
	char		 raw[48], token[64], hash[65], conninfo[1024];
	int		 fd = -1, rc = 1;

	if (op_db_conninfo("auth", conninfo, sizeof(conninfo)) != OP_OK ||
	    op_db_open(conninfo, &db) != OP_OK ||
	    op_db_begin(db) != OP_OK ||
	    op_db_exec(db, &res, "SELECT EXISTS (SELECT 1 FROM auth.users)",
	    0, NULL) != OP_OK)
		goto out;
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		unlink(path);
		printf("setup already done: sign in with your account\n");
		rc = 0;
		goto out;
	}
	if (op_random_token(raw, sizeof(raw), 24) != OP_OK)
		goto out;
	snprintf(token, sizeof(token), "ops_%s", raw);
	op_sha256_hex(token, strlen(token), hash);
	if (op_db_execv(db, NULL, "INSERT INTO auth.setup (id, token_hash)"
	    " VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET token_hash = $1,"
	    " created_at = now()", hash) != OP_OK)
		goto out;
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    dprintf(fd, "%s\n", token) < 0 || fsync(fd) != 0) {
		op_error("setup token: %s: %s", path, strerror(errno));
		goto out;
	}
	if (op_db_commit(db) != OP_OK)
		goto out;
	printf("setup token: %s\n", token);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	op_wipe(raw, sizeof(raw));
	op_wipe(token, sizeof(token));
	PQclear(res);
	op_db_close(db);
	return rc;
}

static const struct op_field setup_fields[] = {
	{ "email", OP_FT_STRING, OP_FF_REQUIRED, 3, 254, op_valid_email },
	{ "password", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 10, 512,
	    op_valid_password },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 100, op_valid_name },
	{ "setup_token", OP_FT_STRING, OP_FF_REQUIRED | OP_FF_SECRET, 1, 128,
	    op_valid_text },
};

/* POST /api/auth/setup — the first user, an instance admin. */
enum op_err
setup_create(struct op_req *r)
{
	struct op_value	 v[nitems(setup_fields)];
	PGresult	*res = NULL;
	char		 pwhash[128], hash[65], *email;
	enum op_err	 er;

	if ((er = op_fields_body(r, setup_fields, nitems(setup_fields), v)) !=
	    OP_OK)
		return er;
	if ((email = str_lower(r, v[0].s)) == NULL)
		return OP_ENOMEM;
	op_sha256_hex(v[3].s, strlen(v[3].s), hash);
	if ((er = op_db_begin(r->db)) != OP_OK ||
	    (er = op_db_exec(r->db, NULL, "LOCK TABLE auth.setup IN EXCLUSIVE"
	    " MODE", 0, NULL)) != OP_OK ||
	    (er = op_db_exec(r->db, &res, "SELECT EXISTS (SELECT 1 FROM"
	    " auth.users), (SELECT token_hash FROM auth.setup)", 0, NULL)) !=
	    OP_OK)
		goto out;
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		er = op_fail(r, OP_ECONFLICT, "already_set_up",
		    "the panel already has users; sign in instead", NULL);
		goto out;
	}
	if (PQgetisnull(res, 0, 1) ||
	    !op_ct_equal(PQgetvalue(res, 0, 1), hash, 64)) {
		er = op_fail(r, OP_EFORBIDDEN, "invalid_setup_token",
		    "the setup token is wrong; it is in the data directory's "
		    "setup-token file", "setup_token");
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((er = op_password_hash(v[1].s, pwhash, sizeof(pwhash))) != OP_OK)
		goto out;
	if ((er = op_db_exec(r->db, NULL, "DELETE FROM auth.setup", 0,
	    NULL)) != OP_OK ||
	    (er = user_insert(r, email, v[2].s, pwhash, 1, "setup", &res)) !=
	    OP_OK || (er = op_db_commit(r->db)) != OP_OK)
		goto out;
	er = op_reply_row(r, 201, res, 0);
out:
	op_wipe(pwhash, sizeof(pwhash));
	PQclear(res);
	return er;
}
