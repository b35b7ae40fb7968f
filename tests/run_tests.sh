#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_tests.sh O [LAYER...] - run darkscope's test layers and print one
# closing line "N passed, N failed, N skipped" (a skip is a test whose tool
# or privilege is missing, never a failure: docs/TESTING.md).  Layers: lint (the include rule of
# user/'s layers), unit (cmocka, no privileges),
# prog (BPF_PROG_RUN, root), e2e (network namespaces + veth, root), scripts
# (pytest: the analyst scripts and the report), pktgen
# (dry-run of the pktgen scripts), bench (a seconds-long smoke run of
# `make bench`, no thresholds).
set -u
O=${1:?usage: run_tests.sh BUILD_DIR [unit|prog|e2e]...}
shift
layers=${*:-lint unit prog e2e scripts pktgen bench}
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# cmocka prints "[  PASSED  ] N test(s).", "[  FAILED  ] N test(s)" and
# "[  SKIPPED ] N test(s), listed below:".
run_cmocka() {
	local bin=$1 p f s
	"$bin" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	# A crash or a non-zero exit without a FAILED line still fails.
	if [ "$rc" != 0 ] && [ -z "$f" ]; then failed=$((failed + 1)); fi
}

# Shell test runners print "PASS name", "FAIL name" or "SKIP name: reason"
# per test.
run_counted() {
	local p f s rc
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	s=$(grep -c '^SKIP ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then failed=$((failed + 1)); fi
}

for layer in $layers; do
	echo "=== $layer tests"
	case $layer in
	unit|prog)
		for t in "$O"/tests/$layer/test_* "$O"/tests/$layer/*/test_*; do
			[ -f "$t" ] && [ -x "$t" ] && run_cmocka "$t"
		done
		;;
	lint)
		run_counted make --no-print-directory -s lint O="$O"
		run_counted tests/lint/test_build_deps.sh
		;;
	e2e)
		run_counted tests/e2e/run_e2e.sh "$O"
		;;
	scripts)
		# pytest closes with "N passed[, N failed][, N skipped] in Ts".
		/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/scripts 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		p=$(tail -1 "$log" | grep -o '[0-9]* passed' | cut -d' ' -f1)
		f=$(tail -1 "$log" | grep -oE '[0-9]+ (failed|error)' | awk '{s += $1} END {if (NR) print s}')
		s=$(tail -1 "$log" | grep -o '[0-9]* skipped' | cut -d' ' -f1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		skipped=$((skipped + ${s:-0}))
		if [ "$rc" != 0 ] && [ -z "$f" ]; then failed=$((failed + 1)); fi
		;;
	pktgen)
		run_counted tests/pktgen/test_pktgen_dryrun.sh
		;;
	bench)
		BENCH_SMOKE=1 tests/bench/run_bench.sh "$O" >"$log" 2>&1
		rc=$?
		tail -3 "$log"
		if [ "$rc" = 0 ]; then
			echo "PASS bench_smoke"; passed=$((passed + 1))
		else
			cat "$log"; echo "FAIL bench_smoke"; failed=$((failed + 1))
		fi
		;;
	*)
		echo "unknown test layer '$layer'" >&2
		exit 64
		;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
