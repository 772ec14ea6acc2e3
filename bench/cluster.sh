#!/usr/bin/env bash
# The cluster's figures (issue 14): three suda-server nodes on one
# PostgreSQL with real durability (fsync, full_page_writes and
# synchronous_commit on), beside one suda-server on SQLite measured in the
# same run, on the same machine. The nodes are reached directly (no nginx:
# none of these figures is about the proxy). Each figure is one of
#
#   idle      idle SSE streams held across the nodes: one bench process per
#             node (a process holds at most its open-file limit), all
#             connected at once, then each node's PSS growth per stream;
#             beside the single node holding as many as one node (each
#             baseline 12 s after the sign-up, once the allocator gave back
#             the password hash's memory: see `suda-bench idle --help`)
#   fanout    1,000 msg/s into 10 channels of 100 (every delivery crosses
#             nodes: each channel sends through one node, its streams are
#             on the others): latency, lost/duplicated, the nodes' CPU per
#             million deliveries and PostgreSQL's apart
#   writes    the highest durable send rate held with every node sending,
#             300 channels of 2 (little fan-out: the writes are the work),
#             climbing --write-rates; then the same climb with the
#             doorbell off (what NOTIFY costs the ceiling); PostgreSQL's
#             sessions, WAL syncs and statements at every step say where
#             the writes wait; and first, what one WAL sync costs on this
#             disk alone (pg_test_fsync, 2 s per method)
#   big       the highest rate held into one 1,000-member channel
#             (bench/held.py's rules), climbing --big-rates
#   doorbell  cross-node latency with the ring and with the ring off (poll
#             only, 500 ms): every send through node 0, the streams on the
#             others (quiet nodes, which commit nothing themselves), and the
#             ring off with every node sending
#
# Every run starts afresh: a new cluster (bench/../suda-cluster: initdb, a
# PostgreSQL of its own in a temporary directory, the nodes migrate it) or
# a new single server (suda-bench starts it on a temporary SQLite file),
# both with every limit off and 10 s keep-alives. Before each run the
# script waits (bench/quiet.py, at most 20 minutes) until the 1-minute
# load is below --quiet-load and nobody else's compiler or server is busy,
# and records the load it started at.
#
#   bench/cluster.sh [--figures "idle fanout writes big doorbell"]
#                    [--nodes N] [--duration SECONDS] [--warmup SECONDS]
#                    [--repeat N] [--idle-subscribers N]
#                    [--write-rates "MSG_PER_SEC ..."] [--big-rates "..."]
#                    [--big-duration SECONDS] [--quiet-load LOAD]
#                    [--quiet-wait SECONDS] [--out DIR]
#
# Defaults: every figure, 3 nodes, 20 s measured after 5 s of warm-up (big:
# 30 s per step, no warm-up, as bench/saturation.sh), one repetition,
# 15,000 idle streams per node, write rates 500 1000 1500 2000 3000 4000
# 5000 6000 8000, big rates 50 100 150 200 300 400 500 600 800 1000, quiet
# below a load of 0.7, waited for at most 1,200 s (--quiet-wait 0: not at
# all, for trying the script out; the load is recorded either way). All of it takes one to two hours on 2 cores, most of
# it waiting for the load to settle between runs. The JSON report of every
# run, the load it started at and the logs are kept in --out (default: a
# new temporary directory); bench/cluster_report.py prints the tables from
# it (this script does at the end). Exits non-zero if a run failed or lost
# anything.
set -euo pipefail
cd "$(dirname "$0")/.."

figures="idle fanout writes big doorbell"
nodes=3
duration=20
warmup=5
repeat=1
idle_subscribers=15000
write_rates="500 1000 1500 2000 3000 4000 5000 6000 8000"
big_rates="50 100 150 200 300 400 500 600 800 1000"
big_duration=30
quiet_load=0.7
quiet_wait=1200
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --figures) figures=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --idle-subscribers) idle_subscribers=$2; shift 2 ;;
    --write-rates) write_rates=$2; shift 2 ;;
    --big-rates) big_rates=$2; shift 2 ;;
    --big-duration) big_duration=$2; shift 2 ;;
    --quiet-load) quiet_load=$2; shift 2 ;;
    --quiet-wait) quiet_wait=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/suda-target-bench}"
echo "building suda-server, suda-bench and suda-cluster (release) in $CARGO_TARGET_DIR..." >&2
cargo build --release --quiet -p suda-server -p suda-bench -p suda-testkit --bins
bin="$CARGO_TARGET_DIR/release"
bench="$bin/suda-bench"
out="${out:-$(mktemp -d /tmp/suda-cluster-bench.XXXXXX)}"
mkdir -p "$out"
echo "reports and logs in $out" >&2
# One descriptor per stream on each side; the nodes inherit this limit.
ulimit -n "$(ulimit -Hn)"

# What the cluster's PostgreSQL runs with, besides the kit's settings and
# --durable: PostgreSQL's default shared_buffers (the kit's tests use 32MB),
# statement statistics and WAL I/O timing for the report.
pg_settings=(--postgres-setting shared_buffers=128MB
  --postgres-setting shared_preload_libraries=pg_stat_statements
  --postgres-setting track_wal_io_timing=on)
# Flags for every node of the next cluster (besides --no-limits).
node_flags=()
failed=0
cluster_pid=""

# quiet NAME: waits for a quiet machine; records the load in $out/NAME.load.
quiet() {
  python3 bench/quiet.py --load "$quiet_load" --max-wait "$quiet_wait" | tee "$out/$1.load" >&2
}

# cluster_start NAME: starts a cluster of $nodes nodes with $node_flags;
# sets urls (comma-separated), pids (comma-separated), pg_url, node_url[]
# and node_pid[]; its lines in $out/NAME.cluster.
cluster_start() {
  local name=$1 lines="$out/$1.cluster"
  "$bin/suda-cluster" --server "$bin/suda-server" --nodes "$nodes" --durable --no-nginx \
    --keep-alive-secs 10 "${pg_settings[@]}" -- --no-limits "${node_flags[@]}" \
    >"$lines" 2>>"$out/cluster.log" &
  cluster_pid=$!
  local waited=0
  until grep -qs '^READY ' "$lines"; do
    if ! kill -0 "$cluster_pid" 2>/dev/null || [ $waited -gt 120 ]; then
      echo "    the cluster did not start (see $out/cluster.log)" >&2
      cluster_stop
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  mapfile -t node_url < <(awk '/^NODE /{print $2}' "$lines")
  mapfile -t node_pid < <(awk '/^NODE /{print $3}' "$lines")
  urls=$(IFS=,; echo "${node_url[*]}")
  pids=$(IFS=,; echo "${node_pid[*]}")
  pg_url=$(awk '/^POSTGRES /{print $2}' "$lines")
  echo "    cluster: nodes $urls (pids $pids), $pg_url; node flags: --no-limits ${node_flags[*]}" >&2
}

cluster_stop() {
  if [ -n "$cluster_pid" ]; then
    kill -TERM "$cluster_pid" 2>/dev/null || true
    wait "$cluster_pid" 2>/dev/null || true
    cluster_pid=""
  fi
}
trap cluster_stop EXIT

# summary NAME: one line about the run in $out/NAME.json.
summary() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); w=r["window"]; s=w.get("server") or {}; p=w.get("postgres") or {}; c=r["completeness"]
print("    %.0f acked/s, %.0f deliveries/s, p50 %.1f ms, p99 %.1f ms, lost %d, dup %d; nodes %.0f%%, postgres %.0f%%, machine %.0f%%" % (r["send_rate"], r["deliveries_per_sec"], r["latency"]["p50_ms"], r["latency"]["p99_ms"], c["lost"], c["duplicated"], s.get("cpu_percent") or 0, p.get("cpu_percent") or 0, w.get("machine_cpu_percent") or 0))' "$out/$1.json" >&2
}

# clustered NAME FANOUT-FLAGS...: one fan-out run on a fresh cluster (node
# flags from $node_flags; `--send-url first` in the flags means node 0).
clustered() {
  local name=$1
  shift
  local flags=()
  for f in "$@"; do flags+=("$f"); done
  quiet "$name"
  cluster_start "$name" || { failed=1; return 1; }
  for i in "${!flags[@]}"; do
    [ "${flags[$i]}" = first ] && flags[$i]=${node_url[0]}
  done
  echo "--- $name: suda-bench --url $urls --pid $pids --postgres $pg_url fanout ${flags[*]}" >&2
  local ok=0
  "$bench" --url "$urls" --pid "$pids" --postgres "$pg_url" --json fanout "${flags[@]}" \
    >"$out/$name.json" 2>>"$out/bench.log" || ok=1
  cluster_stop
  if [ $ok = 0 ]; then summary "$name"; else
    echo "    FAILED (see $out/bench.log)" >&2; rm -f "$out/$name.json"; failed=1; return 1
  fi
}

# single NAME FANOUT-FLAGS...: the same run on one fresh SQLite server.
single() {
  local name=$1
  shift
  quiet "$name"
  echo "--- $name: suda-bench fanout $*" >&2
  if "$bench" --json fanout "$@" >"$out/$name.json" 2>>"$out/bench.log"; then
    summary "$name"
  else
    echo "    FAILED (see $out/bench.log)" >&2; rm -f "$out/$name.json"; failed=1; return 1
  fi
}

# climb WHO NAME RATES FANOUT-FLAGS...: WHO (clustered or single) at each
# rate in turn until one is not held (bench/held.py); the highest held in
# $out/NAME.best.
climb() {
  local who=$1 name=$2 rates=$3
  shift 3
  local best=0
  for rate in $rates; do
    "$who" "$name-$rate" --rate "$rate" "$@" || break
    if python3 bench/held.py "$out/$name-$rate.json" "$rate"; then best=$rate; else break; fi
  done
  echo "$best" >"$out/$name.best"
}

# idle_cluster: one idle bench per node, all connected at once, then measured.
idle_cluster() {
  quiet idle-cluster
  cluster_start idle-cluster || { failed=1; return; }
  rm -f "$out"/idle.connected.* "$out/idle.release"
  local benches=()
  for i in "${!node_url[@]}"; do
    echo "--- idle-node$i: suda-bench --url ${node_url[$i]} --pid ${node_pid[$i]} idle --subscribers $idle_subscribers --settle-secs 12" >&2
    "$bench" --url "${node_url[$i]}" --pid "${node_pid[$i]}" --json idle \
      --subscribers "$idle_subscribers" --settle-secs 12 --connected-file "$out/idle.connected.$i" \
      --release-file "$out/idle.release" >"$out/idle-node$i.json" 2>>"$out/bench.log" &
    benches+=($!)
  done
  local waited=0
  while [ "$(ls "$out"/idle.connected.* 2>/dev/null | wc -l)" -lt "${#node_url[@]}" ]; do
    local alive=0
    for b in "${benches[@]}"; do kill -0 "$b" 2>/dev/null && alive=$((alive + 1)); done
    if [ "$alive" -lt "${#benches[@]}" ] || [ $waited -gt 600 ]; then
      echo "    a bench ended or timed out before all connected (see $out/bench.log)" >&2
      failed=1
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  # Every bench holds all its streams now: count them on the nodes.
  {
    for i in "${!node_pid[@]}"; do
      echo "node$i fds $(ls "/proc/${node_pid[$i]}/fd" | wc -l)"
    done
    echo "established $(ss -Htn state established | wc -l)"
  } >"$out/idle-held.txt"
  cat "$out/idle-held.txt" >&2
  touch "$out/idle.release"
  for b in "${benches[@]}"; do wait "$b" || failed=1; done
  cluster_stop
  quiet idle-single
  echo "--- idle-single: suda-bench idle --subscribers $idle_subscribers --settle-secs 12" >&2
  "$bench" --json idle --subscribers "$idle_subscribers" --settle-secs 12 \
    >"$out/idle-single.json" 2>>"$out/bench.log" || failed=1
}

hundred=(--channel-size 100 --channels 10 --senders 10 --rate 1000 --duration "$duration" --warmup "$warmup")
pairs=(--channel-size 2 --channels 300 --senders 300 --duration "$duration" --warmup "$warmup" --max-in-flight 1024)
big=(--channel-size 1000 --channels 1 --senders 4 --duration "$big_duration")

for figure in $figures; do
  case $figure in
    idle) idle_cluster ;;
    fanout)
      for k in $(seq 1 "$repeat"); do
        node_flags=()
        if [ $((k % 2)) = 1 ]; then
          clustered "fanout-cluster-$k" "${hundred[@]}" || true
          single "fanout-single-$k" "${hundred[@]}" || true
        else
          single "fanout-single-$k" "${hundred[@]}" || true
          clustered "fanout-cluster-$k" "${hundred[@]}" || true
        fi
      done ;;
    writes)
      quiet disk
      "$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)/pg_test_fsync" \
        -s 2 -f "$out/pg_test_fsync.tmp" >"$out/disk.txt" 2>&1 || true
      rm -f "$out/pg_test_fsync.tmp"
      node_flags=()
      climb clustered writes-cluster "$write_rates" "${pairs[@]}"
      climb single writes-single "$write_rates" "${pairs[@]}"
      node_flags=(--no-doorbell)
      climb clustered writes-cluster-nodoorbell "$write_rates" "${pairs[@]}"
      node_flags=() ;;
    big)
      node_flags=()
      climb clustered big-cluster "$big_rates" "${big[@]}"
      climb single big-single "$big_rates" "${big[@]}" ;;
    doorbell)
      for k in $(seq 1 "$repeat"); do
        node_flags=()
        clustered "doorbell-ring-$k" "${hundred[@]}" --send-url first || true
        node_flags=(--no-doorbell --cluster-poll-ms 500)
        clustered "doorbell-poll-$k" "${hundred[@]}" --send-url first || true
        clustered "doorbell-poll-allsend-$k" "${hundred[@]}" || true
      done
      node_flags=() ;;
    *) echo "unknown figure: $figure" >&2; exit 2 ;;
  esac
done

python3 bench/cluster_report.py "$out" || failed=1
exit "$failed"
