#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# run_e2e.sh O [TEST...] - end-to-end tests of `darkscope run` on a veth pair
# in private network namespaces (root).  Each test prints PASS or FAIL, or
# "SKIP name: reason" when a tool it drives is not installed (need_tools,
# lib.sh); the exit status is non-zero if any failed.  Counts are compared
# exactly; waits are for conditions, with generous timeouts, never fixed
# sleeps.
set -u
O=${1:?usage: run_e2e.sh BUILD_DIR [TEST...]}
shift
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
DARKSCOPE=$(cd "$O" && pwd)/darkscope
PYTHON=${PYTHON:-/usr/bin/python3}
. "$E2E_DIR/lib.sh"

# Frames spread over several 1 s intervals, SIGTERM right after the last:
# every frame in exactly one row, across boundaries and the shutdown drain.
# ARGS go to `darkscope run`.
exact_across_boundaries() {
	start_sensor -o "$WORK/out" --interval 1 --sensor e2e "$@" || return 1
	send_frames --count 20000 --bad 2000 --spread 3.5 --nets 300 --expect "$WORK/sent.json" ||
		return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" --min-intervals 3 "$WORK/out" || return 1
	xdp_attached && fail "XDP program still attached after exit"
	grep -q "Detached from 'ds0'" "$SENSOR_LOG" || fail "no detach logged"
}

test_exact_across_boundaries() {
	exact_across_boundaries
}

# The per-CPU hash alone, the path before the flow log: just as exact, and
# nothing counted as log_full.
test_exact_hash_only() {
	exact_across_boundaries --log-records 0 || return 1
	[ "$(series_sum sensor log_full "$WORK/out")" = 0 ] || fail "log_full without a log"
}

# --duration ends the run by itself, after writing everything.
test_duration_exit() {
	# A margin: under load, sending may start seconds after the attach.
	start_sensor -o "$WORK/out" --interval 1 --duration 15 || return 1
	send_frames --count 3000 --expect "$WORK/sent.json" || return 1
	wait_for "$E2E_TIMEOUT" sh -c "! kill -0 $SENSOR_PID" || fail "still running after --duration"
	wait "$SENSOR_PID" || fail "exit status $? after --duration"
	SENSOR_PID=
	check_series --expect "$WORK/sent.json" "$WORK/out" || return 1
	xdp_attached && fail "XDP program still attached after --duration"
	return 0
}

test_bad_input_messages() {
	local ro=$WORK/ro
	expect_exit 64 "interface is required" run -o "$WORK/x" || return 1
	expect_exit 64 "output directory is required" run -i ds0 || return 1
	expect_exit 64 "invalid interval '0'" run -i ds0 -o "$WORK/x" --interval 0 || return 1
	expect_exit 64 "invalid interval 'abc'" run -i ds0 -o "$WORK/x" --interval abc || return 1
	expect_exit 64 "invalid mode 'fast'" run -i ds0 -o "$WORK/x" --mode fast || return 1
	expect_exit 64 "invalid max-keys" run -i ds0 -o "$WORK/x" --max-keys 1 || return 1
	expect_exit 64 "invalid sensor name" run -i ds0 -o "$WORK/x" --sensor 'a b' || return 1
	expect_exit 64 "unknown or ambiguous command" frobnicate || return 1
	expect_exit 64 "unrecognized option '--bogus'" read --bogus "$WORK" || return 1
	expect_exit 64 "--port is 0..65535, not '65536'" read --port 65536 "$WORK" || return 1
	expect_exit 64 "no PATH given" read || return 1
	expect_exit 1 "Interface 'nosuch0' not found" run -i nosuch0 -o "$WORK/x" || return 1
	[ -e "$WORK/x" ] && fail "a failed start created its output directory"
	# A path below a regular file cannot be a directory, even for root.
	touch "$WORK/file"
	expect_exit 1 "$WORK/file/out" run -i ds0 -o "$WORK/file/out" || return 1
	xdp_attached && fail "a failed start left a program attached"
	return 0
}

# kill -9 leaves the program attached; the next run replaces it.
test_kill9_then_restart() {
	start_sensor -o "$WORK/first" --interval 1 || return 1
	kill -KILL "$SENSOR_PID"; wait "$SENSOR_PID" 2>/dev/null; SENSOR_PID=
	xdp_attached || fail "expected the killed sensor's program to stay attached" || return 1
	start_sensor -o "$WORK/out" --interval 1 || return 1
	grep -q "Replacing stale darkscope program" "$SENSOR_LOG" || fail "stale program not reported" ||
		return 1
	[ "$(ip -n "$NS_S" -d link show ds0 | grep -c 'prog/xdp id')" = 1 ] ||
		fail "not exactly one program attached" || return 1
	send_frames --count 2000 --expect "$WORK/sent.json" || return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" "$WORK/out" || return 1
	xdp_attached && fail "program attached after clean exit"
	return 0
}

# A flow map too small for the traffic: frames without room are counted in
# map_full, per-port totals and every other counter stay exact.
test_map_full() {
	start_sensor -o "$WORK/out" --interval 1 --max-keys 16 || return 1
	send_frames --count 3000 --nets 400 --expect "$WORK/sent.json" || return 1
	stop_sensor || return 1
	grep -q "Flow map full" "$SENSOR_LOG" || fail "no map-full warning logged" || return 1
	check_series --map-full --expect "$WORK/sent.json" "$WORK/out"
}

# Nothing empties the flow log while the daemon is stopped (SIGSTOP): a
# flood larger than the log (4096 records per CPU) ends in the per-CPU hash
# (log_full).  After SIGCONT and more traffic every frame is accounted for
# exactly: frames and every outcome counter as sent, port totals as sent.
# sigstop_flood CHECK_ARGS -- RUN_ARGS.
sigstop_flood() {
	local check_args=() log_full
	while [ "$1" != -- ]; do check_args+=("$1"); shift; done
	shift
	start_sensor -o "$WORK/out" --interval 1 --log-records 4096 "$@" || return 1
	kill -STOP "$SENSOR_PID"
	if ! send_frames --count 30000 --bad 500 --nets 400 --seed 11 --expect "$WORK/flood.json" ||
		! wait_for "$E2E_TIMEOUT" sender_queue_empty; then
		kill -CONT "$SENSOR_PID"
		return 1
	fi
	kill -CONT "$SENSOR_PID"
	send_frames --count 3000 --nets 50 --seed 12 --expect "$WORK/after.json" || return 1
	stop_sensor || return 1
	check_series "${check_args[@]}" --expect "$WORK/flood.json" --expect "$WORK/after.json" \
		"$WORK/out" || return 1
	log_full=$(series_sum sensor log_full "$WORK/out") || return 1
	echo "  log_full $log_full, map_full $(series_sum sensor map_full "$WORK/out")"
	[ "$log_full" -gt 0 ] || fail "log_full is 0: the flood did not overflow the log"
}

# The keys fit: the frames past the log are counted in the hash, and every
# key's row is exact.
test_sigstop_flood() {
	sigstop_flood --
}

# 64 keys: past the log, and past the hash's and the table's keys
# (map_full, which check_series --map-full requires to be > 0), flow rows
# stay within what was sent and flows + map_full == counted.
test_sigstop_flood_map_full() {
	sigstop_flood --map-full -- --max-keys 64
}

# A full disk: writes fail (logged, counted), nothing half-written stays in
# a file, and once space is free again the members kept in memory are
# written in order: in the end every frame is on disk, exactly.
test_full_disk() {
	local small=$WORK/small
	mkdir "$small" && mount -t tmpfs -o size=1m tmpfs "$small" || return 1
	start_sensor -o "$small/out" --interval 1 || { umount "$small"; return 1; }
	dd if=/dev/zero of="$small/junk" bs=4k 2>/dev/null   # fills it: ENOSPC ends dd
	send_frames --count 6000 --nets 500 --spread 2.5 --expect "$WORK/sent.json" || return 1
	wait_for "$E2E_TIMEOUT" grep -q "No space left on device" "$SENSOR_LOG" ||
		fail "no write failure logged" || return 1
	rm "$small/junk"
	wait_for "$E2E_TIMEOUT" grep -q "pending member" "$SENSOR_LOG" ||
		fail "pending members not written after space came back" || return 1
	stop_sensor || return 1
	zcat "$small"/out/*.tsv.gz >/dev/null || fail "a file is not valid gzip" || return 1
	check_series --expect "$WORK/sent.json" "$small/out" || return 1
	"$DARKSCOPE" read --series sensor --no-header "$small/out" |
		awk -F'\t' '$22 > 0 {e = 1} END {exit !e}' || fail "write_errors never counted"
	umount "$small"
}

# A second sensor on the same interface is refused while the first runs.
test_second_instance_refused() {
	start_sensor -o "$WORK/out" || return 1
	expect_exit 1 "already running on interface 'ds0'" run -i ds0 -o "$WORK/other" || return 1
	xdp_attached || fail "the refused start detached the running sensor" || return 1
	stop_sensor
}

# A restart into the same directory appends; nothing is rewritten.
test_restart_appends() {
	local f
	start_sensor -o "$WORK/out" --interval 1 || return 1
	send_frames --count 1500 --seed 5 --expect "$WORK/a.json" || return 1
	stop_sensor || return 1
	mkdir "$WORK/copy" && cp "$WORK"/out/*.tsv.gz "$WORK/copy/" || return 1
	start_sensor -o "$WORK/out" --interval 1 || return 1
	send_frames --count 1500 --seed 6 --expect "$WORK/b.json" || return 1
	stop_sensor || return 1
	for f in "$WORK"/copy/*.tsv.gz; do
		cmp -s -n "$(stat -c %s "$f")" "$f" "$WORK/out/${f##*/}" ||
			fail "${f##*/}: bytes of the first run changed" || return 1
	done
	check_series --expect "$WORK/a.json" --expect "$WORK/b.json" "$WORK/out" || return 1
	zcat "$WORK"/out/*.tsv.gz >/dev/null || fail "zcat cannot read the appended files"
}

# SIGHUP reopens: files moved away before it are complete, new ones start.
test_sighup_reopens() {
	start_sensor -o "$WORK/out" --interval 1 || return 1
	send_frames --count 1000 --seed 7 --expect "$WORK/a.json" || return 1
	# Wait until the first frames are on disk, then move the files away.
	wait_for "$E2E_TIMEOUT" sh -c "ls $WORK/out/flows-* " || return 1
	mkdir "$WORK/moved" && mv "$WORK"/out/* "$WORK/moved/"
	kill -HUP "$SENSOR_PID"
	wait_for "$E2E_TIMEOUT" grep -q "reopening" "$SENSOR_LOG" || return 1
	send_frames --count 1000 --seed 8 --expect "$WORK/b.json" || return 1
	stop_sensor || return 1
	ls "$WORK"/out/sensor-*.tsv.gz >/dev/null || fail "no new files after SIGHUP" || return 1
	check_series --expect "$WORK/a.json" --expect "$WORK/b.json" "$WORK/moved" "$WORK/out"
}

# --pass hands counted IPv4 to the kernel (its IP layer sees every packet);
# the default drops it before the kernel sees it.
test_pass_and_drop_verdicts() {
	local before after
	for mode in drop pass; do
		before=$(ip netns exec "$NS_S" awk '/^Ip: [0-9]/ {print $4}' /proc/net/snmp)
		if [ $mode = pass ]; then
			start_sensor -o "$WORK/$mode" --pass || return 1
		else
			start_sensor -o "$WORK/$mode" || return 1
		fi
		# Untagged only: the kernel drops VLAN frames it has no VLAN device for.
		send_frames --count 500 --seed 9 --no-vlan --expect "$WORK/$mode.json" || return 1
		stop_sensor || return 1
		after=$(ip netns exec "$NS_S" awk '/^Ip: [0-9]/ {print $4}' /proc/net/snmp)
		check_series --expect "$WORK/$mode.json" "$WORK/$mode" || return 1
		if [ $mode = pass ]; then
			[ $((after - before)) = 500 ] ||
				fail "--pass: kernel received $((after - before)) of 500 IPv4 packets" || return 1
		else
			[ $((after - before)) = 0 ] ||
				fail "drop: kernel received $((after - before)) IPv4 packets" || return 1
		fi
	done
}

# darkscope gen (BPF_PROG_RUN live frames, XDP_TX out of gen0) reports what
# it sent per key; the sensor must have written exactly that.  Paced and in
# small batches, so the veth ring never overflows on a busy VM.
test_gen_composition() {
	start_sensor -o "$WORK/out" --interval 1 || return 1
	ip netns exec "$NS_G" "$DARKSCOPE" gen -i gen0 --count 30000 --rate 50000 --batch 16 \
		--nets 200 --mirai 0.3 --record-flows --seed 7 --expect "$WORK/sent.json" || return 1
	stop_sensor || return 1
	"$PYTHON" "$E2E_DIR/json_check.py" composition "$WORK/sent.json" --sent 30000 \
		--mirai-share 0.25 0.35 || return 1
	check_series --expect "$WORK/sent.json" "$WORK/out"
}

test_hping3() {
	need_tools hping3 tcpdump || return
	gen_ip_setup || return 1
	start_sensor -o "$WORK/out" --interval 1 || return 1
	# Known composition: 300 SYNs to 23/TCP and 200 UDP datagrams to 53 from one host...
	ip netns exec "$NS_G" hping3 -q -S -p 23 -c 300 -i u1000 $DARK_IP >/dev/null 2>&1
	ip netns exec "$NS_G" hping3 -q -2 -p 53 -c 200 -i u1000 $DARK_IP >/dev/null 2>&1
	# ...and random sources, checked against a capture.
	tool_run_captured rand hping3 -q -S -p 2323 -c 400 -i u1000 --rand-source $DARK_IP ||
		return 1
	stop_sensor || return 1
	capture_expect "$WORK/rand.pcap" "$WORK/rand.json" || return 1
	"$PYTHON" "$E2E_DIR/hping_expect.py" "$WORK/fixed.json" || return 1
	check_series --expect "$WORK/fixed.json" --expect "$WORK/rand.json" "$WORK/out"
}

# scapy builds Mirai-style SYNs (seq = destination address), VLAN-tagged ones
# and plain SYNs; sendp() sends them from the sender namespace.
test_scapy() {
	need_python_module scapy || return
	start_sensor -o "$WORK/out" --interval 1 || return 1
	ip netns exec "$NS_G" "$PYTHON" "$E2E_DIR/scapy_send.py" "$SENSOR_MAC" "$WORK/sent.json" ||
		return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" "$WORK/out"
}

# nmap SYN scan and netsniff-ng's trafgen: what they send is checked against
# tcpdump's capture of it.  trafgen alternates two packets: SYNs to 445 from
# 200 sources (last octet counting up) and Mirai-style SYNs to 23, whose
# sequence number is the darknet address (198.51.100.7 = 3325256711).
test_nmap_and_trafgen() {
	need_tools nmap trafgen tcpdump || return
	gen_ip_setup || return 1
	start_sensor -o "$WORK/out" --interval 1 || return 1
	tool_run_captured nmap nmap -n -Pn -sS --send-ip --disable-arp-ping --max-retries 1 \
		-p 1-300 $DARK_IP || return 1
	cat >"$WORK/trafgen.cfg" <<CFG
{ eth(da=$SENSOR_MAC), ipv4(sa=10.9.8.0, sa[3]=dinc(1, 200), da=$DARK_IP), tcp(dp=445, syn) }
{ eth(da=$SENSOR_MAC), ipv4(sa=10.9.9.0, sa[3]=dinc(1, 100), da=$DARK_IP), tcp(dp=23, syn, seq=3325256711) }
CFG
	tool_run_captured trafgen trafgen -i "$WORK/trafgen.cfg" -o gen0 -n 1000 -q -b 2Mbit ||
		return 1
	stop_sensor || return 1
	capture_expect "$WORK/nmap.pcap" "$WORK/nmap.json" || return 1
	capture_expect "$WORK/trafgen.pcap" "$WORK/trafgen.json" || return 1
	"$PYTHON" "$E2E_DIR/json_check.py" counted-min "$WORK/nmap.json" 300 ||
		fail "nmap sent too few probes" || return 1
	"$PYTHON" "$E2E_DIR/json_check.py" mirai-total "$WORK/trafgen.json" 500 ||
		fail "trafgen's Mirai SYNs" || return 1
	check_series --expect "$WORK/nmap.json" --expect "$WORK/trafgen.json" "$WORK/out"
}

. "$E2E_DIR/capture_tests.sh"
all_tests=$(declare -F | awk '$3 ~ /^test_/ {print $3}')
tests=${*:-$all_tests}
status=0
SKIP_NOTE=$(mktemp)
trap 'rm -f "$SKIP_NOTE"' EXIT
for t in $tests; do
	: >"$SKIP_NOTE"
	(
		trap e2e_teardown EXIT
		e2e_setup "${t#test_}" || { echo "  setup failed"; exit 1; }
		$t
	)
	rc=$?
	# A skip is status 77 with its reason noted, nothing else.
	if [ $rc = 0 ]; then
		echo "PASS $t"
	elif [ $rc = "$E2E_SKIP" ] && [ -s "$SKIP_NOTE" ]; then
		echo "SKIP $t: $(cat "$SKIP_NOTE")"
	else
		echo "FAIL $t"; status=1
	fi
done
exit $status
