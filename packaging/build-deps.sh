#!/bin/sh
# Installs what building and testing natter needs on Debian 12, as root.
# Skips apt entirely when everything is already there.
set -eu
packages="cmake ninja-build ccache g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libtoml11-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libssl-dev libgtest-dev
  libmariadb-dev mariadb-server libsystemd-dev
  python3 python3-websockets python3-prometheus-client
  debhelper dpkg-dev fakeroot lintian debootstrap systemd systemd-container"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
