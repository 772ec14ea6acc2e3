#!/usr/bin/env bash
# The server's CPU per delivery, Suda beside nginx + nchan, over the
# configurations of issue 17 (subscribers, channels, msg/s):
#
#   10,000 subscribers in 100 channels of 100, 200 msg/s
#    2,000 subscribers in  20 channels of 100, 500 msg/s
#    1,000 subscribers in  10 channels of 100, 1,000 msg/s
#    1,000 subscribers in one channel, 100 and 200 msg/s
#    1,000 subscribers in one channel at saturation: each server's highest
#          held rate (bench/held.py), climbing --saturation-rates
#
# CPU per delivery is the server's own user + system time (every process
# of it, from /proc) over the measured window, divided by the events its
# subscribers received in that window (see docs/benchmarks.md, "Reading a
# report"): the figure that does not depend on how efficient the load
# generator is. Each configuration runs Suda and the peer interleaved
# (Suda first, then the peer; with --repeat the order alternates), and
# every run is its own `suda-bench fanout`, which starts a fresh server on
# a free port with a fresh database and stops it at the end: each server
# is restarted before every run. Each run sends --warmup seconds before
# its measured window of --duration seconds.
#
#   bench/cpu.sh [--duration SECONDS] [--warmup SECONDS] [--repeat N]
#                [--configs "SUBSCRIBERS:CHANNELS:RATE[:SENDERS] ..."]
#                [--saturation-rates "MSG_PER_SEC ..."] [--peer nchan|socketio]
#                [--compete] [--out DIR]
#
# RATE `sat` is the saturation climb. SENDERS defaults to one per channel,
# four for a single channel (as bench/saturation.sh). --compete runs one
# CPU-bound busy loop per core beside every run, from its warm-up to the
# end of its window (`suda-bench fanout --compete $(nproc)`), e.g.
#
#   bench/cpu.sh --configs 10000:100:200 --compete
#
# for p99 at 10,000 / 100 / 200 with a CPU-bound competitor.
#
# Defaults: 20 s measured after 5 s of warm-up, one repetition, all six
# configurations, rates 100 200 300 400 500 600 800 1000 1200 1500 for the
# climb. Suda's set-up signs every member up (argon2, some 20 ms of server
# CPU each: minutes for 10,000); the default table takes tens of minutes.
# Expects the peers installed (bench/peers/setup.sh). The JSON report of
# every run, and the bench's log, are kept in --out (default: a new
# temporary directory). Exits non-zero if a run failed or lost anything.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=20
warmup=5
repeat=1
configs="10000:100:200 2000:20:500 1000:10:1000 1000:1:100 1000:1:200 1000:1:sat"
saturation_rates="100 200 300 400 500 600 800 1000 1200 1500"
peer=nchan
compete=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --saturation-rates) saturation_rates=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --compete) compete=$(nproc); shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/suda-target-bench}"
echo "building suda-server and suda-bench (release) in $CARGO_TARGET_DIR..." >&2
cargo build --release --quiet -p suda-server -p suda-bench
bench="$CARGO_TARGET_DIR/release/suda-bench"
out="${out:-$(mktemp -d /tmp/suda-cpu.XXXXXX)}"
mkdir -p "$out"
echo "reports and logs in $out" >&2

failed=0
# run NAME WHO FANOUT-FLAGS...: one run of server WHO (suda or the peer),
# its JSON report in $out/NAME.json; fails if the run did.
run() {
  local name=$1 who=$2
  shift 2
  local flags=(--duration "$duration" --warmup "$warmup" --compete "$compete" "$@")
  [ "$who" = suda ] || flags+=(--peer "$who")
  echo "--- $name: suda-bench fanout ${flags[*]}" >&2
  if "$bench" --json fanout "${flags[@]}" >"$out/$name.json" 2>>"$out/bench.log"; then
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s=r["window"].get("server") or {}
print("    %.0f deliveries/s, p99 %.1f ms, server %.2f s CPU per 1M deliveries, lost %d" % (r["deliveries_per_sec"], r["latency"]["p99_ms"], s.get("cpu_s_per_million_deliveries") or 0, r["completeness"]["lost"]))' "$out/$name.json" >&2
  else
    echo "    FAILED (see $out/bench.log)" >&2
    rm -f "$out/$name.json"
    return 1
  fi
}

# The two servers of repetition K, in the order they run.
order() {
  if [ $(($1 % 2)) = 1 ]; then echo "suda $peer"; else echo "$peer suda"; fi
}

rows=()
for config in $configs; do
  IFS=: read -r subscribers channels rate senders <<<"$config"
  if [ $((subscribers % channels)) != 0 ]; then
    echo "$config: $subscribers subscribers do not split into $channels channels" >&2
    exit 2
  fi
  size=$((subscribers / channels))
  [ -n "${senders:-}" ] || if [ "$channels" = 1 ]; then senders=4; else senders=$channels; fi
  shape=(--channel-size "$size" --channels "$channels" --senders "$senders")
  for k in $(seq 1 "$repeat"); do
    if [ "$rate" != sat ]; then
      for who in $(order "$k"); do
        run "$subscribers-$channels-$rate-$who-$k" "$who" "${shape[@]}" --rate "$rate" || failed=1
      done
      rows+=("$subscribers-$channels-$rate:$k")
      continue
    fi
    # The climb: both servers step up together, each until its first
    # step not held; the row shows each at its highest held step.
    climbing=" suda $peer "
    for step in $saturation_rates; do
      for who in $(order "$k"); do
        case $climbing in *" $who "*) ;; *) continue ;; esac
        name="$subscribers-$channels-sat$step-$who-$k"
        if run "$name" "$who" "${shape[@]}" --rate "$step" \
          && python3 bench/held.py "$out/$name.json" "$step"; then
          echo "$name" >"$out/$subscribers-$channels-sat-$who-$k.best"
        else
          climbing=${climbing/ $who / }
        fi
      done
      [ "$climbing" != " " ] || break
    done
    rows+=("$subscribers-$channels-sat:$k")
  done
done

# The table; it exits non-zero if a run was incomplete.
if ! python3 - "$out" "$peer" "$duration" "$warmup" "$compete" "$repeat" "${rows[@]}" <<'EOF'
import json, os, subprocess, sys

out, peer, duration, warmup = sys.argv[1:5]
compete, repeat, rows = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:]
peer_label = {"nchan": "nginx+nchan", "socketio": "socket.io"}.get(peer, peer)

def load(name):
    try:
        with open(os.path.join(out, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def best(prefix, who, k):
    try:
        with open(os.path.join(out, "%s-%s-%s.best" % (prefix, who, k))) as f:
            return f.read().strip()
    except OSError:
        return None

def version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"

def complete(r):
    c = r["completeness"]
    return (c["lost"] == 0 and c["duplicated"] == 0 and c["out_of_order"] == 0
            and c["complete_subscribers"] == r["subscribers"])

def spent(r, who, key):
    s = r["window"].get(who) if r else None
    return None if s is None else s.get(key)

def fmt(v, f):
    return "n/a" if v is None else f.format(v)

def ratio(a, b):
    return "%.2f" % (a / b) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else ""

print()
print("Server CPU per delivery (`bench/cpu.sh`): %s; %s cores; %g s measured after %g s of warm-up%s; "
      "nginx %s with nchan %s; node %s."
      % (subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip(),
         os.cpu_count(), float(duration), float(warmup),
         "; %d CPU-bound busy loops beside every run" % compete if compete else "",
         version(["nginx", "-v"]).replace("nginx version: nginx/", ""),
         version(["dpkg-query", "-W", "-f=${Version}", "libnginx-mod-nchan"]),
         version(["node", "--version"])))
print()
columns = ["config (subscribers / channels / msg/s)",
           "Suda s CPU per 1M deliveries", peer_label, "Suda/%s" % peer_label,
           "Suda p99 (ms)", "%s p99 (ms)" % peer_label,
           "Suda ms CPU per send", peer_label,
           "bench s CPU per 1M deliveries (Suda / %s run) [1]" % peer_label]
if compete:
    columns.append("competitor CPU %% of one core (Suda / %s run)" % peer_label)
columns.append("verdict")
print("| " + " | ".join(columns) + " |")
print("| --- |" + " ---: |" * (len(columns) - 2) + " --- |")
ok = True
for row in rows:
    config, k = row.split(":")
    subscribers, channels, rate = config.split("-")
    label = "%s / %s / %s" % (format(int(subscribers), ","), channels,
                              "saturation" if rate == "sat" else format(int(rate), ","))
    if rate == "sat":
        names = {who: best(config, who, k) for who in ("suda", peer)}
        label += (" (highest held: Suda %s, " + peer_label + " %s msg/s)") % tuple(
            "none" if names[w] is None else format(int(names[w].split("-")[2][3:]), ",")
            for w in ("suda", peer))
        a, b = (load(names[w]) if names[w] else None for w in ("suda", peer))
    else:
        a, b = load("%s-suda-%s" % (config, k)), load("%s-%s-%s" % (config, peer, k))
    if repeat > 1:
        label += ", run %s" % k
    ca, cb = (spent(r, "server", "cpu_s_per_million_deliveries") for r in (a, b))
    cells = [label, fmt(ca, "{:.2f}"), fmt(cb, "{:.2f}"), ratio(ca, cb),
             fmt(a and a["latency"]["p99_ms"], "{:,.1f}"), fmt(b and b["latency"]["p99_ms"], "{:,.1f}"),
             fmt(spent(a, "server", "cpu_ms_per_send"), "{:.3f}"),
             fmt(spent(b, "server", "cpu_ms_per_send"), "{:.3f}"),
             "%s / %s" % tuple(fmt(spent(r, "bench", "cpu_s_per_million_deliveries"), "{:.2f}") for r in (a, b))]
    if compete:
        cells.append("%s / %s" % tuple(
            fmt(r and (r["window"].get("competitor") or {}).get("cpu_percent"), "{:.0f}") for r in (a, b)))
    verdicts = [("none held" if rate == "sat" else "failed") if r is None
                else "complete" if complete(r) else "INCOMPLETE" for r in (a, b)]
    cells.append(" / ".join(verdicts))
    ok &= verdicts == ["complete", "complete"]
    print("| " + " | ".join(cells) + " |")
print()
print("[1] The load generator's own CPU per delivery, over the same window: where it is near")
print("    the server's, the two shared the cores and throughput and latency are the pair's.")
sys.exit(0 if ok else 1)
EOF
then
  failed=1
fi
exit "$failed"
