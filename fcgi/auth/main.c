/*
 * op-auth — users, teams, sessions, API tokens, 2FA, settings, and the
 * auth_request check the gateway asks about every protected request.
 *
 *	op-auth serve		the FastCGI pool (OP_SOCKET, OP_WORKERS)
 *	op-auth work		the outbox relay
 *	op-auth migrate		apply sql/auth/ and exit
 *	op-auth setup-token FILE  mint the one-time setup token, if no user
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

static const struct op_route routes[] = {
	{ "GET",    "/internal/auth/check",		auth_check,	OP_R_PUBLIC | OP_R_INTERNAL },
	{ "GET",    "/api/health",			health_get,	OP_R_PUBLIC },
	{ "POST",   "/api/auth/setup",			setup_create,	OP_R_PUBLIC },
	{ "POST",   "/api/auth/login",			login,		OP_R_PUBLIC },
	{ "POST",   "/api/auth/refresh",		session_refresh, OP_R_PUBLIC },
	{ "GET",    "/api/auth/signup",			signup_get,	OP_R_PUBLIC },
	{ "POST",   "/api/auth/signup",			signup_create,	OP_R_PUBLIC },
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
	{ "POST",   "/api/invitations/:token/accept",	invitations_accept, OP_R_SECRET_PATH },
	{ "GET",    "/api/tokens",			tokens_list,	0 },
	{ "POST",   "/api/tokens",			tokens_create,	OP_R_SESSION },
	{ "DELETE", "/api/tokens/:id",			tokens_delete,	0 },
	{ "GET",    "/api/settings",			settings_get,	OP_R_ADMIN },
	{ "PUT",    "/api/settings",			settings_put,	OP_R_ADMIN },
};

/* op-auth setup-token FILE */
static int
command(int argc, char *argv[])
{
	if (strcmp(argv[1], "setup-token") != 0)
		return -1;
	if (argc != 3) {
		fprintf(stderr, "usage: op-auth setup-token FILE\n");
		return 2;
	}
	return setup_token_mint(argv[2]);
}

static const struct op_service service = {
	.name = "auth",
	.schema = "auth",
	.routes = routes,
	.nroutes = nitems(routes),
	.needs = OP_SVC_JWT | OP_SVC_PASSWORDS,
	.command = command,
	.usage = "setup-token FILE",
};

int
main(int argc, char *argv[])
{
	return op_service_main(&service, argc, argv);
}
