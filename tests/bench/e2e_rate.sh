#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e_rate.sh O [TARGET...] - end-to-end benchmark: `darkscope gen` in one
# network namespace sends the telescope mix through a veth pair at rising
# target rates to a receiver in another; for each receiver, the highest
# offered rate at which it accounts for every frame sent (zero loss), and the
# CPU it took.  Receivers (TARGETs):
#   drop       bare XDP_DROP program counting into a per-CPU array (the limit)
#   darkscope  darkscope run, frames counted in its sensor series
#   pmacct     pmacctd aggregating [proto, dst port, src /24] to files every second
#   tcpdump    tcpdump capturing to a file (default 2 MB buffer)
# pmacct and tcpdump read through the kernel (libpcap), so the veth gets GRO
# turned on: that is how frames sent with XDP_TX enter its stack without an
# XDP program.  Prints CSV lines:
#   e2e,<target>,<offered_pps>,<sent>,<received>,<loss>,<softirq_s_per_Mpkt>,<process_s_per_Mpkt>,<peak_rss_kB>
# (CPU seconds per million frames: interrupt-context work of the receive path,
# and the receiver process's own user + system time.)
#   e2e_max,<target>,<highest zero-loss offered pps>
set -u
O=${1:?usage: e2e_rate.sh BUILD_DIR [TARGET...]}
shift
targets=${*:-drop darkscope pmacct tcpdump}
RATES=${BENCH_RATES:-10000 25000 50000 100000 250000 500000 1000000 1500000 2000000 3000000 4000000 5000000 6000000}
DURATION=${BENCH_DURATION:-3}
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

# start_receiver TARGET: receiver on ds0; sets RECV_PID (0 for the XDP-only one).
start_receiver() {
	RECV_PID=0
	WARM=0
	case $1 in
	drop)
		ip -n "$NS_S" link set ds0 xdpdrv obj "$BASELINE_OBJ" sec xdp ;;
	darkscope)
		start_sensor -o "$WORK/out" --interval 1 --sensor bench --max-keys 1048576 && RECV_PID=$SENSOR_PID ;;
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
		ip netns exec "$NS_S" bpftool -j map dump name drop_count |
			"$PYTHON" -c 'import json, sys
def val(v):  # bpftool gives an int with BTF, little-endian hex bytes without
    return v if isinstance(v, int) else int.from_bytes(bytes(int(b, 16) for b in v), "little")
print(sum(val(v["value"]) for e in json.load(sys.stdin) for v in e["values"]))'
		ip -n "$NS_S" link set ds0 xdp off ;;
	darkscope)
		stop_sensor >/dev/null || return 1
		"$DARKSCOPE" read --series sensor --no-header "$WORK/out" | awk -F'\t' '{s += $5} END {print s + 0}' ;;
	pmacct)
		kill -INT "$RECV_PID"; wait_for 30 sh -c "! kill -0 $RECV_PID"; wait "$RECV_PID" 2>/dev/null
		cat "$WORK"/pm/*.csv 2>/dev/null | awk -F, '$1 != "SRC_NET" {s += $4} END {print s + 0}' ;;
	tcpdump)
		kill -INT "$RECV_PID"; wait_for 30 sh -c "! kill -0 $RECV_PID"; wait "$RECV_PID" 2>/dev/null
		sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$WORK/td.log" ;;
	esac
}

trial() {
	local target=$1 rate=$2 j0 j1 r0 r1 rss sent received offered
	e2e_setup "bench" || return 1
	start_receiver "$target" || { echo "receiver $target did not start" >&2; return 1; }
	j0=$(softirq_jiffies); r0=0
	[ "$RECV_PID" != 0 ] && r0=$(proc_jiffies "$(pgrep -n -P "$RECV_PID" || echo "$RECV_PID")")
	ip netns exec "$NS_G" "$DARKSCOPE" gen -i gen0 --duration "$DURATION" --rate "$rate" \
		--expect "$WORK/sent.json" || return 1
	read -r sent offered < <("$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["sent"], round(d["pps"]))' "$WORK/sent.json")
	settle "$target" $((sent + WARM))
	j1=$(softirq_jiffies); r1=0 rss=0
	if [ "$RECV_PID" != 0 ]; then
		local pid
		pid=$(pgrep -n -P "$RECV_PID" || echo "$RECV_PID")
		r1=$(proc_jiffies "$pid")
		rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
	fi
	stop_receiver "$target"
	received=$(($(cat "$WORK/received") - WARM))
	local hz mpkt
	hz=$(getconf CLK_TCK)
	mpkt=$(awk -v s="$sent" 'BEGIN {print s / 1e6}')
	printf 'e2e,%s,%s,%s,%s,%s,%.3f,%.3f,%s\n' "$target" "$offered" "$sent" "${received:-0}" \
		$((sent - ${received:-0})) "$(awk -v j=$((j1 - j0)) -v h="$hz" -v m="$mpkt" 'BEGIN {print j / h / m}')" \
		"$(awk -v j=$((r1 - r0)) -v h="$hz" -v m="$mpkt" 'BEGIN {print j / h / m}')" "${rss:-0}"
	e2e_teardown
	[ "$sent" = "${received:-0}" ]
}

for target in $targets; do
	best=0
	for rate in $RATES; do
		line=$(trial "$target" "$rate")
		ok=$?
		echo "$line"
		[ $ok = 0 ] || break
		# The generator may fall short of the target: keep the best achieved.
		offered=$(echo "$line" | cut -d, -f3)
		[ "$offered" -gt "$best" ] && best=$offered
	done
	echo "e2e_max,$target,$best"
done
