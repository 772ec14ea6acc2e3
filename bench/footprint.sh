#!/usr/bin/env bash
# The desktop app's footprint against an empty Tauri app built and measured
# in the same run (the floor): start to first paint (cold and warm),
# installer and binary size, idle memory of the app with its WebKit
# processes (PSS and RSS summed over the process tree), and memory after
# receiving 100,000 messages across 50 channels. bench/footprint.py measures;
# this script builds both apps the way the installers are built (the `dist`
# profile) and the server (release).
#
#   bench/footprint.sh [footprint.py options, e.g. --messages 100000 --settle 8]
#
# Prints a table; docs/benchmarks.md records it with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$target"

scripts/setup.sh >/dev/null # Xvfb, WebKit, and the Python venv with python-xlib
echo "building Suda (dist, with its .deb), the empty Tauri app (dist) and the server (release)..." >&2
scripts/package.sh >/dev/null
cargo build --release --quiet -p suda-server
(cd bench/empty-app && cargo build --profile dist --quiet)
deb=$(ls "$target"/dist/bundle/deb/*.deb | head -n1)
exec tests/e2e/.venv/bin/python bench/footprint.py \
  --suda "$target/dist/suda-desktop" --empty "$target/dist/empty-tauri-app" \
  --server "$target/release/suda-server" --deb "$deb" "$@"
