#!/bin/sh
# Install what building and testing fallbackd needs, from Debian's packages only.
# Idempotent: packages already present are left alone, apt is asked only when
# something is missing.  Run as root (CI and the README's first command do).
# mk/apt-install.sh installs them: no service starts meanwhile (the tests
# need openssh-server's sshd as a program, never on port 22; its units are
# left disabled).  Nothing here (or anywhere in mk/) writes /etc/apt:
# libssh's source package is fetched with a private apt configuration
# under build/ (mk/apt-fetch.sh).
set -eu

BUILD_PKGS="gcc make cmake patch dpkg-dev pkg-config file debian-archive-keyring xz-utils
  libgcrypt20-dev libgpg-error-dev libsodium-dev libseccomp-dev libc-ares-dev"
TEST_PKGS="libcriterion-dev openssh-client curl putty-tools python3-paramiko python3-pytest
  openssh-sftp-server strace busybox-static iproute2 util-linux procps psmisc coreutils
  clang libclang-rt-14-dev ssh-audit debootstrap python3-asyncssh openssh-server ansible"

# make package-test also builds, lints, installs and rolls out the .deb.
PACKAGE_TEST_PKGS="debhelper lintian man-db fail2ban nftables"

# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" deps $BUILD_PKGS \
    ${FALLBACKD_TEST_DEPS:+$TEST_PKGS $PACKAGE_TEST_PKGS}
