/*
 * auth.h — private to op-auth: the handlers and what they share.
 */
#ifndef AUTH_H
#define AUTH_H

#include "openpanel.h"

#define ACCESS_TTL	900		/* seconds an access token lives */
#define SESSION_DAYS	30		/* a session's (and refresh) lifetime */
#define INVITE_DAYS	7
#define FAILS_PER_EMAIL	10		/* failed logins per 15 minutes */
#define FAILS_PER_IP	50

/* Handlers, one file per group. */
enum op_err	auth_check(struct op_req *);		/* check.c */
enum op_err	health_get(struct op_req *);		/* health.c */
enum op_err	setup_create(struct op_req *);		/* setup.c */
enum op_err	login(struct op_req *);			/* login.c */
enum op_err	session_refresh(struct op_req *);	/* session.c */
enum op_err	session_logout(struct op_req *);
enum op_err	me_get(struct op_req *);		/* me.c */
enum op_err	me_password(struct op_req *);
enum op_err	totp_setup(struct op_req *);		/* twofactor.c */
enum op_err	totp_enable(struct op_req *);
enum op_err	totp_disable(struct op_req *);
enum op_err	users_list(struct op_req *);		/* users.c */
enum op_err	users_create(struct op_req *);
enum op_err	users_get(struct op_req *);
enum op_err	users_update(struct op_req *);
enum op_err	users_delete(struct op_req *);
enum op_err	teams_list(struct op_req *);		/* teams.c */
enum op_err	teams_create(struct op_req *);
enum op_err	teams_get(struct op_req *);
enum op_err	teams_update(struct op_req *);
enum op_err	teams_delete(struct op_req *);
enum op_err	members_list(struct op_req *);		/* members.c */
enum op_err	members_update(struct op_req *);
enum op_err	members_delete(struct op_req *);
enum op_err	invitations_create(struct op_req *);	/* invitations.c */
enum op_err	invitations_list(struct op_req *);
enum op_err	invitations_delete(struct op_req *);
enum op_err	invitations_accept(struct op_req *);
enum op_err	tokens_create(struct op_req *);		/* tokens.c */
enum op_err	tokens_list(struct op_req *);
enum op_err	tokens_delete(struct op_req *);
enum op_err	signup_get(struct op_req *);		/* signup.c */
enum op_err	signup_create(struct op_req *);
enum op_err	settings_get(struct op_req *);		/* settings.c */
enum op_err	settings_put(struct op_req *);

/* A credential the check found good (checked.c), by key: "s:" and a
 * session id, or "k:" and an API token's hash. */
struct checked {
	char		 key[72];
	char		 user_id[37];
	char		 ref[37];	/* the session's or the token's id */
	enum op_scope	 scope;
	int		 admin;
	int64_t		 expires;	/* unix seconds; 0: never */
	uint64_t	 generation;	/* op_pool_generation before the query */
	int64_t		 found_ms;	/* monotonic */
};

/* Copy the entry for key to out when it may still be trusted: 1, or 0. */
int		checked_find(const char *key, struct checked *out);
/* Keep c (its generation read before the query that found it). */
void		checked_keep(const struct checked *c);

/* Live channels (live.c): is uri a subscription, may the caller read it. */
int		live_is_channel(const char *uri);
enum op_err	live_authorize(struct op_req *, const char *uri);

/*
 * setup.c: when no user exists, mint a new one-time setup token, store its
 * hash, and write the token to path (mode 0600) and stdout. Exit status.
 */
int		setup_token_mint(const char *path);

/*
 * login.c: check a second factor for user_id: a TOTP code (sealed secret,
 * replay refused past last_step) or a recovery code (spent on use).
 * OP_EUNAUTH when it does not match.
 */
enum op_err	second_factor(struct op_req *, const char *user_id,
		    const char *sealed, const char *last_step,
		    const char *code);

/* Shared by the handlers (session.c). */

/* The public view of a user row: the columns every user answer has. */
#define USER_COLUMNS	"u.id, u.email, u.name, u.is_admin, u.disabled, " \
			"u.totp_enabled, u.created_at, u.updated_at"

/*
 * Open a session for user_id (inside the caller's transaction), or add a
 * new refresh token to session_id when it is not NULL, and answer 200
 * with {access_token, refresh_token, token_type, expires_in, user?}
 * plus the browser cookies, committing the caller's transaction. user is
 * stolen and may be NULL.
 */
enum op_err	session_issue(struct op_req *, const char *user_id,
		    const char *session_id, json_t *user);
/* Expire the browser's cookies. */
void		cookies_clear(struct op_req *);
/* End every session of user_id except keep (may be NULL). */
enum op_err	sessions_revoke_user(struct op_req *, const char *user_id,
		    const char *keep);
/* A copy of s folded to lower case (emails, recovery codes), in the
 * request arena. */
char		*str_lower(struct op_req *, const char *);
/* A fresh random token with prefix ("opr_"), and its SHA-256 hex. */
enum op_err	token_new(struct op_req *, const char *prefix, char **token,
		    char **hash);
/*
 * Insert an account (email already lower-cased, password already hashed)
 * inside r's open transaction and leave user.created, with via (NULL for
 * an admin's own) saying how it came, and the new account its own actor
 * when no one is signed in: *res its row (USER_COLUMNS). A taken email
 * is a 409 email_taken on field email.				users.c
 */
enum op_err	user_insert(struct op_req *, const char *email,
		    const char *name, const char *hash, int is_admin,
		    const char *via, PGresult **res);
/* Keyset-page arguments ?limit= (1..200, default 50) and ?after=<uuid>. */
enum op_err	page_args(struct op_req *, long long *limit,
		    const char **after);

#endif
