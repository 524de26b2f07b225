#!/bin/sh
# Install Debian packages by name, starting no service while doing so.
#
#     sh mk/apt-install.sh WHO PACKAGE...
#
# WHO names the caller in messages (mk/deps.sh: "deps", bench/deps.sh:
# "bench deps").  Idempotent: packages already installed are left alone,
# and when none is missing nothing else happens (no root needed).
# Otherwise, run as root:
#
#   - a temporary /usr/sbin/policy-rc.d (exit 101) keeps the maintainer
#     scripts from starting anything, above all an sshd (or tinysshd's
#     socket) on port 22; an existing policy-rc.d is put back afterwards,
#     also when apt fails or the install is interrupted;
#   - on a machine run by systemd, the units that would listen on port 22
#     of the packages installed now are disabled and stopped, so that none
#     comes up at the next boot either:
#
#         package          units
#         ---------------  ----------------------
#         openssh-server   ssh.service ssh.socket
#         tinysshd         tinysshd.socket
#
#   - at the end, if nothing listened on port 22 before, nothing may now:
#     the script fails and shows what does.
#
# Nothing here writes /etc/apt (see mk/apt-fetch.sh for libssh's source).
set -eu

if [ "$#" -lt 1 ]; then
    echo "usage: sh mk/apt-install.sh WHO PACKAGE..." >&2
    exit 2
fi
who=$1
shift

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for p in "$@"; do
    installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "$who: run as root to install$missing" >&2
    exit 1
fi

listening_22() {
    command -v ss >/dev/null && ss -Hltn 'sport = :22' 2>/dev/null | grep -q .
}
was_listening=0
if listening_22; then
    was_listening=1
fi

# No service may start while the packages are configured.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then
    saved=$(mktemp /usr/sbin/.policy-rc.d.fallbackd-XXXXXX)
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
printf '#!/bin/sh\n# mk/apt-install.sh: no service starts while it installs\nexit 101\n' >"$policy"
chmod 0755 "$policy"

export DEBIAN_FRONTEND=noninteractive
echo "$who: installing$missing"
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

restore_policy
trap - EXIT

# Under systemd: the packages enabled their units; we want none of them.
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
    echo "$who: something listens on port 22 after the install:" >&2
    ss -ltnp 'sport = :22' >&2 || true
    exit 1
fi
echo "$who: done"
