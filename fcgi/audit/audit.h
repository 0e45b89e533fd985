/*
 * audit.h — private to op-audit: the trail's chain, its consumer, and
 * the handlers.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include "openpanel.h"

/* chain.c — appending to the trail and checking it. */

/* The hash of a row: SHA-256 over its event text, "\n", prev (hex). */
void		chain_hash(const char *event, const char *prev, char out[65]);
/*
 * Append the published event (its envelope's text) to the trail inside
 * the caller's transaction, after the chain's current end; *added is 0
 * when the event id is already there (a redelivery). OP_EINVAL for text
 * that is not an event envelope.
 */
enum op_err	chain_append(struct op_db *, const char *event, int *added);
/* The validator of an outcome: success or failure. */
enum op_err	audit_valid_outcome(const char *, const char **why);
/* "failure" for events that record something refused or failed. */
const char	*chain_outcome(const char *type, json_t *event);

/* consumer.c — the worker: op:events into the trail, until *stop. */
enum op_err	consumer_run(const struct op_service *, struct op_db *,
		    volatile int *stop);

/*
 * retention.c — archive (OP_AUDIT_ARCHIVE_DIR) and prune the rows
 * recorded more than OP_AUDIT_RETENTION_DAYS ago, moving the chain's
 * anchor so it still verifies. The consumer runs it at start and hourly.
 */
enum op_err	retention_run(struct op_db *);

/* Handlers. */
enum op_err	audit_verify(struct op_req *);		/* verify.c */
enum op_err	audit_record(struct op_req *);		/* record.c */

/* ---- the query side: filter.c, logs.c, stats.c, export.c ---- */

#define AUDIT_F_PAGE	0x01	/* accept limit and after (logs) */
#define AUDIT_F_FORMAT	0x02	/* accept format (export) */
#define AUDIT_PARAMS_MAX 16	/* SQL parameters of one query */

/*
 * What a caller asked of the trail, validated and authorised: `where`
 * is an SQL condition over audit.entries AS e (scoping and every filter
 * but the time range), its values in params[0..n). The time range is
 * left to the handler (stats has defaults): audit_filter_range adds it.
 */
struct audit_filter {
	const char	*where;
	const char	*params[AUDIT_PARAMS_MAX];
	int		 n;
	const char	*since, *until;	/* RFC 3339 as given, or NULL */
	long long	 limit;		/* AUDIT_F_PAGE: 1..200, 50 by default */
	const char	*after;		/* AUDIT_F_PAGE: a seq, or NULL */
	const char	*format;	/* AUDIT_F_FORMAT: "csv", "jsonl" or NULL */
};

/*
 * Unpack the query string (the filters, and what `accept` adds) and
 * scope it to what the caller may see: everything for instance admins,
 * else the teams they own or administer (403 when none; with team_id,
 * 404 for a team they are not in, 403 below team admin). Fails with the
 * error answered; f is filled in the request's arena.
 */
enum op_err	audit_filter_parse(struct op_req *, unsigned accept,
		    struct audit_filter *f);
/* Bind value as the next parameter: its placeholder ("$3"), or NULL
 * when out of memory. More than AUDIT_PARAMS_MAX is a bug: it aborts. */
const char	*audit_filter_bind(struct op_req *, struct audit_filter *,
		    const char *value);
/* f->where AND <lhs><value's placeholder><rhs>. */
enum op_err	audit_filter_and(struct op_req *, struct audit_filter *,
		    const char *lhs, const char *value, const char *rhs);
/* Add f->since (inclusive) and f->until (exclusive), when set, to
 * f->where. */
enum op_err	audit_filter_range(struct op_req *, struct audit_filter *);

/* The columns audit_entry_json reads, over audit.entries AS e. */
#define AUDIT_COLUMNS	"e.seq::text AS id, e.seq, e.event_id,"		\
	" to_char(e.time AT TIME ZONE 'UTC',"				\
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS time, e.action,"	\
	" e.team_id, e.actor_id, e.actor_ip, e.user_agent,"		\
	" e.subject_kind, e.subject_id, e.request_id, e.outcome,"	\
	" (e.event::json -> 'data')::text AS data, e.hash"
/* Row i of a query over AUDIT_COLUMNS as the API shows an entry (new
 * reference; NULL when out of memory). logs.c */
json_t		*audit_entry_json(const PGresult *, int i);

enum op_err	audit_logs(struct op_req *);		/* logs.c */
enum op_err	audit_stats(struct op_req *);		/* stats.c */
enum op_err	audit_export(struct op_req *);		/* export.c */

#endif
