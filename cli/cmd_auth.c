/*
 * cmd_auth.c — signing in and out: `opctl login` opens a session (email,
 * password, the second factor when the account has one) or keeps an API
 * token, in the config file (mode 0600); `opctl logout` ends the session
 * and forgets the credentials; `opctl whoami` says who they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

#define SECRET_MAX	1100	/* a password (1024) or a token, and slack */

static opctl_cmd_run	cmd_login, cmd_logout, cmd_whoami;

const struct opctl_cmd opctl_auth_cmds[] = {
	{ "login", NULL, cmd_login, "login [--url URL] [--email EMAIL]"
	    " [--password-stdin] [--totp CODE]", "sign in (a session)" },
	{ "login", NULL, cmd_login, "login [--url URL] --token-stdin",
	    "use an API token" },
	{ "logout", NULL, cmd_logout, "logout", "end the session, forget"
	    " the credentials" },
	{ "whoami", NULL, cmd_whoami, "whoami", "the account and its teams" },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* Forget every credential held (the file's, the environment's). */
static void
drop_credentials(struct opctl *o)
{
	(void)opctl_config_set(&o->cfg.access_token, NULL);
	(void)opctl_config_set(&o->cfg.refresh_token, NULL);
	(void)opctl_config_set(&o->cfg.token, NULL);
	(void)opctl_config_set(&o->cfg.env_token, NULL);
}

/* The URL in force becomes the file's, with the new credentials. */
static enum opctl_exit
save_login(struct opctl *o, const char *email, const char *how)
{
	if (opctl_config_set(&o->cfg.url, opctl_config_url(&o->cfg)) != 0 ||
	    opctl_config_save(&o->cfg, o->cfg_path) != 0)
		return OPCTL_EUSAGE;
	fprintf(stderr, "signed in to %s as %s (%s)\n",
	    opctl_config_url(&o->cfg), email, how);
	if (getenv("OPENPANEL_TOKEN") != NULL)
		fprintf(stderr, "opctl: note: OPENPANEL_TOKEN is set and wins"
		    " over what was saved\n");
	return OPCTL_OK;
}

/* --token-stdin: check the token with GET /api/auth/me, then keep it. */
static enum opctl_exit
login_token(struct opctl *o)
{
	char		 tok[SECRET_MAX];
	json_t		*me = NULL;
	enum opctl_exit	 rc;

	if (opctl_read_stdin_line(tok, sizeof(tok)) != 0 || tok[0] == '\0')
		return opctl_fail(OPCTL_EUSAGE, "no token on stdin");
	drop_credentials(o);
	rc = opctl_config_set(&o->cfg.token, tok) == 0 ? OPCTL_OK : OPCTL_ENET;
	explicit_bzero(tok, sizeof(tok));
	if (rc == OPCTL_OK)
		rc = opctl_call_json(o, "GET", "/api/auth/me", NULL, &me);
	if (rc == OPCTL_OK)
		rc = save_login(o, opctl_str(me, "email", "?"), "API token");
	json_decref(me);
	return rc;
}

/* POST /api/auth/login: OPCTL_OK with the session saved, or 1 in
 * *need_code when the account wants its second factor. */
static enum opctl_exit
login_try(struct opctl *o, const char *email, const char *password,
    const char *code, int *need_code)
{
	struct opctl_resp	 r = { 0 };
	json_t			*body, *ans = NULL, *err;
	const char		*at, *rt, *ecode = NULL, *who = email;
	char			 text[1024];
	enum opctl_exit		 rc;

	*need_code = 0;
	body = json_pack("{s:s,s:s}", "email", email, "password", password);
	if (body == NULL || (code != NULL && json_object_set_new(body,
	    "totp_code", json_string(code)) != 0)) {
		json_decref(body);
		return opctl_fail(OPCTL_ENET, "out of memory");
	}
	rc = opctl_call_raw(o, "POST", "/api/auth/login", body, &r);
	json_decref(body);
	if (rc != OPCTL_OK)
		goto out;
	ans = r.body ? json_loads(r.body, 0, NULL) : NULL;
	err = json_object_get(ans, "error");
	ecode = json_string_value(json_object_get(err, "code"));
	if (r.status == 401 && ecode != NULL && code == NULL &&
	    strcmp(ecode, "totp_required") == 0) {
		*need_code = 1;
	} else if (r.status != 200) {
		opctl_error_text(r.status, r.body, r.request_id, text,
		    sizeof(text));
		rc = opctl_fail(opctl_exit_for(r.status), "%s", text);
	} else if (json_unpack(ans, "{s:s,s:s}", "access_token", &at,
	    "refresh_token", &rt) != 0) {
		rc = opctl_fail(OPCTL_ENET, "the panel's answer has no session");
	} else if (opctl_config_set(&o->cfg.access_token, at) != 0 ||
	    opctl_config_set(&o->cfg.refresh_token, rt) != 0) {
		rc = opctl_fail(OPCTL_ENET, "out of memory");
	} else {
		who = opctl_str(ans, "user.email", email);
		rc = save_login(o, who, "session");
	}
out:
	if (r.body != NULL)
		explicit_bzero(r.body, r.len);
	opctl_resp_clear(&r);
	json_decref(ans);
	return rc;
}

static enum opctl_exit
cmd_login(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	char			*url = NULL, *email = NULL, *code = NULL;
	int			 pw_stdin = 0, tok_stdin = 0, need = 0, rc;
	char			 mail[512], pw[SECRET_MAX], totp[64];
	struct opctl_args	 a;
	const struct opctl_opt	 opts[] = {
		{ "url", OPCTL_OPT_VALUE, &url },
		{ "email", OPCTL_OPT_VALUE, &email },
		{ "password-stdin", OPCTL_OPT_FLAG, &pw_stdin },
		{ "totp", OPCTL_OPT_VALUE, &code },
		{ "token-stdin", OPCTL_OPT_FLAG, &tok_stdin },
		{ NULL, 0, NULL },
	};

	OPCTL_ARGS(opts, 0, 0);
	if (url != NULL && opctl_config_set(&o->cfg.env_url, url) != 0)
		return opctl_fail(OPCTL_ENET, "out of memory");
	if (tok_stdin)
		return login_token(o);
	if (email == NULL) {
		if (opctl_prompt("Email: ", 0, mail, sizeof(mail)) != 0)
			return opctl_fail(OPCTL_EUSAGE, "no terminal to ask the"
			    " email on: give --email");
		email = mail;
	}
	if ((pw_stdin ? opctl_read_stdin_line(pw, sizeof(pw)) :
	    opctl_prompt("Password: ", 1, pw, sizeof(pw))) != 0)
		return opctl_fail(OPCTL_EUSAGE, pw_stdin ? "no password on"
		    " stdin" : "no terminal to ask the password on: use"
		    " --password-stdin");
	drop_credentials(o);
	rc = login_try(o, email, pw, code, &need);
	if (rc == OPCTL_OK && need) {
		if (opctl_prompt("Two-factor code: ", 0, totp,
		    sizeof(totp)) != 0)
			rc = opctl_fail(OPCTL_EAUTH, "this account has two-factor"
			    " authentication: give --totp CODE");
		else
			rc = login_try(o, email, pw, totp, &need);
	}
	explicit_bzero(pw, sizeof(pw));
	return (enum opctl_exit)rc;
}

static enum opctl_exit
cmd_logout(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_resp	 r = { 0 };
	struct opctl_args	 a;

	OPCTL_ARGS(NULL, 0, 0);
	/* The saved session ends on the panel too; an API token is only
	 * forgotten here (revoke it with the web UI or DELETE /api/tokens). */
	(void)opctl_config_set(&o->cfg.env_token, NULL);
	if (o->cfg.access_token != NULL && o->cfg.token == NULL &&
	    opctl_call_raw(o, "POST", "/api/auth/logout", NULL, &r) ==
	    OPCTL_OK && r.status == 401 && o->cfg.refresh_token != NULL &&
	    opctl_refresh(o) == OPCTL_OK)
		(void)opctl_call_raw(o, "POST", "/api/auth/logout", NULL, &r);
	opctl_resp_clear(&r);
	drop_credentials(o);
	if (opctl_config_save(&o->cfg, o->cfg_path) != 0)
		return OPCTL_EUSAGE;
	fprintf(stderr, "signed out of %s\n", opctl_config_url(&o->cfg));
	if (getenv("OPENPANEL_TOKEN") != NULL)
		fprintf(stderr, "opctl: note: OPENPANEL_TOKEN is still set\n");
	return OPCTL_OK;
}

static const struct opctl_col me_cols[] = {
	{ "Email", "email", OPCTL_FMT_TEXT },
	{ "Name", "name", OPCTL_FMT_TEXT },
	{ "Id", "id", OPCTL_FMT_TEXT },
	{ "Admin", "is_admin", OPCTL_FMT_TEXT },
	{ "Two-factor", "totp_enabled", OPCTL_FMT_TEXT },
	{ "Signed in with", "auth.kind", OPCTL_FMT_TEXT },
	{ "Scope", "auth.scope", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static const struct opctl_col team_cols[] = {
	{ "TEAM", "name", OPCTL_FMT_TEXT },
	{ "ROLE", "role", OPCTL_FMT_TEXT },
	{ "ID", "id", OPCTL_FMT_TEXT },
	{ NULL, NULL, 0 },
};

static enum opctl_exit
cmd_whoami(struct opctl *o, const struct opctl_cmd *cmd, int argc,
    char **argv)
{
	struct opctl_args	 a;
	json_t			*me = NULL;
	int			 rc;

	OPCTL_ARGS(NULL, 0, 0);
	if ((rc = opctl_call_json(o, "GET", "/api/auth/me", NULL, &me)) ==
	    OPCTL_OK) {
		opctl_show_one(o, me, me_cols);
		if (!o->json) {
			putchar('\n');
			opctl_table(stdout, json_object_get(me, "teams"),
			    team_cols);
		}
	}
	json_decref(me);
	return (enum opctl_exit)rc;
}
