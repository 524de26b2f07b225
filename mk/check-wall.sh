#!/bin/sh
# mk/check-wall.sh - no source includes a header from the wrong side of the
# privilege wall.  Run from the top of the tree (`make check-wall`, and
# first thing in `make test`).
#
# Which folders' headers a source may include (the Makefile's SIDE_INC
# gives the compiler the same view):
#
#   source in             | may include headers of
#   ----------------------+------------------------------------------------
#   fallbackd/net/        | fallbackd/, keys/, net/
#   fallbackd/monitor/    | fallbackd/, keys/, monitor/
#   fallbackd/listener/   | fallbackd/, keys/, listener/, net/, monitor/
#   fallbackd/main.c      | fallbackd/, keys/, listener/
#   fallbackd/diagnose/   | fallbackd/, keys/, monitor/ (the shell check, reused
#                         |   by the incident console; its own headers include
#                         |   no side header, so they stay shared)
#   fallbackd/ (others),  | fallbackd/, keys/  (shared code: a side header
#   keys/                 |   here would carry that side into the other)
#
# Every spelling counts: "authz.h", <authz.h>, "../monitor/authz.h",
# "monitor/authz.h", "fallbackd/monitor/authz.h", "# include", include_next.
# A header is known by where its path leads, or else by its file name, so
# header names must be unique across the folders (also checked).  An
# include this script cannot read (#include MACRO) is refused on a side.
# Exit status 1, with one "FILE:LINE: ..." line per violation.
set -eu

SIDES="listener net monitor"
status=0

fail() {
    echo "check-wall: $*" >&2
    status=1
}

# The folder (listener, net, monitor, shared) that owns the header $2,
# included from the file $1; "shared" also for system headers.
owner_of() {
    from_dir=$(dirname "$1")
    case "$2" in
    */*)
        for cand in "$from_dir/$2" "fallbackd/$2" "$2" "keys/$2" \
            "fallbackd/listener/$2" "fallbackd/net/$2" "fallbackd/monitor/$2"; do
            if [ -f "$cand" ]; then
                side_of_path "$cand"
                return
            fi
        done
        ;;
    esac
    base=${2##*/}
    for s in $SIDES; do
        if [ -f "fallbackd/$s/$base" ]; then
            echo "$s"
            return
        fi
    done
    echo shared
}

# The folder a file path lies in.
side_of_path() {
    # normalise a/b/../c to a/c, then ./ away
    p=$(printf '%s\n' "$1" | sed -e ':a' -e 's|[^/]*/\.\./||' -e 'ta' -e 's|\./||g')
    for s in $SIDES; do
        case "$p" in
        fallbackd/$s/*) echo "$s"; return ;;
        esac
    done
    echo shared
}

# The folders file $1 may include headers of (besides shared).
allowed_for() {
    case "$1" in
    fallbackd/net/*) echo "net" ;;
    fallbackd/monitor/*) echo "monitor" ;;
    fallbackd/listener/*) echo "listener net monitor" ;;
    fallbackd/main.c) echo "listener" ;;
    fallbackd/diagnose/*) echo "monitor" ;;
    *) echo "" ;;
    esac
}

check_file() {
    f=$1
    allowed=$(allowed_for "$f")
    # "LINE:SPEC" for every include-like directive
    grep -n -E '^[[:space:]]*#[[:space:]]*(include|include_next|import)([[:space:]<"]|$)' "$f" |
        sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*(include_next|include|import)[[:space:]]*/\1:/' |
        while IFS=: read -r line spec; do
            case "$spec" in
            \"*\"* | \<*\>*)
                name=$(printf '%s\n' "$spec" | sed -E 's/^["<]([^">]*)[">].*/\1/')
                ;;
            *)
                if [ "$(side_of_path "$f")" != shared ]; then
                    echo "$f:$line: an include the wall check cannot read: $spec"
                fi
                continue
                ;;
            esac
            owner=$(owner_of "$f" "$name")
            if [ "$owner" = shared ]; then
                continue
            fi
            case " $allowed " in
            *" $owner "*) ;;
            *) echo "$f:$line: includes $name, a header of fallbackd/$owner/;" \
                "$(side_of_path "$f") code must not see it" ;;
            esac
        done
}

# Header names must be unique, or a name could not tell its side.
dups=$(find fallbackd keys -name '*.h' | sed 's|.*/||' | sort | uniq -d)
for d in $dups; do
    fail "header name $d is used in more than one folder: $(find fallbackd keys -name "$d" | tr '\n' ' ')"
done

out=$(for f in $(find fallbackd keys -name '*.[ch]' | sort); do check_file "$f"; done)
if [ -n "$out" ]; then
    printf '%s\n' "$out" | sed 's/^/check-wall: /' >&2
    status=1
fi
if [ "$status" -eq 0 ]; then
    echo "check-wall: net/ and monitor/ include nothing of each other"
fi
exit "$status"
