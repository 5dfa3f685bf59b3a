#!/bin/sh
# Installs what natter needs on Debian 12, as root; skips apt entirely when
# everything is already there.
#   packaging/build-deps.sh          to build and run natterd
#   packaging/build-deps.sh --test   also the servers and tools the tests use
#   packaging/build-deps.sh --bench  also the peers bench/ measures natter against
set -eu
packages="cmake ninja-build ccache g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libtoml11-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libssl-dev libgtest-dev libmariadb-dev libsystemd-dev libjemalloc-dev libsodium-dev libutf8proc-dev libre2-dev libhiredis-dev libcurl4-openssl-dev libmosquitto-dev
  python3 python3-websockets"
case "${1:-}" in
  --test)
    # clang and libc++: a plugin author's other toolchains (tests/sdk).
    packages="$packages
  mariadb-server redis-server redis-tools mosquitto mosquitto-clients nginx-light chromium chromium-driver python3-selenium python3-prometheus-client python3-jwt python3-cryptography clang libc++-dev libc++abi-dev openssl
  debhelper dpkg-dev fakeroot lintian debootstrap systemd systemd-container iproute2
  python3-botocore curl"
    # Node.js runs s3rver (tests/fixtures/s3rver), the object store the
    # attachments tests put files in; a node already on PATH is used.
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm" ;;
  --bench)
    # Node.js runs the npm peers (bench/peers/node_*); a node already on
    # PATH is used as it is.
    packages="$packages mariadb-server redis-server libwebsocketpp-dev"
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm" ;;
  "") ;;
  *) echo "usage: $0 [--test | --bench]" >&2; exit 2 ;;
esac
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
