#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_tests.sh O [LAYER...] - run darkscope's test layers and print one
# closing line "N passed, N failed".  Layers: unit (cmocka, no privileges),
# prog (BPF_PROG_RUN, root), e2e (network namespaces + veth, root).
set -u
O=${1:?usage: run_tests.sh BUILD_DIR [unit|prog|e2e]...}
shift
layers=${*:-unit prog e2e}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
run_cmocka() {
	local bin=$1 p f
	"$bin" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A crash or a non-zero exit without a FAILED line still fails.
	if [ "$rc" != 0 ] && [ -z "$f" ]; then failed=$((failed + 1)); fi
}

for layer in $layers; do
	echo "=== $layer tests"
	case $layer in
	unit|prog)
		for t in "$O"/tests/$layer/test_*; do
			[ -x "$t" ] && run_cmocka "$t"
		done
		;;
	e2e)
		tests/e2e/run_e2e.sh "$O" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		p=$(grep -c '^PASS ' "$log")
		f=$(grep -c '^FAIL ' "$log")
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then failed=$((failed + 1)); fi
		;;
	*)
		echo "unknown test layer '$layer'" >&2
		exit 64
		;;
	esac
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
