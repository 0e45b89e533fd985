/*
 * order.c — certificate orders, a job of the worker (DESIGN.md §4). An
 * order is due when its certificate's due_at has passed (a new domain,
 * POST …/ssl, a retry) or, with none set, when its certificate is within
 * OP_ACME_RENEW_DAYS of expiry. The worker claims one with FOR UPDATE
 * SKIP LOCKED and holds it by a lease longer than an order can take
 * (lego is killed past its timeout), so a worker killed mid-order leaves
 * it to be claimed again once the lease runs out. A certificate is
 * stored, installed and announced in one transaction that commits only
 * after the gateway accepted it; a failure backs off exponentially, and
 * at least an hour when the CA spoke of its rate limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infra.h"

#define LEASE		"5 minutes"	/* > the ACME client's timeout */
#define BACKOFF_MIN	60		/* seconds before the first retry */
#define BACKOFF_MAX	(6 * 3600)
#define BACKOFF_RATE	3600		/* at least, after a rate limit */

struct order {
	const char	*domain_id;
	const char	*team_id;
	const char	*hostname;
	int		 renewal;	/* it had a valid certificate */
	int		 attempts;
	int		 www;
};

/* Claim a due order for owner: OP_ENOTFOUND when none is due. */
static enum op_err
claim(struct op_req *r, const char *owner, struct order *o)
{
	PGresult	*res = NULL;
	enum op_err	 er;

	memset(o, 0, sizeof(*o));
	if ((er = op_db_execv(r->db, &res, "UPDATE infra.certificates c SET"
	    " lease_owner = $1, lease_until = now() + interval '" LEASE "',"
	    " order_started_at = now(), order_finished_at = NULL"
	    " FROM infra.domains d WHERE d.id = c.domain_id AND c.domain_id ="
	    " (SELECT c2.domain_id FROM infra.certificates c2 JOIN"
	    "  infra.domains d2 ON d2.id = c2.domain_id WHERE d2.https"
	    "  AND (c2.lease_until IS NULL OR c2.lease_until < now())"
	    "  AND (c2.due_at <= now() OR (c2.due_at IS NULL AND"
	    "  c2.state = 'valid' AND c2.not_after <= now() + make_interval("
	    "  days => $2::int))) ORDER BY c2.due_at NULLS FIRST LIMIT 1"
	    "  FOR UPDATE OF c2 SKIP LOCKED)"
	    " RETURNING c.domain_id, d.team_id, d.hostname, c.state,"
	    " c.attempts, d.redirect_www", owner, op_req_printf(r, "%lld",
	    op_config_int("OP_ACME_RENEW_DAYS", 30, 1, 365))) ) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	o->domain_id = op_req_strdup(r, PQgetvalue(res, 0, 0));
	o->team_id = op_req_strdup(r, PQgetvalue(res, 0, 1));
	o->hostname = op_req_strdup(r, PQgetvalue(res, 0, 2));
	o->renewal = strcmp(PQgetvalue(res, 0, 3), "valid") == 0;
	o->attempts = (int)strtol(PQgetvalue(res, 0, 4), NULL, 10);
	o->www = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	PQclear(res);
	return OP_OK;
}

/* OP_ENOTFOUND when an UPDATE … RETURNING found no row (the domain was
 * deleted while its order ran: the order is cancelled). */
static enum op_err
gone(const PGresult *res)
{
	return PQntuples(res) == 0 ? OP_ENOTFOUND : OP_OK;
}

/* Store, install and announce a new certificate; the transaction
 * commits only once the gateway has accepted it. */
static enum op_err
install(struct op_req *r, const struct order *o, const char *names,
    const char *crt, const char *key, struct op_buf *why)
{
	struct cert_info ci;
	PGresult	*res = NULL;
	char		*sealed = NULL;
	enum op_err	 er;

	if ((er = cert_info_parse(crt, &ci)) != OP_OK) {
		(void)op_buf_addf(why, "the CA's answer is not a certificate");
		return er;
	}
	if ((er = op_secret_seal(key, strlen(key), &sealed)) != OP_OK)
		return er;
	if ((er = op_db_begin(r->db)) == OP_OK &&
	    (er = op_db_execv(r->db, &res, "UPDATE infra.certificates SET"
	    " state = 'valid', names = $2::text[], issuer = $3, serial = $4,"
	    " not_before = $5, not_after = $6, cert_pem = $7, key_sealed = $8,"
	    " due_at = NULL, attempts = 0, lease_owner = NULL, lease_until ="
	    " NULL, last_error = NULL, issued_at = now(), renewals = renewals"
	    " + $9::int, order_finished_at = now(), updated_at = now() WHERE"
	    " domain_id = $1 RETURNING domain_id", o->domain_id, names,
	    ci.issuer, ci.serial, ci.not_before, ci.not_after, crt, sealed,
	    o->renewal ? "1" : "0")) ==
	    OP_OK && (er = gone(res)) == OP_OK &&
	    (er = op_event_emit(r, o->renewal ? "certificate.renewed" :
	    "certificate.issued", o->team_id, "domain", o->domain_id,
	    json_pack("{s:s, s:s, s:s, s:s}", "hostname", o->hostname,
	    "issuer", ci.issuer, "serial", ci.serial, "not_after",
	    ci.not_after))) == OP_OK &&
	    (er = route_domain(r->db, o->domain_id, why)) == OP_OK)
		er = op_db_commit(r->db);
	op_db_rollback(r->db);
	PQclear(res);
	free(sealed);
	return er;
}

/* Back off after a failed order and say so. */
static enum op_err
failed(struct op_req *r, const struct order *o, enum op_err why_er,
    const char *why)
{
	long long	 delay;
	enum op_err	 er;

	/* o->attempts failed before this one: 60 s, 2 min, 4 min, … */
	delay = op_job_backoff_s(o->attempts + 1, BACKOFF_MIN, 2, BACKOFF_MAX);
	if (why_er == OP_ERATE && delay < BACKOFF_RATE)
		delay = BACKOFF_RATE;
	op_warn("infra: certificate order for %s failed (retry in %llds): %s",
	    o->hostname, delay, why);
	if ((er = op_db_begin(r->db)) == OP_OK &&
	    (er = op_db_execv(r->db, NULL, "UPDATE infra.certificates SET"
	    " state = CASE WHEN state = 'valid' THEN 'valid' ELSE 'failed'"
	    " END, attempts = attempts + 1, due_at = now() + make_interval("
	    " secs => $2::int), last_error = $3, lease_owner = NULL,"
	    " lease_until = NULL, order_finished_at = now(), updated_at ="
	    " now() WHERE domain_id = $1",
	    o->domain_id, op_req_printf(r, "%lld", delay), why)) == OP_OK &&
	    (er = op_event_emit(r, "certificate.failed", o->team_id, "domain",
	    o->domain_id, json_pack("{s:s, s:s, s:i, s:I}", "hostname",
	    o->hostname, "error", why, "attempt", o->attempts + 1,
	    "retry_in_s", (json_int_t)delay))) == OP_OK)
		er = op_db_commit(r->db);
	op_db_rollback(r->db);
	return er;
}

/* The last line of why, clean text for last_error. */
static const char *
last_words(struct op_req *r, struct op_buf *why)
{
	char	*s, *p;

	if (why->data == NULL || why->len == 0)
		return "the ACME client failed";
	s = op_req_strdup(r, why->data);
	while ((p = strrchr(s, '\n')) != NULL && p[1] == '\0')
		*p = '\0';
	if ((p = strrchr(s, '\n')) != NULL)
		s = p + 1;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = ' ';
	return s;
}

/* Run a claimed order to its end: a certificate installed, or a retry
 * scheduled. */
static enum op_err
run(struct op_req *r, const struct order *o)
{
	struct acme_settings s;
	struct op_buf	 why;
	const char	*names[2] = { o->hostname, NULL };
	char		*crt = NULL, *key = NULL;
	enum op_err	 er;

	op_buf_init(&why, 8192);
	if (o->www)
		names[1] = op_req_printf(r, "www.%s", o->hostname);
	if ((er = acme_settings_load(r->db, &s)) == OP_OK &&
	    (er = acme_obtain(r->db, &s, names, o->www ? 2 : 1, &crt, &key,
	    &why)) == OP_OK)
		er = install(r, o, o->www ? op_req_printf(r, "{%s,%s}",
		    names[0], names[1]) : op_req_printf(r, "{%s}", names[0]),
		    crt, key, &why);
	acme_settings_clear(&s);
	free(crt);
	if (key != NULL)
		op_wipe(key, strlen(key));
	free(key);
	if (er == OP_OK)
		op_info("infra: certificate for %s %s", o->hostname,
		    o->renewal ? "renewed" : "issued");
	else if (er == OP_ENOTFOUND) {
		op_info("infra: %s was deleted during its order", o->hostname);
		er = OP_OK;
	} else
		er = failed(r, o, er, last_words(r, &why));
	op_buf_clear(&why);
	return er;
}

enum op_err
order_run_one(const struct op_service *svc, struct op_db *db, int *ran)
{
	struct op_req	 r;
	struct order	 o;
	char		 owner[128], host[64];
	enum op_err	 er;

	*ran = 0;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(owner, sizeof(owner), "%s:%ld", host, (long)getpid());
	if ((er = op_system_req(&r, svc, db)) != OP_OK)
		return er;
	if ((er = claim(&r, owner, &o)) == OP_OK) {
		*ran = 1;
		er = run(&r, &o);
	} else if (er == OP_ENOTFOUND)
		er = OP_OK;
	op_system_req_end(&r);
	return er;
}
