# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# darkscope - one Makefile, no recursion into subdirectories.
# Everything generated goes to $(O) (default build/).  `make help` lists targets.

O ?= build
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip
CC ?= cc
PYTHON ?= /usr/bin/python3
ARCH_INCLUDES := /usr/include/$(shell uname -m)-linux-gnu

# Debian 12 packages the build and the tests need; `make deps` installs the
# missing ones (as root).  See docs/DEPENDENCIES.md for why each is here.
BUILD_PKGS := clang llvm bpftool pkg-config make gcc libbpf-dev libxdp-dev \
	libelf-dev zlib1g-dev libcmocka-dev
TEST_PKGS := iproute2 python3 python3-scapy hping3 netsniff-ng ethtool nmap tcpdump pmacct \
	python3-matplotlib python3-pytest tor-geoipdb strace
DEPS_PKGS := $(BUILD_PKGS) $(TEST_PKGS)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-6s %s\n' "$(1)" "$(2)";
endif

# Deferred (=) so pkg-config runs after `deps` has installed it.
PKGS := libbpf libxdp libelf zlib
USER_CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11 -MMD -MP -Iinclude -I$(O) -Iuser \
	$(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
USER_LDLIBS = $(shell pkg-config --libs $(PKGS))
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -MMD -MP -Iinclude -Ibpf \
	-idirafter $(ARCH_INCLUDES)

BPF_NAMES := darkscope xdp_drop_baseline gen
BPF_OBJS := $(patsubst %,$(O)/%.bpf.o,$(BPF_NAMES))
SKELS := $(patsubst %,$(O)/%.skel.h,$(BPF_NAMES))

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(O)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(O)/user/main.o,$(USER_OBJS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/test_*.c))
PROG_TESTS := $(patsubst tests/prog/%.c,$(O)/tests/prog/%,$(wildcard tests/prog/test_*.c))

BIN := $(O)/darkscope

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps test test-unit test-prog test-e2e test-scripts demo bench clean help check

all: $(BIN)

help:
	@echo 'Targets:'
	@echo '  all (default)  build $(BIN)'
	@echo '  deps           install missing Debian packages (root): $(DEPS_PKGS)'
	@echo '  test           deps, build, then unit, BPF program and end-to-end tests (root)'
	@echo '  test-unit | test-prog | test-e2e   one test layer'
	@echo '  demo           live demo in a private network namespace (root)'
	@echo '  bench          benchmarks, written to docs/PERFORMANCE.md and $(O)/bench.csv (root)'
	@echo '  check          load and verify the BPF program, then exit (root)'
	@echo '  clean          remove $(O)'
	@echo 'Variables: O=$(O) CLANG=$(CLANG) BPFTOOL=$(BPFTOOL) V=1 (show commands)'

deps:
	$(Q)missing=$$(for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS   installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

$(O) $(O)/user $(O)/tests/unit $(O)/tests/prog:
	$(Q)mkdir -p $@

$(O)/%.bpf.o: bpf/%.bpf.c | $(O)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(O)/$*.bpf.d -MT $@ -c $< -o $@.tmp && $(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(O)/%.skel.h: $(O)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@

$(O)/user/%.o: user/%.c $(SKELS) | $(O)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BIN): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(USER_LDLIBS)

$(O)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) | $(O)/tests/unit
	$(call msg,TEST,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Wno-unused-parameter -o $@ $< $(LIB_OBJS) $(USER_LDLIBS) $(CMOCKA_LIBS)

$(O)/tests/prog/%: tests/prog/%.c $(LIB_OBJS) $(SKELS) | $(O)/tests/prog
	$(call msg,TEST,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Wno-unused-parameter -Itests/prog -o $@ $< $(LIB_OBJS) $(USER_LDLIBS) $(CMOCKA_LIBS)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_TESTS) $(PROG_TESTS) $(BENCH_BINS)
	$(Q)tests/run_tests.sh $(O)

test-unit: $(UNIT_TESTS)
	$(Q)tests/run_tests.sh $(O) unit
test-prog: $(PROG_TESTS)
	$(Q)tests/run_tests.sh $(O) prog
test-e2e: $(BIN)
	$(Q)tests/run_tests.sh $(O) e2e

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/e2e/demo.sh $(O)

BENCH_BINS := $(O)/tests/prog/bench_prog_run $(O)/tests/prog/bench_drain $(O)/tests/prog/bench_pcap_write

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)tests/bench/run_bench.sh $(O)

check: $(BIN)
	$(Q)$(BIN) check

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

-include $(wildcard $(O)/*.d $(O)/user/*.d $(O)/tests/*/*.d)
