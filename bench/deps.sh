#!/bin/sh
# Install, from Debian's packages, what bench/compare_faults.py needs to run
# the fault matrix against other SSH servers: OpenSSH's sshd, Dropbear,
# TinySSH and a TCP superserver for tinysshd (ucspi-tcp's tcpserver), plus
# the tools the comparison itself uses.  Run as root:
#
#     sudo sh bench/deps.sh
#
# Idempotent: packages already installed are left alone; apt is asked only
# when something is missing.
#
# The servers are needed as programs, not as services: while installing,
# a temporary /usr/sbin/policy-rc.d (exit 101) keeps the maintainer scripts
# from starting sshd (or tinysshd's socket) on port 22; an existing
# policy-rc.d is put back afterwards.  On a machine run by systemd, the
# units of packages installed here are also disabled, so that no sshd comes
# up on port 22 at the next boot.  At the end the script checks that nothing
# it installed listens on port 22.
set -eu

PKGS="openssh-server openssh-client dropbear-bin tinysshd ucspi-tcp busybox-static
  util-linux iproute2 procps"

if [ "$(id -u)" != 0 ]; then
    echo "bench/deps.sh: run as root" >&2
    exit 1
fi

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for p in $PKGS; do
    installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "bench deps: all installed"
    exit 0
fi

listening_22() {
    ss -Hltn 'sport = :22' 2>/dev/null | grep -q .
}
was_listening=0
if command -v ss >/dev/null && listening_22; then
    was_listening=1
fi

# No service may start while the packages are configured.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
    saved=$(mktemp /usr/sbin/.policy-rc.d.bench-XXXXXX)
    cp -p "$policy" "$saved"
fi
restore_policy() {
    if [ -n "$saved" ]; then
        mv -f "$saved" "$policy"
    else
        rm -f "$policy"
    fi
}
trap restore_policy EXIT
trap 'exit 130' INT TERM
printf '#!/bin/sh\n# bench/deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
chmod 0755 "$policy"

export DEBIAN_FRONTEND=noninteractive
echo "bench deps: installing$missing"
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

restore_policy
trap - EXIT

# Under systemd: the packages enabled their units; the bench wants none.
fresh=" $missing "
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    case "$fresh" in *" openssh-server "*)
        systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true ;;
    esac
    case "$fresh" in *" tinysshd "*)
        systemctl disable --now tinysshd.socket >/dev/null 2>&1 || true ;;
    esac
fi

if [ "$was_listening" = 0 ] && listening_22; then
    echo "bench deps: something listens on port 22 after the install:" >&2
    ss -ltnp 'sport = :22' >&2 || true
    exit 1
fi
echo "bench deps: done"
