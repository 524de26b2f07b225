# fallbackd: a static, key-only SSH server that stays reachable when sshd is not.
#
#   make deps      install Debian build dependencies (apt-get; needs root)
#   make           build build/fallbackd (one fully static executable)
#   make test      the privilege-wall check (mk/check-wall.sh), unit tests
#                  (Criterion), a fuzzing smoke run, and the integration
#                  tests with real clients (as root), against an ASan+UBSan
#                  build and against the static production binary
#   make door      deps + build + install + start a door on port 1022 (README)
#   make bench     fallbackd against sshd, Dropbear and TinySSH (bench/compare.py;
#                  as root, after bench/deps.sh; not part of make test)
#   make clean

BUILD    := build
DEPS     := $(BUILD)/deps
LIBSSH_A := $(DEPS)/lib/libssh.a
CC       ?= gcc
PYTHON   := /usr/bin/python3

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Werror=implicit-function-declaration \
            -Werror=incompatible-pointer-types
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CPPFLAGS += -I$(DEPS)/include -Ifallbackd -Ikeys
# The version `fallbackd -V` prints; the Debian package passes its own.
ifneq ($(FALLBACKD_VERSION),)
CPPFLAGS += -DFALLBACKD_VERSION='"$(FALLBACKD_VERSION)"'
endif

# The privilege wall, kept by the include path: which folders' headers a
# source sees besides the shared ones (fallbackd/, keys/) and its own
# folder's (found next to it).  net/ (the sandboxed network process) and
# monitor/ (the privileged half) never see each other's; listener/ forks
# into both, so it sees both; main.c starts the listener; the unit tests
# test code of every folder.  mk/check-wall.sh (run by `make test`) also
# refuses includes that would reach across by a relative path.
SIDE_INC = $(if $(filter fallbackd/listener/%,$<),-Ifallbackd/net -Ifallbackd/monitor) \
           $(if $(filter fallbackd/main.c,$<),-Ifallbackd/listener) \
           $(if $(filter fallbackd/diagnose/%,$<),-Ifallbackd/monitor) \
           $(if $(filter tests/unit/%,$<),-Ifallbackd/listener -Ifallbackd/net -Ifallbackd/monitor)

# Every libc entry point that would consult NSS (or load a shared object) is
# wrapped; the wrappers (fallbackd/nss_tripwire.c) abort.  A link that pulls
# one in still succeeds, but no call can ever reach NSS.
WRAPPED  := getpwnam getpwuid getpwuid_r getpwnam_r getgrnam getgrgid getgrouplist \
            initgroups getaddrinfo getnameinfo gethostbyname dlopen \
            getservbyname getservbyname_r getservbyport getservbyport_r
empty    :=
space    := $(empty) $(empty)
comma    := ,
WRAPFLAG := -Wl,--wrap=$(subst $(space),$(comma)--wrap=,$(strip $(WRAPPED)))

# One static-pie executable: every connection's network process is a new
# image of it (fallbackd/listener/netexec.h), so each gets its own address
# space layout and stack canary.  Relocations are resolved at start and
# then made read-only (full RELRO).  Every archive linked in is PIC:
# libssh is built so (mk/libssh.sh), Debian's libgcrypt, libgpg-error,
# libsodium and libseccomp archives are (no R_X86_64_32/32S relocation in
# `readelf -r`).
LDPIE    := -static-pie -Wl,-z,relro,-z,now

# c-ares (Debian's libcares.a) resolves forwarding targets by DNS in the
# forwarding child; it reads /etc/resolv.conf itself and never calls NSS
# (getservby* it references only for service names, which we never pass:
# wrapped below like the rest).
STATIC_LIBS := $(LIBSSH_A) -l:libgcrypt.a -l:libgpg-error.a -l:libsodium.a \
               -l:libseccomp.a -l:libcares.a -lpthread

SRCS     := $(wildcard fallbackd/*.c fallbackd/listener/*.c fallbackd/net/*.c \
                      fallbackd/monitor/*.c fallbackd/sftp/*.c fallbackd/diagnose/*.c keys/*.c)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/fallbackd/main.o
# The tripwires are linked as an object, not from the archive: only libssh
# and libgpg-error (after the archive on the link line) refer to them.
TRIP_OBJ := $(BUILD)/obj/fallbackd/nss_tripwire.o
LIB_OBJS := $(filter-out $(MAIN_OBJ) $(TRIP_OBJ),$(OBJS))

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

.PHONY: all deps test-deps test check-wall unit integration asan-integration door clean
all: $(BUILD)/fallbackd

deps:
	@sh mk/deps.sh

test-deps:
	@FALLBACKD_TEST_DEPS=1 sh mk/deps.sh

# The names of our libssh patches: a patch deleted changes this file, so
# libssh is rebuilt (a dependency on the patches alone misses a removal).
$(BUILD)/libssh-patches.list: FORCE
	@mkdir -p $(BUILD)
	@ls mk/libssh-patches/ > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(LIBSSH_A): mk/libssh.sh $(wildcard mk/libssh-patches/*.patch) $(BUILD)/libssh-patches.list
	@sh mk/libssh.sh $(BUILD)

.PHONY: FORCE
FORCE:

$(BUILD)/obj/%.o: %.c $(LIBSSH_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SIDE_INC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libfallbackd.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fallbackd: $(MAIN_OBJ) $(TRIP_OBJ) $(BUILD)/libfallbackd.a
	$(CC) $(LDPIE) $(CFLAGS) $(WRAPFLAG) -o $@ $(MAIN_OBJ) $(TRIP_OBJ) $(BUILD)/libfallbackd.a \
	    $(STATIC_LIBS) 2> $(BUILD)/link.log || { cat $(BUILD)/link.log; exit 1; }
	@grep -v -e 'statically linked applications requires at runtime' \
	    -e 'in function' $(BUILD)/link.log || true

# The test build: the same daemon, plus the hooks of fallbackd/net/test_hooks.h
# (only the files that call a hook are compiled again).
TH_SRCS := fallbackd/net/auth_relay.c fallbackd/net/test_hooks.c fallbackd/diagnose/door_state.c fallbackd/net/sandbox.c \
           fallbackd/diagnose/sock_diag.c fallbackd/listener/netexec.c \
           fallbackd/listener/empty_ns.c
TH_OBJS := $(TH_SRCS:%.c=$(BUILD)/obj-testhooks/%.o)

$(BUILD)/obj-testhooks/%.o: %.c $(LIBSSH_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SIDE_INC) $(CFLAGS) -DFBD_TEST_HOOKS -MMD -MP -c -o $@ $<

$(BUILD)/fallbackd-testhooks: $(MAIN_OBJ) $(TRIP_OBJ) $(TH_OBJS) $(BUILD)/libfallbackd.a
	$(CC) $(LDPIE) $(CFLAGS) $(WRAPFLAG) -o $@ $(MAIN_OBJ) $(TRIP_OBJ) $(TH_OBJS) \
	    $(BUILD)/libfallbackd.a $(STATIC_LIBS) 2> $(BUILD)/link-testhooks.log || \
	    { cat $(BUILD)/link-testhooks.log; exit 1; }

# The sanitizer build: every source with ASan+UBSan, linked dynamically
# (the sanitizer runtimes cannot be linked fully statically); the
# integration tests run against it with `make asan-integration`.
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_OBJS := $(SRCS:%.c=$(BUILD)/obj-asan/%.o)

$(BUILD)/obj-asan/%.o: %.c $(LIBSSH_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(SIDE_INC) $(filter-out -D_FORTIFY_SOURCE=2,$(CFLAGS)) $(SAN) -MMD -MP -c -o $@ $<

$(BUILD)/fallbackd-asan: $(ASAN_OBJS)
	$(CC) $(SAN) $(WRAPFLAG) -o $@ $(ASAN_OBJS) $(LIBSSH_A) \
	    -lgcrypt -lgpg-error -lsodium -lseccomp -lcares -lpthread

# Unit tests link the same objects dynamically against Criterion.
$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libfallbackd.a
	$(CC) $(CFLAGS) -o $@ $(UNIT_OBJS) $(BUILD)/libfallbackd.a $(LIBSSH_A) \
	    -lcriterion -lgcrypt -lgpg-error -lsodium -lseccomp -lcares -lpthread

# No file on one side of the privilege wall includes a header of the other.
check-wall:
	@sh mk/check-wall.sh

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests --jobs 2

integration: $(BUILD)/fallbackd $(BUILD)/fallbackd-testhooks
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# The integration suite against the sanitizer build.  Left out: what is
# about the static production binary (test_static.py), what runs no
# fallbackd at all (test_build.py: the build scripts and apt, ~10 s, run
# once by `integration`), and the scan of the network process's memory
# for host key bytes (ASan's terabytes of shadow mappings make it a scan
# of nothing for hours).
asan-integration: $(BUILD)/fallbackd-asan $(BUILD)/fallbackd-testhooks
	FALLBACKD_BIN=$(BUILD)/fallbackd-asan FALLBACKD_SANITIZED=1 \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration \
	    --ignore=tests/integration/test_static.py \
	    --ignore=tests/integration/test_build.py \
	    --deselect tests/integration/test_privsep.py::test_host_keys_only_in_monitor_memory

test: test-deps
	@$(MAKE) --no-print-directory check-wall
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests $(BUILD)/fallbackd-testhooks
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory asan-integration
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory package-test

door: deps
	@$(MAKE) --no-print-directory all
	@sh mk/door.sh $(BUILD)/fallbackd

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-testhooks $(BUILD)/obj-asan $(BUILD)/fallbackd-asan \
	    $(BUILD)/fallbackd $(BUILD)/fallbackd-testhooks \
	    $(BUILD)/unit-tests $(BUILD)/libfallbackd.a

distclean:
	rm -rf $(BUILD)

# ---- Debian package ---------------------------------------------------------
# `make deb` builds build/deb/fallbackd_VERSION_amd64.deb with
# dpkg-buildpackage in a copy of the tree (build/deb/src), so that the
# package's clean step never touches this tree's build; the copy reuses
# build/deps and build/dl (libssh is fetched and built once).
# `dpkg-buildpackage -b -us -uc` in the tree itself works too.
DEB_DIR := $(BUILD)/deb
.PHONY: deb package-test
deb: $(LIBSSH_A)
	@sh mk/deb.sh $(BUILD) $(DEB_DIR)

# Build, install, upgrade and purge the package; run the Ansible role
# (tests/integration/test_packaging.py, test_ansible_role.py; as root,
# about 2 minutes).  Not part of `make test`: without
# FALLBACKD_PACKAGE_TESTS=1 these two files skip themselves.
package-test: test-deps all
	FALLBACKD_PACKAGE_TESTS=1 $(PYTHON) -m pytest -q -p no:cacheprovider \
	    tests/integration/test_packaging.py \
	    tests/integration/test_ansible_role.py

# ---- fuzzing --------------------------------------------------------------
# libFuzzer targets for the parsers (fuzz/, Debian's clang); fuzz/run.sh
# builds them under build/fuzz/ and runs them (see fuzz/README.md).
#   make fuzz         every target FUZZ_SECONDS seconds (new inputs kept in
#                     build/fuzz/corpus/)
#   make fuzz-smoke   every target briefly (FUZZ_SMOKE_SECONDS in all, plus
#                     ~1 s per target), on a copy of fuzz/corpus/
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 20

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build:
	@sh fuzz/run.sh build

fuzz:
	@sh fuzz/run.sh fuzz $(FUZZ_SECONDS)

fuzz-smoke:
	@sh fuzz/run.sh smoke $(FUZZ_SMOKE_SECONDS)

# ---- benchmarks -----------------------------------------------------------
# bench/compare.py: login latency and CPU, concurrent logins, throughput,
# PSS and size against OpenSSH's sshd, Dropbear and TinySSH, one markdown
# table (about 10 minutes on 2 busy cores; BENCH_ARGS to choose, e.g.
# BENCH_ARGS="--servers fallbackd,sshd --sections login").  Numbers, no
# verdict: never part of make test.  bench/soak.py is run by hand.
BENCH_ARGS ?=

.PHONY: bench
bench: all
	$(PYTHON) bench/compare.py $(BENCH_ARGS)

-include $(OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(TH_OBJS:.o=.d) $(ASAN_OBJS:.o=.d)
