/*
 * swarm.c — the Docker engine as a swarm manager, for instance admins
 * (every route is OP_R_ADMIN): the swarm at a glance, its nodes (role,
 * availability, status, labels; labels, availability and role changed
 * here; one that has left removed), and the join tokens a new server
 * needs. The panel schedules nothing itself: Swarm places the tasks of
 * swarm containers on nodes.
 */
#include <string.h>

#include "projects.h"

#define NODE_LABELS_MAX	64

/* The engine's /info "Swarm" section (new reference), or NULL. */
static enum op_err
swarm_info(struct op_req *r, json_t **out)
{
	json_t		*info = NULL;
	enum op_err	 er;

	*out = NULL;
	if ((er = engine_call(r, "GET", "/info", NULL, "info", 200, 200,
	    &info)) != OP_OK)
		return er;
	*out = json_incref(json_object_get(info, "Swarm"));
	json_decref(info);
	return OP_OK;
}

enum op_err
swarm_require(struct op_req *r)
{
	json_t		*s = NULL;
	enum op_err	 er;

	if ((er = swarm_info(r, &s)) != OP_OK)
		return er;
	if (!json_is_true(json_object_get(s, "ControlAvailable")))
		er = op_fail(r, OP_ECONFLICT, "swarm_inactive", "the Docker "
		    "engine is not a swarm manager: run docker swarm init on "
		    "this server first (see docs/swarm.md)", NULL);
	json_decref(s);
	return er;
}

/* GET /api/swarm — whether the engine manages a swarm, and its size. */
enum op_err
swarm_get(struct op_req *r)
{
	json_t		*s = NULL;
	enum op_err	 er;

	if ((er = swarm_info(r, &s)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, json_pack("{s:b, s:b, s:s?, s:s?, s:O?,"
	    " s:O?}", "active", strcmp(json_string_value(json_object_get(s,
	    "LocalNodeState")) ?: "", "active") == 0, "manager",
	    json_is_true(json_object_get(s, "ControlAvailable")), "node_id",
	    json_string_value(json_object_get(s, "NodeID")), "cluster_id",
	    json_string_value(json_object_get(json_object_get(s, "Cluster"),
	    "ID")), "nodes", json_object_get(s, "Nodes"), "managers",
	    json_object_get(s, "Managers")));
	json_decref(s);
	return er;
}

/* A node as the API answers it (new reference). */
static json_t *
node_json(json_t *n)
{
	json_t	*spec = json_object_get(n, "Spec");
	json_t	*status = json_object_get(n, "Status");
	json_t	*desc = json_object_get(n, "Description");
	json_t	*mgr = json_object_get(n, "ManagerStatus");
	json_t	*labels = json_object_get(spec, "Labels");

	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:O, s:b,"
	    " s:s?, s:s?, s:s?}",
	    "id", json_string_value(json_object_get(n, "ID")),
	    "hostname", json_string_value(json_object_get(desc, "Hostname")),
	    "role", json_string_value(json_object_get(spec, "Role")),
	    "availability", json_string_value(json_object_get(spec,
	    "Availability")),
	    "status", json_string_value(json_object_get(status, "State")),
	    "address", json_string_value(json_object_get(status, "Addr")),
	    "labels", labels ? labels : json_object(),
	    "leader", json_is_true(json_object_get(mgr, "Leader")),
	    "reachability", json_string_value(json_object_get(mgr,
	    "Reachability")),
	    "engine_version", json_string_value(json_object_get(json_object_get(
	    desc, "Engine"), "EngineVersion")),
	    "created_at", json_string_value(json_object_get(n, "CreatedAt")));
}

/* GET /api/swarm/nodes */
enum op_err
swarm_nodes_list(struct op_req *r)
{
	json_t		*nodes = NULL, *items, *n;
	size_t		 i;
	enum op_err	 er;

	if ((er = swarm_require(r)) != OP_OK ||
	    (er = engine_call(r, "GET", "/nodes", NULL, "list nodes", 200, 200,
	    &nodes)) != OP_OK)
		return er;
	items = json_array();
	json_array_foreach(nodes, i, n)
		json_array_append_new(items, node_json(n));
	json_decref(nodes);
	return op_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items,
	    "next"));
}

/* The engine's inspect of node id (new reference). An id that is not
 * one as Swarm makes them is no node of ours. */
static enum op_err
node_load(struct op_req *r, const char *id, json_t **node)
{
	const char	*why;
	enum op_err	 er;

	*node = NULL;
	if (op_valid_node_id(id, &why) != OP_OK)
		return op_fail(r, OP_ENOTFOUND, "not_found", "no such node",
		    NULL);
	if ((er = swarm_require(r)) != OP_OK)
		return er;
	er = engine_call(r, "GET", op_req_printf(r, "/nodes/%s", id), NULL,
	    "inspect node", 200, 200, node);
	if (er == OP_ENOTFOUND)
		er = op_fail(r, OP_ENOTFOUND, "not_found", "no such node",
		    NULL);
	return er;
}

/* GET /api/swarm/nodes/:id */
enum op_err
swarm_nodes_get(struct op_req *r)
{
	json_t		*n = NULL;
	enum op_err	 er;

	if ((er = node_load(r, r->params[0], &n)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, node_json(n));
	json_decref(n);
	return er;
}

static const struct op_field node_fields[] = {
	{ "availability", OP_FT_STRING, 0, 4, 6, NULL },
	{ "role", OP_FT_STRING, 0, 6, 7, NULL },
	{ "labels", OP_FT_OBJECT, 0, 0, NODE_LABELS_MAX, NULL },
};
enum { N_AVAILABILITY, N_ROLE, N_LABELS };

/* Is s one of the words of list (NULL-terminated)? */
static int
one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* The body's labels: keys and values Swarm filters on. */
static enum op_err
labels_check(struct op_req *r, json_t *labels)
{
	const char	*key, *why;
	json_t		*v;

	json_object_foreach(labels, key, v) {
		if (op_valid_node_label_key(key, &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_value",
			    op_req_printf(r, "labels.%.64s %s", key, why),
			    "labels");
		if (!json_is_string(v) || op_valid_node_label_value(
		    json_string_value(v), &why) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_value",
			    op_req_printf(r, "labels.%s %s", key,
			    json_is_string(v) ? why : "must be a string"),
			    "labels");
	}
	return OP_OK;
}

/* The body as checked values laid over the node's spec. */
static enum op_err
node_spec(struct op_req *r, const struct op_value *v, json_t *spec)
{
	static const char *const avail[] = { "active", "pause", "drain", NULL };
	static const char *const roles[] = { "worker", "manager", NULL };
	enum op_err	er;

	if (v[N_AVAILABILITY].set && !one_of(v[N_AVAILABILITY].s, avail))
		return op_fail(r, OP_EINVAL, "invalid_value", "availability "
		    "must be active, pause or drain", "availability");
	if (v[N_ROLE].set && !one_of(v[N_ROLE].s, roles))
		return op_fail(r, OP_EINVAL, "invalid_value", "role must be "
		    "worker or manager", "role");
	if (v[N_LABELS].set && (er = labels_check(r, v[N_LABELS].j)) != OP_OK)
		return er;
	if (v[N_AVAILABILITY].set)
		json_object_set_new(spec, "Availability",
		    json_string(v[N_AVAILABILITY].s));
	if (v[N_ROLE].set)
		json_object_set_new(spec, "Role", json_string(v[N_ROLE].s));
	if (v[N_LABELS].set)
		json_object_set(spec, "Labels", v[N_LABELS].j);
	return OP_OK;
}

/*
 * PUT /api/swarm/nodes/:id — {availability?, role?, labels?}: drain a
 * node (Swarm moves its tasks elsewhere), make it active again, change
 * its role, or replace its labels (what placement constraints match).
 */
enum op_err
swarm_nodes_update(struct op_req *r)
{
	struct op_value	 v[nitems(node_fields)];
	json_t		*n = NULL, *spec;
	long long	 version;
	enum op_err	 er;

	if ((er = op_fields_body(r, node_fields, nitems(node_fields), v)) !=
	    OP_OK || (er = node_load(r, r->params[0], &n)) != OP_OK)
		return er;
	op_req_own_json(r, n);
	spec = json_object_get(n, "Spec");
	version = json_integer_value(json_object_get(json_object_get(n,
	    "Version"), "Index"));
	if (!json_is_object(spec))
		return OP_EINTERNAL;
	if ((er = node_spec(r, v, spec)) != OP_OK ||
	    (er = engine_call(r, "POST", op_req_printf(r,
	    "/nodes/%s/update?version=%lld", r->params[0], version), spec,
	    "update node", 200, 200, NULL)) != OP_OK ||
	    (er = op_event_emit(r, "swarm.node_updated", NULL, "node",
	    r->params[0], json_deep_copy(r->body))) != OP_OK)
		return er;
	if ((er = node_load(r, r->params[0], &n)) != OP_OK)
		return er;
	er = op_reply_json(r, 200, node_json(n));
	json_decref(n);
	return er;
}

/*
 * DELETE /api/swarm/nodes/:id — take a node that has left the swarm
 * (`docker swarm leave` on that server: its status is down) off the
 * node list. A manager (demote it first) or a node still up is a 409
 * that says so; nothing is forced. Emits swarm.node_removed.
 */
enum op_err
swarm_nodes_delete(struct op_req *r)
{
	json_t		*n = NULL;
	const char	*code, *why;
	enum op_err	 er;

	if ((er = node_load(r, r->params[0], &n)) != OP_OK)
		return er;
	op_req_own_json(r, n);
	if (op_valid_node_removal(json_string_value(json_object_get(
	    json_object_get(n, "Spec"), "Role")), json_string_value(
	    json_object_get(json_object_get(n, "Status"), "State")), &code,
	    &why) != OP_OK)
		return op_fail(r, OP_ECONFLICT, code, why, NULL);
	if ((er = engine_call(r, "DELETE", op_req_printf(r, "/nodes/%s",
	    r->params[0]), NULL, "remove node", 200, 200, NULL)) != OP_OK ||
	    (er = op_event_emit(r, "swarm.node_removed", NULL, "node",
	    r->params[0], json_pack("{s:s?}", "hostname", json_string_value(
	    json_object_get(json_object_get(n, "Description"), "Hostname")))))
	    != OP_OK)
		return er;
	return op_reply_empty(r, 204);
}

/*
 * Answer the swarm's join tokens and the managers' addresses, with event
 * (data, taken: NULL for none) in the trail: a token is a credential.
 */
static enum op_err
tokens_reply(struct op_req *r, const char *event, json_t *data)
{
	json_t		*sw = NULL, *s = NULL, *addrs, *m, *tokens;
	size_t		 i;
	enum op_err	 er;

	if ((er = engine_call(r, "GET", "/swarm", NULL, "inspect swarm", 200,
	    200, &sw)) != OP_OK || (er = swarm_info(r, &s)) != OP_OK) {
		json_decref(sw);
		json_decref(data);
		return er;
	}
	addrs = json_array();
	json_array_foreach(json_object_get(s, "RemoteManagers"), i, m)
		json_array_append(addrs, json_object_get(m, "Addr"));
	tokens = json_object_get(sw, "JoinTokens");
	er = op_event_emit(r, event, NULL, "swarm", json_string_value(
	    json_object_get(sw, "ID")), data);
	if (er == OP_OK)
		er = op_reply_json(r, 200, json_pack("{s:s?, s:s?, s:o}",
		    "worker", json_string_value(json_object_get(tokens,
		    "Worker")), "manager", json_string_value(json_object_get(
		    tokens, "Manager")), "managers", addrs));
	else
		json_decref(addrs);
	json_decref(sw);
	json_decref(s);
	return er;
}

/*
 * GET /api/swarm/tokens — the worker and manager join tokens and the
 * managers' addresses: what `docker swarm join` on a new server needs.
 * Whoever holds a token can join a server to the swarm: admins only,
 * and the read is an audited event.
 */
enum op_err
swarm_tokens(struct op_req *r)
{
	enum op_err	er;

	if ((er = swarm_require(r)) != OP_OK)
		return er;
	return tokens_reply(r, "swarm.tokens_read", NULL);
}

static const struct op_field rotate_fields[] = {
	{ "role", OP_FT_STRING, 1, 6, 7, NULL },
};

/*
 * POST /api/swarm/tokens/rotate — {role: "worker"|"manager"}: a new join
 * token for that role (the old one joins nothing from now on; servers
 * already in the swarm stay). Answers the tokens as GET does, with the
 * event swarm.tokens_rotated.
 */
enum op_err
swarm_tokens_rotate(struct op_req *r)
{
	static const char *const roles[] = { "worker", "manager", NULL };
	struct op_value	 v[nitems(rotate_fields)];
	json_t		*sw = NULL;
	long long	 version;
	enum op_err	 er;

	if ((er = op_fields_body(r, rotate_fields, nitems(rotate_fields),
	    v)) != OP_OK)
		return er;
	if (!one_of(v[0].s, roles))
		return op_fail(r, OP_EINVAL, "invalid_value", "role must be "
		    "worker or manager", "role");
	if ((er = swarm_require(r)) != OP_OK ||
	    (er = engine_call(r, "GET", "/swarm", NULL, "inspect swarm", 200,
	    200, &sw)) != OP_OK)
		return er;
	op_req_own_json(r, sw);
	version = json_integer_value(json_object_get(json_object_get(sw,
	    "Version"), "Index"));
	if ((er = engine_call(r, "POST", op_req_printf(r, "/swarm/update?"
	    "version=%lld&rotate%sToken=true", version, strcmp(v[0].s,
	    "worker") == 0 ? "Worker" : "Manager"), json_object_get(sw,
	    "Spec"), "rotate the join token", 200, 200, NULL)) != OP_OK)
		return er;
	return tokens_reply(r, "swarm.tokens_rotated", json_pack("{s:s}",
	    "role", v[0].s));
}
