#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_bench.sh O - `make bench`: per-packet cost of the XDP program against a
# bare XDP_DROP program in the same run (BPF_PROG_RUN), and the cost of one
# interval's drain + write for 10^4..10^6 keys.  Writes $O/bench.csv and the
# measured tables of docs/PERFORMANCE.md (between its BENCH markers).
set -eu
O=${1:?usage: run_bench.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
csv=$O/bench.csv
if [ "$(id -u)" != 0 ]; then
	echo "make bench needs root (BPF_PROG_RUN)" >&2
	exit 1
fi
{
	echo "# darkscope bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) CPUs"
	echo "# git $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
	"$O/tests/prog/bench_prog_run"
	"$O/tests/prog/bench_drain" ${BENCH_DRAIN_KEYS:-10000 100000 1000000}
} | tee "$csv"
/usr/bin/python3 "$here/bench_report.py" "$csv" "$here/../../docs/PERFORMANCE.md"
echo "bench: wrote $csv and docs/PERFORMANCE.md"
