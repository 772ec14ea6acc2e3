#!/usr/bin/env bash
# Builds the Linux installers of the desktop app (.deb and .rpm) with the
# Tauri CLI from the UI's npm packages. Windows and macOS installers (and the
# AppImage, whose tooling is downloaded at build time) are made by the
# release workflow (.github/workflows/release.yml) on their own runners.
#
#   scripts/package.sh            # -> $CARGO_TARGET_DIR/dist/bundle/{deb,rpm}/
#
# The app is built with the workspace's `dist` profile (release, optimised
# for size, fat LTO): it halves the binary, and the .deb is 5.3 MiB instead
# of 8.5 (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
(cd ui && npm run --silent build)
# The CLI must run from src-tauri: it finds the app crate there, and
# src-tauri/tauri.conf.json is a copy of the top-level tauri.conf.json.
cd src-tauri
../ui/node_modules/.bin/tauri build --bundles deb,rpm "$@" -- --profile dist
bundle="${CARGO_TARGET_DIR:-../target}/dist/bundle"
ls -l "$bundle"/deb/*.deb "$bundle"/rpm/*.rpm
