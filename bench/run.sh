#!/usr/bin/env bash
# Suda's fan-out beside its peers, measured in one run on one machine with
# `suda-bench fanout` (crates/bench), and printed as one markdown table with
# the ratio Suda/peer for each figure:
#
#   1. 1,000-member channels: Suda over SSE against nginx + nchan (SSE), and
#      Suda over SSE and over WebSocket against socket.io (WebSocket), at
#      the same rate; at a modest rate (latency when nobody is saturated)
#      and at a high one (100,000 deliveries a second: who keeps up);
#   2. 100-member channels: Suda against the naive design it replaced, where
#      every client re-fetches the channel's latest page on every event, at
#      a modest and a higher rate.
#
# Every run starts its own server (suda-server, nginx with a generated
# configuration, or node) on a free port of 127.0.0.1 and stops it at the
# end, and checks that every subscriber got every message exactly once.
#
#   bench/run.sh [--duration SECONDS] [--rates "MSG_PER_SEC ..."]
#                [--naive-rates "MSG_PER_SEC ..."] [--naive-channels N]
#                [--out DIR] [--no-setup] [--no-saturation] [--no-footprint]
#
# Defaults (20 s of sending per run; 25 and 100 msg/s into one 1,000-member
# channel; 10 and 40 msg/s over five 100-member channels) finish in about
# 7 minutes on 2 cores once the release build is cached. The JSON report of
# every run is kept in --out (default: a new temporary directory), with the
# bench's log.
#
# Then each server's highest held rate into a 1,000-member channel
# (bench/saturation.sh, about 15 minutes), unless --no-saturation; then the
# desktop app's footprint against an empty Tauri app
# (bench/footprint.sh: start-up, memory idle and after 100,000 messages,
# sizes), unless --no-footprint.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=20
rates="25 100"
naive_rates="10 40"
naive_channels=5
out=""
setup=1
saturation=1
footprint=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --naive-rates) naive_rates=$2; shift 2 ;;
    --naive-channels) naive_channels=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-setup) setup=0; shift ;;
    --no-saturation) saturation=0; shift ;;
    --no-footprint) footprint=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/suda-target-bench}"
echo "building suda-server and suda-bench (release) in $CARGO_TARGET_DIR..." >&2
cargo build --release --quiet -p suda-server -p suda-bench
bench="$CARGO_TARGET_DIR/release/suda-bench"

if [ "$setup" = 1 ]; then
  echo "installing the peers (bench/peers/setup.sh)..." >&2
  if [ "$(id -u)" -eq 0 ]; then
    bench/peers/setup.sh >&2
  elif command -v sudo >/dev/null; then
    sudo bench/peers/setup.sh >&2
  else
    echo "not root and no sudo: skipping setup.sh (peers must be installed already)" >&2
  fi
fi

out="${out:-$(mktemp -d /tmp/suda-bench-run.XXXXXX)}"
mkdir -p "$out"
echo "reports and logs in $out" >&2

failed=0
# run NAME FANOUT-FLAGS...: one fan-out run, its JSON report in $out/NAME.json.
run() {
  local name=$1
  shift
  echo "--- $name: suda-bench fanout $*" >&2
  if "$bench" --json fanout --duration "$duration" "$@" >"$out/$name.json" 2>>"$out/bench.log"; then
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("    %.0f deliveries/s, p50 %.1f ms, lost %d, duplicated %d" % (r["deliveries_per_sec"], r["latency"]["p50_ms"], r["completeness"]["lost"], r["completeness"]["duplicated"]))' "$out/$name.json" >&2
  else
    echo "    FAILED (see $out/bench.log)" >&2
    rm -f "$out/$name.json"
    failed=1
  fi
}

names=()
for rate in $rates; do
  big=(--channel-size 1000 --channels 1 --senders 4 --rate "$rate")
  run "suda-sse-1000-$rate" "${big[@]}" --transport sse
  run "suda-ws-1000-$rate" "${big[@]}" --transport ws
  run "nchan-1000-$rate" "${big[@]}" --peer nchan
  run "socketio-1000-$rate" "${big[@]}" --peer socketio
  names+=("big:$rate")
done
for rate in $naive_rates; do
  small=(--channel-size 100 --channels "$naive_channels" --senders "$naive_channels" --rate "$rate")
  run "suda-100-$rate" "${small[@]}" --receive push
  run "naive-100-$rate" "${small[@]}" --receive refetch
  names+=("small:$rate")
done

# The table; it exits non-zero if a run was incomplete.
if ! python3 - "$out" "${names[@]}" <<'EOF'
import json, os, subprocess, sys

out, groups = sys.argv[1], sys.argv[2:]

reports = {}

def load(name):
    try:
        with open(os.path.join(out, name + ".json")) as f:
            reports[name] = json.load(f)
    except (OSError, ValueError):
        reports[name] = None
    return reports[name]

def version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"

def server(r, f):
    s = r.get("server")
    return None if s is None else f(s)

def cpu(r, who, key):
    s = r["window"].get(who)
    return None if s is None else s.get(key)

# (label, value from a report, format, whether a ratio means anything)
figures = [
    ("deliveries/s", lambda r: r["deliveries_per_sec"], "{:,.0f}", True),
    ("latency p50 (ms)", lambda r: r["latency"]["p50_ms"], "{:,.1f}", True),
    ("latency p99 (ms)", lambda r: r["latency"]["p99_ms"], "{:,.1f}", True),
    ("latency max (ms)", lambda r: r["latency"]["max_ms"], "{:,.1f}", True),
    ("lost / duplicated / out of order",
     lambda r: "%d / %d / %d" % (r["completeness"]["lost"], r["completeness"]["duplicated"],
                                 r["completeness"]["out_of_order"]), "{}", False),
    ("server CPU (% of one core)", lambda r: cpu(r, "server", "cpu_percent"), "{:.0f}", True),
    ("server CPU s per million deliveries",
     lambda r: cpu(r, "server", "cpu_s_per_million_deliveries"), "{:.2f}", True),
    ("server CPU ms per send", lambda r: cpu(r, "server", "cpu_ms_per_send"), "{:.3f}", True),
    ("server RSS at the end (MiB) [1]", lambda r: server(r, lambda s: s["after"]["rss_kib"] / 1024), "{:,.1f}", True),
    ("server RSS growth from connecting (MiB)",
     lambda r: server(r, lambda s: (s["after"]["rss_kib"] - s["unconnected"]["rss_kib"]) / 1024),
     "{:,.1f}", True),
    ("bench / machine CPU (% of one core) [2]",
     lambda r: "%s / %s" % (fmt(cpu(r, "bench", "cpu_percent"), "{:.0f}"),
                            fmt(r["window"].get("machine_cpu_percent"), "{:.0f}")),
     "{}", False),
    ("verdict", lambda r: "complete" if is_complete(r) else "INCOMPLETE", "{}", False),
]
fetches = ("GraphQL fetches per delivery [3]", lambda r: r["fetches_per_delivery"], "{:.2f}", False)

def is_complete(r):
    c = r["completeness"]
    return (c["lost"] == 0 and c["duplicated"] == 0 and c["out_of_order"] == 0
            and c["complete_subscribers"] == r["subscribers"])

def fmt(v, f):
    if v is None:
        return "n/a"
    return f.format(v)

def shape(r):
    c = r["config"]
    return "%d x %d members, %g msg/s for %g s" % (c["channels"], c["channel_size"], c["rate"], c["duration"])

comparisons = []
for group in groups:
    kind, rate = group.split(":")
    if kind == "big":
        comparisons += [
            ("Suda SSE vs nginx+nchan", "suda-sse-1000-" + rate, "nchan-1000-" + rate, figures),
            ("Suda SSE vs socket.io", "suda-sse-1000-" + rate, "socketio-1000-" + rate, figures),
            ("Suda WS vs socket.io", "suda-ws-1000-" + rate, "socketio-1000-" + rate, figures),
        ]
    else:
        comparisons.append(("Suda vs naive refetch (both SSE)", "suda-100-" + rate, "naive-100-" + rate,
                            figures[:5] + [fetches] + figures[5:]))

print()
print("Fan-out, Suda beside its peers (`bench/run.sh`): %s; %s cores; nginx %s with nchan %s; node %s, socket.io %s."
      % (subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip(),
         os.cpu_count(),
         version(["nginx", "-v"]).replace("nginx version: nginx/", ""),
         version(["dpkg-query", "-W", "-f=${Version}", "libnginx-mod-nchan"]),
         version(["node", "--version"]),
         version(["node", "-p", "require('./bench/peers/socketio/node_modules/socket.io/package.json').version"])))
print()
print("| comparison | figure | Suda | peer | Suda/peer |")
print("| --- | --- | ---: | ---: | ---: |")
for title, suda_name, peer_name, rows in comparisons:
    suda, peer = load(suda_name), load(peer_name)
    if suda is None or peer is None:
        print("| %s | (run failed: %s) | | | |" % (title, ", ".join(
            n for n, r in ((suda_name, suda), (peer_name, peer)) if r is None)))
        continue
    label = "%s, %s" % (title, shape(suda))
    for name, get, f, ratio in rows:
        a, b = get(suda), get(peer)
        q = ""
        if ratio and isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
            q = "%.2f" % (a / b)
        print("| %s | %s | %s | %s | %s |" % (label, name, fmt(a, f), fmt(b, f), q))
        label = ""
print()
print("[1] Suda's includes what the allocator kept of signing the members up (argon2, about 19 MiB a")
print("    hash); the peers have no sign-up. The growth from connecting on is the comparable figure.")
print("[2] The bench (clients and senders) shares the cores with the server. Machine CPU well above")
print("    server + bench means other work competed for the cores during that run.")
print("[3] One fetch per event: the naive client re-fetches the channel's latest page on each one;")
print("    below 1.00 when its fetches had not caught up with its events by the end of the drain.")
sys.exit(0 if all(is_complete(r) for r in reports.values() if r is not None) else 1)
EOF
then
  failed=1
fi
if [ "$saturation" = 1 ]; then
  echo
  echo "Saturation (\`bench/saturation.sh\`):"
  echo
  bench/saturation.sh --out "$out/saturation" || failed=1
fi
if [ "$footprint" = 1 ]; then
  echo
  echo "The desktop app's footprint (\`bench/footprint.sh\`):"
  echo
  bench/footprint.sh || failed=1
fi
exit "$failed"
