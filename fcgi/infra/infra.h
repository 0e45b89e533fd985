/*
 * infra.h — op-infra: domains routed by the gateway to container ports,
 * their certificates from an ACME CA, and the generated configuration.
 */
#ifndef INFRA_H
#define INFRA_H

#include "openpanel.h"

/*
 * The domains (alias d) of the caller's teams, as a WHERE clause: $1 the
 * caller's user id, $2 whether the caller is an instance admin (every
 * team), $3 one team_id or NULL.
 */
#define INFRA_TEAM_DOMAINS						\
	" WHERE ($2 OR d.team_id IN (SELECT team_id FROM"		\
	"  auth.team_members_v WHERE user_id = $1))"			\
	" AND ($3::uuid IS NULL OR d.team_id = $3::uuid)"

/* domains.c — the API */
enum op_err	 domains_list(struct op_req *);
enum op_err	 domains_create(struct op_req *);
enum op_err	 domains_get(struct op_req *);
enum op_err	 domains_update(struct op_req *);
enum op_err	 domains_delete(struct op_req *);
enum op_err	 domains_ssl(struct op_req *);

/* certificates.c */
enum op_err	 certificates_list(struct op_req *);
enum op_err	 proxy_config(struct op_req *);

/* route.c — a domain's routing files, applied through lib/proxy.c */
/* Render and apply domain id as the database has it now. OP_EINVAL
 * (nginx's words in why) when the gateway refused it: nothing changed. */
enum op_err	 route_domain(struct op_db *, const char *id,
		    struct op_buf *why);
/* Remove domain id's files (its container's upstreams too when nothing
 * else uses them). */
enum op_err	 route_remove(struct op_db *, const char *id,
		    const char *container_id, struct op_buf *why);
/* Re-render the upstreams of a container that has domains; with
 * endpoints (its published ports moved: a swarm container's tasks), also
 * those of one without domains that a deployment's site routes to. */
enum op_err	 route_container(struct op_db *, const char *container_id,
		    int endpoints);

/* order.c — certificate orders, the worker's job */
/* Claim one due order and run it: *ran is 1 when there was one. */
enum op_err	 order_run_one(const struct op_service *, struct op_db *,
		    int *ran);

/* acme.c — the ACME client (lego through the exec helper) */
struct acme_settings {
	char	*directory;	/* the CA's directory URL */
	char	*ca_bundle;	/* PEM it is trusted with, or NULL */
	char	*email;		/* the account's contact */
};
enum op_err	 acme_settings_load(struct op_db *, struct acme_settings *);
void		 acme_settings_clear(struct acme_settings *);
/* Obtain a certificate for names: *cert_pem (chain) and *key_pem,
 * malloc'd. OP_ERATE when the CA said to slow down; why says what failed. */
enum op_err	 acme_obtain(struct op_db *, const struct acme_settings *,
		    const char *const *names, size_t n, char **cert_pem,
		    char **key_pem, struct op_buf *why);

/* x509.c */
struct cert_info {
	char	not_before[32];	/* RFC 3339 UTC */
	char	not_after[32];
	char	issuer[256];
	char	serial[128];	/* hex */
};
enum op_err	 cert_info_parse(const char *pem, struct cert_info *);

/* worker.c */
enum op_err	 infra_work(const struct op_service *, struct op_db *,
		    volatile int *stop);

#endif /* INFRA_H */
