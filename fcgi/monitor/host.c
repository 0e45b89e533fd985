/*
 * host.c — the machine the panel runs on, read cheaply from /proc and
 * statvfs: CPU time, load, memory, the data disk, network bytes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "monitor.h"

const char *
host_disk_path(void)
{
	return op_config_get("OP_MONITOR_DISK_PATH", "/");
}

/* The first line of /proc/stat: CPU time in clock ticks since boot. */
static enum op_err
host_cpu(struct host_sample *h)
{
	unsigned long long	 v[8] = { 0 };
	FILE			*f;
	long			 hz = sysconf(_SC_CLK_TCK);
	int			 n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return OP_EIO;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4 || hz <= 0)
		return OP_EIO;
	/* user nice system idle iowait irq softirq steal */
	h->cpu_busy_seconds = (double)(v[0] + v[1] + v[2] + v[5] + v[6] +
	    v[7]) / (double)hz;
	h->cpu_idle_seconds = (double)(v[3] + v[4]) / (double)hz;
	h->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return OP_OK;
}

static enum op_err
host_memory(struct host_sample *h)
{
	char			 line[256];
	unsigned long long	 kb;
	FILE			*f;

	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return OP_EIO;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			h->mem_total = kb * 1024;
		else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			h->mem_available = kb * 1024;
	}
	fclose(f);
	return h->mem_total > 0 ? OP_OK : OP_EIO;
}

/* Bytes received and sent by every interface but loopback. */
static enum op_err
host_network(struct host_sample *h)
{
	char			 line[512], name[64];
	unsigned long long	 rx, tx, skip[7];
	FILE			*f;

	if ((f = fopen("/proc/net/dev", "r")) == NULL)
		return OP_EIO;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %63[^:]: %llu %llu %llu %llu %llu %llu %llu"
		    " %llu %llu", name, &rx, &skip[0], &skip[1], &skip[2],
		    &skip[3], &skip[4], &skip[5], &skip[6], &tx) != 10 ||
		    strcmp(name, "lo") == 0)
			continue;
		h->net_rx += rx;
		h->net_tx += tx;
	}
	fclose(f);
	return OP_OK;
}

enum op_err
host_read(struct host_sample *out)
{
	struct host_sample	 h;
	struct statvfs		 vfs;
	FILE			*f;
	enum op_err		 er;

	memset(&h, 0, sizeof(h));
	if ((er = host_cpu(&h)) != OP_OK || (er = host_memory(&h)) != OP_OK ||
	    (er = host_network(&h)) != OP_OK)
		return er;
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fscanf(f, "%lf %lf %lf", &h.load1, &h.load5, &h.load15) != 3)
			h.load1 = h.load5 = h.load15 = 0;
		fclose(f);
	}
	if (statvfs(host_disk_path(), &vfs) == 0) {
		h.disk_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
		h.disk_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	}
	*out = h;
	return OP_OK;
}
