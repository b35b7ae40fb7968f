#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_bench.sh O - `make bench`: per-packet cost of the XDP program against a
# bare XDP_DROP program in the same run (BPF_PROG_RUN), the cost of one
# interval's drain + write for 10^4..10^6 keys, and the end-to-end zero-loss
# rate of darkscope, a bare XDP_DROP counter, pmacctd and tcpdump fed by
# `darkscope gen` through a veth pair.  Writes $O/bench.csv and the measured
# tables of docs/PERFORMANCE.md (between its BENCH markers).
# BENCH_SMOKE=1: a few seconds of each part, no report (what `make test` runs).
set -eu
O=${1:?usage: run_bench.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
csv=$O/bench.csv
if [ "$(id -u)" != 0 ]; then
	echo "make bench needs root (BPF_PROG_RUN)" >&2
	exit 1
fi
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	csv=$O/bench-smoke.csv
	prog_args="-q -s"
	export BENCH_DRAIN_KEYS=10000 BENCH_RATES=100000 BENCH_DURATION=1
	export BENCH_TARGETS="drop darkscope"
fi
{
	echo "# darkscope bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) CPUs"
	echo "# git $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
	"$O/tests/prog/bench_prog_run" ${prog_args:-}
	"$O/tests/prog/bench_drain" ${BENCH_DRAIN_KEYS:-10000 100000 1000000}
	"$here/e2e_rate.sh" "$O" ${BENCH_TARGETS:-drop darkscope pmacct tcpdump}
} | tee "$csv"
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	# Every part ran and produced its figures (no thresholds: this VM is noisy).
	for part in prog_run drain e2e,drop e2e,darkscope e2e_max; do
		grep -q "^$part," "$csv" || { echo "bench smoke: no '$part' line"; exit 1; }
	done
	echo "bench smoke: all parts ran"
	exit 0
fi
/usr/bin/python3 "$here/bench_report.py" "$csv" "$here/../../docs/PERFORMANCE.md"
echo "bench: wrote $csv and docs/PERFORMANCE.md"
