# OpenPanel — the source lists below are the architecture.
#   make            build everything into build/
#   make run        set up and serve the panel on 127.0.0.1:8080
#   make test       set up a throwaway stack and run every suite, all built
#                   with ASan + UBSan (make san is the same)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (60) each
#   make bench      throughput, latency and memory figures
#   make soak       the fault suites (tests/reliability/) run long
#   make install    the production layout (PREFIX, DESTDIR)
#   make docs       docs/api.md from docs/openapi.yaml

CC	?= cc
PREFIX	?= /usr/local
BUILD	?= build

PKGS	 = jansson libpq libjwt hiredis libcurl openssl libsodium libidn2 zlib
WARN	 = -std=c11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	   -Wno-unused-parameter -Wvla -Wcast-qual
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
# CFLAGS and LDFLAGS are the caller's (make san sets them); the rest is ours.
CFLAGS	?= -O2 -g
ALL_CFLAGS  = $(CFLAGS) $(WARN) $(HARDEN) -D_GNU_SOURCE -Ilib \
	      $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS = $(LDFLAGS) -pie -Wl,-z,relro,-z,now
LDLIBS	 = -lfcgi $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

# lib/: one concept per file.
LIB_SRCS = \
	lib/err.c	\
	lib/buf.c	\
	lib/config.c	\
	lib/log.c	\
	lib/arena.c	\
	lib/crypto.c	\
	lib/password.c	\
	lib/secret.c	\
	lib/base32.c	\
	lib/totp.c	\
	lib/jwt.c	\
	lib/exec.c	\
	lib/docker.c	\
	lib/unix.c	\
	lib/fd.c	\
	lib/db.c	\
	lib/dbjson.c	\
	lib/pgenv.c	\
	lib/migrate.c	\
	lib/redis.c	\
	lib/req.c	\
	lib/reply.c	\
	lib/router.c	\
	lib/fields.c	\
	lib/valid.c	\
	lib/valid_git.c	\
	lib/valid_swarm.c	\
	lib/perm.c	\
	lib/events.c	\
	lib/outbox.c	\
	lib/job.c	\
	lib/fcgiping.c	\
	lib/pools.c	\
	lib/live.c	\
	lib/reqstats.c	\
	lib/listen.c	\
	lib/proxy.c	\
	lib/internal.c	\
	lib/stream.c	\
	lib/pool.c	\
	lib/service.c	\
	lib/cron.c	\
	lib/valid_storage.c	\
	lib/retention.c

# fcgi/auth/: op-auth, users, teams, sessions, tokens, 2FA, settings.
AUTH_SRCS = \
	fcgi/auth/main.c	\
	fcgi/auth/check.c	\
	fcgi/auth/checked.c	\
	fcgi/auth/live.c	\
	fcgi/auth/health.c	\
	fcgi/auth/setup.c	\
	fcgi/auth/signup.c	\
	fcgi/auth/session.c	\
	fcgi/auth/login.c	\
	fcgi/auth/me.c		\
	fcgi/auth/twofactor.c	\
	fcgi/auth/users.c	\
	fcgi/auth/teams.c	\
	fcgi/auth/members.c	\
	fcgi/auth/invitations.c	\
	fcgi/auth/tokens.c	\
	fcgi/auth/settings.c

# fcgi/projects/: op-projects, projects, environment, containers.
PROJECTS_SRCS = \
	fcgi/projects/main.c		\
	fcgi/projects/projects.c	\
	fcgi/projects/env.c		\
	fcgi/projects/spec.c		\
	fcgi/projects/containers.c	\
	fcgi/projects/lifecycle.c	\
	fcgi/projects/service.c		\
	fcgi/projects/service_state.c	\
	fcgi/projects/task_ports.c	\
	fcgi/projects/task.c		\
	fcgi/projects/stats.c		\
	fcgi/projects/swarm.c		\
	fcgi/projects/databases.c	\
	fcgi/projects/templates.c	\
	fcgi/projects/registries.c	\
	fcgi/projects/logs.c		\
	fcgi/projects/terminal.c	\
	fcgi/projects/rollout.c	\
	fcgi/projects/engine.c		\
	fcgi/projects/state.c		\
	fcgi/projects/reconcile.c

# fcgi/audit/: op-audit, the tamper-evident trail.
AUDIT_SRCS = \
	fcgi/audit/main.c	\
	fcgi/audit/chain.c	\
	fcgi/audit/consumer.c	\
	fcgi/audit/verify.c	\
	fcgi/audit/record.c	\
	fcgi/audit/retention.c	\
	fcgi/audit/filter.c	\
	fcgi/audit/logs.c	\
	fcgi/audit/stats.c	\
	fcgi/audit/export.c

# fcgi/builds/: op-builds, git sources, webhooks, builds, deployments.
BUILDS_SRCS = \
	fcgi/builds/main.c	\
	fcgi/builds/sources.c	\
	fcgi/builds/webhooks.c	\
	fcgi/builds/payload.c	\
	fcgi/builds/builds.c	\
	fcgi/builds/deployments.c	\
	fcgi/builds/page.c	\
	fcgi/builds/queue.c	\
	fcgi/builds/buildlog.c	\
	fcgi/builds/git.c	\
	fcgi/builds/image.c	\
	fcgi/builds/health.c	\
	fcgi/builds/swarm_wait.c	\
	fcgi/builds/run_build.c	\
	fcgi/builds/run_deploy.c

# fcgi/monitor/: op-monitor, metrics, health, stats, logs, live streams.
MONITOR_SRCS = \
	fcgi/monitor/main.c	\
	fcgi/monitor/metrics.c	\
	fcgi/monitor/jobs.c	\
	fcgi/monitor/history.c	\
	fcgi/monitor/health.c	\
	fcgi/monitor/stats.c	\
	fcgi/monitor/logs.c	\
	fcgi/monitor/owner.c	\
	fcgi/monitor/alerts.c	\
	fcgi/monitor/channels.c	\
	fcgi/monitor/host.c	\
	fcgi/monitor/cgroup.c	\
	fcgi/monitor/worker.c	\
	fcgi/monitor/follow.c	\
	fcgi/monitor/sample.c	\
	fcgi/monitor/tasks.c	\
	fcgi/monitor/relay.c	\
	fcgi/monitor/evaluate.c	\
	fcgi/monitor/notify.c

# fcgi/infra/: op-infra, domains, routing and certificates (ACME).
INFRA_SRCS = \
	fcgi/infra/main.c		\
	fcgi/infra/domains.c		\
	fcgi/infra/certificates.c	\
	fcgi/infra/route.c		\
	fcgi/infra/order.c		\
	fcgi/infra/acme.c		\
	fcgi/infra/x509.c		\
	fcgi/infra/worker.c

# fcgi/backups/: op-backups, storage targets, backup and restore jobs,
# schedules and retention.
BACKUPS_SRCS = \
	fcgi/backups/main.c	\
	fcgi/backups/objects.c	\
	fcgi/backups/storage.c	\
	fcgi/backups/api.c	\
	fcgi/backups/schedules.c \
	fcgi/backups/worker.c	\
	fcgi/backups/jobs.c	\
	fcgi/backups/run.c	\
	fcgi/backups/restore.c	\
	fcgi/backups/scratch.c	\
	fcgi/backups/panel.c	\
	fcgi/backups/drills.c	\
	fcgi/backups/tools.c	\
	fcgi/backups/target.c	\
	fcgi/backups/local.c	\
	fcgi/backups/s3.c	\
	fcgi/backups/codec.c	\
	fcgi/backups/engine.c	\
	fcgi/backups/tarcheck.c

SERVICES = auth projects audit builds monitor infra backups

# fcgi/terminal/: op-terminal, the web terminal's WebSocket bridge to
# Docker exec sessions (not a FastCGI pool: FastCGI cannot hold a socket).
TERMINAL_SRCS = \
	fcgi/terminal/main.c		\
	fcgi/terminal/session.c		\
	fcgi/terminal/http.c		\
	fcgi/terminal/websocket.c	\
	fcgi/terminal/ticket.c		\
	fcgi/terminal/exec.c		\
	fcgi/terminal/bridge.c

# fcgi/gateway/: op-gateway, the door through which unprivileged workers
# have the root gateway check and reload its configuration (not a pool).
GATEWAY_SRCS = \
	fcgi/gateway/main.c		\
	fcgi/gateway/reload.c

# cli/: opctl, the command-line client. A client of the REST API like the
# web UI: libcurl and jansson, nothing of lib/.
OPCTL_SRCS = \
	cli/main.c		\
	cli/command.c		\
	cli/args.c		\
	cli/config.c		\
	cli/output.c		\
	cli/http.c		\
	cli/sse.c		\
	cli/prompt.c		\
	cli/resolve.c		\
	cli/follow.c		\
	cli/cmd_auth.c		\
	cli/cmd_projects.c	\
	cli/cmd_containers.c	\
	cli/cmd_source.c	\
	cli/cmd_deploy.c	\
	cli/cmd_backups.c	\
	cli/cmd_audit.c
OPCTL_OBJS = $(OPCTL_SRCS:%.c=$(BUILD)/%.o)
OPCTL_LIBS = $(shell pkg-config --libs libcurl jansson 2>/dev/null)

LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
BINS	  = $(SERVICES:%=$(BUILD)/bin/op-%)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BINS) $(BUILD)/bin/op-terminal $(BUILD)/bin/op-gateway $(BUILD)/bin/opctl web

# The same as all: a name people type (the build directory is not it).
build: all

$(BUILD)/%.o: %.c lib/openpanel.h $(wildcard lib/*_int.h fcgi/*/*.h)
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cli/%.o: cli/%.c cli/opctl.h
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bin/opctl: $(OPCTL_OBJS)
	@mkdir -p $(dir $@)
	@echo "LD	$@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPCTL_LIBS)

$(BUILD)/libopenpanel.a: $(LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

# One link rule per program: op-NAME from NAME_SRCS (upper case) and lib/.
define program
$(BUILD)/bin/op-$(1): $$($(2)_SRCS:%.c=$$(BUILD)/%.o) $$(BUILD)/libopenpanel.a
	@mkdir -p $$(dir $$@)
	@echo "LD	$$@"
	@$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(eval $(call program,auth,AUTH))
$(eval $(call program,projects,PROJECTS))
$(eval $(call program,audit,AUDIT))
$(eval $(call program,builds,BUILDS))
$(eval $(call program,monitor,MONITOR))
$(eval $(call program,infra,INFRA))
$(eval $(call program,backups,BACKUPS))
$(eval $(call program,terminal,TERMINAL))
$(eval $(call program,gateway,GATEWAY))

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libopenpanel.a
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< \
	    $(BUILD)/libopenpanel.a $(LDLIBS) $(shell pkg-config --libs check)

# op-terminal's WebSocket codec and upgrade checks, tested without sockets.
TERMINAL_TESTED = $(BUILD)/fcgi/terminal/websocket.o \
	$(BUILD)/fcgi/terminal/http.o
$(BUILD)/tests/test_websocket: tests/unit/test_websocket.c \
    $(TERMINAL_TESTED) $(BUILD)/libopenpanel.a
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Ifcgi/terminal -Wno-missing-prototypes \
	    $(ALL_LDFLAGS) -o $@ $< $(TERMINAL_TESTED) \
	    $(BUILD)/libopenpanel.a $(LDLIBS) $(shell pkg-config --libs check)

# op-backups' restore filter (tar entries) and the engines' dump and
# restore commands, tested alone.
BACKUPS_TESTED = $(BUILD)/fcgi/backups/tarcheck.o $(BUILD)/fcgi/backups/tools.o
$(BUILD)/tests/test_tarcheck $(BUILD)/tests/test_dbtools: \
    $(BUILD)/tests/test_%: tests/unit/test_%.c \
    $(BACKUPS_TESTED) $(BUILD)/libopenpanel.a
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Ifcgi/backups -Wno-missing-prototypes \
	    $(ALL_LDFLAGS) -o $@ $< $(BACKUPS_TESTED) \
	    $(BUILD)/libopenpanel.a $(LDLIBS) $(shell pkg-config --libs check)

# op-projects' swarm task ports (what the gateway's upstream follows),
# tested alone.
PROJECTS_TESTED = $(BUILD)/fcgi/projects/task_ports.o
$(BUILD)/tests/test_task_ports: tests/unit/test_task_ports.c \
    $(PROJECTS_TESTED) $(BUILD)/libopenpanel.a
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Ifcgi/projects -Wno-missing-prototypes \
	    $(ALL_LDFLAGS) -o $@ $< $(PROJECTS_TESTED) \
	    $(BUILD)/libopenpanel.a $(LDLIBS) $(shell pkg-config --libs check)

# opctl's pure parts (arguments, config file, tables, event streams).
OPCTL_TESTED = $(addprefix $(BUILD)/cli/,args.o config.o output.o http.o \
	sse.o follow.o)
$(BUILD)/tests/test_opctl: tests/unit/test_opctl.c $(OPCTL_TESTED)
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Icli -Wno-missing-prototypes $(ALL_LDFLAGS) \
	    -o $@ $< $(OPCTL_TESTED) $(OPCTL_LIBS) \
	    $(shell pkg-config --libs check)

# libFuzzer targets (fuzz/), one per parser, built by clang with ASan and
# UBSan into build-fuzz: `make fuzz` runs each for FUZZ_SECONDS (60),
# `make test` for a few seconds each (scripts/fuzz.sh).
FUZZ_SRCS   = $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS   = $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_TESTED = $(BUILD)/fcgi/backups/tarcheck.o $(BUILD)/fcgi/builds/payload.o
# op-terminal's parsers, linked into their own targets only.
FUZZ_TERMINAL = $(BUILD)/fuzz/fuzz_websocket $(BUILD)/fuzz/fuzz_terminal_http
FUZZ_SECONDS ?= 60
SAN_FLAGS   = -fsanitize=address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/%: fuzz/%.c fuzz/fuzz.h $(FUZZ_TESTED) $(BUILD)/libopenpanel.a
	@mkdir -p $(dir $@)
	@echo "CC	$<"
	@$(CC) $(ALL_CFLAGS) -Ifcgi/backups -Ifcgi/builds -Ifcgi/terminal \
	    -fsanitize=fuzzer \
	    $(ALL_LDFLAGS) -o $@ $< $(FUZZ_TESTED) $(FUZZ_EXTRA) \
	    $(BUILD)/libopenpanel.a $(LDLIBS)

$(FUZZ_TERMINAL): $(TERMINAL_TESTED)
$(FUZZ_TERMINAL): FUZZ_EXTRA = $(TERMINAL_TESTED)
$(BUILD)/fuzz/fuzz_codec: $(BUILD)/fcgi/backups/codec.o
$(BUILD)/fuzz/fuzz_codec: FUZZ_EXTRA = $(BUILD)/fcgi/backups/codec.o

fuzz-bins: $(FUZZ_BINS)

# The targets, built where they belong (build-fuzz), from any build.
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang HARDEN= \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" fuzz-bins

fuzz: deps fuzz-build
	@scripts/fuzz.sh $(FUZZ_SECONDS)

unit: $(UNIT_BINS)
	@scripts/unit.sh $(UNIT_BINS)

web:
	@scripts/web.sh

deps:
	@scripts/deps.sh

run: deps all
	@scripts/run.sh

# The programs and unit tests built with clang, ASan and UBSan into
# build-san: what `make test` runs every suite against (one run, every
# report fatal). The plain build is still made and must compile cleanly.
san-build:
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang HARDEN= \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer $(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" all \
	    $(UNIT_SRCS:tests/unit/%.c=build-san/tests/%)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@$(MAKE) --no-print-directory san-build
	@$(MAKE) --no-print-directory fuzz-build
	@OP_BUILD=build-san scripts/test.sh

# The same run as make test (kept as a name for it).
san: test

bench: deps all
	@bench/run.sh

soak: deps
	@$(MAKE) --no-print-directory all
	@scripts/soak.sh

lint:
	@scripts/lint.sh

# The API reference, generated from the OpenAPI document.
docs:
	@python3 scripts/api-docs.py docs/openapi.yaml > docs/api.md

install: all
	@PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" BUILD="$(BUILD)" scripts/install.sh

clean:
	rm -rf build build-san build-fuzz web/dist

.PHONY: all build unit web deps run test san bench soak lint docs install clean \
	fuzz fuzz-bins fuzz-build san-build
