/*
 * gateway.h — op-gateway's parts: the door (main.c) and the reload that
 * waits for the gateway to take its configuration (reload.c).
 */
#ifndef OP_GATEWAY_H
#define OP_GATEWAY_H

#include "openpanel.h"

/*
 * Send the gateway's master (its pid in the file at pid_path) SIGHUP, and
 * wait up to timeout_ms until it runs the new configuration: every worker
 * it had before gone or shutting down, and a new one taking connections.
 * 0 then; -1 with the reason in why (not running, or the old configuration
 * kept: nginx logged why).
 */
int	gateway_reload(const char *pid_path, int timeout_ms, struct op_buf *why);

#endif
