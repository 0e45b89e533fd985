#!/usr/bin/env python3
"""report.py RESULTS.jsonl OUT NPROC SECONDS REPEAT RATE — the bench's
figures as OUT.json and a Markdown table OUT.md (also printed), with the
targets of issue #11 set beside what was measured. Reports; asserts
nothing."""
import json
import statistics
import sys

src, out, nproc, secs, repeat, rate = sys.argv[1:7]
rows = [json.loads(l) for l in open(src) if l.strip()]
load = [r for r in rows if "rps" in r]
mem = [r for r in rows if "panel_kb" in r]
peer_mem = next((r["peer_kb"] for r in rows if "peer_kb" in r), None)
cold = [r for r in rows if "cold_ms" in r]


def find(prefix, conns):
    return next((r for r in load if r["label"].startswith(prefix) and
                 r["connections"] == conns and
                 not r["label"].endswith("paced")), None)


def ms(v):
    return "—" if v is None else f"{v:.2f}"


lines = ["| run | connections | req/s | p50 ms | p99 ms | p99.9 ms | errors |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for r in load:
    lines.append(f"| {r['label']} | {r['connections']} | {r['rps'] or 0:.0f} "
                 f"| {ms(r['p50_ms'])} | {ms(r['p99_ms'])} "
                 f"| {ms(r['p999_ms'])} | {r.get('errors', r.get('socket_errors', 0) + r.get('non_2xx', 0))} |")
lines += ["", "| memory (PSS, MB) | gateway | panel | gateway + panel "
          "| PostgreSQL | Redis | Docker engine |",
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for m in mem:
    mb = [m[k] / 1024 for k in ("gateway_kb", "panel_kb")]
    lines.append(f"| {m['label']} | {mb[0]:.1f} | {mb[1]:.1f} "
                 f"| {sum(mb):.1f} | {m['postgres_kb'] / 1024:.1f} "
                 f"| {m['redis_kb'] / 1024:.1f} | {m['docker_kb'] / 1024:.1f} |")
if peer_mem is not None:
    lines.append(f"\nThe peer (Node.js, one process) idle: {peer_mem / 1024:.1f} MB PSS.")
if mem:
    lines.append("\nThe pools and the terminal bridge stop after OP_IDLE_EXIT_S "
                 "without a request, on sockets held for them as systemd's "
                 "socket units hold them in production (here by "
                 "scripts/supervise.pl, not counted: systemd is there anyway). "
                 "So is the gateway's control door (op-gateway serve, one per "
                 "routing change, here under systemd-socket-activate).")
if cold:
    med = lambda k: statistics.median(r[k] for r in cold)
    lines.append(f"The first authenticated read after the pools stopped "
                 f"(op-auth and op-projects started on demand): "
                 f"{med('cold_ms'):.1f} ms, the read right after it "
                 f"{med('warm_ms'):.1f} ms (medians of {len(cold)}).")

reads = "GET /api/projects?limit=50"
panel64 = find("panel " + reads, 64)
peer64 = find("peer (1 process) " + reads, 64)
idle = next((m for m in mem if m["label"] == "idle, pools stopped"), None)
warm = next((m for m in mem if m["label"] == "idle, every pool running"), None)
targets = []
if panel64 and peer64 and peer64["rps"]:
    targets.append(("authenticated reads, panel ÷ peer (1 process), 64 connections",
                    "≥ 3×", f"{panel64['rps'] / peer64['rps']:.2f}×"))
peerN = next((r for r in load if r["label"].startswith("peer (")
              and "1 process" not in r["label"]), None)
if panel64 and peerN and peerN["rps"]:
    targets.append((f"the same against the peer on {nproc} processes", "—",
                    f"{panel64['rps'] / peerN['rps']:.2f}×"))
if panel64:
    targets.append(("p99 of those reads at 64 connections, closed loop "
                    "(at least 64 ÷ throughput)", "< 10 ms",
                    f"{panel64['p99_ms']:.2f} ms"))
paced64 = next((r for r in load if r["label"] == f"panel {reads}, paced"), None)
if paced64:
    targets.append((f"p99 of those reads at 64 connections, paced at about "
                    f"{rate} req/s ({paced64['rps']:.0f} answered)", "< 10 ms",
                    f"{paced64['p99_ms']:.2f} ms"))
if idle:
    targets.append(("the whole panel idle (gateway + pools + workers), its "
                    "pools stopped idle", "< 30 MB",
                    f"{(idle['gateway_kb'] + idle['panel_kb']) / 1024:.1f} MB"))
if warm:
    targets.append(("the same with every pool running (just used)", "—",
                    f"{(warm['gateway_kb'] + warm['panel_kb']) / 1024:.1f} MB"))
lines += ["", "| target | wanted | measured |", "| --- | --- | --- |"]
lines += [f"| {a} | {b} | {c} |" for a, b, c in targets]
lines += ["", f"Medians of {repeat} runs of {secs} s after a warm-up (single runs "
          f"for the load during logins); wrk with 2 threads on the same "
          f"{nproc}-core machine; paced runs offer about {rate} req/s over 64 "
          "connections, each waiting a random (exponential) time between "
          "its requests. Errors are socket errors plus non-2xx answers."]
text = "\n".join(lines) + "\n"
open(out + ".md", "w").write(text)
json.dump({"load": load, "memory": mem, "peer_idle_kb": peer_mem,
           "first_read_after_idle": cold,
           "targets": [dict(zip(("target", "wanted", "measured"), t))
                       for t in targets]}, open(out + ".json", "w"), indent=1)
print(text, end="")
