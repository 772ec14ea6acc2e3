#!/usr/bin/env bash
# Runs the Suda server with demo data on http://127.0.0.1:8080
# (members alice, bob, carol; password "suda-demo").
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec cargo run --release -p suda-server -- --demo \
  --listen "${SUDA_LISTEN:-127.0.0.1:8080}" \
  --database-url "${SUDA_DATABASE_URL:-sqlite:suda.db}" "$@"
