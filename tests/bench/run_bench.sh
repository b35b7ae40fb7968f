#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_bench.sh O - `make bench`: per-packet cost of the XDP program against a
# bare XDP_DROP program in the same run (BPF_PROG_RUN), the cost of one
# interval's drain + write for 10^4..10^6 keys, the userspace flow table's
# cost per log record at 10^3..10^6 live keys, `darkscope rollup` on a day of
# 1-minute intervals at 10^4 and 10^5 flow rows a minute, the capture writer's
# throughput to .pcap.gz, and the end-to-end zero-loss rate of darkscope
# (capture off, capture of 1 in 1000 frames, of new flow keys, of every
# frame), a bare XDP_DROP counter, pmacctd and tcpdump fed by `darkscope gen`
# through a veth pair (and capture-off darkscope a second time, darkscope@2:
# how far two identical receivers differ in one run, the yardstick for the
# capture ratios).  Then the same for a mix with >= 10^6 live keys per
# interval (the telescope mix from 2^17 source /24s, labels "/1m"), and on a
# two-queue veth with one generator per CPU (labels "/2q": what a second
# core adds).  Writes $O/bench.csv and the measured tables of
# docs/PERFORMANCE.md (between its BENCH markers).
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
	pcap_args=-q
	flow_args="-q 1000 100000"
	flow_steady_args="-q 100000"
	series_args=10000
	rollup_args=100
	clickhouse_args="--hours 1 --rows 500"
	clickhouse_quarter_args="--sensors 2 --rows 100 --nets 1000"
	export BENCH_DRAIN_KEYS=10000 BENCH_RATES=100000 BENCH_DURATION=1
	export BENCH_TARGETS="drop darkscope darkscope-sample1000"
	export BENCH_TARGETS_1M=darkscope BENCH_TARGETS_2Q=darkscope
fi
# 2^17 /24s under the telescope mix: past ~1.3 Mpps every one-second
# interval holds >= 10^6 (proto, dport, /24) keys (the e2e_keys lines count
# them), and at 6 Mpps still < 2^21, the receivers' --max-keys here.
keys_mix="--nets 131072"
cpu_mix=tcp:23=1,tcp:80=1,tcp:443=1,tcp:22=1,tcp:8080=1,tcp:445=1,tcp:3389=1,tcp:5555=1
cpu_mix=$cpu_mix,tcp:2323=1,tcp:8443=1,tcp:81=1,tcp:1433=1,udp:53=1,udp:123=1,udp:1900=1,udp:5060=1
queues=$(($(nproc) < 2 ? 1 : 2))
[ "$queues" -gt 1 ] && multiq_parts="e2e,darkscope/2q e2e_max,darkscope/2q"
# With a ClickHouse server installed (make deps installs it) its lines are due.
command -v clickhouse-server >/dev/null &&
	clickhouse_parts="clickhouse_load,native clickhouse_load,tsv clickhouse_rerun clickhouse_report
		clickhouse_quarter_load clickhouse_quarter_daily,port_sources_daily clickhouse_quarter"
{
	echo "# darkscope bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) CPUs"
	echo "# git $(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)"
	"$O/tests/prog/bench_prog_run" ${prog_args:-}
	"$O/tests/prog/bench_drain" ${BENCH_DRAIN_KEYS:-10000 100000 1000000}
	"$O/tests/prog/bench_flow_table" ${flow_args:-}
	"$O/tests/prog/bench_flow_table" -s ${flow_steady_args:-100000 1000000}
	"$O/tests/prog/bench_pcap_write" ${pcap_args:-}
	"$O/tests/prog/bench_series_write" ${series_args:-}
	# A day of 1-minute intervals rolled up (issue 11), at 10^4 and 10^5
	# flow rows a minute; the day's files (~2 GB at 10^5) go to $O/bench-rollup,
	# where darkscope-report then reads it with each engine (the Python passes
	# only at 10^4: at 10^5 they take most of an hour).
	for n in ${rollup_args:-10000 100000}; do
		BENCH_ROLLUP_KEEP=1 "$O/tests/prog/bench_rollup" "$O/bench-rollup" "$n"
		engines="c:rollup c:raw"
		[ "$n" -le 10000 ] && engines="$engines python:rollup python:raw"
		DARKSCOPE=$O/darkscope "$here/bench_report_scale.py" "$O/bench-rollup" "$n" $engines
	done
	rm -rf "$O/bench-rollup"
	# Loading into ClickHouse and its report (issue 11): 2 sensors, 4 hours
	# at 10^4 flow rows a minute (8.3 M rows over the three series).
	rm -rf "$O/bench-clickhouse"
	DARKSCOPE=$O/darkscope "$here/bench_clickhouse.py" ${clickhouse_args:---hours 4} "$O/bench-clickhouse"
	rm -rf "$O/bench-clickhouse"
	# The quarterly report of 10 sensors at 10^4 flows rows a minute from
	# ClickHouse's daily tables (issue 11): a day per sensor loaded, its
	# daily rows copied to 3 days, the report per day extrapolated.
	O=$O "$here/bench_clickhouse_quarter.py" ${clickhouse_quarter_args:-} "$O/bench-clickhouse"
	rm -rf "$O/bench-clickhouse"
	"$here/e2e_rate.sh" "$O" ${BENCH_TARGETS:-drop darkscope darkscope@2 darkscope-hash darkscope-sample1000 darkscope-new darkscope-all pmacct tcpdump}
	BENCH_GEN_ARGS=$keys_mix BENCH_LABEL=/1m BENCH_MAX_KEYS=2097152 \
		"$here/e2e_rate.sh" "$O" ${BENCH_TARGETS_1M:-drop darkscope darkscope-hash pmacct}
	if [ "$queues" -gt 1 ]; then
		BENCH_QUEUES=$queues BENCH_LABEL=/2q "$here/e2e_rate.sh" "$O" ${BENCH_TARGETS_2Q:-drop darkscope darkscope-hash}
	fi
	# The daemon's CPU at the production interval: one minute at one rate
	# over exactly 2^20 keys (16 ports x 2^16 source /24s, every key seen
	# again and again), so the per-key work of a boundary is paid once a
	# minute, as on a sensor (not in the smoke run: it takes a minute).
	if [ "${BENCH_SMOKE:-0}" != 1 ]; then
		BENCH_CPU_WINDOW=1 BENCH_INTERVAL=60 BENCH_RATES=${BENCH_CPU_RATE:-2000000} BENCH_DURATION=150 \
			BENCH_GEN_ARGS="--nets 65536 --mix $cpu_mix" BENCH_LABEL=/1m-60s \
			BENCH_MAX_KEYS=2097152 "$here/e2e_rate.sh" "$O" darkscope
	fi
} | tee "$csv"
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	# Every part ran and produced its figures (no thresholds: this VM is noisy).
	for part in prog_run prog_capture,sample1000 drain flow_table flow_table_steady pcap_write,mix,pcap_writer \
		series_format series_compress,10000,deflate1 rollup,100 report_scale,100,c,rollup \
		report_scale,100,python,raw ${clickhouse_parts:-} e2e,drop e2e,darkscope \
		e2e,darkscope-sample1000 e2e_cap,darkscope-sample1000 e2e_max e2e_ratio,darkscope-sample1000 \
		e2e,darkscope/1m e2e_keys,darkscope/1m e2e_max,darkscope/1m \
		${multiq_parts:-}; do
		grep -q "^$part," "$csv" || { echo "bench smoke: no '$part' line"; exit 1; }
	done
	# Exact, not a threshold: capture's figures add up, and 1 in 1000 did select.
	awk -F, '$1 == "e2e_cap" && !($5 > 0 && $5 == $6 + $7 + $8 && $10 == $6 - $9) {
		print "bench smoke: capture figures do not add up: " $0; bad = 1} END {exit bad}' "$csv"
	echo "bench smoke: all parts ran"
	exit 0
fi
/usr/bin/python3 "$here/bench_report.py" "$csv" "$here/../../docs/PERFORMANCE.md"
echo "bench: wrote $csv and docs/PERFORMANCE.md"
