#!/bin/sh
# Install what building and testing fallbackd needs, from Debian's packages only.
# Idempotent: packages already present are left alone, apt is asked only when
# something is missing.  Run as root (CI and the README's first command do).
set -eu

BUILD_PKGS="gcc make cmake patch dpkg-dev pkg-config file
  libgcrypt20-dev libgpg-error-dev libsodium-dev libseccomp-dev"
TEST_PKGS="libcriterion-dev openssh-client putty-tools python3-paramiko python3-pytest
  openssh-sftp-server strace busybox-static iproute2 util-linux procps psmisc coreutils
  clang libclang-rt-14-dev ssh-audit"

missing=""
for p in $BUILD_PKGS ${FALLBACKD_TEST_DEPS:+$TEST_PKGS}; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

# apt-get source needs a deb-src entry; derive it from the binary one.
srcfile=/etc/apt/sources.list.d/fallbackd-src.sources
need_update=0
if [ ! -f "$srcfile" ] && ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ \
    && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$srcfile"
    else
        grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/fallbackd-src.list
    fi
    need_update=1
fi

if [ -n "$missing" ] || [ "$need_update" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
fi
if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
