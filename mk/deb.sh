#!/bin/sh
# Build the Debian package in a copy of the tree.
#
#   mk/deb.sh BUILD_DIR OUT_DIR [VERSION]
#
# 1. copy the tracked and untracked-but-not-ignored files to OUT_DIR/src,
# 2. link BUILD_DIR/deps and BUILD_DIR/dl into the copy's build/ (the
#    libssh build and its Debian source package are reused, never fetched
#    again),
# 3. with VERSION, add a changelog entry for it (the upgrade test builds a
#    higher version this way),
# 4. dpkg-buildpackage -b -us -uc; the .deb files are moved to OUT_DIR.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
version=${3:-}
src=$out/src/fallbackd

rm -rf "$out/src"
mkdir -p "$src/build"
(cd "$top" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}" || true' \
    | tar --null -T - -cf -) | tar -xf - -C "$src"
ln -s "$build/deps" "$src/build/deps"
ln -s "$build/dl" "$src/build/dl"
[ -d "$build/apt" ] && ln -s "$build/apt" "$src/build/apt"

if [ -n "$version" ]; then
    now=$(date -R)
    { printf 'fallbackd (%s) unstable; urgency=medium\n\n  * Rebuild as %s.\n\n' "$version" "$version"
      printf ' -- fallbackd maintainers <maintainers@users.noreply.h-seed-f211eec9.example>  %s\n\n' "$now"
      cat "$src/debian/changelog"; } > "$src/debian/changelog.new"
    mv "$src/debian/changelog.new" "$src/debian/changelog"
fi

(cd "$src" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) \
    || { tail -40 "$out/build.log" >&2; exit 1; }
mv "$out"/src/fallbackd_*.deb "$out"/
rm -f "$out"/src/fallbackd-dbgsym_*.deb
ls "$out"/fallbackd_*.deb
