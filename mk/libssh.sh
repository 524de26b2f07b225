#!/bin/sh
# Build libssh 0.10.6 as a static library from Debian's source package.
#
#   mk/libssh.sh BUILD_DIR
#
# 1. fetch Debian's source package (newest 0.10.6 version the archive still serves),
# 2. apply Debian's patch series (CVE fixes), then ours from mk/libssh-patches/,
# 3. configure with cmake: gcrypt backend, no GSSAPI, no GEX, no zlib, no pcap,
# 4. install headers and libssh.a under BUILD_DIR/deps,
# 5. delete libssh's bundled ed25519/curve25519 reference objects from libssh.a so
#    that its calls to crypto_sign_ed25519* and crypto_scalarmult* bind to
#    libsodium (same NaCl names and ABI, ~30x faster), and fallbackd can call
#    libsodium without a duplicate-symbol clash.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
dl=$out/dl
src=$out/libssh-src
bld=$out/libssh-build
deps=$out/deps
stamp=$deps/.libssh-stamp

want=0.10.6
patches="$top/mk/libssh-patches"
sum=$(cat "$patches"/*.patch "$0" 2>/dev/null | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -f "$deps/lib/libssh.a" ]; then
    exit 0
fi

mkdir -p "$dl"
if ! ls "$dl"/libssh_${want}*.dsc >/dev/null 2>&1; then
    # The newest version may live only on the security mirror and 404 there;
    # walk the versions apt knows, newest first, until one downloads.
    versions=$(apt-cache showsrc libssh 2>/dev/null | sed -n 's/^Version: //p' \
               | grep "^$want" | sort -rV | uniq)
    [ -n "$versions" ] || { echo "libssh.sh: apt knows no libssh $want source (deb-src missing? run make deps)" >&2; exit 1; }
    ok=""
    for v in $versions; do
        if (cd "$dl" && apt-get source -qq --download-only "libssh=$v" >/dev/null 2>&1); then
            ok=$v; break
        fi
        rm -f "$dl"/libssh_*
    done
    [ -n "$ok" ] || { echo "libssh.sh: no libssh $want source package could be downloaded" >&2; exit 1; }
    echo "libssh.sh: fetched Debian source libssh $ok"
fi

rm -rf "$src" "$bld"
mkdir -p "$src"
tar -xf "$dl"/libssh_${want}.orig.tar.xz -C "$src" --strip-components=1
tar -xf "$dl"/libssh_${want}-*.debian.tar.xz -C "$src"
cd "$src"
for p in $(grep -v '^#' debian/patches/series); do
    patch -p1 -s -N < "debian/patches/$p"
done
for p in "$patches"/*.patch; do
    [ -f "$p" ] || continue
    echo "libssh.sh: applying $(basename "$p")"
    patch -p1 -s -N < "$p"
done

cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX="$deps" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_POSITION_INDEPENDENT_CODE=OFF \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIB=OFF \
    -DWITH_GCRYPT=ON -DWITH_GSSAPI=OFF -DWITH_SERVER=ON -DWITH_SFTP=ON \
    -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF -DCLIENT_TESTING=OFF -DSERVER_TESTING=OFF \
    -DWITH_PCAP=OFF -DWITH_NACL=OFF -DWITH_SYMBOL_VERSIONING=OFF -DWITH_GEX=OFF \
    -DWITH_ZLIB=OFF -DWITH_PKCS11_URI=OFF -DWITH_DEBUG_CALLTRACE=OFF >"$out/libssh-cmake.log" 2>&1 \
    || { tail -30 "$out/libssh-cmake.log" >&2; exit 1; }
cmake --build "$bld" -j"$(nproc)" >"$out/libssh-make.log" 2>&1 \
    || { tail -30 "$out/libssh-make.log" >&2; exit 1; }
cmake --install "$bld" >/dev/null

# Internal headers: fallbackd reaches a few libssh internals (documented where used).
mkdir -p "$deps/include/libssh-private"
cp -r "$src/include/libssh" "$deps/include/libssh-private/"
cp "$bld/config.h" "$deps/include/libssh-private/"

lib=$deps/lib/libssh.a
for o in ed25519.c.o fe25519.c.o ge25519.c.o sc25519.c.o curve25519_ref.c.o; do
    ar t "$lib" | grep -qx "$o" || { echo "libssh.sh: $o not in libssh.a" >&2; exit 1; }
    ar d "$lib" "$o"
done
echo "$sum" > "$stamp"
echo "libssh.sh: built $lib"
