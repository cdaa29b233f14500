#!/usr/bin/env bash
# Builds Dockless's one native addon, native/sd-notify/sd_notify.c (the receiving end of
# sd_notify: a Unix datagram socket with the sender's credentials), for linux x64 and arm64,
# into native/sd-notify/prebuilt/linux-{x64,arm64}/sd_notify.node. Those binaries are committed,
# so installing Dockless never needs a compiler (a Pi has none); rebuild them after changing the C:
#
#   apt-get install gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross nodejs   # Debian 12, once
#   npm run build:native
#
# N-API only (node_api.h, NAPI_VERSION 8) plus libuv's uv.h, both from /usr/include/node (the
# nodejs package), so one build loads in Node 20, 22 and 24. Only old glibc symbols are used
# (socket, recvmsg, chmod: GLIBC_2.2.5 on x64, 2.17 on arm64), checked below.
# test/native/sdNotify.test.ts loads and drives both builds (arm64 under qemu-user).
set -euo pipefail
cd "$(dirname "$0")/.."

src=native/sd-notify/sd_notify.c
out=native/sd-notify/prebuilt
flags=(-std=gnu11 -O2 -shared -fPIC -Wall -Wextra -Werror -I/usr/include/node
  -ffile-prefix-map="$PWD"=. -Wl,--build-id=none -s)

build() { # arch compiler
  mkdir -p "$out/linux-$1"
  "$2" "${flags[@]}" -o "$out/linux-$1/sd_notify.node" "$src"
  # Anything newer than glibc 2.17 would refuse to load on an older system: say so here instead.
  local newest
  newest=$(objdump -T "$out/linux-$1/sd_notify.node" | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1)
  case "$newest" in
    GLIBC_2.2.5 | GLIBC_2.17 | "") ;;
    *) echo "linux-$1: needs $newest, newer than this addon should ask for" >&2 && exit 1 ;;
  esac
  echo "$out/linux-$1/sd_notify.node $(stat -c %s "$out/linux-$1/sd_notify.node") bytes (${newest:-no glibc symbols})"
}

build x64 gcc
build arm64 aarch64-linux-gnu-gcc
