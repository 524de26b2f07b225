#!/bin/sh
# fuzz/run.sh - build and run fallbackd's libFuzzer targets (see fuzz/README.md).
#
#   sh fuzz/run.sh build                  build every target
#   sh fuzz/run.sh smoke [BUDGET]         run every target briefly (BUDGET seconds,
#                                         default 20, split among the targets; each
#                                         also takes ~1 s to start and stop) on a
#                                         fresh copy of the committed corpus
#   sh fuzz/run.sh fuzz [SECONDS]         run every target SECONDS (default 60),
#                                         keeping new inputs in build/fuzz/corpus/
#   sh fuzz/run.sh repro TARGET FILE...   run TARGET once on each FILE
#
# FUZZ_TARGETS="config authkeys" limits smoke and fuzz to those targets.
# Run from the top of the tree.  Exit status: non-zero if a build failed or a
# target crashed, leaked, timed out or broke one of its invariants.  The
# committed corpus (fuzz/corpus/) is only ever read.
set -eu

# ---- the targets ------------------------------------------------------------
# One line per target: NAME, then the project sources it is linked with.
# fuzz/fuzz_NAME.c holds LLVMFuzzerTestOneInput; fuzz/corpus/NAME/ its seeds;
# fuzz/NAME.dict, if present, is passed as a libFuzzer dictionary.  Adding a
# target is one line here (plus those files).
TARGETS='
config      fallbackd/config.c fallbackd/permitopen.c fallbackd/diag.c fallbackd/log.c fallbackd/addrmatch.c fallbackd/algolist.c fallbackd/readfile.c fallbackd/sftp/options.c
authkeys    keys/authkeys.c fallbackd/permitopen.c keys/pubkey.c keys/sshbuf.c fallbackd/addrmatch.c fallbackd/diag.c fallbackd/readfile.c fallbackd/safeopen.c
pubkey      keys/pubkey.c keys/sshbuf.c
keyfile     keys/keyfile.c keys/sshbuf.c fallbackd/readfile.c fallbackd/diag.c
passwd      fallbackd/userdb_parse.c fallbackd/diag.c
group       fallbackd/userdb_parse.c fallbackd/diag.c
addrmatch   fallbackd/addrmatch.c fallbackd/diag.c
shellcheck  fallbackd/monitor/shellcheck.c fallbackd/diag.c
monitor_proto  fallbackd/monitor_proto.c keys/sshbuf.c
sftp        fallbackd/sftp/wire.c fallbackd/sftp/attrs.c fallbackd/sftp/handles.c fallbackd/sftp/longname.c fallbackd/sftp/reply.c fallbackd/sftp/ops_file.c fallbackd/sftp/ops_dir.c fallbackd/sftp/ops_ext.c fallbackd/sftp/dispatch.c fallbackd/log.c keys/sshbuf.c
diagnose_dpkg  fallbackd/diagnose/dpkg_status.c fallbackd/diagnose/dg_lines.c
diagnose_proc  fallbackd/diagnose/proc_net_tcp.c fallbackd/diagnose/proc_maps.c fallbackd/diagnose/proc_locks.c fallbackd/diagnose/meminfo.c fallbackd/diagnose/proc_stat.c fallbackd/diagnose/dg_lines.c
diagnose_json  fallbackd/diagnose/dg_json.c fallbackd/diagnose/dg_report.c
diagnose_sockdiag  fallbackd/diagnose/sock_diag_parse.c fallbackd/diagnose/proc_net_tcp.c fallbackd/diagnose/dg_lines.c fallbackd/diag.c
sshd_config_reader  fallbackd/sshd_config_reader.c fallbackd/sshd_config_files.c fallbackd/readfile.c fallbackd/diag.c fallbackd/diagnose/sshd_config_ports.c fallbackd/diagnose/dg_lines.c
signed      fallbackd/monitor/signed_data.c keys/sshbuf.c fallbackd/addrmatch.c fallbackd/algolist.c fallbackd/diag.c
cert        keys/cert.c keys/pubkey.c keys/sshbuf.c
krl         keys/krl.c keys/cert.c keys/pubkey.c keys/sshbuf.c
hosts       fallbackd/resolve_hosts.c
permitopen  fallbackd/permitopen.c
'
# -----------------------------------------------------------------------------

OUT=build/fuzz
CLANG=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE
  -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
  -Wno-unused-parameter -Ifallbackd -Ifallbackd/monitor -Ikeys -Ifuzz"
LIBS="-lgcrypt -lgpg-error -lsodium"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

die() {
    echo "fuzz: $*" >&2
    exit 2
}

# The names of the selected targets.
target_names() {
    all=$(printf '%s\n' "$TARGETS" | awk 'NF { print $1 }')
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        for t in $FUZZ_TARGETS; do
            printf '%s\n' "$all" | grep -qx "$t" || die "no target $t"
        done
        all=$FUZZ_TARGETS
    fi
    printf '%s\n' "$all"
}

# The project sources of target $1.
target_sources() {
    printf '%s\n' "$TARGETS" | awk -v t="$1" '$1 == t { $1 = ""; print }'
}

# Is $1 (an object) older than its source $2 or anything in its depfile?
# (test -nt is not POSIX, but dash and bash have it.)
# shellcheck disable=SC3013
stale() {
    [ -f "$1" ] && [ -f "${1%.o}.d" ] || return 0
    for dep in $2 $(sed -e 's/\\$//' -e 's/^[^:]*://' "${1%.o}.d"); do
        if [ ! -e "$dep" ] || [ "$dep" -nt "$1" ]; then
            return 0
        fi
    done
    return 1
}

# Compile $1 (a .c file) to $OUT/obj/$1.o with coverage instrumentation
# (fuzzer-no-link) and the sanitizers; prints the object's path.
compile() {
    obj="$OUT/obj/${1%.c}.o"
    if stale "$obj" "$1"; then
        mkdir -p "$(dirname "$obj")"
        # shellcheck disable=SC2086
        $CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -MMD -MP -c -o "$obj" "$1" >&2 ||
            die "cannot compile $1 (mid-edit? retry later)"
    fi
    echo "$obj"
}

# Build $OUT/fuzz_$1 (relinked when an object is newer).
# shellcheck disable=SC3013
build_target() {
    objs=""
    for src in "fuzz/fuzz_$1.c" $(target_sources "$1"); do
        objs="$objs $(compile "$src")"
    done
    bin="$OUT/fuzz_$1"
    for o in $objs; do
        if [ ! -f "$bin" ] || [ "$o" -nt "$bin" ]; then
            # shellcheck disable=SC2086
            $CLANG $SAN -fsanitize=fuzzer -o "$bin" $objs $LIBS || die "cannot link $bin"
            break
        fi
    done
}

build_all() {
    command -v "$CLANG" >/dev/null || die "$CLANG not found (make test-deps)"
    for t in $NAMES; do
        build_target "$t"
    done
}

# The libFuzzer dictionary option of target $1, if it has one.
dict_opt() {
    if [ -f "fuzz/$1.dict" ]; then
        echo "-dict=fuzz/$1.dict"
    fi
}

# "N runs, cov C, corpus K" from a libFuzzer log.
stats_of() {
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$1" | tail -n 1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$1" | tail -n 1 | cut -d' ' -f2)
    echo "${runs:-?} runs, cov ${cov:-?}, corpus ${corp:-?}"
}

# Why the run logged in $1 failed, in a line or two.
failure_of() {
    grep -m 1 -E '^==[0-9]+==ERROR|^==fuzz== invariant|runtime error:|^==[0-9]+== ERROR: libFuzzer' "$1" || true
    grep -m 1 -A 1 '^==fuzz== invariant' "$1" | tail -n 1 || true
    grep -m 1 '^SUMMARY:' "$1" || true
    grep -m 1 -o 'Test unit written to .*' "$1" || true
}

# Run target $1 for $2 seconds on corpus directories $3...; the log goes to
# $OUT/logs/$1.log.  Prints the summary line; returns non-zero on failure.
run_target() {
    t=$1 secs=$2
    shift 2
    # art is absolute: a target may change directory while it runs an input
    # (fuzz_sftp), and libFuzzer writes the crash file from there.
    log="$OUT/logs/$t.log" art="$PWD/$OUT/artifacts/$t"
    mkdir -p "$OUT/logs" "$art"
    start=$(date +%s)
    # shellcheck disable=SC2046
    if FUZZ_SCRATCH="$SCRATCH" "$OUT/fuzz_$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
        $(dict_opt "$t") "$@" >"$log" 2>&1; then
        printf '%s: %-11s ok      %3ss  %s\n' "$MODE" "$t" "$(($(date +%s) - start))" \
            "$(stats_of "$log")"
        return 0
    fi
    printf '%s: %-11s FAILED  %3ss  (log: %s)\n' "$MODE" "$t" "$(($(date +%s) - start))" "$log"
    failure_of "$log" | sed 's/^/    /'
    return 1
}

# Run every selected target for $1 seconds each; "smoke" on a fresh copy of
# the committed corpus, "fuzz" on build/fuzz/corpus/NAME (kept) + the seeds.
run_all() {
    per_target=$1 passed=0 failed=0
    for t in $NAMES; do
        [ -d "fuzz/corpus/$t" ] || die "no seed corpus fuzz/corpus/$t"
        if [ "$MODE" = fuzz-smoke ]; then
            work="$OUT/smoke/$t"
            rm -rf "$work"
            mkdir -p "$work"
            cp -R "fuzz/corpus/$t/." "$work/"
            set -- "$work"
        else
            mkdir -p "$OUT/corpus/$t"
            set -- "$OUT/corpus/$t" "fuzz/corpus/$t"
        fi
        if run_target "$t" "$per_target" "$@"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
        fi
    done
    echo "$MODE: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# A scratch directory for targets that need files (fuzz_shellcheck), removed
# at exit even when a target crashed.
make_scratch() {
    SCRATCH=$(mktemp -d "${FUZZ_SCRATCH_BASE:-/dev/shm}/fbd-fuzz-XXXXXX" 2>/dev/null ||
        mktemp -d)
    trap 'rm -rf "$SCRATCH"' EXIT
    trap 'exit 130' INT TERM
}

# Seconds per target for a smoke run of $1 seconds in all (at least 2).
smoke_seconds() {
    n=$(echo "$NAMES" | wc -w)
    per=$(($1 / n))
    echo $((per < 2 ? 2 : per))
}

cmd=${1:-}
[ $# -gt 0 ] && shift
if [ "$cmd" = repro ] && [ $# -gt 0 ]; then
    FUZZ_TARGETS=$1
    shift
fi
NAMES=$(target_names)
case "$cmd" in
build)
    build_all
    ;;
smoke)
    build_all
    make_scratch
    MODE=fuzz-smoke
    secs=$(smoke_seconds "${1:-20}")
    run_all "$secs"
    ;;
fuzz)
    build_all
    make_scratch
    MODE=fuzz
    run_all "${1:-60}"
    ;;
repro)
    [ $# -ge 1 ] || die "usage: fuzz/run.sh repro TARGET FILE..."
    build_all
    make_scratch
    FUZZ_SCRATCH="$SCRATCH" "$OUT/fuzz_$FUZZ_TARGETS" "$@"
    ;;
*)
    sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//'
    exit 2
    ;;
esac
