#!/usr/bin/env bash
# The desktop app's footprint against an empty Tauri app built and measured
# in the same run (the floor): installer and binary size, and idle memory of
# the app with its WebKit processes after it has settled, as PSS (shared
# pages shared out: the fair total) and RSS, summed over the process tree.
#
#   bench/footprint.sh [SETTLE_SECONDS]      (default 8)
#
# Suda runs signed in to a local demo server (its stream live, the demo's
# channels listed); the empty app shows a static page.
#
# Prints a table; docs/benchmarks.md records it with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
settle="${1:-8}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$target"

echo "building Suda and the empty Tauri app (release)..." >&2
(cd ui && npm run --silent build)
cargo build --release --quiet -p suda-desktop -p suda-server -p suda-cli
(cd bench/empty-app && cargo build --release --quiet)
suda="$target/release/suda-desktop"
empty="$target/release/empty-tauri-app"

# Suda is measured signed in, live, with the demo's channels on screen: a
# demo server, and alice's session kept where the app restores it from.
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$target/release/suda-server" --demo --listen "127.0.0.1:$port" \
  --database-url "sqlite:$work/suda.db" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
SUDA_CONFIG="$work/cli.json" SUDA_NO_KEYCHAIN=1 "$target/release/suda" \
  --server "http://127.0.0.1:$port" login alice --password suda-demo 2>/dev/null
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$work/cli.json")

# Sum Pss and Rss (KiB) over a process and all its descendants.
tree_memory() {
  local root=$1 pids
  pids=$(ps -e -o pid=,ppid= | awk -v root="$root" '
    { parent[$1] = $2 }
    END {
      keep[root] = 1; changed = 1
      while (changed) { changed = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } }
      for (p in keep) print p }')
  local pss=0 rss=0 n=0
  for p in $pids; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    read -r a b < <(awk '/^Pss:/ {pss=$2} /^Rss:/ {rss=$2} END {print pss, rss}' "/proc/$p/smaps_rollup")
    pss=$((pss + a)); rss=$((rss + b)); n=$((n + 1))
  done
  echo "$pss $rss $n"
}

measure() { # measure BINARY -> "pss_kib rss_kib processes"
  local bin=$1 home display xvfb launcher result
  home=$(mktemp -d)
  mkdir -p "$home/d/app.suda.desktop"
  printf '{"serverUrl":"http://127.0.0.1:%s","token":"%s"}' "$port" "$token" \
    > "$home/d/app.suda.desktop/session.json"
  display=":$((70 + RANDOM % 20))"
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  sleep 1
  DISPLAY=$display HOME=$home XDG_CONFIG_HOME=$home/c XDG_DATA_HOME=$home/d \
    XDG_CACHE_HOME=$home/cache SUDA_NO_KEYCHAIN=1 \
    setsid "$bin" >/dev/null 2>&1 &
  launcher=$!
  sleep "$settle"
  result=$(tree_memory "$launcher")
  kill -- -"$launcher" 2>/dev/null || kill "$launcher" 2>/dev/null || true
  wait "$launcher" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  rm -rf "$home" 2>/dev/null || true
  echo "$result"
}

read -r e_pss e_rss e_n < <(measure "$empty")
read -r s_pss s_rss s_n < <(measure "$suda")
deb=$(ls "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n1 || true)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '%-28s %-14s %-14s %s\n' "figure" "Suda" "empty Tauri" "ratio"
printf '%-28s %-14s %-14s %s\n' "idle PSS (after ${settle} s)" "$(mib "$s_pss")" "$(mib "$e_pss")" "$(ratio "$s_pss" "$e_pss")"
printf '%-28s %-14s %-14s %s\n' "idle RSS (after ${settle} s)" "$(mib "$s_rss")" "$(mib "$e_rss")" "$(ratio "$s_rss" "$e_rss")"
printf '%-28s %-14s %-14s\n' "processes" "$s_n" "$e_n"
s_bin=$(($(stat -c %s "$suda") / 1024)); e_bin=$(($(stat -c %s "$empty") / 1024))
printf '%-28s %-14s %-14s %s\n' "binary (stripped)" "$(mib "$s_bin")" "$(mib "$e_bin")" "$(ratio "$s_bin" "$e_bin")"
if [ -n "$deb" ]; then
  printf '%-28s %-14s\n' ".deb (scripts/package.sh)" "$(mib $(($(stat -c %s "$deb") / 1024)))"
fi
