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
# The target's name as libbpf's headers spell it (__TARGET_ARCH_x86, _arm64).
BPF_ARCH := $(subst x86_64,x86,$(subst aarch64,arm64,$(shell uname -m)))

# Debian 12 packages the build and the tests need; `make deps` installs the
# missing ones (as root).  See docs/DEPENDENCIES.md for why each is here.
BUILD_PKGS := clang llvm bpftool pkg-config make gcc libbpf-dev libxdp-dev \
	libelf-dev zlib1g-dev libdeflate-dev libcmocka-dev
TEST_PKGS := iproute2 python3 python3-scapy hping3 netsniff-ng ethtool nmap tcpdump pmacct \
	python3-matplotlib python3-pytest python3-pil tor-geoipdb strace chromium \
	clickhouse-server clickhouse-client
DEPS_PKGS := $(BUILD_PKGS) $(TEST_PKGS)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-6s %s\n' "$(1)" "$(2)";
endif

# Deferred (=) so pkg-config runs after `deps` has installed it.
PKGS := libbpf libxdp libelf zlib libdeflate
USER_CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11 -MMD -MP -Iinclude -I$(O) -Iuser \
	$(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Werror -MMD -MP -Iinclude -Ibpf \
	-D__TARGET_ARCH_$(BPF_ARCH) \
	-idirafter $(ARCH_INCLUDES)

BPF_NAMES := darkscope xdp_drop_baseline gen
BPF_OBJS := $(patsubst %,$(O)/%.bpf.o,$(BPF_NAMES))
SKELS := $(patsubst %,$(O)/%.skel.h,$(BPF_NAMES))

# user/ is layered: a folder may use only the folders named after it here
# (and include/).  Each folder is one archive; a unit test in
# tests/unit/LAYER/ links that layer's archive, the ones below it and their
# libraries only.  `make lint` checks the #include lines against this table.
LAYERS := util series capture sensor gen rollup analysis cli
LAYER_DEPS_util :=
LAYER_DEPS_series := util
LAYER_DEPS_capture := util
LAYER_DEPS_sensor := capture series util
LAYER_DEPS_gen := series util
LAYER_DEPS_rollup := series util
LAYER_DEPS_analysis := series util
LAYER_DEPS_cli := sensor gen rollup analysis capture series util
# pkg-config packages each layer's own code calls.
LAYER_PKGS_util := zlib libdeflate
LAYER_PKGS_series :=
LAYER_PKGS_capture := libxdp libbpf
LAYER_PKGS_sensor := libxdp libbpf libelf
LAYER_PKGS_gen := libbpf
LAYER_PKGS_rollup :=
LAYER_PKGS_analysis := zlib
LAYER_PKGS_cli := libxdp libbpf
# Layers whose code includes a generated skeleton.
SKEL_LAYERS := sensor gen cli

layer_lib = $(O)/user/lib$(1).a
# A layer's archives in link order (itself first), and its libraries.
layer_libs = $(call layer_lib,$(1)) $(foreach d,$(LAYER_DEPS_$(1)),$(call layer_lib,$(d)))
layer_pkgs = $(sort $(LAYER_PKGS_$(1)) $(foreach d,$(LAYER_DEPS_$(1)),$(LAYER_PKGS_$(d))))
layer_ldlibs = $(if $(call layer_pkgs,$(1)),$(shell pkg-config --libs $(call layer_pkgs,$(1))))

layer_objs = $(patsubst user/%.c,$(O)/user/%.o,$(filter-out user/cli/main.c,$(wildcard user/$(1)/*.c)))
ALL_LIBS := $(foreach l,$(LAYERS),$(call layer_lib,$(l)))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*/test_*.c))
PROG_TESTS := $(patsubst tests/prog/%.c,$(O)/tests/prog/%,$(wildcard tests/prog/test_*.c))

BIN := $(O)/darkscope

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps test test-unit test-prog test-e2e test-scripts demo bench clean help check lint columns build-deps-check

comma := ,
empty :=
space := $(empty) $(empty)

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
	@echo '  lint           check that user/ keeps its layering (include rules) and that'
	@echo '                 $(COLUMNS_PY) is up to date'
	@echo '  columns        regenerate $(COLUMNS_PY) from the C column lists'
	@echo '  clean          remove $(O)'
	@echo 'Variables: O=$(O) CLANG=$(CLANG) BPFTOOL=$(BPFTOOL) V=1 (show commands)'

# Shell: the packages of $(1) that dpkg does not list as installed.
missing_pkgs = $$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done)

deps:
	$(Q)missing=$(call missing_pkgs,$(DEPS_PKGS)); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS   installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

$(O):
	$(Q)mkdir -p $@

# Before anything compiles: name the Debian packages a fresh box lacks,
# instead of failing later on a missing header.
build-deps-check:
	$(Q)if command -v dpkg-query >/dev/null; then \
		missing=$(call missing_pkgs,$(BUILD_PKGS)); \
		if [ -n "$$missing" ]; then \
			echo "darkscope: missing Debian packages to build:" $$missing >&2; \
			echo "darkscope: run 'make deps' as root to install them (docs/DEPENDENCIES.md says why each is needed)" >&2; \
			exit 1; \
		fi; \
	fi

$(O)/%.bpf.o: bpf/%.bpf.c | $(O) build-deps-check
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(O)/$*.bpf.d -MT $@ -c $< -o $@.tmp && $(LLVM_STRIP) -g $@.tmp -o $@ && rm -f $@.tmp

$(O)/%.skel.h: $(O)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@

# Objects of the layers that include a skeleton wait for the skeletons.
$(foreach l,$(SKEL_LAYERS),$(call layer_objs,$(l)) $(O)/user/cli/main.o): | $(SKELS)

$(O)/user/%.o: user/%.c | build-deps-check
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

define layer_archive
$(call layer_lib,$(1)): $(call layer_objs,$(1))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_archive,$(l))))

$(BIN): $(O)/user/cli/main.o $(call layer_libs,cli)
	$(call msg,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(call layer_ldlibs,cli)

# tests/unit/LAYER/test_x.c links LAYER and what it may use, nothing more.
define unit_test
$(O)/tests/unit/$(1)/%: tests/unit/$(1)/%.c $(call layer_libs,$(1)) | build-deps-check
	$$(call msg,TEST,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(USER_CFLAGS) -Wno-unused-parameter -Itests/unit -o $$@ $$< \
		$(call layer_libs,$(1)) $$(call layer_ldlibs,$(1)) $$(CMOCKA_LIBS)
endef
$(foreach l,$(LAYERS),$(eval $(call unit_test,$(l))))

# The program tests' shared scaffolding (tests/prog/prog_test_util.h),
# linked into every tests/prog binary.
PROG_TEST_UTIL := $(O)/tests/prog/prog_test_util.o

$(PROG_TEST_UTIL): tests/prog/prog_test_util.c | $(SKELS) build-deps-check
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/prog -c $< -o $@

$(O)/tests/prog/%: tests/prog/%.c $(PROG_TEST_UTIL) $(call layer_libs,cli) $(SKELS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Wno-unused-parameter -Itests/prog -o $@ $< $(PROG_TEST_UTIL) \
		$(call layer_libs,cli) $(call layer_ldlibs,cli) $(CMOCKA_LIBS)

# The analyst scripts' copy of the column and name lists, generated from
# include/darkscope.h and series_format.c (checked in: the scripts need no build).
COLUMNS_GEN := $(O)/tests/lint/gen_columns
COLUMNS_PY := scripts/darkscope_lib/series_columns.py

$(COLUMNS_GEN): tests/lint/gen_columns.c $(call layer_libs,series) | build-deps-check
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $< $(call layer_libs,series) $(call layer_ldlibs,series)

columns: $(COLUMNS_GEN)
	$(call msg,GEN,$(COLUMNS_PY))
	$(Q)$(COLUMNS_GEN) >$(COLUMNS_PY).tmp && mv $(COLUMNS_PY).tmp $(COLUMNS_PY)

# The include rule of the layer table above, for user/ and tests/unit/, and
# that $(COLUMNS_PY) is what the C code gives.  Both run; either fails it.
lint: $(COLUMNS_GEN)
	$(Q)rc=0; \
	tests/lint/check_layers.sh $(foreach l,$(LAYERS),$(l):$(subst $(space),$(comma),$(strip $(LAYER_DEPS_$(l))))) || rc=1; \
	tests/lint/check_columns.sh $(COLUMNS_GEN) $(COLUMNS_PY) || rc=1; \
	exit $$rc

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

BENCH_BINS := $(O)/tests/prog/bench_prog_run $(O)/tests/prog/bench_drain $(O)/tests/prog/bench_pcap_write \
	$(O)/tests/prog/bench_rollup \
	$(O)/tests/prog/bench_flow_table $(O)/tests/prog/bench_series_write

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)tests/bench/run_bench.sh $(O)

check: $(BIN)
	$(Q)$(BIN) check

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

-include $(wildcard $(O)/*.d $(O)/user/*/*.d $(O)/tests/*/*.d $(O)/tests/*/*/*.d)
