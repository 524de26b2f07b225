#!/bin/sh
# Ed25519 sign/verify time, libssh's bundled code against libsodium
# (bench/README.md).  Needs `make` first: uses the libssh.a of the cmake
# build tree, which still holds libssh's ed25519 objects.
#
#   sh bench/ed25519.sh [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
lib=$build/libssh-build/src/libssh.a
[ -f "$lib" ] || { echo "ed25519.sh: $lib missing: run make" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -DLIB_INIT=ssh_init -DLIB_NAME='"libssh"' -o "$tmp/libssh" "$top/bench/ed25519.c" \
    "$lib" -l:libgcrypt.a -l:libgpg-error.a -lpthread
cc -O2 -DLIB_INIT=sodium_init -DLIB_NAME='"libsodium"' -o "$tmp/sodium" "$top/bench/ed25519.c" \
    -l:libsodium.a -lpthread
"$tmp/libssh"
"$tmp/sodium"
