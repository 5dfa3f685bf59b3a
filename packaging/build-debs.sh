#!/bin/sh
# Builds natter's .deb packages with debhelper from the working tree and
# checks them with lintian (--pedantic; errors and warnings fail). The packages land in
# OUT (default build/debs).
#   packaging/build-debs.sh [OUT]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build/debs}
version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
rm -rf "$out"
# Relative paths in the cache key, so rebuilds from another checkout hit.
export CCACHE_BASEDIR="$out"
mkdir -p "$out/natter-$version"
# The working tree (not just what is committed), without build output.
tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$out/natter-$version" -xf -
cp -r "$src/packaging/debian" "$out/natter-$version/debian"
cd "$out/natter-$version"
dpkg-buildpackage -b -us -uc
cd "$out"
lintian --pedantic --fail-on error,warning --info --display-info ./*.changes
ls -1 "$out"/*.deb
