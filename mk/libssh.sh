#!/bin/sh
# Build libssh 0.12.2 as a static library from Debian's source package.
#
#   mk/libssh.sh BUILD_DIR
#
# 1. fetch Debian's source package libssh 0.12.2-1 (unstable) with a private
#    apt configuration under BUILD_DIR/apt (mk/apt-fetch.sh): the machine's
#    /etc/apt is only read, never written;
# 2. check the sha256 of the .dsc and the tarballs against the pins below;
# 3. apply Debian's patch series, then ours from mk/libssh-patches/;
# 4. configure with cmake: gcrypt backend, no GSSAPI (nor GSSAPI key
#    exchange), no GEX, no zlib, no pcap, no PKCS#11, no FIDO2, no exec of
#    commands from libssh's configuration; position-independent objects
#    (ready for a static-pie link);
# 5. install headers and libssh.a under BUILD_DIR/deps, and delete libssh's
#    ed25519 reference objects from it (below).
#
# ML-KEM: bookworm's libgcrypt 1.10.1 has no KEM API; our patch 0005 makes
# cmake test for it, so libssh's own ML-KEM-768 (mlkem_native.c with the
# bundled libcrux code) is compiled, and libssh's own sntrup761 (which the
# gcrypt build would otherwise take from the same missing API).
#
# Curve25519: our patch 0011 builds curve25519_fallback.c instead of
# curve25519_gcrypt.c; its crypto_scalarmult() calls bind to libsodium's
# once libssh's reference object is deleted (below, as for Ed25519).
# libgcrypt's generic EC arithmetic cost ~1.2 ms of server CPU per key
# exchange, libsodium's X25519 a small fraction of that (bench/README.md).
#
# Ed25519: libssh's gcrypt build compiles its own reference code
# (external/ed25519.c and friends), under the NaCl names libsodium exports
# too.  Those objects are deleted from libssh.a, so that libssh's calls to
# crypto_sign_ed25519* bind to libsodium (same names and ABI) and fallbackd
# can call libsodium without a duplicate-symbol clash.  Measured on this
# machine with 0.12.2 (bench/ed25519.c): libssh's code takes ~550 us per
# signature and ~1.9 ms per verification, libsodium ~25 us and ~75 us; a
# login with an ed25519 host key and user key does one signature and two
# verifications, ~4.3 ms of server CPU saved per login (bench/README.md).
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

# The exact source package, and what its files must hash to.  To move to
# another version: change these, run `make`, and port mk/libssh-patches/.
version=0.12.2-1
upstream=${version%-*}
pins="57db3db1488323403fd2dde3620328a9779551505f22101ae2049ee73cb7ef5e  libssh_${version}.dsc
49560f677d96e3706a904ac2de1116e25f3680937d51e5c92198fcba4a1c1e9f  libssh_${upstream}.orig.tar.xz
9e2dcf910eeeadf882c76cf1fedf737a9b3033c87aa92618d0898b9f4f640286  libssh_${version}.debian.tar.xz"

patches="$top/mk/libssh-patches"
sum=$(cat "$patches"/*.patch "$0" "$top/mk/apt-fetch.sh" 2>/dev/null | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -f "$deps/lib/libssh.a" ]; then
    exit 0
fi

pinned_ok() {
    (cd "$dl" && printf '%s\n' "$pins" | sha256sum --quiet --strict -c - >/dev/null 2>&1)
}

mkdir -p "$dl"
if ! pinned_ok; then
    sh "$top/mk/apt-fetch.sh" "$out/apt" "$dl" libssh "$version"
    if ! pinned_ok; then
        echo "libssh.sh: the files in $dl do not match the sha256 pinned in mk/libssh.sh:" >&2
        (cd "$dl" && printf '%s\n' "$pins" | sha256sum --strict -c - >&2) || true
        echo "libssh.sh: the archive changed libssh $version, or a download was corrupted;" \
             "delete $dl and run make again, and if the mismatch stays, do not build" >&2
        exit 1
    fi
    echo "libssh.sh: fetched Debian source libssh $version, sha256 checked"
fi

rm -rf "$src" "$bld"
mkdir -p "$src"
tar -xf "$dl/libssh_${upstream}.orig.tar.xz" -C "$src" --strip-components=1
tar -xf "$dl/libssh_${version}.debian.tar.xz" -C "$src"
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
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIB=OFF \
    -DWITH_GCRYPT=ON -DWITH_MBEDTLS=OFF -DWITH_GSSAPI=OFF -DWITH_SERVER=ON -DWITH_SFTP=ON \
    -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF -DCLIENT_TESTING=OFF -DSERVER_TESTING=OFF \
    -DGSSAPI_TESTING=OFF -DWITH_BENCHMARKS=OFF -DFUZZ_TESTING=OFF \
    -DWITH_PCAP=OFF -DWITH_NACL=OFF -DWITH_SYMBOL_VERSIONING=OFF -DWITH_GEX=OFF \
    -DWITH_ZLIB=OFF -DWITH_PKCS11_URI=OFF -DWITH_PKCS11_PROVIDER=OFF -DWITH_FIDO2=OFF \
    -DWITH_EXEC=OFF -DWITH_INSECURE_NONE=OFF -DWITH_DEBUG_CALLTRACE=OFF \
    >"$out/libssh-cmake.log" 2>&1 \
    || { tail -30 "$out/libssh-cmake.log" >&2; exit 1; }
# What the build must (not) contain; cmake's cache says what it selected.
for want in "HAVE_GCRYPT_KEM_API:INTERNAL=" "WITH_GSSAPI:BOOL=OFF" "WITH_ZLIB:BOOL=OFF" \
            "WITH_FIDO2:BOOL=OFF" "WITH_GEX:BOOL=OFF" "WITH_EXEC:BOOL=OFF"; do
    grep -q "^$want" "$bld/CMakeCache.txt" \
        || { echo "libssh.sh: cmake did not configure $want" >&2; exit 1; }
done
cmake --build "$bld" -j2 >"$out/libssh-make.log" 2>&1 \
    || { tail -30 "$out/libssh-make.log" >&2; exit 1; }
cmake --install "$bld" >/dev/null

# Internal headers: fallbackd reaches a few libssh internals (documented where used).
rm -rf "$deps/include/libssh-private"
mkdir -p "$deps/include/libssh-private"
cp -r "$src/include/libssh" "$deps/include/libssh-private/"
cp "$bld/config.h" "$deps/include/libssh-private/"

lib=$deps/lib/libssh.a
members=$(ar t "$lib")
for o in hybrid_mlkem.c.o sntrup761.c.o curve25519_fallback.c.o; do
    echo "$members" | grep -qx "$o" || { echo "libssh.sh: $o missing from libssh.a" >&2; exit 1; }
done
echo "$members" | grep -qx -e mlkem_native.c.o -e mlkem_gcrypt.c.o \
    || { echo "libssh.sh: no ML-KEM implementation in libssh.a" >&2; exit 1; }
for o in mlkem_gcrypt.c.o curve25519_gcrypt.c.o gssapi.c.o kex-gss.c.o dh-gex.c.o pki_sk.c.o; do
    if echo "$members" | grep -qx "$o"; then
        echo "libssh.sh: $o must not be in libssh.a" >&2; exit 1
    fi
done
for o in ed25519.c.o fe25519.c.o ge25519.c.o sc25519.c.o curve25519_ref.c.o; do
    echo "$members" | grep -qx "$o" || { echo "libssh.sh: $o not in libssh.a" >&2; exit 1; }
    ar d "$lib" "$o"
done
echo "$sum" > "$stamp"
echo "libssh.sh: built $lib"
