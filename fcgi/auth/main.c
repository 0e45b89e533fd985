/*
 * op-auth — users, teams, sessions, API tokens, 2FA, settings, and the
 * auth_request check the gateway asks about every protected request.
 *
 *	op-auth serve		the FastCGI pool (OP_SOCKET, OP_WORKERS)
 *	op-auth work		the outbox relay
 *	op-auth migrate		apply sql/auth/ and exit
 *	op-auth setup-token FILE  mint the one-time setup token, if no user
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

static const struct op_route routes[] = {
	{ "GET",    "/internal/auth/check",		auth_check,	OP_R_PUBLIC | OP_R_INTERNAL },
	{ "GET",    "/api/health",			health_get,	OP_R_PUBLIC },
	{ "POST",   "/api/auth/setup",			setup_create,	OP_R_PUBLIC },
	{ "POST",   "/api/auth/login",			login,		OP_R_PUBLIC },
	{ "POST",   "/api/auth/refresh",		session_refresh, OP_R_PUBLIC },
	{ "POST",   "/api/auth/logout",			session_logout,	0 },
	{ "GET",    "/api/auth/me",			me_get,		0 },
	{ "POST",   "/api/auth/password",		me_password,	OP_R_SESSION },
	{ "POST",   "/api/auth/totp/setup",		totp_setup,	OP_R_SESSION },
	{ "POST",   "/api/auth/totp/enable",		totp_enable,	OP_R_SESSION },
	{ "POST",   "/api/auth/totp/disable",		totp_disable,	OP_R_SESSION },
	{ "GET",    "/api/users",			users_list,	OP_R_ADMIN },
	{ "POST",   "/api/users",			users_create,	OP_R_ADMIN },
	{ "GET",    "/api/users/:id",			users_get,	OP_R_ADMIN },
	{ "PATCH",  "/api/users/:id",			users_update,	OP_R_ADMIN },
	{ "DELETE", "/api/users/:id",			users_delete,	OP_R_ADMIN },
	{ "GET",    "/api/teams",			teams_list,	0 },
	{ "POST",   "/api/teams",			teams_create,	0 },
	{ "GET",    "/api/teams/:id",			teams_get,	0 },
	{ "PATCH",  "/api/teams/:id",			teams_update,	0 },
	{ "DELETE", "/api/teams/:id",			teams_delete,	0 },
	{ "GET",    "/api/teams/:id/members",		members_list,	0 },
	{ "PATCH",  "/api/teams/:id/members/:user_id",	members_update,	0 },
	{ "DELETE", "/api/teams/:id/members/:user_id",	members_delete,	0 },
	{ "GET",    "/api/teams/:id/invitations",	invitations_list, 0 },
	{ "POST",   "/api/teams/:id/invitations",	invitations_create, 0 },
	{ "DELETE", "/api/teams/:id/invitations/:invitation_id", invitations_delete, 0 },
	{ "POST",   "/api/invitations/:token/accept",	invitations_accept, 0 },
	{ "GET",    "/api/tokens",			tokens_list,	0 },
	{ "POST",   "/api/tokens",			tokens_create,	OP_R_SESSION },
	{ "DELETE", "/api/tokens/:id",			tokens_delete,	0 },
	{ "GET",    "/api/settings",			settings_get,	OP_R_ADMIN },
	{ "PUT",    "/api/settings",			settings_put,	OP_R_ADMIN },
};

static const struct op_service service = {
	"auth", "auth", routes, nitems(routes)
};

static volatile int	stop_relay;

static void
on_term(int sig)
{
	stop_relay = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: op-auth serve | work | migrate | "
	    "setup-token FILE\n");
	exit(2);
}

/* Load the keys every command needs; exit on a missing one. */
static void
keys_load(void)
{
	unsigned char	key[OP_KEY_LEN];

	if (op_key_load(op_config_get("OP_SECRET_KEY_FILE",
	    "/etc/openpanel/secret.key"), key) != OP_OK ||
	    op_secret_init(key) != OP_OK) {
		op_error("cannot load OP_SECRET_KEY_FILE");
		exit(1);
	}
	if (op_key_load(op_config_get("OP_JWT_KEY_FILE",
	    "/etc/openpanel/jwt.key"), key) != OP_OK ||
	    op_jwt_init(key, op_config_get("OP_JWT_ISSUER", "openpanel"),
	    "openpanel-api") != OP_OK) {
		op_error("cannot load OP_JWT_KEY_FILE");
		exit(1);
	}
	op_wipe(key, sizeof(key));
}

static int
cmd_migrate(void)
{
	struct op_db	*db = NULL;
	char		 dir[4096], conninfo[1024];
	enum op_err	 er;

	snprintf(dir, sizeof(dir), "%s/auth", op_config_get("OP_SQL_DIR",
	    "/usr/local/share/openpanel/sql"));
	if ((er = op_db_conninfo("auth", conninfo, sizeof(conninfo))) ==
	    OP_OK && (er = op_db_open(conninfo, &db)) == OP_OK)
		er = op_migrate(db, "auth", dir);
	op_db_close(db);
	return er == OP_OK ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct sigaction	sa;
	char			conninfo[1024];

	if (argc < 2)
		usage();
	op_log_init(strcmp(argv[1], "work") == 0 ? "auth-worker" : "auth",
	    OP_LOG_INFO);
	if (op_config_load(getenv("OP_CONFIG") ? getenv("OP_CONFIG") :
	    "/etc/openpanel/openpanel.conf") != OP_OK)
		return 1;
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate();
	if (strcmp(argv[1], "setup-token") == 0 && argc == 3)
		return setup_token_mint(argv[2]);
	keys_load();
	if (strcmp(argv[1], "serve") == 0) {
		if (op_password_init((unsigned)op_config_int(
		    "OP_HASH_SLOTS", 2, 1, 64)) != OP_OK)
			return 1;
		return op_pool_run(&service, op_config_get("OP_SOCKET", NULL),
		    (unsigned)op_config_int("OP_WORKERS", 4, 1, 256)) ==
		    OP_OK ? 0 : 1;
	}
	if (strcmp(argv[1], "work") == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		if (op_db_conninfo("auth", conninfo, sizeof(conninfo)) != OP_OK)
			return 1;
		return op_outbox_relay(conninfo, "auth",
		    op_config_get("OP_REDIS", "127.0.0.1:6379"),
		    &stop_relay) == OP_OK ? 0 : 1;
	}
	usage();
	return 2;
}
