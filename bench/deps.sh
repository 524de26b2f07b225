#!/bin/sh
# Install, from Debian's packages, what bench/compare_faults.py needs to run
# the fault matrix against other SSH servers: OpenSSH's sshd, Dropbear,
# TinySSH and a TCP superserver for tinysshd (ucspi-tcp's tcpserver), plus
# the tools the comparison itself uses.  Run as root:
#
#     sudo sh bench/deps.sh
#
# The servers are needed as programs, not as services: mk/apt-install.sh
# installs only what is missing, starts no service while doing so, leaves
# their systemd units disabled and checks that nothing listens on port 22.
set -eu

PKGS="openssh-server openssh-client dropbear-bin tinysshd ucspi-tcp busybox-static
  util-linux iproute2 procps"

# shellcheck disable=SC2086
sh "$(dirname "$0")/../mk/apt-install.sh" "bench deps" $PKGS
