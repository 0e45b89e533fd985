-- 001_init.sql — op-monitor: the latest sample of every running container
-- (what /api/metrics exposes), and one-minute rollups of host and
-- container metrics for the charts, kept OP_MONITOR_HISTORY_DAYS.

-- Written by the worker once a second: one row per running container.
CREATE TABLE monitor.container_samples (
	container_id	uuid PRIMARY KEY,		-- projects.containers_v.id
	team_id		uuid NOT NULL,
	sampled_at	timestamptz NOT NULL DEFAULT now(),
	cpu_percent	double precision NOT NULL,	-- of one CPU: 200 = two
	cpu_seconds	double precision NOT NULL,	-- since the container started
	mem_bytes	bigint NOT NULL,
	mem_limit	bigint NOT NULL,
	net_rx_bytes	bigint NOT NULL,
	net_tx_bytes	bigint NOT NULL,
	blk_read_bytes	bigint NOT NULL,
	blk_write_bytes	bigint NOT NULL,
	pids		integer NOT NULL
);

-- subject: 'host', or a container's id; one row per metric per minute.
CREATE TABLE monitor.rollups (
	subject		text NOT NULL,
	team_id		uuid,				-- NULL for the host
	metric		text NOT NULL CHECK (metric IN ('cpu_percent',
			    'mem_bytes', 'net_rx_bytes', 'net_tx_bytes',
			    'disk_used_bytes', 'load1')),
	minute		timestamptz NOT NULL,
	avg		double precision NOT NULL,
	max		double precision NOT NULL,
	samples		integer NOT NULL,
	PRIMARY KEY (subject, metric, minute)
);
CREATE INDEX rollups_minute ON monitor.rollups (minute);

-- Events of this service (alerts), relayed to op:events by the worker.
CREATE TABLE monitor.outbox (
	seq		bigserial PRIMARY KEY,
	id		uuid NOT NULL UNIQUE,
	type		text NOT NULL,
	event		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz
);
CREATE INDEX outbox_unsent ON monitor.outbox (seq) WHERE sent_at IS NULL;
