#!/usr/bin/env bash
# Runs inside `dbus-run-session` (see run.sh): starts Xvfb, the notification
# recorder and the tray watcher, runs pytest, and stops them all on exit.
# Each test starts a tauri-driver of its own (conftest.py).
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${SUDA_E2E_BIN:?run tests/e2e/run.sh instead}"
work="$(mktemp -d /tmp/suda-e2e.XXXXXX)"
pids=()
cleanup() {
  local pid
  if [ -s "$work/server.pid" ]; then # the test's server, if pytest did not stop it
    pid="$(cat "$work/server.pid")"
    if grep -qaE "suda-server|suda-cluster" "/proc/$pid/cmdline" 2>/dev/null; then pids+=("$pid"); fi
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "e2e: $what did not come up" >&2
      return 1
    fi
    sleep 0.1
  done
}

# Xvfb picks a free display itself and reports it on fd 3.
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
exec 3>&-
wait_for 10 Xvfb test -s "$work/display"
export DISPLAY=":$(head -n1 "$work/display")"
echo "e2e: Xvfb on $DISPLAY"
# Services the bus starts for the app (portals, accessibility) see it too.
dbus-update-activation-environment DISPLAY >/dev/null 2>&1 || true

export SUDA_E2E_NOTIFY_LOG="$work/notifications.jsonl"
"$SUDA_E2E_VENV/bin/python" tests/e2e/notify_recorder.py "$SUDA_E2E_NOTIFY_LOG" >"$work/recorder.log" 2>&1 &
pids+=($!)
wait_for 10 "the notification recorder" test -e "$SUDA_E2E_NOTIFY_LOG.ready"

export SUDA_E2E_TRAY_LOG="$work/tray.jsonl"
"$SUDA_E2E_VENV/bin/python" tests/e2e/tray_watcher.py "$SUDA_E2E_TRAY_LOG" >"$work/tray.log" 2>&1 &
pids+=($!)
wait_for 10 "the tray watcher" test -e "$SUDA_E2E_TRAY_LOG.ready"

# The app (started by WebKitWebDriver, under each test's tauri-driver) inherits this
# environment: fresh config and data, no keychain.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache"
export SUDA_NO_KEYCHAIN=1
# A home of its own too: "start at login" writes ~/.config/autostart.
export HOME="$work/home"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

# "Open with the system" runs the desktop's xdg-open: here one that notes
# what it was asked to open (there is no desktop to open it in).
mkdir -p "$work/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >> "%s/opened.log"\n' "$work" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
export PATH="$work/bin:$PATH"

export SUDA_E2E_WORK="$work"
status=0
# Every test is bounded (pytest-timeout): a hang fails that test with every
# thread's stack instead of stalling the run until CI gives up on it.
"$SUDA_E2E_VENV/bin/pytest" -p no:cacheprovider -v --timeout="${SUDA_E2E_TEST_TIMEOUT:-300}" \
  --timeout-method=thread tests/e2e "$@" || status=$?
if [ "$status" -ne 0 ]; then
  for log in tauri-driver recorder tray xvfb; do
    echo "---- $log.log (tail)" >&2
    tail -n 40 "$work/$log.log" >&2 || true
  done
  echo "---- notifications" >&2
  cat "$SUDA_E2E_NOTIFY_LOG" >&2 2>/dev/null || true
fi
exit "$status"
