#!/usr/bin/env bash
# The desktop app's memory with a conversation of pictures (200 photos by
# default): bench/images.py drives the real app, built as the installers
# build it (the `dist` profile), through tauri-driver, against a local
# server (release), in a D-Bus session of its own.
#
#   bench/images.sh [images.py options, e.g. --images 200 --width 1600 --height 1000]
#
# Prints a table; docs/benchmarks.md records it with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$target"

scripts/setup.sh >/dev/null # Xvfb, WebKit, tauri-driver, the Python venv with selenium
echo "building the app (dist) and the server (release)..." >&2
(cd ui && npm run --silent build)
cargo build --profile dist --quiet -p suda-desktop
cargo build --release --quiet -p suda-server
exec dbus-run-session -- tests/e2e/.venv/bin/python bench/images.py \
  --app "$target/dist/suda-desktop" --server "$target/release/suda-server" "$@"
