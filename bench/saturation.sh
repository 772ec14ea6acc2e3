#!/usr/bin/env bash
# The highest delivery rate each server holds, in the same run: Suda (SSE),
# nginx + nchan (SSE) and socket.io (WebSocket), one channel of 1,000
# members, all subscribed, four senders. The offered rate goes up step by
# step; a step is "held" (bench/held.py) when, over the whole run,
#   - every acknowledged message reached every subscriber once, in order;
#   - the senders achieved at least 98 % of the offered rate;
#   - deliveries/s reached at least 95 % of rate x 1,000;
#   - p99 send-to-receipt latency stayed under 1 s (no backlog building).
# A server stops climbing at its first step not held. The result is each
# server's highest held rate, and Suda's as a ratio to each peer's.
#
#   bench/saturation.sh [--duration SECONDS] [--rates "MSG_PER_SEC ..."]
#                       [--servers "suda nchan socketio"] [--out DIR]
#
# Defaults: 30 s per step, rates 50 100 150 200 300 400 500 600 800 1000,
# all three servers (the table needs all three). The server and
# the bench share the machine's cores (see docs/benchmarks.md), so these are
# what each server achieves beside the same load generator, not alone.
# Expects the peers installed (bench/peers/setup.sh; bench/run.sh does it).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=30
rates="50 100 150 200 300 400 500 600 800 1000"
servers="suda nchan socketio"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --servers) servers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/suda-target-bench}"
cargo build --release --quiet -p suda-server -p suda-bench
bench="$CARGO_TARGET_DIR/release/suda-bench"
out="${out:-$(mktemp -d /tmp/suda-saturation.XXXXXX)}"
mkdir -p "$out"
echo "reports and logs in $out" >&2

# held REPORT RATE: whether the run in REPORT held RATE (see above).
held() {
  python3 bench/held.py "$1" "$2"
}

for who in $servers; do
  case $who in
    suda) flags=(--transport sse) ;;
    *) flags=(--peer "$who") ;;
  esac
  best=0
  for rate in $rates; do
    name="$who-$rate"
    echo "--- $name: fanout --channel-size 1000 --rate $rate ${flags[*]}" >&2
    if ! "$bench" --json fanout --channel-size 1000 --channels 1 --senders 4 \
      --rate "$rate" --duration "$duration" "${flags[@]}" \
      >"$out/$name.json" 2>>"$out/bench.log"; then
      echo "    the run failed (see $out/bench.log)" >&2
      break
    fi
    if held "$out/$name.json" "$rate"; then best=$rate; else break; fi
  done
  echo "$best" >"$out/$who.best"
done

python3 - "$out" "$duration" <<'EOF'
import sys
out, duration = sys.argv[1], sys.argv[2]
import os
names = [w for w in ("suda", "nchan", "socketio") if os.path.exists(f"{out}/{w}.best")]
best = {w: float(open(f"{out}/{w}.best").read()) for w in names}
print(f"Highest rate held into one 1,000-member channel ({duration} s per step):\n")
print("| server | highest held (msg/s) | deliveries/s | Suda / this |")
print("| --- | ---: | ---: | ---: |")
for w, label in (("suda", "Suda (SSE)"), ("nchan", "nginx + nchan (SSE)"), ("socketio", "socket.io (WebSocket)")):
    if w not in best:
        continue
    ratio = "" if w == "suda" else ("%.2f" % (best["suda"] / best[w]) if best[w] and "suda" in best else "n/a")
    print(f"| {label} | {best[w]:,.0f} | {best[w] * 1000:,.0f} | {ratio} |")
EOF
