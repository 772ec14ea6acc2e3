#!/usr/bin/env bash
# Installs the peers `suda-bench fanout --peer ...` compares Suda with:
# nginx with the nchan module (SSE pub/sub), and Node with the socket.io
# server in bench/peers/socketio. Idempotent; run as root on Debian 12.
#
#   sudo bench/peers/setup.sh
#
# It never starts the system nginx service: the bench starts its own nginx,
# with a configuration it writes to a temporary directory, on a free port.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh installs Debian packages: run it as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# Keep the packages' maintainer scripts from starting services (nginx would
# take port 80), unless a policy already does so.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

installable() { # every package named has an install candidate
  local p policy
  for p in "$@"; do
    policy=$(apt-cache policy "$p" 2>/dev/null)
    [[ $policy =~ Candidate:\ [^\(] ]] || return 1
  done
}

install_packages() { # apt-get update only when something is not installable
  installable "$@" || apt-get update
  apt-get install -y --no-install-recommends "$@"
}

# nginx: on Debian 12 the `nginx` package is the core server (nginx-light
# only adds the echo module), which is all nchan needs.
nchan_module=/usr/lib/nginx/modules/ngx_nchan_module.so
if ! command -v nginx >/dev/null || [ ! -e "$nchan_module" ]; then
  had_nginx=$(command -v nginx || true)
  install_packages nginx libnginx-mod-nchan
  # Installed here: the package enables the system service and, where a
  # policy lets it, starts it. The bench needs neither, and port 80 is not
  # ours to take. (An nginx that was there before is left as it was.)
  if [ -z "$had_nginx" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

# Node and npm (Debian's, unless some Node is installed already).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  install_packages nodejs npm
fi

# The socket.io server's dependencies, exactly as locked.
(cd socketio && npm ci --no-audit --no-fund --loglevel=error)

echo "nginx:  $(nginx -v 2>&1 | sed 's/^nginx version: //')"
echo "nchan:  $nchan_module ($(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null || echo '?'))"
echo "node:   $(node --version)"
echo "socket.io: $(cd socketio && node -p 'require("socket.io/package.json").version')"
