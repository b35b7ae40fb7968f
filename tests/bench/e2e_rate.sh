#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e_rate.sh O [TARGET...] - end-to-end benchmark: `darkscope gen` in one
# network namespace sends the telescope mix through a veth pair at rising
# target rates to a receiver in another; for each receiver, the highest
# offered rate at which it accounts for every frame sent (zero loss), and the
# CPU it took.  Receivers (TARGETs):
#   drop       bare XDP_DROP program counting into a per-CPU array (the limit)
#   darkscope  darkscope run, frames counted in its sensor series
#   darkscope-hash  darkscope run --log-records 0: the per-CPU hash alone,
#              the fast path before the flow log (the naive design)
#   darkscope-sampleN  darkscope run --capture DIR --capture-select sample --sample N
#   darkscope-new      darkscope run --capture DIR --capture-select new
#   darkscope-all      darkscope run --capture DIR --capture-select all; for
#                      this one zero loss also means no frame lost to capture
#                      (its figure: the rate capture keeps up with)
#   pmacct     pmacctd aggregating [proto, dst port, src /24] to files every second
#   tcpdump    tcpdump capturing to a file (default 2 MB buffer)
#   NAME@K     receiver NAME again, under its own label (an A/A run: the
#              spread between darkscope and darkscope@2 is this VM's noise)
# The rates rise in an outer loop and the receivers take turns at each rate
# (in an order rotated by one each turn), so slow drift of this shared VM's
# speed hits them alike; a receiver drops out at its first loss.  The zero-loss rule is the same for all but
# darkscope-all: every frame sent is counted (for the capturing darkscope
# receivers too: capture never changes the counts); what capture itself kept
# or lost is reported apart.
# pmacct and tcpdump read through the kernel (libpcap), so the veth gets GRO
# turned on: that is how frames sent with XDP_TX enter its stack without an
# XDP program.  Prints CSV lines:
#   e2e,<target>,<offered_pps>,<sent>,<received>,<loss>,<softirq_s_per_Mpkt>,<process_s_per_Mpkt>,<peak_rss_kB>,<target_pps>
# (CPU seconds per million frames: interrupt-context work of the receive path,
# and the receiver process's own user + system time, capture thread included.)
# For a capturing receiver also, from its sensor series and its pcap files:
#   e2e_cap,<target>,<offered_pps>,<sent>,<selected>,<captured>,<capture_dropped>,<no_socket>,<write_dropped>,<pcap_frames>,<captured_pps>,<keys>
# (selected = captured + capture_dropped + no_socket is checked, and
# pcap_frames = captured - write_dropped; keys: flow keys created, which is
# what "new" selects.)  After all trials:
#   e2e_max,<target>,<highest zero-loss offered pps>
#   e2e_ratio,<target>,<its e2e_max / darkscope's>,<its e2e_max / drop's>,<paired>,<pairs>
# (paired: the median, over the target rates at which capture-off darkscope
# fell short of the target, of this receiver's achieved rate over
# darkscope's at the same target: a comparison turn by turn, less at the
# mercy of one lucky trial than the ratio of the maxima.)
# The mix and the veth (environment; the defaults are the telescope mix on a
# one-queue veth, labels as given):
#   BENCH_GEN_ARGS  extra `darkscope gen` options, e.g. "--mix uniform --nets 20"
#   BENCH_LABEL     appended to every receiver's label in the lines, e.g. "/1m"
#   BENCH_MAX_KEYS  the darkscope receivers' --max-keys (default 1048576)
#   BENCH_QUEUES    veth queues Q (default 1); Q > 1 runs Q generators, the
#                   qth pinned to CPU q at rate/Q: a veth hands an XDP_TX'd
#                   frame to the peer's rx queue (sending CPU mod Q), so one
#                   generator would feed one queue only
# For the darkscope and pmacct receivers also, from the sensor series (or
# pmacct's one-second files):
#   e2e_keys,<target>,<offered_pps>,<sent>,<most keys in one interval>,<intervals>,<map_full>,<log_full>,<drain_ms>,<write_ms>
# (keys: distinct (proto, dport, /24) in an interval; map_full, log_full:
# frames the fast path could not give a key or a log record; drain_ms,
# write_ms: the daemon's time at the boundaries, all summed over the
# intervals; pmacct has none of them and prints 0.)
set -u
O=${1:?usage: e2e_rate.sh BUILD_DIR [TARGET...]}
shift
targets=${*:-drop darkscope darkscope-hash darkscope-sample1000 darkscope-new darkscope-all pmacct tcpdump}
RATES=${BENCH_RATES:-10000 25000 50000 100000 250000 500000 1000000 1500000 2000000 3000000 4000000 5000000 6000000}
DURATION=${BENCH_DURATION:-3}
GEN_ARGS=${BENCH_GEN_ARGS:-}
LABEL=${BENCH_LABEL:-}
MAX_KEYS=${BENCH_MAX_KEYS:-1048576}
QUEUES=${BENCH_QUEUES:-1}
export E2E_QUEUES=$QUEUES   # lib.sh's e2e_setup: queues of the veth pair
E2E_DIR=$(cd "$(dirname "$0")/../e2e" && pwd)
DARKSCOPE=$(cd "$O" && pwd)/darkscope
BASELINE_OBJ=$(cd "$O" && pwd)/xdp_drop_baseline.bpf.o
PYTHON=/usr/bin/python3
. "$E2E_DIR/lib.sh"

# The receive path's XDP program and stack run in softirq context; the
# generator's pacing spins in system-call context, so it stays out of this.
softirq_jiffies() { awk '/^cpu / {print $7 + $8}' /proc/stat; }
proc_jiffies() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# warm_up CONDITION: a receiver reading through libpcap is ready when it has
# seen a frame, not when it says it listens.  Sends single probe frames
# (UDP port 9) until CONDITION holds; WARM counts them, to be subtracted.
warm_up() {
	local i
	for i in $(seq 100); do
		ip netns exec "$NS_G" "$DARKSCOPE" gen -i gen0 --count 1 --mix udp:9=1 \
			--expect /dev/null || return 1
		WARM=$((WARM + 1))
		wait_for 1 sh -c "$1" && return 0
	done
	return 1
}

# pcap_frames / pmacct_frames: what the libpcap receivers have written so far
# (every generated frame is 60 bytes: a pcap record is 16 + 60).
pcap_frames() { echo $((($(stat -c %s "$WORK/td.pcap" 2>/dev/null || echo 24) - 24) / 76)); }
pmacct_frames() { cat "$WORK"/pm/*.csv 2>/dev/null | awk -F, '$1 != "SRC_NET" {s += $4} END {print s + 0}'; }

# settle TARGET N: libpcap receivers write with a delay (ring blocks, print
# intervals); wait until they have accounted for N frames, or until the
# timeout says some were lost, before stopping them.
settle() {
	case $1 in
	tcpdump) wait_for 15 sh -c "[ \$(( (\$(stat -c %s $WORK/td.pcap) - 24) / 76 )) -ge $2 ]" ;;
	pmacct) wait_for 15 sh -c "[ \$(cat $WORK/pm/*.csv | awk -F, '\$1 != \"SRC_NET\" {s += \$4} END {print s + 0}') -ge $2 ]" ;;
	esac
	return 0
}

# capture_args TARGET: the capture options of a darkscope receiver.
capture_args() {
	case $1 in
	darkscope) ;;
	darkscope-hash) echo "--log-records 0" ;;
	darkscope-sample[1-9]*)
		echo "--capture $WORK/cap --capture-select sample --sample ${1#darkscope-sample}" ;;
	darkscope-new) echo "--capture $WORK/cap --capture-select new" ;;
	darkscope-all) echo "--capture $WORK/cap --capture-select all" ;;
	*) echo "unknown receiver '$1'" >&2; return 1 ;;
	esac
}

# capture_stats: after a capturing sensor stopped, its whole-run capture
# figures from the sensor series (columns found by name) and the frames in
# its pcap files: "selected captured capture_dropped no_socket write_dropped
# pcap_frames keys" (keys: flow keys the intervals drained, each created in
# its interval: what "new" selects).  Every generated frame is 60 bytes, a
# pcap record 16 + 60, and each file starts with a 24-byte header.
capture_stats() {
	local sums bytes=0 files=0 f
	sums=$("$DARKSCOPE" read --series sensor "$WORK/out" | awk -F'\t' '
		NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
		{for (c in col) s[c] += $col[c]}
		END {print s["capture_selected"] + 0, s["captured"] + 0, s["capture_dropped"] + 0,
			s["capture_no_socket"] + 0, s["capture_write_dropped"] + 0, s["keys"] + 0}')
	for f in "$WORK"/cap/*.pcap.gz; do
		[ -e "$f" ] || continue
		bytes=$((bytes + $(gzip -dc "$f" | wc -c) - 24))
		files=$((files + 1))
	done
	[ $((bytes % 76)) = 0 ] || echo "capture: pcap files hold $bytes bytes of records, not a multiple of 76" >&2
	set -- $sums
	echo "$1 $2 $3 $4 $5 $((bytes / 76)) $6"
}

# keys_stats TARGET: "most-keys intervals map_full log_full" of a stopped
# receiver: from the sensor series, or from pmacct's files (one a second,
# a header line and a row per key).
keys_stats() {
	case $1 in
	darkscope|darkscope-*)
		"$DARKSCOPE" read --series sensor "$WORK/out" | awk -F'\t' '
			NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
			{k = $col["keys"]; if (k > most) most = k; n++
			 mf += $col["map_full"]; lf += $col["log_full"]
			 dm += $col["drain_ms"]; wm += $col["write_ms"]}
			END {printf "%d %d %d %d %.0f %.0f\n", most, n, mf, lf, dm, wm}' ;;
	pmacct)
		wc -l "$WORK"/pm/*.csv 2>/dev/null | awk '$2 != "total" {
			if ($1 - 1 > most) most = $1 - 1; n++} END {print most + 0, n + 0, 0, 0, 0, 0}' ;;
	esac
}

# generate RATE: `darkscope gen` for DURATION at RATE (QUEUES generators
# pinned one per CPU, RATE/QUEUES each); prints "sent offered_pps".
generate() {
	local q pids=() ok=0 pin=
	[ "$QUEUES" -gt 1 ] && pin=1
	# shellcheck disable=SC2086 # GEN_ARGS: words
	for q in $(seq 0 $((QUEUES - 1))); do
		${pin:+taskset -c "$q"} ip netns exec "$NS_G" "$DARKSCOPE" gen -i gen0 --duration "$DURATION" \
			--rate $(($1 / QUEUES)) --seed $((q + 1)) $GEN_ARGS --expect "$WORK/sent.$q.json" &
		pids+=($!)
	done
	for q in "${pids[@]}"; do wait "$q" || ok=1; done
	[ $ok = 0 ] || return 1
	"$PYTHON" -c 'import json, sys
d = [json.load(open(f)) for f in sys.argv[1:]]
print(sum(x["sent"] for x in d), round(sum(x["pps"] for x in d)))' "$WORK"/sent.*.json
}

# start_receiver TARGET: receiver on ds0; sets RECV_PID (0 for the XDP-only one).
start_receiver() {
	RECV_PID=0
	WARM=0
	case $1 in
	drop)
		ip -n "$NS_S" link set ds0 xdpdrv obj "$BASELINE_OBJ" sec xdp ;;
	darkscope|darkscope-*)
		local capture
		capture=$(capture_args "$1") || return 1
		# shellcheck disable=SC2086 # capture: words, no spaces in $WORK
		start_sensor -o "$WORK/out" --interval "${BENCH_INTERVAL:-1}" --sensor bench --max-keys "$MAX_KEYS" \
			$capture && RECV_PID=$SENSOR_PID ;;
	pmacct)
		ip netns exec "$NS_S" ethtool -K ds0 gro on >/dev/null
		mkdir -p "$WORK/pm"
		cat >"$WORK/pm.conf" <<CONF
daemonize: false
pcap_interface: ds0
aggregate: proto, dst_port, src_net
networks_mask: 24
plugins: print
print_output: csv
print_output_file: $WORK/pm/out-%Y%m%d-%H%M%S.csv
print_refresh_time: 1
print_history: 1s
CONF
		setsid ip netns exec "$NS_S" pmacctd -f "$WORK/pm.conf" >"$WORK/pm.log" 2>&1 &
		RECV_PID=$!
		warm_up "[ \$(cat $WORK/pm/*.csv 2>/dev/null | wc -l) -gt 1 ]" ;;
	tcpdump)
		ip netns exec "$NS_S" ethtool -K ds0 gro on >/dev/null
		setsid ip netns exec "$NS_S" tcpdump -i ds0 -n -U -w "$WORK/td.pcap" \
			>"$WORK/td.log" 2>&1 &
		RECV_PID=$!
		warm_up "[ \$(stat -c %s $WORK/td.pcap 2>/dev/null || echo 0) -gt 24 ]" ;;
	esac
}

# stop_receiver TARGET: stops it; the frames it accounted for go to
# $WORK/received.  (Not a command substitution: wait needs this shell.)
stop_receiver() {
	stop_receiver_count "$1" >"$WORK/received"
}

stop_receiver_count() {
	case $1 in
	drop)
		# By the id of the map of the program on ds0: other runs (another
		# bench at the same time) may have a drop_count of their own.
		local map
		map=$(ip -n "$NS_S" -d -j link show ds0 | "$PYTHON" -c 'import json, subprocess, sys
prog = json.load(sys.stdin)[0]["xdp"]["prog"]["id"]
show = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(prog)], capture_output=True)
print(json.loads(show.stdout)["map_ids"][0])')
		ip netns exec "$NS_S" bpftool -j map dump id "$map" |
			"$PYTHON" -c 'import json, sys
def val(v):  # bpftool gives an int with BTF, little-endian hex bytes without
    return v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little")
print(sum(val(v["value"]) for e in json.load(sys.stdin) for v in e["values"]))'
		ip -n "$NS_S" link set ds0 xdp off ;;
	darkscope|darkscope-*)
		stop_sensor >/dev/null || return 1
		"$DARKSCOPE" read --series sensor --no-header "$WORK/out" | awk -F'\t' '{s += $5} END {print s + 0}'
		case $1 in darkscope|darkscope-hash) ;; *) capture_stats >"$WORK/capture" ;; esac ;;
	pmacct)
		kill -INT "$RECV_PID"; wait_for 30 sh -c "! kill -0 $RECV_PID"; wait "$RECV_PID" 2>/dev/null
		cat "$WORK"/pm/*.csv 2>/dev/null | awk -F, '$1 != "SRC_NET" {s += $4} END {print s + 0}' ;;
	tcpdump)
		kill -INT "$RECV_PID"; wait_for 30 sh -c "! kill -0 $RECV_PID"; wait "$RECV_PID" 2>/dev/null
		sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$WORK/td.log" ;;
	esac
}

trial() {
	local target=$1 rate=$2 kind=${1%@*} j0 j1 r0 r1 rss sent received offered
	# A failed setup or start tears down what it made: no namespace outlives
	# the trial.
	e2e_setup "bench" || { e2e_teardown; return 1; }
	rm -f "$WORK/capture"
	start_receiver "$kind" || { echo "receiver $target did not start" >&2; e2e_teardown; return 1; }
	j0=$(softirq_jiffies); r0=0
	[ "$RECV_PID" != 0 ] && r0=$(proc_jiffies "$(pgrep -n -P "$RECV_PID" || echo "$RECV_PID")")
	read -r sent offered < <(generate "$rate")
	[ -n "$offered" ] || { echo "$target: the generator failed" >&2; e2e_teardown; return 1; }
	settle "$kind" $((sent + WARM))
	j1=$(softirq_jiffies); r1=0 rss=0
	if [ "$RECV_PID" != 0 ]; then
		local pid
		pid=$(pgrep -n -P "$RECV_PID" || echo "$RECV_PID")
		r1=$(proc_jiffies "$pid")
		rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	fi
	stop_receiver "$kind"
	received=$(($(cat "$WORK/received") - WARM))
	local keys
	keys=$(keys_stats "$kind")
	[ -n "$keys" ] && printf 'e2e_keys,%s,%s,%s,%s\n' "$target$LABEL" "$offered" "$sent" "${keys// /,}"
	local hz mpkt
	hz=$(getconf CLK_TCK)
	mpkt=$(awk -v s="$sent" 'BEGIN {print s / 1e6}')
	printf 'e2e,%s,%s,%s,%s,%s,%.3f,%.3f,%s,%s\n' "$target$LABEL" "$offered" "$sent" "${received:-0}" \
		$((sent - ${received:-0})) "$(awk -v j=$((j1 - j0)) -v h="$hz" -v m="$mpkt" 'BEGIN {print j / h / m}')" \
		"$(awk -v j=$((r1 - r0)) -v h="$hz" -v m="$mpkt" 'BEGIN {print j / h / m}')" "${rss:-0}" "$rate"
	local ok=0
	[ "$sent" = "${received:-0}" ] || ok=1
	if [ -s "$WORK/capture" ]; then
		local sel cap cdrop nosock wdrop pcap keys
		read -r sel cap cdrop nosock wdrop pcap keys <"$WORK/capture"
		# captured frames per second of sending
		printf 'e2e_cap,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.0f,%s\n' "$target$LABEL" "$offered" "$sent" \
			"$sel" "$cap" "$cdrop" "$nosock" "$wdrop" "$pcap" \
			"$(awk -v c="$cap" -v s="$sent" -v o="$offered" 'BEGIN {print s ? c * o / s : 0}')" "$keys"
		if [ "$sel" != $((cap + cdrop + nosock)) ] || [ "$pcap" != $((cap - wdrop)) ]; then
			echo "$target: capture figures do not add up: selected $sel, captured $cap," \
				"dropped $cdrop, no socket $nosock, write-dropped $wdrop, in pcap $pcap" >&2
			ok=1
		fi
		[ "$kind" = darkscope-all ] && [ "$pcap" != "$sent" ] && ok=1
	elif [ "$kind" != "${kind#darkscope-}" ] && [ "$kind" != darkscope-hash ]; then
		echo "$target: no capture figures" >&2
		ok=1
	fi
	e2e_teardown
	return $ok
}

declare -A best alive
trials=$(mktemp)
trap 'rm -f "$trials"' EXIT
for target in $targets; do
	best[$target]=0
	alive[$target]=1
done
read -r -a order <<<"$targets"
turn=0
for rate in $RATES; do
	left=0
	# Each turn starts one receiver further along: no receiver always runs
	# right after the light bare drop, or after a sensor's teardown.
	for i in "${!order[@]}"; do
		target=${order[$(((i + turn) % ${#order[@]}))]}
		[ "${alive[$target]}" = 1 ] || continue
		out=$(trial "$target" "$rate")
		ok=$?
		echo "$out" | tee -a "$trials"
		if [ $ok != 0 ]; then
			alive[$target]=0
			continue
		fi
		left=1
		# The generator may fall short of the target: keep the best achieved.
		offered=$(echo "$out" | awk -F, '$1 == "e2e" {print $3}')
		[ "${offered:-0}" -gt "${best[$target]}" ] && best[$target]=$offered
	done
	[ $left = 1 ] || break
	turn=$((turn + 1))
done
for target in $targets; do
	echo "e2e_max,$target$LABEL,${best[$target]}"
done
# Each receiver against capture-off darkscope and the bare drop, when they
# ran: the ratios of their zero-loss rates, then the paired figure: at each
# target rate where capture-off darkscope fell short of the target (the pair
# is CPU-bound there) and both had zero loss, this receiver's achieved rate
# over darkscope's in the same turn; the median of those, and their number.
for target in $targets; do
	awk -F, -v t="$target$LABEL" -v l="$LABEL" -v b="${best[$target]}" -v d="${best[darkscope]:-0}" \
		-v x="${best[drop]:-0}" '
		# Turn k: the kth trial of each (both start at the first rate).
		$1 == "e2e" && $2 == "darkscope" l && ++kd && $6 == 0 && $3 < 0.95 * $10 {ds[kd] = $3}
		$1 == "e2e" && $2 == t && ++kt && $6 == 0 {me[kt] = $3}
		END {
			n = 0
			for (r in ds) if (r in me) v[++n] = me[r] / ds[r]
			for (i = 2; i <= n; i++)  # insertion sort: a handful of values
				for (j = i; j > 1 && v[j - 1] > v[j]; j--) {x0 = v[j]; v[j] = v[j - 1]; v[j - 1] = x0}
			med = n ? (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : 0
			printf "e2e_ratio,%s,%s,%s,%s,%d\n", t, d ? sprintf("%.3f", b / d) : "-",
				x ? sprintf("%.3f", b / x) : "-", n ? sprintf("%.3f", med) : "-", n
		}' "$trials"
done
