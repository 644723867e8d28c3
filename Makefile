# acme-bridge: plain Makefile + pkg-config. `make run` and `make test` install
# the Debian packages they need first (tests/deps.sh), so on a fresh Debian
# machine each is the only command needed. Plain `make` builds
# build/acme-bridge. The parts and what each may include: docs/internals.md.

# The first rule is the default goal: keep it above every other rule.
all: build/acme-bridge

CC ?= cc
PKGS := libuv jansson openssl libcurl sqlite3 libpq
LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

TRANSLATE_DIRS := $(sort $(dir $(wildcard translate/*/*.c translate/*/*.h)))
PROXY_DIRS := $(sort $(dir $(wildcard proxy/*/*.c proxy/*/*.h)))
INCS := $(patsubst %/,-I%,$(TRANSLATE_DIRS) $(PROXY_DIRS))

WARN := -Wall -Wextra -Wpedantic -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	-Wno-format-truncation
OPT ?= -O2 -g
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 $(OPT) $(INCS) \
	-I$(LLHTTP_INC) $(PKG_CFLAGS)
CFLAGS_ALL = $(CFLAGS_BASE) $(WARN) -MMD -MP $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

TRANSLATE_SRC := $(sort $(wildcard translate/*/*.c))
PROXY_SRC := $(sort $(wildcard proxy/*/*.c))
# the PostgreSQL store waits on fibers when on the loop (proxy/core/fiber.c)
STORE_SRC := $(sort $(wildcard proxy/store/*.c proxy/pgstore/*.c)) proxy/core/fiber.c
LLHTTP_SRC := $(LLHTTP_DIR)/api.c $(LLHTTP_DIR)/http.c $(LLHTTP_DIR)/llhttp.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Two flavours: build/ (release) and build/asan/ (ASan + UBSan, used by tests).
# Unit tests link the pure layer and the store (test_store, test_inventory).
define flavour
$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_ALL) $(2) -c $$< -o $$@
$(1)/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_BASE) $(2) -w -c $$< -o $$@
$(1)/acme-bridge: $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC) $(PROXY_SRC)) $(patsubst $(LLHTTP_DIR)/%.c,$(1)/obj/llhttp/%.o,$(LLHTTP_SRC))
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
$(1)/unit/%: $(1)/obj/tests/unit/%.o $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC) $(STORE_SRC))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
# proxy/core/config.c (with config_check.c) and log.c have a unit test of their own.
$(1)/unit/test_config: $(1)/obj/tests/unit/test_config.o $(1)/obj/proxy/core/config.o $(1)/obj/proxy/core/config_check.o $(1)/obj/proxy/core/config_upstreams.o $(1)/obj/proxy/core/log.o $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
# proxy/admin/inv_queue.c: the inventory's writes held in memory, on the store.
$(1)/unit/test_inv_queue: $(1)/obj/tests/unit/test_inv_queue.o $(1)/obj/proxy/admin/inv_queue.o $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC) $(STORE_SRC))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
# proxy/core/fiber.c: loop callbacks on stacks of their own (issue 11).
$(1)/unit/test_fiber: $(1)/obj/tests/unit/test_fiber.o $(1)/obj/proxy/core/fiber.o
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
# proxy/cli/startup_check.c: --check-config's look at the machine (issue 9 item 8).
$(1)/unit/test_startup_check: $(1)/obj/tests/unit/test_startup_check.o $(1)/obj/proxy/cli/startup_check.o $(1)/obj/proxy/net/tls.o
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
endef

$(eval $(call flavour,build,))
$(eval $(call flavour,build/asan,$(SAN)))

UNIT_BIN := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRC))
UNIT_ASAN_BIN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))
# libFuzzer drivers (below: Fuzzing).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
PROBE_OBJ := build/asan/obj/tests/e2e/acme2_probe.o $(patsubst %.c,build/asan/obj/%.o,$(TRANSLATE_SRC) proxy/upstream/upstream.c proxy/upstream/upstream_sock.c proxy/upstream/acme2.c proxy/core/log.c proxy/core/fiber.c)

.PHONY: all deps run test build-all unit unit-asan e2e check-layering check-style check-config bench clean \
	fuzz fuzz-build fuzz-replay install uninstall
.SECONDARY:

deps:
	@bash tests/deps.sh

run: deps
	$(MAKE) -j$(JOBS) build/acme-bridge
	./build/acme-bridge --config config/acme-bridge.json

check-layering:
	@bash tests/check_layering.sh

check-style:
	@bash tests/check_style.sh

# Everything the tests run, built in parallel by `make test`.
build-all: build/acme-bridge build/asan/acme-bridge build/asan/acme2-probe $(UNIT_BIN) $(UNIT_ASAN_BIN) \
	$(FUZZ_BIN)

unit: $(UNIT_BIN)
	@bash tests/unit/run.sh build/unit $(UNIT_BIN)

unit-asan: $(UNIT_ASAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 bash tests/unit/run.sh build/asan/unit $(UNIT_ASAN_BIN)

e2e: build/asan/acme-bridge build/acme-bridge build/asan/acme2-probe
	@bash tests/e2e/run.sh

test:
	@ACME_BRIDGE_TEST_DEPS=1 bash tests/deps.sh
	$(MAKE) check-layering check-style
	$(MAKE) -j$(JOBS) build-all
	$(MAKE) unit unit-asan
	$(MAKE) fuzz-replay
	$(MAKE) e2e

bench: build/acme-bridge
	@ACME_BRIDGE_BENCH_DEPS=1 bash tests/deps.sh
	@bash tests/bench/bench.sh
	@bash tests/bench/bench_pg.sh

check-config: build/acme-bridge
	./build/acme-bridge --config config/acme-bridge.json --check-config

# Install as a Debian-style service (issue 9 item 7; docs/operations.md).
# The binary goes to sbin: it is a daemon, documented in section 8. The
# config lives in /etc whatever PREFIX is (the unit names that path), and an
# existing one is never overwritten; `make uninstall` removes it only when it
# is still the shipped file. DESTDIR stages the whole tree elsewhere.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/acme-bridge
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
CONFDIR := $(SYSCONFDIR)/acme-bridge
INSTALL ?= install

install: build/acme-bridge
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 build/acme-bridge $(DESTDIR)$(SBINDIR)/acme-bridge
	[ -e $(DESTDIR)$(CONFDIR)/acme-bridge.json ] || \
		$(INSTALL) -m 0644 config/acme-bridge.installed.json $(DESTDIR)$(CONFDIR)/acme-bridge.json
	$(INSTALL) -m 0644 config/acme-bridge.example.json $(DESTDIR)$(DOCDIR)/acme-bridge.example.json
	sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/etc/acme-bridge/|$(CONFDIR)/|g' \
		config/acme-bridge.service >$(DESTDIR)$(UNITDIR)/acme-bridge.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/acme-bridge.service
	$(INSTALL) -m 0644 config/acme-bridge.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/acme-bridge
	$(INSTALL) -m 0644 docs/man/acme-bridge.8 $(DESTDIR)$(MANDIR)/man8/acme-bridge.8
	$(INSTALL) -m 0644 docs/man/acme-bridge.json.5 $(DESTDIR)$(MANDIR)/man5/acme-bridge.json.5

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/acme-bridge $(DESTDIR)$(UNITDIR)/acme-bridge.service \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/acme-bridge \
		$(DESTDIR)$(MANDIR)/man8/acme-bridge.8 $(DESTDIR)$(MANDIR)/man5/acme-bridge.json.5 \
		$(DESTDIR)$(DOCDIR)/acme-bridge.example.json
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@if cmp -s config/acme-bridge.installed.json $(DESTDIR)$(CONFDIR)/acme-bridge.json; then \
		rm -f $(DESTDIR)$(CONFDIR)/acme-bridge.json; rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(CONFDIR)/acme-bridge.json ]; then \
		echo "uninstall: kept $(DESTDIR)$(CONFDIR)/acme-bridge.json (changed since install)"; fi

clean:
	rm -rf build

# Fuzzing (tests/fuzz/README.md): libFuzzer drivers, one per parser of
# untrusted bytes, built with clang into build/fuzz/ (the pure layer rebuilt
# there with the fuzzer's coverage, apart from build/ and build/asan/).
# `make fuzz` runs each FUZZ_SECONDS; `make fuzz-replay` (part of `make test`)
# replays every seed and runs each driver FUZZ_REPLAY_SECONDS.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_REPLAY_SECONDS ?= 2
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
# clang sees format wrappers (problem_vset) as non-literal formats; gcc does not.
FUZZ_CFLAGS = $(CFLAGS_BASE) $(WARN) -Wno-unknown-warning-option -Wno-format-nonliteral \
	-MMD -MP $(FUZZ_SAN)
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(TRANSLATE_SRC))
FUZZ_LLHTTP := $(patsubst $(LLHTTP_DIR)/%.c,build/fuzz/obj/llhttp/%.o,$(LLHTTP_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS_BASE) $(FUZZ_SAN) -w -c $< -o $@
build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) $(LDFLAGS)
# The config driver links the config loader as test_config does; the HTTP
# driver includes proxy/net/server.c itself and links llhttp and the log.
build/fuzz/fuzz_config: build/fuzz/obj/tests/fuzz/fuzz_config.o build/fuzz/obj/proxy/core/config.o build/fuzz/obj/proxy/core/config_check.o build/fuzz/obj/proxy/core/config_upstreams.o build/fuzz/obj/proxy/core/log.o $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) $(LDFLAGS)
build/fuzz/fuzz_http: build/fuzz/obj/tests/fuzz/fuzz_http.o build/fuzz/obj/proxy/core/log.o build/fuzz/obj/proxy/core/fiber.o build/fuzz/obj/proxy/net/tls.o build/fuzz/obj/translate/core/connfair.o $(FUZZ_LLHTTP)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-replay: $(FUZZ_BIN)
	@FUZZ_FRESH=1 bash tests/fuzz/run.sh $(FUZZ_REPLAY_SECONDS) $(FUZZ_BIN)

build/asan/acme2-probe: $(PROBE_OBJ)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

-include $(shell find build -name '*.d' 2>/dev/null)
