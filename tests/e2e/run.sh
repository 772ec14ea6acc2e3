#!/usr/bin/env bash
# End-to-end test of the real desktop app: builds the UI, the server, the
# CLI and the app, then runs tests/e2e/test_desktop.py against the app under
# Xvfb + tauri-driver, inside a private D-Bus session whose notification
# server is tests/e2e/notify_recorder.py. Exit code: pytest's.
# Screenshots go to artifacts/e2e/.
#
#     bash tests/e2e/run.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${SUDA_E2E_VENV:-tests/e2e/.venv}"
if [ ! -x "$venv/bin/pytest" ] || ! command -v tauri-driver >/dev/null 2>&1; then
  scripts/setup.sh
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
echo "== e2e: build the UI and the binaries (target: $CARGO_TARGET_DIR)"
(cd ui && npm run --silent build)
cargo build --locked --quiet -p suda-server -p suda-cli
# A three-node cluster on PostgreSQL behind nginx, for SUDA_E2E_CLUSTER=1.
cargo build --locked --quiet -p suda-testkit --bin suda-cluster
# The app's default `custom-protocol` feature embeds ui/dist. The binaries
# are copied aside so other builds in the same target dir cannot swap them
# under the test.
cargo build --locked --quiet -p suda-desktop
bin="$(cd "$CARGO_TARGET_DIR" && pwd)/debug"
export SUDA_E2E_BIN="$(cd "$CARGO_TARGET_DIR" && pwd)/e2e-bin"
mkdir -p "$SUDA_E2E_BIN"
cp -f "$bin/suda-server" "$bin/suda" "$bin/suda-desktop" "$bin/suda-cluster" "$SUDA_E2E_BIN/"
export SUDA_E2E_VENV="$(cd "$venv" && pwd)"
export SUDA_E2E_ARTIFACTS="${SUDA_E2E_ARTIFACTS:-$PWD/artifacts/e2e}"
mkdir -p "$SUDA_E2E_ARTIFACTS"
rm -f "$SUDA_E2E_ARTIFACTS"/*.png "$SUDA_E2E_ARTIFACTS"/*.html

echo "== e2e: desktop app under Xvfb, tauri-driver and a private D-Bus session"
exec dbus-run-session -- bash tests/e2e/inside.sh "$@"
