#!/usr/bin/env bash
# Runs every Suda test: formatting and lints, the Rust unit and integration
# tests, and the UI's lint, type check, unit tests and browser tests.
# This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says when it started, so a slow or stalled CI run shows where
# its time went.
started=$SECONDS
step() {
  local t=$((SECONDS - started))
  printf '== %s  [at %dm%02ds]\n' "$*" $((t / 60)) $((t % 60))
}

step "setup"
scripts/setup.sh

# The desktop app embeds the built UI, so it is built before any cargo step.
step "ui: build"
(cd ui && npm run --silent build)

step "layout: no symbolic links (a Windows checkout writes them as text files)"
links=$(git ls-files -s | awk '$1 == "120000" { print $4 }')
if [ -n "$links" ]; then
  echo "symbolic links in the repository: $links" >&2
  exit 1
fi
step "unused dependencies (cargo machete)"
cargo machete

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo clippy: the desktop app's Windows code (cfg(windows), notifications)"
if rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
  cargo clippy -p suda-desktop --target x86_64-pc-windows-gnu --locked -- -D warnings
else
  echo "NOT CHECKED: the x86_64-pc-windows-gnu target is not installed (scripts/setup.sh could not add it)"
fi
step "cargo test"
cargo test --workspace --locked

step "cargo test: the server again, on PostgreSQL (SUDA_TEST_STORE=postgres; the test kit starts the cluster)"
# Its unit tests and integration suite; the cluster tests (tests/cluster)
# already ran on PostgreSQL above. The binaries the workspace run built are
# run again as they are: `cargo test -p suda-server` would resolve features
# for that one package and build the whole tree a second time (2.5 min on a
# clean machine). Each runs from the package's directory, as cargo runs it.
mapfile -t server_tests < <(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
  scripts/test-binaries.py suda-server lib it)
[ "${#server_tests[@]}" -eq 2 ] || { echo "the server's test binaries were not found" >&2; exit 1; }
for binary in "${server_tests[@]}"; do
  echo "     Running $binary (SUDA_TEST_STORE=postgres)"
  (cd crates/server && SUDA_TEST_STORE=postgres "$binary")
done

step "ui: lint, typecheck, unit tests, browser tests"
(
  cd ui
  npm run --silent lint
  npm run --silent typecheck
  npm test --silent
  npm run --silent e2e
)

step "desktop app: end to end under Xvfb and WebDriver"
bash tests/e2e/run.sh

step "desktop app and CLI: the end-to-end story once more, on three nodes on PostgreSQL behind nginx"
SUDA_E2E_CLUSTER=1 bash tests/e2e/run.sh -k end_to_end

step "installers: build the .deb and .rpm, install the .deb, launch it, remove it"
bash tests/package/run.sh
step "done"
