#!/usr/bin/env python3
"""Whether a fan-out run held its offered rate: held.py REPORT.json RATE.

A run "held" RATE when, over the whole run,
  - every acknowledged message reached every subscriber once, in order;
  - the senders achieved at least 98 % of the offered rate;
  - deliveries/s reached at least 95 % of rate x channel size;
  - p99 send-to-receipt latency stayed under 1 s (no backlog building).
Prints one line about the run on stderr; exits 0 if held, 1 if not.
Used by bench/saturation.sh and bench/cpu.sh.
"""
import json
import sys

r, rate = json.load(open(sys.argv[1])), float(sys.argv[2])
c = r["completeness"]
members = r["config"]["channel_size"]
ok = (c["lost"] == 0 and c["duplicated"] == 0 and c["out_of_order"] == 0
      and c["complete_subscribers"] == r["subscribers"]
      and r["send_rate"] >= 0.98 * rate
      and r["deliveries_per_sec"] >= 0.95 * rate * members
      and r["latency"]["p99_ms"] < 1000)
server = r["window"].get("server")
print("%s: %.0f deliveries/s, send rate %.1f, p50 %.0f ms, p99 %.0f ms, lost %d%s" % (
    "held" if ok else "NOT held", r["deliveries_per_sec"], r["send_rate"],
    r["latency"]["p50_ms"], r["latency"]["p99_ms"], c["lost"],
    "" if server is None else ", server CPU %.0f%%, %.2f s per 1M deliveries" % (
        server["cpu_percent"], server["cpu_s_per_million_deliveries"] or 0)),
    file=sys.stderr)
sys.exit(0 if ok else 1)
