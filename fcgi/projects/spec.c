/*
 * spec.c — the container definition: what a request may ask for, checked
 * field by field, normalised into the JSON stored with the container.
 * The policy lives here too: the settings that would hand a container the
 * host are refused by name, whatever else the request says.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define ARGV_MAX	64
#define ARG_MAX		4096
#define PORTS_MAX	32
#define VOLUMES_MAX	16
#define ENV_MAX		256
#define LABELS_MAX	64
#define REPLICAS_MAX	100
#define PLACEMENT_MAX	16

static const struct op_field create_fields[] = {
	{ "project_id", OP_FT_STRING, OP_FF_REQUIRED, 36, 36, op_valid_uuid },
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 63, op_valid_slug },
	{ "image", OP_FT_STRING, OP_FF_REQUIRED, 1, 512, op_valid_image },
	{ "command", OP_FT_ARRAY, OP_FF_NULLABLE, 0, ARGV_MAX, NULL },
	{ "env", OP_FT_OBJECT, 0, 0, ENV_MAX, NULL },
	{ "ports", OP_FT_ARRAY, 0, 0, PORTS_MAX, NULL },
	{ "volumes", OP_FT_ARRAY, 0, 0, VOLUMES_MAX, NULL },
	{ "cpus", OP_FT_NUMBER, OP_FF_NULLABLE, 0, 64, NULL },
	{ "memory_mb", OP_FT_INT, OP_FF_NULLABLE, 6, 1048576, NULL },
	{ "restart", OP_FT_STRING, 0, 2, 14, NULL },
	{ "healthcheck", OP_FT_OBJECT, OP_FF_NULLABLE, 1, 5, NULL },
	{ "labels", OP_FT_OBJECT, 0, 0, LABELS_MAX, NULL },
	{ "start", OP_FT_BOOL, 0, 0, 0, NULL },
	{ "mode", OP_FT_STRING, 0, 5, 9, NULL },
	{ "replicas", OP_FT_INT, 0, 0, REPLICAS_MAX, NULL },
	{ "placement", OP_FT_ARRAY, 0, 0, PLACEMENT_MAX, NULL },
};
enum { F_PROJECT, F_NAME, F_IMAGE, F_COMMAND, F_ENV, F_PORTS, F_VOLUMES,
	F_CPUS, F_MEMORY, F_RESTART, F_HEALTH, F_LABELS, F_START, F_MODE,
	F_REPLICAS, F_PLACEMENT, F__MAX };

/* Settings that would give a container the host; never accepted. */
static const char *const forbidden[] = {
	"privileged", "cap_add", "capabilities", "devices", "device_requests",
	"network_mode", "pid_mode", "ipc_mode", "uts_mode", "userns_mode",
	"cgroupns_mode", "security_opt", "host_config", "binds", "mounts",
	"sysctls", "cgroup_parent", "runtime", "volumes_from", "oom_kill_disable",
};

static const char *const restart_policies[] = {
	"no", "always", "unless-stopped", "on-failure",
};

static enum op_err
bad(struct op_req *r, const char *field, const char *why)
{
	return op_fail(r, OP_EINVAL, "invalid_definition", op_req_printf(r,
	    "%s %s", field, why), field);
}

/* Refuse, by name, every setting the policy forbids. */
static enum op_err
policy(struct op_req *r)
{
	size_t	i;

	for (i = 0; i < nitems(forbidden); i++)
		if (json_object_get(r->body, forbidden[i]) != NULL)
			return op_fail(r, OP_EINVAL, "policy_violation",
			    op_req_printf(r, "%s is not allowed: containers "
			    "never get host privileges, namespaces, "
			    "capabilities or devices", forbidden[i]),
			    forbidden[i]);
	return OP_OK;
}

/* An argv: 1..ARGV_MAX clean strings. */
static enum op_err
argv_check(struct op_req *r, const char *field, json_t *a, int allow_empty)
{
	const char	*why;
	json_t		*s;
	size_t		 i;

	if (!json_is_array(a) || (!allow_empty && json_array_size(a) == 0) ||
	    json_array_size(a) > ARGV_MAX)
		return bad(r, field, "must be an array of 1 to 64 strings");
	json_array_foreach(a, i, s) {
		if (!json_is_string(s) || json_string_length(s) > ARG_MAX ||
		    op_valid_text(json_string_value(s), &why) != OP_OK)
			return bad(r, op_req_printf(r, "%s[%zu]", field, i),
			    "must be a string without control characters");
	}
	return OP_OK;
}

static enum op_err
env_check(struct op_req *r, json_t *env)
{
	const char	*key, *why;
	json_t		*v;

	json_object_foreach(env, key, v) {
		if (op_valid_env_key(key, &why) != OP_OK)
			return bad(r, op_req_printf(r, "env.%.64s", key), why);
		if (!json_is_string(v) || json_string_length(v) > 32768 ||
		    !op_utf8_clean(json_string_value(v), json_string_length(v),
		    1))
			return bad(r, op_req_printf(r, "env.%s", key),
			    "must be a string of text up to 32 KiB");
	}
	return OP_OK;
}

/* Integer member k of o in [min, max], or absent (def). */
static enum op_err
int_member(struct op_req *r, const char *field, json_t *o, const char *k,
    long long min, long long max, long long def, long long *out)
{
	json_t	*v = json_object_get(o, k);

	*out = def;
	if (v == NULL)
		return OP_OK;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return bad(r, op_req_printf(r, "%s.%s", field, k),
		    op_req_printf(r, "must be an integer from %lld to %lld",
		    min, max));
	*out = json_integer_value(v);
	return OP_OK;
}

/* Only the members named in keys[] may appear in o. */
static enum op_err
members_only(struct op_req *r, const char *field, json_t *o,
    const char *const *keys, size_t n)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; i < n; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (i == n)
			return op_fail(r, OP_EBADREQ, "unknown_field",
			    op_req_printf(r, "unknown field %s.%.64s", field,
			    k), field);
	}
	return OP_OK;
}

/* [{container, host?, protocol?}] → normalised, no duplicates. */
static enum op_err
ports_parse(struct op_req *r, json_t *in, json_t *out)
{
	static const char *const keys[] = { "container", "host", "protocol" };
	const char	*field, *proto;
	long long	 c, h;
	json_t		*p, *q;
	size_t		 i, j;
	enum op_err	 er;

	json_array_foreach(in, i, p) {
		field = op_req_printf(r, "ports[%zu]", i);
		if (!json_is_object(p))
			return bad(r, field, "must be an object");
		if ((er = members_only(r, field, p, keys, nitems(keys))) !=
		    OP_OK ||
		    (er = int_member(r, field, p, "container", 1, 65535, 0,
		    &c)) != OP_OK ||
		    (er = int_member(r, field, p, "host", 1024, 65535, 0,
		    &h)) != OP_OK)
			return er;
		if (c == 0)
			return bad(r, op_req_printf(r, "%s.container", field),
			    "is required");
		proto = json_string_value(json_object_get(p, "protocol"));
		if (json_object_get(p, "protocol") != NULL && (proto == NULL ||
		    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)))
			return bad(r, op_req_printf(r, "%s.protocol", field),
			    "must be tcp or udp");
		if (proto == NULL)
			proto = "tcp";
		json_array_foreach(out, j, q)
			if (json_integer_value(json_object_get(q,
			    "container")) == c && strcmp(proto,
			    json_string_value(json_object_get(q, "protocol")))
			    == 0)
				return bad(r, field, "repeats a port");
		json_array_append_new(out, json_pack("{s:I, s:o, s:s}",
		    "container", c, "host", h ? json_integer(h) : json_null(),
		    "protocol", proto));
	}
	return OP_OK;
}

/* Is path (clean, absolute) equal to or below one of the list's? */
static int
allowed_by(json_t *list, const char *path)
{
	const char	*a;
	json_t		*item;
	size_t		 i, n;

	json_array_foreach(list, i, item) {
		a = json_string_value(item);
		n = a ? strlen(a) : 0;
		if (n > 0 && strncmp(path, a, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
	}
	return 0;
}

/*
 * A host path for a bind mount: inside a path an instance admin allowed,
 * existing, and still inside once every link in it is resolved.
 * *resolved is what the engine mounts, so no link can lead it elsewhere.
 */
static enum op_err
host_path_check(struct op_req *r, const char *field, const char *path,
    const char **resolved)
{
	PGresult	*res = NULL;
	json_t		*list = NULL;
	char		 real[PATH_MAX];
	const char	*why;
	enum op_err	 er;

	*resolved = NULL;
	if (op_valid_container_path(path, &why) != OP_OK)
		return bad(r, field, why);
	if ((er = op_db_exec(r->db, &res, "SELECT value FROM auth.settings_v"
	    " WHERE key = 'bind_mount_allowlist'", 0, NULL)) != OP_OK)
		return er;
	if (PQntuples(res) == 1)
		list = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	op_req_own_json(r, list);
	if (!allowed_by(list, path))
		return op_fail(r, OP_EINVAL, "policy_violation", op_req_printf(r,
		    "%s is outside the host paths an instance admin allowed "
		    "(bind_mount_allowlist in /api/settings)", field), field);
	if (realpath(path, real) == NULL)
		return bad(r, field, "does not exist on the host");
	if (!allowed_by(list, real))
		return op_fail(r, OP_EINVAL, "policy_violation", op_req_printf(r,
		    "%s leads outside the allowed host paths through a link",
		    field), field);
	*resolved = op_req_strdup(r, real);
	return OP_OK;
}

/*
 * [{name, path, read_only?} | {host_path, path, read_only?}]: named
 * volumes, or host paths inside the admins' allow-list.
 */
static enum op_err
volumes_parse(struct op_req *r, json_t *in, json_t *out)
{
	static const char *const keys[] = { "name", "host_path", "path",
	    "read_only" };
	const char	*field, *name, *path, *host, *why, *resolved = NULL;
	json_t		*v, *q;
	size_t		 i, j;
	enum op_err	 er;

	json_array_foreach(in, i, v) {
		field = op_req_printf(r, "volumes[%zu]", i);
		if (!json_is_object(v))
			return bad(r, field, "must be an object");
		if (json_object_get(v, "source") != NULL ||
		    json_object_get(v, "bind") != NULL)
			return op_fail(r, OP_EINVAL, "policy_violation",
			    "bind mounts name their host path in host_path",
			    field);
		if ((er = members_only(r, field, v, keys, nitems(keys))) !=
		    OP_OK)
			return er;
		name = json_string_value(json_object_get(v, "name"));
		host = json_string_value(json_object_get(v, "host_path"));
		path = json_string_value(json_object_get(v, "path"));
		if ((name == NULL) == (host == NULL))
			return bad(r, field, "needs a volume name or a "
			    "host_path, not both");
		if (host != NULL) {
			if ((er = host_path_check(r, op_req_printf(r,
			    "%s.host_path", field), host, &resolved)) != OP_OK)
				return er;
		} else if (op_valid_volume_name(name, &why) != OP_OK)
			return bad(r, op_req_printf(r, "%s.name", field), why);
		if (path == NULL || op_valid_container_path(path, &why) != OP_OK)
			return bad(r, op_req_printf(r, "%s.path", field), path ?
			    why : "is required");
		if (json_object_get(v, "read_only") != NULL &&
		    !json_is_boolean(json_object_get(v, "read_only")))
			return bad(r, op_req_printf(r, "%s.read_only", field),
			    "must be true or false");
		json_array_foreach(out, j, q)
			if (strcmp(path, json_string_value(json_object_get(q,
			    "path"))) == 0)
				return bad(r, field, "mounts a path twice");
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}",
		    host ? "host_path" : "name", host ? resolved : name,
		    "path", path, "read_only",
		    json_is_true(json_object_get(v, "read_only"))));
	}
	return OP_OK;
}

static enum op_err
health_parse(struct op_req *r, json_t *in, json_t **out)
{
	static const char *const keys[] = { "test", "interval_s",
	    "timeout_s", "retries", "start_period_s" };
	long long	 interval, timeout, retries, start;
	json_t		*test;
	enum op_err	 er;

	*out = NULL;
	test = json_object_get(in, "test");
	if ((er = members_only(r, "healthcheck", in, keys, nitems(keys))) !=
	    OP_OK)
		return er;
	if (test == NULL)
		return bad(r, "healthcheck.test", "is required");
	if ((er = argv_check(r, "healthcheck.test", test, 0)) != OP_OK ||
	    (er = int_member(r, "healthcheck", in, "interval_s", 1, 3600, 10,
	    &interval)) != OP_OK ||
	    (er = int_member(r, "healthcheck", in, "timeout_s", 1, 3600, 5,
	    &timeout)) != OP_OK ||
	    (er = int_member(r, "healthcheck", in, "retries", 1, 100, 3,
	    &retries)) != OP_OK ||
	    (er = int_member(r, "healthcheck", in, "start_period_s", 0, 3600,
	    0, &start)) != OP_OK)
		return er;
	*out = json_pack("{s:O, s:I, s:I, s:I, s:I}", "test", test,
	    "interval_s", interval, "timeout_s", timeout, "retries", retries,
	    "start_period_s", start);
	return *out ? OP_OK : OP_ENOMEM;
}

static enum op_err
labels_check(struct op_req *r, json_t *labels)
{
	const char	*key, *why;
	json_t		*v;

	json_object_foreach(labels, key, v) {
		if (op_valid_label_key(key, &why) != OP_OK)
			return bad(r, op_req_printf(r, "labels.%.64s", key),
			    why);
		if (!json_is_string(v) || json_string_length(v) > 1024 ||
		    op_valid_text(json_string_value(v), &why) != OP_OK)
			return bad(r, op_req_printf(r, "labels.%s", key),
			    "must be a string of up to 1 KiB");
	}
	return OP_OK;
}

/*
 * mode, replicas and placement: a Swarm service's (mode "swarm") or a
 * plain container's ("container", which takes neither of the others).
 * The mode is chosen at creation; an update may change the rest of a
 * swarm container's (checked against its mode by spec_swarm_check).
 */
static enum op_err
swarm_fill(struct op_req *r, int creating, const struct op_value *v,
    json_t *spec)
{
	const char	*mode = v[F_MODE].set ? v[F_MODE].s : "container", *why;
	json_t		*c;
	size_t		 i;

	if (!creating && v[F_MODE].set)
		return op_fail(r, OP_EINVAL, "immutable_field", "a container's "
		    "mode is fixed; create a new container instead", "mode");
	if (strcmp(mode, "container") != 0 && strcmp(mode, "swarm") != 0)
		return bad(r, "mode", "must be container or swarm");
	if (creating && strcmp(mode, "container") == 0 &&
	    (v[F_REPLICAS].set || v[F_PLACEMENT].set))
		return bad(r, v[F_REPLICAS].set ? "replicas" : "placement",
		    "needs mode swarm");
	json_array_foreach(v[F_PLACEMENT].set ? v[F_PLACEMENT].j : NULL, i, c)
		if (!json_is_string(c) || op_valid_placement(json_string_value(
		    c), &why) != OP_OK)
			return bad(r, op_req_printf(r, "placement[%zu]", i),
			    json_is_string(c) ? why : "must be a string");
	if (creating)
		json_object_set_new(spec, "mode", json_string(mode));
	if (creating && strcmp(mode, "swarm") == 0) {
		json_object_set_new(spec, "replicas", json_integer(1));
		json_object_set_new(spec, "placement", json_array());
	}
	if (v[F_REPLICAS].set)
		json_object_set_new(spec, "replicas",
		    json_integer(v[F_REPLICAS].i));
	if (v[F_PLACEMENT].set)
		json_object_set(spec, "placement", v[F_PLACEMENT].j);
	return OP_OK;
}

int
spec_is_swarm(json_t *spec)
{
	const char	*m = json_string_value(json_object_get(spec, "mode"));

	return m != NULL && strcmp(m, "swarm") == 0;
}

enum op_err
spec_swarm_check(struct op_req *r, json_t *stored, json_t *update)
{
	if (spec_is_swarm(stored))
		return OP_OK;
	if (json_object_get(update, "replicas") != NULL)
		return bad(r, "replicas", "needs mode swarm");
	if (json_object_get(update, "placement") != NULL)
		return bad(r, "placement", "needs mode swarm");
	return OP_OK;
}

/* The nested fields, into the normalised spec. */
static enum op_err
spec_fill(struct op_req *r, const struct op_value *v, json_t *spec)
{
	json_t		*ports, *volumes, *health = NULL;
	size_t		 i;
	enum op_err	 er;

	if (v[F_COMMAND].set) {
		if (!v[F_COMMAND].null && (er = argv_check(r, "command",
		    v[F_COMMAND].j, 0)) != OP_OK)
			return er;
		json_object_set(spec, "command", v[F_COMMAND].null ?
		    json_null() : v[F_COMMAND].j);
	}
	if (v[F_ENV].set && (er = env_check(r, v[F_ENV].j)) != OP_OK)
		return er;
	if (v[F_PORTS].set) {
		json_object_set_new(spec, "ports", ports = json_array());
		if ((er = ports_parse(r, v[F_PORTS].j, ports)) != OP_OK)
			return er;
	}
	if (v[F_VOLUMES].set) {
		json_object_set_new(spec, "volumes", volumes = json_array());
		if ((er = volumes_parse(r, v[F_VOLUMES].j, volumes)) != OP_OK)
			return er;
	}
	if (v[F_CPUS].set)
		json_object_set_new(spec, "cpus", v[F_CPUS].null ? json_null() :
		    json_real(v[F_CPUS].d));
	if (v[F_CPUS].set && !v[F_CPUS].null && v[F_CPUS].d < 0.01)
		return bad(r, "cpus", "must be at least 0.01");
	if (v[F_MEMORY].set)
		json_object_set_new(spec, "memory_mb", v[F_MEMORY].null ?
		    json_null() : json_integer(v[F_MEMORY].i));
	if (v[F_RESTART].set) {
		for (i = 0; i < nitems(restart_policies); i++)
			if (strcmp(v[F_RESTART].s, restart_policies[i]) == 0)
				break;
		if (i == nitems(restart_policies))
			return bad(r, "restart", "must be no, always, "
			    "unless-stopped or on-failure");
		json_object_set_new(spec, "restart",
		    json_string(v[F_RESTART].s));
	}
	if (v[F_HEALTH].set) {
		if (!v[F_HEALTH].null && (er = health_parse(r, v[F_HEALTH].j,
		    &health)) != OP_OK)
			return er;
		json_object_set_new(spec, "healthcheck", health ? health :
		    json_null());
	}
	if (v[F_LABELS].set) {
		if ((er = labels_check(r, v[F_LABELS].j)) != OP_OK)
			return er;
		json_object_set(spec, "labels", v[F_LABELS].j);
	}
	return OP_OK;
}

enum op_err
spec_parse(struct op_req *r, int creating, struct spec_input *in)
{
	struct op_field	 fields[nitems(create_fields)];
	struct op_value	 v[nitems(create_fields)];
	json_t		*spec;
	enum op_err	 er;
	size_t		 i;

	memset(in, 0, sizeof(*in));
	memcpy(fields, create_fields, sizeof(fields));
	if (!creating)	/* an update names none of these, and needs none */
		for (i = 0; i < nitems(fields); i++)
			fields[i].flags &= ~(unsigned)OP_FF_REQUIRED;
	if (r->body != NULL && json_is_object(r->body) &&
	    (er = policy(r)) != OP_OK)
		return er;
	if ((er = op_fields_body(r, fields, nitems(fields), v)) != OP_OK)
		return er;
	if (!creating && (v[F_PROJECT].set || v[F_NAME].set || v[F_START].set))
		return op_fail(r, OP_EINVAL, "immutable_field",
		    "a container's project, name and start flag are fixed; "
		    "create a new container instead", v[F_PROJECT].set ?
		    "project_id" : v[F_NAME].set ? "name" : "start");
	if (creating)
		spec = json_pack("{s:n, s:[], s:[], s:n, s:n, s:s, s:n, s:{}}",
		    "command", "ports", "volumes", "cpus", "memory_mb",
		    "restart", "unless-stopped", "healthcheck", "labels");
	else
		spec = json_object();
	if (spec == NULL)
		return OP_ENOMEM;
	if ((er = spec_fill(r, v, spec)) != OP_OK ||
	    (er = swarm_fill(r, creating, v, spec)) != OP_OK) {
		json_decref(spec);
		return er;
	}
	in->project_id = v[F_PROJECT].s;
	in->name = v[F_NAME].s;
	in->image = v[F_IMAGE].s;
	in->env = v[F_ENV].set ? v[F_ENV].j : NULL;
	in->start = v[F_START].set ? (int)v[F_START].i : 1;
	in->spec = spec;
	return OP_OK;
}

json_t *
spec_merge(json_t *spec, json_t *update)
{
	json_t	*out = json_deep_copy(spec);

	if (out != NULL && json_object_update(out, update) != 0) {
		json_decref(out);
		out = NULL;
	}
	return out;
}
