# rootlens - plain Makefile (Redis style). See README.md.
#
#   make            build ./rootlens
#   make check      install deps, rebuild from scratch, run every test
#   make demo       decode the bundled datasets
#   make bench      throughput against peers, in one run (analysis, capture)
#   make fuzz       libFuzzer harnesses (clang)
#   make install    PREFIX=/usr/local DESTDIR=

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
OPT ?= -O2
# ISAL=auto: use ISA-L inflate when its header is present; ISAL=no: zlib only.
ISAL ?= auto

WARN = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wcast-qual -Wwrite-strings -Wundef \
       -Wpointer-arith -Werror=implicit-function-declaration \
       -Werror=format-security
CPPFLAGS += -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Ianalyze -Icapture -Ireport -Iarchive
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS)
LDLIBS_BASE = -lsqlite3 -ljansson -lcrypto -lz -lpthread -lm

ifeq ($(ISAL),auto)
  ifneq ($(wildcard /usr/include/isa-l/igzip_lib.h),)
    ISAL := yes
  else
    ISAL := no
  endif
endif
ifeq ($(ISAL),yes)
  CPPFLAGS += -DRL_HAVE_ISAL=1
  LDLIBS_BASE += -lisal
endif
LDLIBS = $(LDLIBS_BASE)
# live capture (the collector) only
LDLIBS_PCAP = -lpcap

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -DRL_VERSION=\"$(VERSION)\"

# ---- sources by layer -------------------------------------------------
DNSWIRE_SRC = $(wildcard lib/dnswire/*.c)
CAPFILE_SRC = $(wildcard lib/capfile/*.c)
NETLAYERS_SRC = $(wildcard lib/netlayers/*.c)
COMMON_SRC = $(wildcard lib/common/*.c)
ANALYZE_SRC = $(wildcard analyze/*.c analyze/metrics/*.c analyze/sketch/*.c)
CAPTURE_SRC = $(wildcard capture/*.c)
REPORT_SRC = $(wildcard report/*.c)
ARCHIVE_SRC = $(wildcard archive/*.c)
CMD_SRC = $(wildcard src/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_DNSWIRE = $(BUILD)/libdnswire.a
LIB_CAPFILE = $(BUILD)/libcapfile.a
LIB_NETLAYERS = $(BUILD)/libnetlayers.a
LIB_COMMON = $(BUILD)/libcommon.a
LIB_ANALYZE = $(BUILD)/libanalyze.a
LIB_CAPTURE = $(BUILD)/libcapture.a
LIB_REPORT = $(BUILD)/libreport.a
LIB_ARCHIVE = $(BUILD)/librlarchive.a
# link order: users before what they use
LIBS = $(LIB_ARCHIVE) $(LIB_REPORT) $(LIB_CAPTURE) $(LIB_ANALYZE) $(LIB_COMMON) $(LIB_CAPFILE) $(LIB_NETLAYERS) $(LIB_DNSWIRE)

BIN = $(BUILD)/rootlens

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN = $(patsubst tests/fuzz/%.c,$(BUILD)/tests/replay_%,$(FUZZ_SRC))

.PHONY: all check test unit e2e replay asan noisal demo bench fuzz install \
        clean layers fmt cov deps
all: rootlens

rootlens: $(BIN)
	@ln -sf $(BIN) rootlens

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_DNSWIRE): $(call obj,$(DNSWIRE_SRC))
$(LIB_CAPFILE): $(call obj,$(CAPFILE_SRC))
$(LIB_NETLAYERS): $(call obj,$(NETLAYERS_SRC))
$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_ANALYZE): $(call obj,$(ANALYZE_SRC))
$(LIB_CAPTURE): $(call obj,$(CAPTURE_SRC))
$(LIB_REPORT): $(call obj,$(REPORT_SRC))
$(LIB_ARCHIVE): $(call obj,$(ARCHIVE_SRC))
$(BUILD)/lib%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(call obj,$(CMD_SRC)) $(LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $(call obj,$(CMD_SRC)) $(LIBS) $(LDLIBS) $(LDLIBS_PCAP)

# Unit tests and fuzz replays link only the layer they test and those
# below it, so a layer cannot grow a dependency upwards unnoticed.
TEST_CC = $(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@
$(BUILD)/tests/test_dw_%: tests/unit/test_dw_%.c $(wildcard tests/unit/*.h) $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIB_DNSWIRE) -lcunit
$(BUILD)/tests/test_cf_%: tests/unit/test_cf_%.c $(wildcard tests/unit/*.h) $(LIB_CAPFILE) $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIB_CAPFILE) $(LIB_DNSWIRE) $(LDLIBS) -lcunit
$(BUILD)/tests/test_nl_%: tests/unit/test_nl_%.c $(wildcard tests/unit/*.h) $(LIB_NETLAYERS) $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIB_NETLAYERS) $(LIB_DNSWIRE) -lcunit
$(BUILD)/tests/test_cm_%: tests/unit/test_cm_%.c $(wildcard tests/unit/*.h) $(LIBS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIBS) $(LDLIBS) -lcunit
$(BUILD)/tests/test_an_%: tests/unit/test_an_%.c $(wildcard tests/unit/*.h) $(LIBS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIBS) $(LDLIBS) -lcunit
$(BUILD)/tests/test_cap_%: tests/unit/test_cap_%.c $(wildcard tests/unit/*.h) $(LIBS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIBS) $(LDLIBS) $(LDLIBS_PCAP) -lcunit
$(BUILD)/tests/test_ar_%: tests/unit/test_ar_%.c $(wildcard tests/unit/*.h) $(LIBS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIBS) $(LDLIBS) $(LDLIBS_PCAP) -lcunit
$(BUILD)/tests/test_rp_%: tests/unit/test_rp_%.c $(wildcard tests/unit/*.h) $(LIBS)
	@mkdir -p $(dir $@)
	$(TEST_CC) $< $(LIBS) $(LDLIBS) $(LDLIBS_PCAP) -lcunit

REPLAY_CC = $(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay_main.c
$(BUILD)/tests/replay_fuzz_dw_%: tests/fuzz/fuzz_dw_%.c tests/fuzz/replay_main.c $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(LIB_DNSWIRE)
$(BUILD)/tests/replay_fuzz_cf_%: tests/fuzz/fuzz_cf_%.c tests/fuzz/replay_main.c $(LIB_CAPFILE) $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(LIB_CAPFILE) $(LIB_DNSWIRE) $(LDLIBS)
$(BUILD)/tests/replay_fuzz_nl_%: tests/fuzz/fuzz_nl_%.c tests/fuzz/replay_main.c $(LIB_NETLAYERS) $(LIB_DNSWIRE)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(LIB_NETLAYERS) $(LIB_DNSWIRE)
$(BUILD)/tests/replay_fuzz_cap_%: tests/fuzz/fuzz_cap_%.c tests/fuzz/replay_main.c $(LIBS)
	@mkdir -p $(dir $@)
	$(REPLAY_CC) $(LIBS) $(LDLIBS) $(LDLIBS_PCAP)

# lib/dnswire uses libc only and never allocates or does I/O: enforced here.
layers: $(LIB_DNSWIRE)
	@bad=$$(nm -u $(LIB_DNSWIRE) | awk '{print $$2}' | \
	  grep -E '^(malloc|calloc|realloc|free|f?open|fopen64|read|write|printf|fprintf|puts|fputs|exit|abort)$$' || true); \
	if [ -n "$$bad" ]; then echo "layering: lib/dnswire uses: $$bad" >&2; exit 1; fi
	@if grep -lE '#include [<"](pcap|zlib|stdio|rootlens/(capfile|netlayers))' lib/dnswire/*.c include/rootlens/dnswire.h include/rootlens/dw_cursor.h; then \
	  echo "layering: lib/dnswire includes I/O or upper-layer headers" >&2; exit 1; fi

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

replay: $(REPLAY_BIN)
	@tests/fuzz/replay.sh $(BUILD)

e2e: rootlens
	@ROOTLENS=$(abspath $(BIN)) E2E_SKIP="$(E2E_SKIP)" tests/e2e/run.sh

test: layers unit replay e2e

# AddressSanitizer + UndefinedBehaviorSanitizer build of units and e2e.
# Left out of its e2e pass: the tests that mostly record live traffic in
# network namespaces (their C code is run under the sanitizers by the unit
# tests and the other e2e tests); ASAN_E2E_SKIP= runs them too.
ASAN_E2E_SKIP ?= test_capture test_flags test_scaleout
asan:
	$(MAKE) BUILD=build-san OPT=-O1 \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  E2E_SKIP="$(ASAN_E2E_SKIP)" unit e2e

# The zlib-only build (ISAL=no) of the reader, the capture writer and their gzip tests.
noisal:
	$(MAKE) BUILD=build-noisal ISAL=no build-noisal/tests/test_cf_gzip build-noisal/tests/test_cap_gzfile
	@build-noisal/tests/test_cf_gzip
	@build-noisal/tests/test_cap_gzfile

deps:
	@scripts/install-deps.sh

check: deps
	rm -rf build build-san build-noisal
	$(MAKE) test
	$(MAKE) noisal
	$(MAKE) asan
	@echo "make check: all passed"

# The main job on the bundled captures: counts per file, then the analysis
# document and its RSSAC002 files under build/demo/.
demo:
	@scripts/install-deps.sh
	$(MAKE) rootlens
	./rootlens decode --stats datasets/*.pcap* | sed -n '/^file  *(total)/,$$p'
	@mkdir -p $(BUILD)/demo
	./rootlens analyze -q -o $(BUILD)/demo/stats.json datasets/*.pcap*
	./rootlens export rssac002 -q --service x.root-servers.net $(BUILD)/demo/stats.json $(BUILD)/demo/rssac002
	@rm -f $(BUILD)/demo/part-*.json
	@for s in root-mix.pcap.gz:ams:pre root-dnsperf-udp.pcap.gz:ams:durz \
	  root-tcp-pipelined.pcap:lhr:durz root-frags.pcap:lhr:durz root-priming.pcapng:ams:post \
	  root-any-sll.pcap:lhr:post root-any-sll2.pcap:nrt:post; do \
	  f=$${s%%:*}; r=$${s#*:}; i=$${r%%:*}; p=$${r#*:}; \
	  echo "./rootlens analyze -q -i 1 --server x.root-servers.net --instance $$i --phase $$p -o $(BUILD)/demo/part-$${f%%.*}.json datasets/$$f"; \
	  ./rootlens analyze -q -i 1 --server x.root-servers.net --instance $$i --phase $$p \
	    -o $(BUILD)/demo/part-$${f%%.*}.json datasets/$$f || exit 1; \
	done
	./rootlens report -q --title "rootlens demo: datasets/ as three instances, three phases" -o $(BUILD)/demo/report $(BUILD)/demo/part-*.json
	@echo "demo: analysis in $(BUILD)/demo/stats.json, RSSAC002 files in $(BUILD)/demo/rssac002/, report in $(BUILD)/demo/report/index.html"

bench: rootlens
	@scripts/install-deps.sh --bench
	bench/run.sh
	@if [ "$$(id -u)" -eq 0 ]; then bench/capture.sh; \
	else echo "bench: capture benchmark skipped (needs root: network namespaces)"; fi

# The DURZ-style signing rollout replayed on nsd and knot in network
# namespaces, measured end to end (experiment/README.md); as root.
.PHONY: experiment experiment-short
experiment: rootlens
	@scripts/install-deps.sh
	experiment/durz.sh

experiment-short: rootlens
	@scripts/install-deps.sh
	experiment/durz.sh --short

FUZZ_SECONDS ?= 60
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

install: rootlens
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rootlens
	install -m 644 doc/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

cov:
	$(MAKE) BUILD=build-cov OPT=-O0 SANFLAGS=--coverage unit e2e
	gcov -o build-cov/lib $(DNSWIRE_SRC) $(CAPFILE_SRC) $(NETLAYERS_SRC) >/dev/null

clean:
	rm -rf build build-san build-noisal build-cov build-fuzz rootlens

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
