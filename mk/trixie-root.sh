#!/bin/sh
# A minimal Debian 13 (trixie) root with its OpenSSH 10 client and ssh-audit,
# for the tests only: clients newer than Debian 12's (ML-KEM key exchange).
#
#   mk/trixie-root.sh BUILD_DIR     -> BUILD_DIR/trixie-root
#
# debootstrap into build/; nothing is installed into this system and /etc/apt
# is only read (for the archive URI, as mk/apt-fetch.sh does).  Idempotent: a
# complete root (stamp file) is left alone.  Needs root and debootstrap.
set -eu

out=$1
root=$out/trixie-root
stamp=$root/.fallbackd-complete
pkgs=openssh-client,ssh-audit

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
    exit 0
fi
command -v debootstrap >/dev/null \
    || { echo "trixie-root: debootstrap missing (make test-deps)" >&2; exit 1; }
archive=${FALLBACKD_DEBIAN_ARCHIVE:-}
if [ -z "$archive" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    archive=$(sed -n 's/^URIs:[ \t]*\([^ \t]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources \
              | grep -v security | head -n 1)
fi
archive=${archive:-http://deb.debian.org/debian}

rm -rf "$root"
mkdir -p "$out"
if ! debootstrap --variant=minbase --include="$pkgs" \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        trixie "$root" "$archive" >"$out/trixie-root.log" 2>&1; then
    tail -5 "$out/trixie-root.log" >&2
    echo "trixie-root: debootstrap of trixie from $archive failed (log: $out/trixie-root.log)" >&2
    exit 1
fi
echo "$pkgs" > "$stamp"
echo "trixie-root: $root ($(chroot "$root" ssh -V 2>&1))"
