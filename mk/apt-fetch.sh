#!/bin/sh
# Download one Debian source package with a private apt configuration.
#
#   mk/apt-fetch.sh APT_DIR DEST_DIR PACKAGE VERSION
#
# apt reads its source list, package lists and cache from APT_DIR (under
# build/), so the machine's /etc/apt and /var/lib/apt/lists are read, never
# written: no deb-src entry is needed, none is added.  The archive is the one
# the machine already uses (the URIs: of /etc/apt/sources.list.d/debian.sources,
# or the first deb line of /etc/apt/sources.list), or FALLBACKD_DEBIAN_ARCHIVE;
# the suite is unstable (FALLBACKD_DEBIAN_SUITE), signed by the Debian
# archive keyring.  The caller checks the hashes of what lands in DEST_DIR.
set -eu

aptdir=$1
dest=$2
pkg=$3
version=$4
suite=${FALLBACKD_DEBIAN_SUITE:-sid}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# The first URIs: of a deb822 stanza that is not the security archive.
archive_from_deb822() {
    awk 'BEGIN { RS = ""; FS = "\n" }
         {
             uri = ""; sec = 0
             for (i = 1; i <= NF; i++) {
                 if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
                 if ($i ~ /^Suites:/ && $i ~ /-security/) { sec = 1 }
             }
             if (uri != "" && !sec) { print uri; exit }
         }' "$1"
}

archive=${FALLBACKD_DEBIAN_ARCHIVE:-}
if [ -z "$archive" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    archive=$(archive_from_deb822 /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$archive" ] && [ -r /etc/apt/sources.list ]; then
    archive=$(sed -n 's/^deb[ \t]\+\(\[[^]]*\][ \t]\+\)\?\([^ \t]\+\).*/\2/p' /etc/apt/sources.list \
              | grep -v security | head -n 1)
fi
if [ -z "$archive" ]; then
    echo "apt-fetch: no Debian archive found in /etc/apt; set FALLBACKD_DEBIAN_ARCHIVE" \
         "(e.g. http://deb.debian.org/debian) and run make again" >&2
    exit 1
fi
[ -r "$keyring" ] || { echo "apt-fetch: $keyring missing: apt-get install debian-archive-keyring" >&2; exit 1; }

mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$dest"
printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$archive" "$suite" > "$aptdir/sources.list"
set -- -q -o Dir::Etc::sourcelist="$aptdir/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" \
    -o APT::Sandbox::User=root

case $pkg in
    lib?*) pool=$(printf %s "$pkg" | cut -c1-4)/$pkg ;;
    *) pool=$(printf %s "$pkg" | cut -c1)/$pkg ;;
esac

unreachable() {
    echo "apt-fetch: $1" >&2
    echo "apt-fetch: to build anyway, put ${pkg}_${version}.dsc and its tarballs (from" \
         "${archive}/pool/main/$pool/ or https://snapshot.debian.org/package/$pkg/$version/)" \
         "into $dest and run make again; their sha256 are checked against mk/libssh.sh" >&2
    exit 1
}

if ! apt-get "$@" --error-on=any update >"$aptdir/update.log" 2>&1; then
    cat "$aptdir/update.log" >&2
    unreachable "cannot read the $suite source index from $archive (network, proxy or mirror?)"
fi
if ! apt-cache "$@" showsrc "$pkg" 2>/dev/null | grep -qx "Version: $version"; then
    unreachable "$archive $suite no longer lists $pkg $version ($(apt-cache "$@" showsrc "$pkg" \
        2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')); pin a newer version in mk/libssh.sh"
fi
if ! (cd "$dest" && apt-get "$@" source --download-only "$pkg=$version" >"$aptdir/source.log" 2>&1); then
    cat "$aptdir/source.log" >&2
    unreachable "cannot download $pkg $version from $archive"
fi
