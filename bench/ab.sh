#!/usr/bin/env bash
# The same fan-out run against the server of two revisions, alternating on
# one machine, so that what a change moved is told apart from what the
# machine did that day: runs an hour apart on this VM have differed by 2x
# in p99 with the same binary.
#
#   bench/ab.sh OLD_REV NEW_REV [RUNS] [-- fanout options]
#
# Builds suda-server and suda-bench (release) of each revision from a
# detached worktree into one target dir ($CARGO_TARGET_DIR, default
# /var/tmp/suda-target-ab), then runs OLD, NEW, OLD, NEW... RUNS times each
# (default 3), each after bench/quiet.py (load < 0.5), and prints one
# table row per run with the figures docs/benchmarks.md records. The
# default run is the 100-member table's:
#   fanout --channel-size 100 --channels 10 --senders 10 --rate 1000 --duration 20
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ $# -lt 2 ]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
old=$1 new=$2
shift 2
runs=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  runs=$1
  shift
fi
[ "${1:-}" = "--" ] && shift
fanout=("$@")
if [ ${#fanout[@]} -eq 0 ]; then
  fanout=(--channel-size 100 --channels 10 --senders 10 --rate 1000 --duration 20)
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/suda-target-ab}"
out=$(mktemp -d /tmp/suda-ab.XXXXXX)
trees=()
cleanup() {
  local tree
  for tree in "${trees[@]}"; do
    git -C "$root" worktree remove --force "$tree" 2>/dev/null || true
  done
}
trap cleanup EXIT

# Each revision's binaries, built from a worktree of its own and copied
# aside (the next build in the same target dir replaces them).
build() { # build NAME REV
  local tree="$out/tree-$1"
  git -C "$root" worktree add --detach --quiet "$tree" "$2"
  trees+=("$tree")
  echo "ab: building $1 ($(git -C "$root" rev-parse --short "$2"))" >&2
  (cd "$tree" && cargo build --release --locked --quiet -p suda-server -p suda-bench)
  mkdir -p "$out/$1"
  cp "$CARGO_TARGET_DIR/release/suda-server" "$CARGO_TARGET_DIR/release/suda-bench" "$out/$1/"
}
build old "$old"
build new "$new"

echo "ab: fanout ${fanout[*]}; results in $out" >&2
echo "| run | sent / acknowledged | deliveries/s | p50 | p99 | max | lost / duplicated | server CPU per 1M deliveries | server CPU | bench CPU | machine CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for i in $(seq 1 "$runs"); do
  for side in old new; do
    python3 bench/quiet.py --load 0.5 --max-wait 600 >&2
    "$out/$side/suda-bench" --server "$out/$side/suda-server" --json fanout "${fanout[@]}" \
      >"$out/$side-$i.json" 2>"$out/$side-$i.log"
    python3 - "$out/$side-$i.json" "$side $i" <<'PY'
import json, sys

r = json.load(open(sys.argv[1]))
w, c, l = r["window"], r["completeness"], r["latency"]
s, b = w["server"], w["bench"]
print("| %s | %s / %s | %s | %.1f ms | %.1f ms | %.1f ms | %d / %d | %.2f s | %.0f %% | %.0f %% | %.0f %% |" % (
    sys.argv[2], format(r["sent"], ","), format(r["acknowledged"], ","),
    format(round(r["deliveries_per_sec"]), ","), l["p50_ms"], l["p99_ms"], l["max_ms"],
    c["lost"], c["duplicated"], s["cpu_s_per_million_deliveries"], s["cpu_percent"],
    b["cpu_percent"], w["machine_cpu_percent"]))
PY
  done
done
