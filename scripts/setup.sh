#!/usr/bin/env bash
# Installs everything building and testing Suda needs on a fresh Debian 12
# machine with Rust and Node.js: Debian packages (WebKitGTK for the desktop
# app, Xvfb, WebKitWebDriver, D-Bus, xdotool and xclip to answer the
# system's file dialogs and fill the clipboard, Chromium for UI tests, mingw,
# PostgreSQL and nginx for the server's cluster tests), the UI's
# npm packages, the Windows Rust target, tauri-driver, cargo-machete, and a
# Python virtualenv for the end-to-end tests.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cargo npm python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup: $tool is missing; install Rust (rustup) and Node.js 20 first" >&2
    exit 1
  fi
done

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

# Debian packages (Chromium runs the UI tests: Playwright cannot download
# its own browsers here; the fonts let Korean and emoji render). PostgreSQL
# (15 on Debian 12) is only its programs for the tests: the test kit starts
# throwaway clusters itself (crates/testkit/src/postgres.rs).
packages=(build-essential pkg-config file python3-venv
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev
  xvfb webkit2gtk-driver dbus-x11 xdotool xclip
  chromium fonts-noto-cjk fonts-noto-color-emoji
  gcc-mingw-w64-x86-64
  postgresql nginx)
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The UI's npm packages (exactly as locked).
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in ui/"
  (cd ui && npm ci --no-audit --no-fund)
fi

# The Windows standard library, so the test suite compiles the desktop app's
# Windows code (mingw above builds the C parts of its dependencies). macOS
# needs Apple's SDK: only the release workflow builds that.
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: rustup target add x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu ||
    echo "setup: the Windows target could not be installed; the Windows compile check will say so" >&2
fi

# tauri-driver: WebDriver for the real app (Tauri 2's, not a 3.0 alpha).
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# cargo-machete: the test command fails on a dependency no code uses.
if ! command -v cargo-machete >/dev/null 2>&1; then
  echo "setup: cargo install cargo-machete"
  cargo install cargo-machete --version '^0.9' --locked --quiet
fi

# Python packages for the end-to-end tests, in a virtualenv of their own.
venv="${SUDA_E2E_VENV:-tests/e2e/.venv}"
if [ ! -x "$venv/bin/pytest" ] || [ tests/e2e/requirements.txt -nt "$venv/bin/pytest" ]; then
  echo "setup: python venv for tests/e2e"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
  touch "$venv/bin/pytest"
fi
