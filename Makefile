# acme-bridge: plain Makefile + pkg-config. `make run` and `make test` install
# the Debian packages they need first (tests/deps.sh), so on a fresh Debian
# machine each is the only command needed.

CC ?= cc
PKGS := libuv jansson openssl libcurl sqlite3
LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	-Wno-format-truncation
OPT ?= -O2 -g
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 $(OPT) -Itranslate -Iproxy \
	-I$(LLHTTP_INC) $(PKG_CFLAGS)
CFLAGS_ALL = $(CFLAGS_BASE) $(WARN) $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

TRANSLATE_SRC := $(sort $(wildcard translate/*.c))
PROXY_SRC := $(sort $(wildcard proxy/*.c))
LLHTTP_SRC := $(LLHTTP_DIR)/api.c $(LLHTTP_DIR)/http.c $(LLHTTP_DIR)/llhttp.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Two flavours: build/ (release) and build/asan/ (ASan + UBSan, used by tests).
define flavour
$(1)/obj/%.o: %.c $(wildcard translate/*.h proxy/*.h tests/unit/*.h) | $(1)/obj/translate $(1)/obj/proxy $(1)/obj/tests/unit $(1)/obj/llhttp
	$$(CC) $$(CFLAGS_ALL) $(2) -c $$< -o $$@
$(1)/obj/llhttp/%.o: $(LLHTTP_DIR)/%.c | $(1)/obj/llhttp
	$$(CC) $$(CFLAGS_BASE) $(2) -w -c $$< -o $$@
$(1)/obj/translate $(1)/obj/proxy $(1)/obj/tests/unit $(1)/obj/llhttp:
	mkdir -p $$@
$(1)/acme-bridge: $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC) $(PROXY_SRC)) $(patsubst $(LLHTTP_DIR)/%.c,$(1)/obj/llhttp/%.o,$(LLHTTP_SRC))
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
$(1)/unit/%: $(1)/obj/tests/unit/%.o $(patsubst %.c,$(1)/obj/%.o,$(TRANSLATE_SRC))
	@mkdir -p $(1)/unit
	$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDFLAGS)
endef

$(eval $(call flavour,build,))
$(eval $(call flavour,build/asan,$(SAN)))

UNIT_BIN := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRC))
UNIT_ASAN_BIN := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC))

.PHONY: all deps run test unit unit-asan e2e check-layering check-config bench clean
.SECONDARY:

all: build/acme-bridge

deps:
	@bash tests/deps.sh

run: deps
	$(MAKE) build/acme-bridge
	./build/acme-bridge --config config/acme-bridge.json

check-layering:
	@if grep -nE '#include *[<"](uv|curl/curl|llhttp)\.h[>"]|<sys/socket\.h>' translate/*.c translate/*.h; then \
		echo "translate/ must not include I/O headers"; exit 1; fi
	@echo "check-layering: translate/ is pure"

unit: $(UNIT_BIN)
	@bash tests/unit/run.sh build/unit $(UNIT_BIN)

unit-asan: $(UNIT_ASAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 bash tests/unit/run.sh build/asan/unit $(UNIT_ASAN_BIN)

e2e: build/asan/acme-bridge build/acme-bridge build/asan/acme2-probe
	@bash tests/e2e/run.sh

test:
	@ACME_BRIDGE_TEST_DEPS=1 bash tests/deps.sh
	$(MAKE) check-layering
	$(MAKE) build/acme-bridge
	$(MAKE) unit unit-asan
	$(MAKE) e2e

bench: build/acme-bridge
	@ACME_BRIDGE_TEST_DEPS=1 bash tests/deps.sh
	@bash tests/bench/issue.sh
	@BENCH_NAMES=3 BENCH_RUNS=5 bash tests/bench/issue.sh

check-config: build/acme-bridge
	./build/acme-bridge --config config/acme-bridge.json --check-config

clean:
	rm -rf build

# proxy/config.c and proxy/log.c unit test: links proxy objects, so it has its own rules.
build/unit/test_config: build/obj/tests/unit/test_config.o build/obj/proxy/config.o build/obj/proxy/log.o $(patsubst %.c,build/obj/%.o,$(TRANSLATE_SRC))
	@mkdir -p build/unit
	$(CC) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)
build/asan/unit/test_config: build/asan/obj/tests/unit/test_config.o build/asan/obj/proxy/config.o build/asan/obj/proxy/log.o $(patsubst %.c,build/asan/obj/%.o,$(TRANSLATE_SRC))
	@mkdir -p build/asan/unit
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

build/asan/acme2-probe: build/asan/obj/tests/e2e/acme2_probe.o $(patsubst %.c,build/asan/obj/%.o,$(TRANSLATE_SRC)) build/asan/obj/proxy/upstream.o build/asan/obj/proxy/acme2.o build/asan/obj/proxy/log.o
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)
build/asan/obj/tests/e2e/acme2_probe.o: | build/asan/obj/tests/e2e
build/asan/obj/tests/e2e:
	mkdir -p $@
