#!/usr/bin/env bash
# Runs Suda: the server with demo data on http://127.0.0.1:8080 (members
# alice, bob, carol; password "suda-demo") and, where there is a display,
# the desktop app signed in to nothing yet (sign in with the server URL
# above). Without a display it runs the server alone; chat with the
# command-line client target/release/suda (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
target="${CARGO_TARGET_DIR:-$PWD/target}/release"
listen="${SUDA_LISTEN:-127.0.0.1:8080}"
app=false
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then app=true; fi

if $app; then
  (cd ui && npm run --silent build)
  cargo build --release -p suda-server -p suda-cli -p suda-desktop
else
  cargo build --release -p suda-server -p suda-cli
fi
echo "Suda server on http://$listen (demo members alice, bob, carol; password suda-demo)"
echo "Command-line client: $target/suda --help"

if $app; then
  "$target/suda-server" --demo --listen "$listen" \
    --database-url "${SUDA_DATABASE_URL:-sqlite:suda.db}" "$@" &
  server=$!
  trap 'kill $server 2>/dev/null' EXIT
  "$target/suda-desktop"
else
  exec "$target/suda-server" --demo --listen "$listen" \
    --database-url "${SUDA_DATABASE_URL:-sqlite:suda.db}" "$@"
fi
