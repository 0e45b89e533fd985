/*
 * valid_swarm.c — the values the panel hands Docker Swarm: placement
 * constraints of a service, node labels an instance admin sets, node ids,
 * and whether a node may be removed from the swarm.
 */
#include <ctype.h>
#include <string.h>

#include "openpanel.h"

#define BAD(msg)	do { *why = (msg); return OP_EINVAL; } while (0)
#define CONSTRAINT_MAX	256

/* The node attributes Swarm filters on; "labels." ones take a key. */
static const char *const attributes[] = {
	"node.id", "node.hostname", "node.role", "node.platform.os",
	"node.platform.arch",
};
static const char *const labelled[] = {
	"node.labels.", "engine.labels.",
};

/* [A-Za-z0-9._-]+ of n bytes. */
static int
word_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* Is the n bytes at s an attribute Swarm knows? */
static int
attribute_ok(const char *s, size_t n)
{
	char		key[129];
	const char	*why;
	size_t		i, p;

	for (i = 0; i < nitems(attributes); i++)
		if (strlen(attributes[i]) == n &&
		    strncmp(s, attributes[i], n) == 0)
			return 1;
	for (i = 0; i < nitems(labelled); i++) {
		p = strlen(labelled[i]);
		if (n <= p || n - p >= sizeof(key) ||
		    strncmp(s, labelled[i], p) != 0)
			continue;
		memcpy(key, s + p, n - p);
		key[n - p] = '\0';
		return op_valid_node_label_key(key, &why) == OP_OK;
	}
	return 0;
}

enum op_err
op_valid_placement(const char *s, const char **why)
{
	const char	*op;
	size_t		 n = strlen(s), a, b;

	if (n == 0 || n > CONSTRAINT_MAX)
		BAD("must be 1 to 256 characters");
	if ((op = strstr(s, "==")) == NULL && (op = strstr(s, "!=")) == NULL)
		BAD("must read attribute==value or attribute!=value");
	for (a = (size_t)(op - s); a > 0 && s[a - 1] == ' '; a--)
		;
	for (b = (size_t)(op - s) + 2; s[b] == ' '; b++)
		;
	if (!attribute_ok(s, a))
		BAD("must constrain node.id, node.hostname, node.role, "
		    "node.platform.os, node.platform.arch, node.labels.<key> "
		    "or engine.labels.<key>");
	if (!word_ok(s + b, n - b))
		BAD("must compare with a value of letters, digits, '.', '_' "
		    "and '-'");
	return OP_OK;
}

enum op_err
op_valid_node_label_key(const char *s, const char **why)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 128)
		BAD("must be 1 to 128 characters");
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) ||
		    (i > 0 && strchr("._-", s[i]))))
			BAD("may hold a-z, 0-9, '.', '_' and '-'");
	if (strncmp(s, "com.docker.", 11) == 0)
		BAD("is reserved");
	return OP_OK;
}

enum op_err
op_valid_node_label_value(const char *s, const char **why)
{
	size_t	n = strlen(s);

	if (n > 256)
		BAD("must be at most 256 characters");
	if (n > 0 && !word_ok(s, n))
		BAD("may hold letters, digits, '.', '_' and '-'");
	return OP_OK;
}

enum op_err
op_valid_node_id(const char *s, const char **why)
{
	size_t	n = strlen(s);

	if (n < 10 || n > 64)
		BAD("must be 10 to 64 characters");
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789")] != '\0')
		BAD("may hold a-z and 0-9");
	return OP_OK;
}

enum op_err
op_valid_node_removal(const char *role, const char *state,
    const char **code, const char **why)
{
	/* Swarm keeps a manager in its Raft quorum until it is demoted,
	 * and removing a node that still runs would orphan its tasks. */
	if (role == NULL || strcmp(role, "worker") != 0) {
		*code = "node_manager";
		*why = "the node is a swarm manager: demote it to worker "
		    "(role: worker) first";
		return OP_ECONFLICT;
	}
	if (state == NULL || strcmp(state, "down") != 0) {
		*code = "node_up";
		*why = "the node is still up: drain it, run docker swarm "
		    "leave on that server, then remove it once it is down";
		return OP_ECONFLICT;
	}
	return OP_OK;
}
