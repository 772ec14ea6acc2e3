#!/usr/bin/env bash
# Runs the Suda server with demo data on http://127.0.0.1:8080
# (members alice, bob, carol; password "suda-demo"), after building it and
# the `suda` command-line client (target/release/suda).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cargo build --release -p suda-server -p suda-cli
target="${CARGO_TARGET_DIR:-target}/release"
echo "suda-server and the CLI are in $target; the CLI: $target/suda --help"
exec "$target/suda-server" --demo \
  --listen "${SUDA_LISTEN:-127.0.0.1:8080}" \
  --database-url "${SUDA_DATABASE_URL:-sqlite:suda.db}" "$@"
