/*
 * engine.c — a container's life on the Docker engine: the create body
 * built from the stored definition (the policy applied here, whatever the
 * definition says), pulls, start, stop, remove, and reading back state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

#define PULL_TIMEOUT	300000	/* ms: a pull may be large */

void
name_network(const char *project_id, char out[64])
{
	snprintf(out, 64, "op-net-%s", project_id);
}

void
name_container(const char *container_id, char out[64])
{
	snprintf(out, 64, "op-%s", container_id);
}

void
name_volume(const char *project_id, const char *volume, char out[128])
{
	snprintf(out, 128, "op-%s-%s", project_id, volume);
}

static char	instance[37];	/* projects.instance.id, once read */

const char *
engine_instance(struct op_req *r)
{
	PGresult	*res = NULL;

	if (instance[0] == '\0' && op_db_exec(r->db, &res, "SELECT id FROM"
	    " projects.instance", 0, NULL) == OP_OK && PQntuples(res) == 1)
		snprintf(instance, sizeof(instance), "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
	return instance[0] != '\0' ? instance : NULL;
}

enum op_err
engine(struct op_req *r, struct op_docker **out)
{
	static struct op_docker	*d;
	enum op_err		 er;

	*out = NULL;
	if (engine_instance(r) == NULL)
		return op_fail(r, OP_EUNAVAIL, "unavailable",
		    "the database is not answering", NULL);
	if (d == NULL && (er = op_docker_open(op_config_get("OP_DOCKER_SOCKET",
	    "/var/run/docker.sock"), &d)) != OP_OK)
		return er;
	*out = d;
	return OP_OK;
}

/* The engine down is a 503 with a message that says so. */
static enum op_err
unreachable(struct op_req *r, enum op_err er)
{
	if (er == OP_EUNAVAIL || er == OP_ETIMEOUT)
		return op_fail(r, OP_EUNAVAIL, "docker_unavailable",
		    "the Docker engine is not answering", NULL);
	return er;
}

/* An engine refusal (4xx/5xx) as a 409 carrying the engine's words. */
static enum op_err
refused(struct op_req *r, const char *what, json_t *reply)
{
	op_warn("docker %s: %s", what, op_docker_message(reply));
	return op_fail(r, OP_ECONFLICT, "docker_error", op_req_printf(r,
	    "%s: %s", what, op_docker_message(reply)), NULL);
}

enum op_err
engine_call(struct op_req *r, const char *method, const char *path,
    json_t *body, const char *what, long ok1, long ok2, json_t **reply_out)
{
	struct op_docker	*d;
	json_t			*reply = NULL;
	long			 status;
	enum op_err		 er;

	if (reply_out != NULL)
		*reply_out = NULL;
	if ((er = engine(r, &d)) != OP_OK)
		return er;
	er = op_docker_call(d, method, path, body, DOCKER_TIMEOUT, &status,
	    &reply);
	if (er != OP_OK)
		return unreachable(r, er);
	if (status != ok1 && status != ok2 && (status < 200 || status > 299)) {
		er = status == 404 ? op_fail(r, OP_ENOTFOUND, "docker_missing",
		    op_req_printf(r, "%s: %s", what, op_docker_message(reply)),
		    NULL) : refused(r, what, reply);
		json_decref(reply);
		return er;
	}
	if (reply_out != NULL)
		*reply_out = reply;
	else
		json_decref(reply);
	return OP_OK;
}

json_t *
engine_labels(const struct container *c)
{
	json_t	*l = json_deep_copy(json_object_get(c->spec, "labels"));

	if (l == NULL)
		l = json_object();
	json_object_set_new(l, "io.openpanel.project",
	    json_string(c->project_id));
	json_object_set_new(l, "io.openpanel.container", json_string(c->id));
	json_object_set_new(l, "io.openpanel.team", json_string(c->team_id));
	json_object_set_new(l, "io.openpanel.instance", json_string(instance));
	if (c->deployment != NULL)
		json_object_set_new(l, "io.openpanel.deployment",
		    json_string(c->deployment));
	return l;
}

enum op_err
engine_network(struct op_req *r, const char *project_id)
{
	char	 name[64], *path;
	json_t	*body;
	enum op_err er;

	name_network(project_id, name);
	path = op_req_printf(r, "/networks/%s", name);
	if (engine_call(r, "GET", path, NULL, "network", 200, 200, NULL) ==
	    OP_OK)
		return OP_OK;
	r->err.set = 0;
	body = json_pack("{s:s, s:s, s:b, s:b, s:{s:s, s:s}}", "Name", name,
	    "Driver", "bridge", "CheckDuplicate", 1, "Internal", 0,
	    "Labels", "io.openpanel.project", project_id,
	    "io.openpanel.instance", instance);
	er = engine_call(r, "POST", "/networks/create", body,
	    "create network", 201, 409, NULL);
	json_decref(body);
	return er;
}

/* Pull image, reading the progress stream to its end for an error. */
static int
pull_sink(void *arg, const char *data, size_t len)
{
	(void)op_buf_add(arg, data, len);	/* keep the head; read on */
	return 0;
}

/*
 * The engine's reason in a pull answer (buf, len bytes): the "message" or
 * "error" of the progress line at `at` (or of the whole answer), else the
 * start of that line.
 */
static const char *
pull_reason(struct op_req *r, const char *buf, const char *at)
{
	const char	*line, *m;
	json_t		*j;
	char		*out;

	if (buf == NULL)
		return "no answer from the engine";
	for (line = at ? at : buf; line > buf && line[-1] != '\n'; line--)
		;
	j = json_loadb(line, strcspn(line, "\n"), 0, NULL);
	m = json_string_value(json_object_get(j, "message"));
	if (m == NULL)
		m = json_string_value(json_object_get(j, "error"));
	out = op_req_printf(r, "%.300s", m != NULL ? m : line);
	json_decref(j);
	return out;
}

static enum op_err
pull(struct op_req *r, const char *team_id, const char *image)
{
	struct op_docker	*d;
	struct op_buf		 out;
	char			*q, *e;
	long			 status;
	enum op_err		 er;

	if ((er = engine(r, &d)) != OP_OK)
		return er;
	op_buf_init(&out, 256 * 1024);
	if ((e = op_req_urlencode(r, image)) == NULL)
		return OP_ENOMEM;
	q = op_req_printf(r, "/images/create?fromImage=%s", e);
	if ((er = registry_auth(r, d, team_id, image)) != OP_OK) {
		op_buf_clear(&out);
		return er;
	}
	er = op_docker_stream(d, "POST", q, NULL, NULL, 0, PULL_TIMEOUT,
	    pull_sink, &out, &status);
	if (er != OP_OK) {
		op_buf_clear(&out);
		return unreachable(r, er);
	}
	/* An error line in the progress stream, or the answer itself. */
	e = out.data != NULL ? strstr(out.data, "\"error\"") : NULL;
	if (status != 200 || e != NULL) {
		er = op_fail(r, OP_EINVAL, "image_pull_failed",
		    op_req_printf(r, "pulling %s failed: %s", image,
		    pull_reason(r, out.data, e)), "image");
		op_buf_clear(&out);
		return er;
	}
	op_buf_clear(&out);
	return OP_OK;
}

json_t *
engine_env_list(json_t *env)
{
	const char	*k;
	json_t		*v, *out = json_array();
	char		*kv;

	json_object_foreach(env, k, v) {
		if (asprintf(&kv, "%s=%s", k, json_string_value(v)) < 0)
			continue;
		json_array_append_new(out, json_string(kv));
		op_wipe(kv, strlen(kv));
		free(kv);
	}
	return out;
}

json_t *
engine_health(json_t *h)
{
	json_t	*test = json_array(), *s;
	size_t	 i;

	json_array_append_new(test, json_string("CMD"));
	json_array_foreach(json_object_get(h, "test"), i, s)
		json_array_append(test, s);
	return json_pack("{s:o, s:I, s:I, s:I, s:I}", "Test", test,
	    "Interval", json_integer_value(json_object_get(h, "interval_s")) *
	    1000000000LL,
	    "Timeout", json_integer_value(json_object_get(h, "timeout_s")) *
	    1000000000LL,
	    "Retries", json_integer_value(json_object_get(h, "retries")),
	    "StartPeriod", json_integer_value(json_object_get(h,
	    "start_period_s")) * 1000000000LL);
}

/* "80/tcp" for a port of the definition. */
static void
port_key(json_t *p, char out[32])
{
	snprintf(out, 32, "%lld/%s", (long long)json_integer_value(
	    json_object_get(p, "container")), json_string_value(
	    json_object_get(p, "protocol")));
}

json_t *
engine_mounts(const struct container *c)
{
	json_t		*mounts = json_array(), *v;
	char		 vol[128];
	size_t		 i;

	json_array_foreach(json_object_get(c->spec, "volumes"), i, v) {
		if (json_object_get(v, "host_path") != NULL) {	/* allowed */
			json_array_append_new(mounts, json_pack("{s:s, s:s,"
			    " s:s, s:O}", "Type", "bind", "Source",
			    json_string_value(json_object_get(v, "host_path")),
			    "Target", json_string_value(json_object_get(v,
			    "path")), "ReadOnly", json_object_get(v,
			    "read_only")));
			continue;
		}
		name_volume(c->project_id, json_string_value(json_object_get(v,
		    "name")), vol);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:O,"
		    " s:{s:{s:s, s:s}}}", "Type", "volume", "Source", vol,
		    "Target", json_string_value(json_object_get(v, "path")),
		    "ReadOnly", json_object_get(v, "read_only"),
		    "VolumeOptions", "Labels", "io.openpanel.project",
		    c->project_id, "io.openpanel.instance", instance));
	}
	return mounts;
}

/* The HostConfig: built from the definition's safe fields only. */
static json_t *
host_config(const struct container *c, const char *network)
{
	json_t		*hc, *bindings = json_object(), *p, *cpus, *mem;
	char		 port[32], host[16];
	size_t		 i;

	json_array_foreach(json_object_get(c->spec, "ports"), i, p) {
		port_key(p, port);
		host[0] = '\0';	/* empty: the engine picks a free port */
		if (json_is_integer(json_object_get(p, "host")))
			snprintf(host, sizeof(host), "%lld", (long long)
			    json_integer_value(json_object_get(p, "host")));
		json_object_set_new(bindings, port, json_pack("[{s:s, s:s}]",
		    "HostIp", "127.0.0.1", "HostPort", host));
	}
	hc = json_pack("{s:o, s:o, s:s, s:{s:s}, s:b, s:[], s:[s], s:n,"
	    " s:{s:s, s:{s:s, s:s}}, s:I}",
	    "PortBindings", bindings, "Mounts", engine_mounts(c),
	    "NetworkMode", network,
	    "RestartPolicy", "Name", json_string_value(json_object_get(c->spec,
	    "restart")), "Privileged", 0, "CapAdd", "SecurityOpt",
	    "no-new-privileges", "Devices", "LogConfig", "Type", "json-file",
	    "Config", "max-size", "10m", "max-file", "3", "PidsLimit", 4096LL);
	cpus = json_object_get(c->spec, "cpus");
	if (json_is_number(cpus))
		json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)
		    (json_number_value(cpus) * 1e9)));
	mem = json_object_get(c->spec, "memory_mb");
	if (json_is_integer(mem))
		json_object_set_new(hc, "Memory", json_integer(
		    json_integer_value(mem) * 1024 * 1024));
	return hc;
}

static json_t *
create_body(const struct container *c, json_t *env)
{
	char	 network[64], port[32];
	json_t	*body, *exposed = json_object(), *p, *cmd, *h;
	size_t	 i;

	name_network(c->project_id, network);
	json_array_foreach(json_object_get(c->spec, "ports"), i, p) {
		port_key(p, port);
		json_object_set_new(exposed, port, json_object());
	}
	body = json_pack("{s:s, s:o, s:o, s:o, s:o, s:{s:{s:{s:[s]}}}}",
	    "Image", c->image, "Env", engine_env_list(env), "Labels", engine_labels(c),
	    "ExposedPorts", exposed, "HostConfig", host_config(c, network),
	    "NetworkingConfig", "EndpointsConfig", network, "Aliases", c->name);
	cmd = json_object_get(c->spec, "command");
	if (body != NULL && json_is_array(cmd))
		json_object_set(body, "Cmd", cmd);
	h = json_object_get(c->spec, "healthcheck");
	if (body != NULL && json_is_object(h))
		json_object_set_new(body, "Healthcheck", engine_health(h));
	return body;
}

/* Append suffix to a Docker object name, within its 64 bytes. */
static void
strlcat_name(char name[64], const char *suffix)
{
	size_t	n = strlen(name);

	snprintf(name + n, 64 - n, "%s", suffix);
}

enum op_err
engine_create(struct op_req *r, struct container *c, json_t *env,
    const char *suffix)
{
	char		 name[64], *path;
	json_t		*body, *reply = NULL;
	enum op_err	 er;

	if ((er = engine_network(r, c->project_id)) != OP_OK)
		return er;
	if ((body = create_body(c, env)) == NULL)
		return OP_ENOMEM;
	name_container(c->id, name);
	if (suffix != NULL)
		strlcat_name(name, suffix);
	path = op_req_printf(r, "/containers/create?name=%s", name);
	er = engine_call(r, "POST", path, body, "create container", 201, 201,
	    &reply);
	if (er == OP_ENOTFOUND) {	/* no such image here: pull it */
		r->err.set = 0;
		if ((er = pull(r, c->team_id, c->image)) == OP_OK)
			er = engine_call(r, "POST", path, body, "create container",
			    201, 201, &reply);
	}
	json_decref(body);
	if (er != OP_OK)
		return er;
	c->docker_id = op_req_strdup(r, json_string_value(json_object_get(reply,
	    "Id")));
	json_decref(reply);
	return c->docker_id == NULL ? OP_EINTERNAL : OP_OK;
}

enum op_err
engine_rename(struct op_req *r, struct container *c, const char *name)
{
	return engine_call(r, "POST", op_req_printf(r, "/containers/%s/rename?name=%s",
	    c->docker_id, name), NULL, "rename", 204, 204, NULL);
}

enum op_err
engine_start(struct op_req *r, struct container *c)
{
	return engine_call(r, "POST", op_req_printf(r, "/containers/%s/start",
	    c->docker_id), NULL, "start", 204, 304, NULL);
}

enum op_err
engine_stop(struct op_req *r, struct container *c)
{
	return engine_call(r, "POST", op_req_printf(r, "/containers/%s/stop?t=%d",
	    c->docker_id, STOP_SECONDS), NULL, "stop", 204, 304, NULL);
}

enum op_err
engine_remove(struct op_req *r, struct container *c)
{
	enum op_err	er;

	if (c->docker_id == NULL)
		return OP_OK;
	er = engine_call(r, "DELETE", op_req_printf(r,
	    "/containers/%s?force=true&v=true", c->docker_id), NULL, "remove",
	    204, 404, NULL);
	if (er == OP_ENOTFOUND) {	/* already gone: that is the goal */
		r->err.set = 0;
		er = OP_OK;
	}
	return er;
}

enum op_err
engine_inspect(struct op_req *r, const char *docker_id, json_t **reply)
{
	return engine_call(r, "GET", op_req_printf(r, "/containers/%s/json",
	    docker_id), NULL, "inspect", 200, 200, reply);
}

enum op_err
engine_network_remove(struct op_req *r, const char *project_id)
{
	char		name[64];
	enum op_err	er;

	name_network(project_id, name);
	er = engine_call(r, "DELETE", op_req_printf(r, "/networks/%s", name), NULL,
	    "remove network", 204, 404, NULL);
	if (er == OP_ENOTFOUND) {
		r->err.set = 0;
		er = OP_OK;
	}
	return er;
}

enum op_err
engine_volume_remove(struct op_req *r, const char *name)
{
	enum op_err	er;

	er = engine_call(r, "DELETE", op_req_printf(r, "/volumes/%s", name), NULL,
	    "remove volume", 204, 404, NULL);
	if (er == OP_ENOTFOUND) {
		r->err.set = 0;
		er = OP_OK;
	}
	return er;
}

enum op_err
engine_volumes_remove(struct op_req *r, const char *project_id)
{
	json_t		*reply = NULL, *v;
	const char	*filters;
	enum op_err	 er;
	size_t		 i;

	filters = op_req_urlencode(r, op_req_printf(r,
	    "{\"label\":[\"io.openpanel.project=%s\","
	    "\"io.openpanel.instance=%s\"]}", project_id, instance));
	if ((er = engine_call(r, "GET", op_req_printf(r, "/volumes?filters=%s",
	    filters), NULL, "list volumes", 200, 200, &reply)) != OP_OK)
		return er;
	json_array_foreach(json_object_get(reply, "Volumes"), i, v) {
		er = engine_call(r, "DELETE", op_req_printf(r, "/volumes/%s",
		    json_string_value(json_object_get(v, "Name"))), NULL,
		    "remove volume", 204, 404, NULL);
		if (er != OP_OK && er != OP_ENOTFOUND)
			break;
		r->err.set = 0;
		er = OP_OK;
	}
	json_decref(reply);
	return er;
}
