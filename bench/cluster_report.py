#!/usr/bin/env python3
"""The tables of bench/cluster.sh, from the reports it kept: cluster_report.py DIR.

Prints markdown, one section per figure found in DIR, each with the load
every run started at (bench/quiet.py's line). Exits 1 if a run in DIR lost,
duplicated or reordered anything.
"""
import glob
import json
import os
import re
import sys

out = sys.argv[1]
bad = []


def load(name):
    try:
        with open(os.path.join(out, name + ".json")) as f:
            r = json.load(f)
    except (OSError, ValueError):
        return None
    c = r.get("completeness")
    if c and (c["lost"] or c["duplicated"] or c["out_of_order"]
              or c["complete_subscribers"] != r["subscribers"]):
        bad.append(name)
    return r


def started_at(name):
    try:
        line = open(os.path.join(out, name + ".load")).read().strip()
    except OSError:
        return "?"
    m = re.search(r"load ([\d.]+)", line)
    return ("NOT QUIET, " if line.startswith("NOT") else "") + (m.group(1) if m else line)


def fmt(v, f="{:,.1f}"):
    return "n/a" if v is None else f.format(v)


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
        return "%.2f" % (a / b)
    return ""


def spent(r, who, key):
    s = r["window"].get(who)
    return None if s is None else s.get(key)


def total_per_million(r):
    a, b = spent(r, "server", "cpu_s_per_million_deliveries"), spent(r, "postgres", "cpu_s_per_million_deliveries")
    return None if a is None else a + (b or 0)


def pg(r, f):
    p = r.get("postgres")
    return None if p is None else f(p)


def per_sec(r, n):
    return None if n is None else n / r["window"]["secs"]


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    print()


# (label, value, format); values of cluster and single run side by side.
FANOUT = [
    ("sent / acknowledged", lambda r: "%d / %d" % (r["sent"], r["acknowledged"]), "{}"),
    ("deliveries/s", lambda r: r["deliveries_per_sec"], "{:,.0f}"),
    ("latency p50 (ms)", lambda r: r["latency"]["p50_ms"], "{:,.1f}"),
    ("latency p99 (ms)", lambda r: r["latency"]["p99_ms"], "{:,.1f}"),
    ("latency max (ms)", lambda r: r["latency"]["max_ms"], "{:,.1f}"),
    ("lost / duplicated / out of order", lambda r: "%d / %d / %d" % (
        r["completeness"]["lost"], r["completeness"]["duplicated"], r["completeness"]["out_of_order"]), "{}"),
    ("nodes' CPU s per 1M deliveries (summed)", lambda r: spent(r, "server", "cpu_s_per_million_deliveries"), "{:.2f}"),
    ("PostgreSQL CPU s per 1M deliveries", lambda r: spent(r, "postgres", "cpu_s_per_million_deliveries"), "{:.2f}"),
    ("nodes + PostgreSQL s per 1M deliveries", total_per_million, "{:.2f}"),
    ("nodes' CPU (% of one core)", lambda r: spent(r, "server", "cpu_percent"), "{:.0f}"),
    ("PostgreSQL CPU (% of one core)", lambda r: spent(r, "postgres", "cpu_percent"), "{:.0f}"),
    ("bench / machine CPU (% of one core)", lambda r: "%s / %s" % (
        fmt(spent(r, "bench", "cpu_percent"), "{:.0f}"), fmt(r["window"].get("machine_cpu_percent"), "{:.0f}")), "{}"),
    ("ledger batches, sends per batch", lambda r: pg(r, lambda p: "%s, %s" % (
        fmt(p["batches"], "{:,}"), fmt(r["window"]["sends"] / p["batches"] if p["batches"] else None, "{:.1f}"))), "{}"),
    ("head row held (% of samples)", lambda r: pg(r, lambda p: p["sessions"]["head_held"] * 100), "{:.0f}"),
    ("WAL syncs per second", lambda r: pg(r, lambda p: per_sec(r, p["wal"]["syncs"])), "{:,.0f}"),
]

NUMERIC = {"deliveries/s", "latency p50 (ms)", "latency p99 (ms)", "latency max (ms)",
           "nodes' CPU s per 1M deliveries (summed)", "nodes + PostgreSQL s per 1M deliveries",
           "nodes' CPU (% of one core)"}


def side_by_side(title, pairs):
    """pairs: [(label, cluster report name, single report name)]"""
    runs = [(label, load(a), load(b), a, b) for label, a, b in pairs]
    runs = [x for x in runs if x[1] and x[2]]
    if not runs:
        return
    print(title)
    print()
    header = ["figure"]
    for label, _, _, a, b in runs:
        header += ["%s: cluster (load %s)" % (label, started_at(a)), "single (load %s)" % started_at(b), "cluster / single"]
    rows = []
    for name, get, f in FANOUT:
        row = [name]
        for _, c, s, _, _ in runs:
            a, b = get(c), get(s)
            row += [fmt(a, f), fmt(b, f), ratio(a, b) if name in NUMERIC else ""]
        rows.append(row)
    table(header, rows)


def idle():
    nodes = sorted(glob.glob(os.path.join(out, "idle-node*.json")))
    single = load("idle-single")
    if not nodes:
        return
    print("Idle SSE streams: one bench per node, all connected at once (cluster load %s), "
          "then the single node (load %s)." % (started_at("idle-cluster"), started_at("idle-single")))
    print()
    held = {}
    try:
        for line in open(os.path.join(out, "idle-held.txt")):
            words = line.split()
            held[words[0]] = int(words[-1])
    except OSError:
        pass
    reports = [load(os.path.basename(n)[:-5]) for n in nodes]
    header = ["figure"] + ["node %d" % i for i in range(len(reports))] + ["cluster", "single node", "node / single"]

    def kib(m):
        return None if m is None else m["pss_kib"]
    rows = []
    total = sum(r["config"]["subscribers"] for r in reports)
    rows.append(["streams held"] + ["{:,}".format(r["config"]["subscribers"]) for r in reports]
                + ["{:,}".format(total), "{:,}".format(single["config"]["subscribers"]) if single else "n/a", ""])
    rows.append(["node fds while all held"] + [fmt(held.get("node%d" % i), "{:,}") for i in range(len(reports))]
                + [fmt(sum(held.get("node%d" % i, 0) for i in range(len(reports))), "{:,}"),
                   fmt(single and single.get("server_fds"), "{:,}"), ""])
    rows.append(["connected in (s)"] + [fmt(r["connect_secs"]) for r in reports] + ["", fmt(single and single["connect_secs"]), ""])
    rows.append(["PSS before (KiB)"] + [fmt(kib(r["before"]), "{:,}") for r in reports] + ["", fmt(single and kib(single["before"]), "{:,}"), ""])
    rows.append(["PSS with all held (KiB)"] + [fmt(kib(r["after"]), "{:,}") for r in reports]
                + [fmt(sum(kib(r["after"]) for r in reports), "{:,}"), fmt(single and kib(single["after"]), "{:,}"), ""])
    s = single and single["pss_kib_per_subscriber"]
    per = [r["pss_kib_per_subscriber"] for r in reports]
    rows.append(["PSS growth per stream (bytes)"] + [fmt(p and p * 1024, "{:,.0f}") for p in per]
                + [fmt(sum(p for p in per) / len(per) * 1024, "{:,.0f}") + " (mean)", fmt(s and s * 1024, "{:,.0f}"),
                   ratio(sum(per) / len(per), s)])
    rows.append(["bench process RSS (MiB)"] + [fmt(r["bench"]["rss_kib"] / 1024 if r.get("bench") else None, "{:,.0f}") for r in reports]
                + ["", fmt(single and single["bench"]["rss_kib"] / 1024, "{:,.0f}"), ""])
    table(header, rows)
    print("Established TCP connections on the machine while all were held: %s (both ends count)." % fmt(held.get("established"), "{:,}"))
    print()


def steps(prefix):
    found = []
    for path in glob.glob(os.path.join(out, prefix + "-*.json")):
        m = re.fullmatch(re.escape(prefix) + r"-(\d+)\.json", os.path.basename(path))
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def held(r, rate):
    c = r["completeness"]
    members = r["config"]["channel_size"]
    return (c["lost"] == 0 and c["duplicated"] == 0 and c["out_of_order"] == 0
            and c["complete_subscribers"] == r["subscribers"]
            and r["send_rate"] >= 0.98 * rate
            and r["deliveries_per_sec"] >= 0.95 * rate * members
            and r["latency"]["p99_ms"] < 1000)


def best(prefix):
    try:
        return float(open(os.path.join(out, prefix + ".best")).read())
    except (OSError, ValueError):
        return None


def climb_table(title, prefixes):
    present = [(label, p) for label, p in prefixes if steps(p)]
    if not present:
        return
    print(title)
    print()
    header = ["offered msg/s"]
    for label, _ in present:
        header += [label + ": acked/s", "p50 / p99 ms", "CPU nodes / PG / bench / machine %", "held"]
    rates = sorted(set(r for _, p in present for r in steps(p)))
    rows = []
    for rate in rates:
        row = ["{:,}".format(rate)]
        for _, p in present:
            r = load("%s-%d" % (p, rate))
            if r is None:
                row += ["", "", "", ""]
                continue
            w = r["window"]
            row += ["{:,.0f}".format(r["send_rate"]),
                    "%.0f / %.0f" % (r["latency"]["p50_ms"], r["latency"]["p99_ms"]),
                    "%s / %s / %s / %s" % tuple(fmt(x, "{:.0f}") for x in (
                        spent(r, "server", "cpu_percent"), spent(r, "postgres", "cpu_percent"),
                        spent(r, "bench", "cpu_percent"), w.get("machine_cpu_percent"))),
                    ("yes" if held(r, rate) else "**no**") + " (load %s)" % started_at("%s-%d" % (p, rate))]
        rows.append(row)
    table(header, rows)
    line = []
    for label, p in present:
        line.append("%s: %s msg/s" % (label, fmt(best(p), "{:,.0f}")))
    print("Highest held: " + "; ".join(line) + ".")
    print()


def where(prefix, title):
    """PostgreSQL at each step of a cluster climb: where the writes wait."""
    rates = steps(prefix)
    if not rates:
        return
    print(title)
    print()
    header = ["offered msg/s", "batches/s", "sends per batch", "head held", "head ms per batch",
              "waiting for head", "ringing", "WAL syncs/s", "ms per sync", "WAL syncs per send",
              "PG CPU ms per send", "nodes CPU ms per send"]
    rows = []
    for rate in rates:
        r = load("%s-%d" % (prefix, rate))
        p = r and r.get("postgres")
        if not p:
            continue
        s, wal, sends = p["sessions"], p["wal"], r["window"]["sends"]
        rows.append(["{:,}".format(rate),
                     fmt(per_sec(r, p["batches"]), "{:,.0f}"),
                     fmt(sends / p["batches"] if p["batches"] else None, "{:.1f}"),
                     "%.0f %%" % (s["head_held"] * 100),
                     fmt(p["head_ms_per_batch"], "{:.2f}"),
                     "%.2f" % s["waiting_for_head"],
                     "%.2f" % s["ringing"],
                     fmt(per_sec(r, wal["syncs"]), "{:,.0f}"),
                     fmt(wal["sync_ms"] / wal["syncs"] if wal["syncs"] else None, "{:.2f}"),
                     fmt(wal["syncs"] / sends if sends else None, "{:.2f}"),
                     fmt(spent(r, "postgres", "cpu_ms_per_send"), "{:.3f}"),
                     fmt(spent(r, "server", "cpu_ms_per_send"), "{:.3f}")])
    table(header, rows)


def activities(name, title):
    r = load(name)
    p = r and r.get("postgres")
    if not p:
        return
    print(title)
    print()
    rows = [["%.3f" % a["sessions"], a["role"], a["state"], a["wait"] or "(on CPU)", "`%s`" % a["query"].replace("|", "\\|")]
            for a in p["sessions"]["activities"]]
    table(["sessions", "role", "state", "wait", "statement"], rows)
    if p.get("statements"):
        rows = [["{:,}".format(st["calls"]), "%.0f" % st["total_ms"], "%.3f" % st["mean_ms"], "`%s`" % st["query"].replace("|", "\\|")]
                for st in p["statements"]]
        table(["calls", "ms", "ms each", "statement (pg_stat_statements)"], rows)


def doorbell():
    order = {"ring": 0, "poll": 1, "poll-allsend": 2}

    def key(path):
        m = re.fullmatch(r"doorbell-(.+)-(\d+)\.json", os.path.basename(path))
        return (int(m.group(2)), order.get(m.group(1), 9)) if m else (0, 9)
    names = sorted(glob.glob(os.path.join(out, "doorbell-*.json")), key=key)
    if not names:
        return
    print("The doorbell: 1,000 msg/s into 10 channels of 100.")
    print()
    header = ["run", "load", "sends via", "deliveries/s", "p50 ms", "p99 ms", "max ms", "lost / dup",
              "rings", "nodes CPU ms per send", "PG CPU ms per send"]
    rows = []
    for path in names:
        name = os.path.basename(path)[:-5]
        r = load(name)
        via = ", ".join("node %d" % i for i, n in enumerate(r["nodes"]) if n["senders"])
        rows.append([name, started_at(name), via, "{:,.0f}".format(r["deliveries_per_sec"]),
                     "%.1f" % r["latency"]["p50_ms"], "%.1f" % r["latency"]["p99_ms"], "%.1f" % r["latency"]["max_ms"],
                     "%d / %d" % (r["completeness"]["lost"], r["completeness"]["duplicated"]),
                     fmt(pg(r, lambda p: p["rings"]), "{:,}"),
                     fmt(spent(r, "server", "cpu_ms_per_send"), "{:.3f}"),
                     fmt(spent(r, "postgres", "cpu_ms_per_send"), "{:.3f}")])
    table(header, rows)


idle()
fanouts = sorted(set(re.sub(r"^fanout-cluster-(\d+)\.json$", r"\1", os.path.basename(p))
                     for p in glob.glob(os.path.join(out, "fanout-cluster-*.json"))))
side_by_side("Fan-out, 1,000 msg/s into 10 channels of 100 (every delivery across nodes on the cluster).",
             [("run %s" % k, "fanout-cluster-" + k, "fanout-single-" + k) for k in fanouts])
try:
    disk = open(os.path.join(out, "disk.txt")).read()
    m = re.search(r"one 8kB write:.*?fdatasync\s+([\d.]+) ops/sec\s+(\d+) usecs/op", disk, re.S)
    if m:
        print("The disk alone (pg_test_fsync, load %s): one 8 kB write and fdatasync (PostgreSQL's "
              "wal_sync_method on Linux) %s a second, %s µs each." % (started_at("disk"), m.group(1), m.group(2)))
        print()
except OSError:
    pass
climb_table("The highest durable send rate, 300 channels of 2, every node sending.",
            [("cluster", "writes-cluster"), ("single", "writes-single"),
             ("cluster, doorbell off", "writes-cluster-nodoorbell")])
where("writes-cluster", "Where the cluster's writes wait, step by step (PostgreSQL over each measured window).")
where("writes-cluster-nodoorbell", "The same with the doorbell off (no NOTIFY).")
for prefix in ("writes-cluster", "writes-cluster-nodoorbell"):
    rates = steps(prefix)
    b = best(prefix)
    if rates:
        top = max(rates)
        activities("%s-%d" % (prefix, top), "PostgreSQL's sessions at %s's last step (%d msg/s offered):" % (prefix, top))
climb_table("The highest rate held into one 1,000-member channel (bench/held.py).",
            [("cluster", "big-cluster"), ("single", "big-single")])
doorbell()
if bad:
    print("INCOMPLETE runs: " + ", ".join(bad))
sys.exit(1 if bad else 0)
