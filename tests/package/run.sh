#!/usr/bin/env bash
# Builds the .deb and .rpm, installs the .deb on this machine, checks what it
# put where (binary, desktop entry, icons, metadata), launches the installed
# app under a virtual display and checks it stays up with its web view, then
# removes the package again. Needs root (or sudo) for dpkg. Sizes are
# printed, not judged: they are figures for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
scripts/package.sh >/dev/null
bundle="${CARGO_TARGET_DIR:-$PWD/target}/dist/bundle"
deb=$(ls "$bundle"/deb/*.deb | head -n1)
rpm=$(ls "$bundle"/rpm/*.rpm | head -n1)
failures=0
pass=0
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok   $name"; pass=$((pass + 1));
  else echo "FAIL $name"; failures=$((failures + 1)); fi
}

deb_size=$(stat -c %s "$deb")
echo "deb: $deb ($((deb_size / 1024)) KiB), rpm: $rpm ($(( $(stat -c %s "$rpm") / 1024 )) KiB)"
check "the .deb names the package suda" sh -c "dpkg-deb -f '$deb' Package | grep -qx suda"
check "the .deb declares WebKitGTK" sh -c "dpkg-deb -f '$deb' Depends | grep -q libwebkit2gtk-4.1"

$SUDO dpkg -i "$deb" >/dev/null || $SUDO apt-get install -f -y -qq >/dev/null
trap '$SUDO dpkg -r suda >/dev/null 2>&1 || true' EXIT
check "the binary is installed" test -x /usr/bin/suda-desktop
check "a desktop entry is installed" sh -c "grep -q '^Exec=suda-desktop' /usr/share/applications/Suda.desktop"
check "the desktop entry names the app" sh -c "grep -q '^Name=Suda' /usr/share/applications/Suda.desktop"
check "icons are installed" sh -c "ls /usr/share/icons/hicolor/*/apps/suda-desktop.png"

# Launch the installed app on a virtual display with throwaway dirs.
home=$(mktemp -d)
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY=$display HOME=$home XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data \
  SUDA_NO_KEYCHAIN=1 dbus-run-session -- /usr/bin/suda-desktop >"$home/app.log" 2>&1 &
app=$!
up=false
for _ in $(seq 1 40); do
  if pgrep -f WebKitWebProcess >/dev/null && kill -0 $app 2>/dev/null; then up=true; break; fi
  sleep 0.25
done
sleep 2
check "the installed app starts and shows its web view" $up
check "the installed app is still running after 2 s" kill -0 $app
kill $app 2>/dev/null || true
wait $app 2>/dev/null || true
kill $xvfb 2>/dev/null || true
# The session bus may have started a document portal with a FUSE mount there.
fusermount -u "$home/.cache/doc" 2>/dev/null || true
rm -rf "$home" 2>/dev/null || true

# A new user's first session with the installed app, driven like the e2e
# test of the built one: sign in to a server, read and write, see the unread
# count in the sidebar and the tray, get a real notification and click it.
story_log=$(mktemp)
check "the installed app signs in, chats, notifies and shows unread in the tray" \
  sh -c "env SUDA_E2E_APP=/usr/bin/suda-desktop SUDA_E2E_ARTIFACTS='$PWD/artifacts/package' \
    bash tests/e2e/run.sh tests/e2e/test_desktop.py::test_desktop_app_end_to_end >'$story_log' 2>&1"
if ! grep -q " passed" "$story_log"; then
  echo "---- the installed app's e2e: what failed"
  grep -E "^E  |Error|passed|failed" "$story_log" | tail -n 30
  # inside.sh's logs (tauri-driver's holds the app's own output) and the
  # rest, unfiltered: a failure seen once in CI must say why.
  echo "---- the installed app's e2e (last 120 lines)"
  tail -n 120 "$story_log"
fi
rm -f "$story_log"

$SUDO dpkg -r suda >/dev/null
check "the package removes cleanly" sh -c "! test -e /usr/bin/suda-desktop"
trap - EXIT

echo "$pass passed, $failures failed"
test "$failures" -eq 0
