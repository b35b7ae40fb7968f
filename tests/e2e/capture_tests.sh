# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# capture_tests.sh - end-to-end tests of AF_XDP capture (--capture), sourced
# by run_e2e.sh after lib.sh, whose helpers (fixtures, fail, expect_exit,
# gen_ip_setup, tool_run_captured, capture_expect, need_tools) are all it uses.
#
# The frames sent are written out (hex, in order) and check_capture.py
# computes from them, by the documented selection rules, exactly which
# frames the pcap files must hold: byte for byte, in order (veth has one rx
# queue, so order is kept).  Counting must be unaffected: every capture run
# is also checked with check_series.py, and against a run without capture.

check_capture() {
	"$PYTHON" "$E2E_DIR/check_capture.py" "$@" --darkscope "$DARKSCOPE"
}

capture_send() {
	ip netns exec "$NS_G" "$PYTHON" "$E2E_DIR/capture_send.py" -i gen0 \
		--dst-mac "$SENSOR_MAC" "$@"
}

# capture_logged SELECTION DIR: the start-up line names what and where.
capture_logged() {
	grep -q "Capturing $1 frames to $2 through 1 AF_XDP socket in [a-z-]* mode" "$SENSOR_LOG" ||
		fail "no 'Capturing $1 frames to $2' line:" || { cat "$SENSOR_LOG"; return 1; }
}

# selection_run NAME SELECT [OPTION...]: a sensor run capturing SELECT
# (plain "sample": only --sample given) while the selection mix is sent,
# then every check.  OPTIONs go to darkscope and check_capture.py alike
# (--sample N, --snaplen N).
selection_run() {
	local name=$1 select=$2 logged=$2
	shift 2
	local cap=$WORK/$name.cap opts=("$@")
	[ "$select" = sample ] || opts+=(--capture-select "$select")
	start_sensor -o "$WORK/$name" --interval 3600 --capture "$cap" "${opts[@]}" || return 1
	[ "${1-}" = --sample ] && logged="$select (1 in $2)"
	capture_logged "$logged" "$cap" || return 1
	capture_send --mix selection --count 4 --expect "$WORK/$name.json" --frames "$WORK/$name.hex" ||
		return 1
	stop_sensor || return 1
	cmp -s "$WORK/base.hex" "$WORK/$name.hex" || fail "$name: frames differ from the base run" ||
		return 1
	check_series --expect "$WORK/$name.json" "$WORK/$name" || return 1
	check_capture same-rows "$WORK/base" "$WORK/$name" || return 1
	check_capture select --select "$select" "$@" --frames "$WORK/$name.hex" --out "$WORK/$name" \
		"$cap"
}

# Every selection mode on the same frames (one interval: `new` is each
# key's first frame); a run without capture is the reference for the rows.
test_capture_select_modes() {
	local spec n=0
	start_sensor -o "$WORK/base" --interval 3600 || return 1
	capture_send --mix selection --count 4 --expect "$WORK/base.json" --frames "$WORK/base.hex" ||
		return 1
	stop_sensor || return 1
	check_series --expect "$WORK/base.json" "$WORK/base" || return 1
	for spec in "sample --sample 1" "sample --sample 7" new payload mirai all new,mirai \
		"sample,payload --sample 3" "all --snaplen 64"; do
		echo "  $spec"
		# shellcheck disable=SC2086 # spec is split on purpose
		selection_run "run$((++n))" $spec || return 1
	done
}

# `new` over several 1 s intervals: a key is new once per interval it
# occurs in, so the frames captured are one per flow row, of its key, and
# exactly the first frame of each row (frames fill a key's rows in order).
test_capture_new_across_intervals() {
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" || return 1
	capture_logged new "$WORK/cap" || return 1
	send_frames --count 3000 --bad 300 --nets 20 --spread 3.5 --expect "$WORK/sent.json" \
		--frames-out "$WORK/sent.hex" || return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" --min-intervals 3 "$WORK/out" || return 1
	check_capture select --select new --frames "$WORK/sent.hex" --out "$WORK/out" "$WORK/cap"
}

# With --pass, counted IPv4 goes to the kernel, except what capture takes:
# a captured frame is redirected to its socket instead.
test_capture_pass_redirects() {
	local before after selected
	before=$(ip netns exec "$NS_S" awk '/^Ip: [0-9]/ {print $4}' /proc/net/snmp)
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" --capture-select mirai --pass ||
		return 1
	# Untagged only: the kernel drops VLAN frames it has no VLAN device for.
	send_frames --count 500 --seed 9 --no-vlan --expect "$WORK/sent.json" \
		--frames-out "$WORK/sent.hex" || return 1
	stop_sensor || return 1
	after=$(ip netns exec "$NS_S" awk '/^Ip: [0-9]/ {print $4}' /proc/net/snmp)
	check_series --expect "$WORK/sent.json" "$WORK/out" || return 1
	check_capture select --select mirai --frames "$WORK/sent.hex" --out "$WORK/out" "$WORK/cap" ||
		return 1
	selected=$("$DARKSCOPE" read --series sensor --json "$WORK/out" |
		"$PYTHON" "$E2E_DIR/json_check.py" sum capture_selected) || return 1
	[ $((after - before)) = $((500 - selected)) ] ||
		fail "--pass: kernel received $((after - before)) IPv4 packets, expected 500 - $selected"
}

# hping3's UDP with data and SYNs, as tcpdump saw them leave: the sensor's
# pcap holds exactly those frames, in order.
test_capture_hping3() {
	need_tools hping3 tcpdump || return
	gen_ip_setup || return 1
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" --capture-select all ||
		return 1
	tool_run_captured hping sh -c "hping3 -q --udp -d 100 -p 1900 -c 200 -i u1000 $DARK_IP
		hping3 -q -S -p 23 -c 200 -i u1000 $DARK_IP" || return 1
	stop_sensor || return 1
	capture_expect "$WORK/hping.pcap" "$WORK/hping.json" || return 1
	"$PYTHON" "$E2E_DIR/json_check.py" port "$WORK/hping.json" udp/1900 packets 200 &&
		"$PYTHON" "$E2E_DIR/json_check.py" port "$WORK/hping.json" tcp/23 syn 200 ||
		fail "hping3 did not send what was asked" || return 1
	check_series --expect "$WORK/hping.json" "$WORK/out" || return 1
	check_capture tool --ref "$WORK/hping.pcap" --out "$WORK/out" "$WORK/cap"
}

# all_stopped PID: every thread of PID is stopped (SIGSTOP took effect).
all_stopped() {
	local t
	for t in /proc/"$1"/task/*/stat; do
		[ "$(sed 's/.*) //' "$t" | cut -d' ' -f1)" = T ] || return 1
	done
}

# A full ring: with the daemon stopped the XDP program still selects and
# redirects; the 64-entry ring takes the first 64 frames, the kernel drops
# the rest and counts them.  Counting stays exact.
test_capture_ring_full() {
	local rc
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" --capture-select all \
		--capture-ring 64 || return 1
	# setsid, ip netns exec and sh all exec: the pid is the daemon's.
	[ "$(cat /proc/"$SENSOR_PID"/comm)" = darkscope ] ||
		fail "pid $SENSOR_PID is $(cat /proc/"$SENSOR_PID"/comm), not darkscope" || return 1
	kill -STOP "$SENSOR_PID"
	wait_for "$E2E_TIMEOUT" all_stopped "$SENSOR_PID" || fail "sensor did not stop" || return 1
	send_frames --count 2000 --bad 200 --expect "$WORK/sent.json" --frames-out "$WORK/sent.hex"
	rc=$?
	kill -CONT "$SENSOR_PID"
	[ $rc = 0 ] || return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" "$WORK/out" || return 1
	grep -q "Capture: [0-9]* frames dropped in the kernel" "$SENSOR_LOG" ||
		fail "ring drops not logged" || return 1
	check_capture ring --ring 64 --frames "$WORK/sent.hex" --out "$WORK/out" "$WORK/cap"
}

# --capture-rotate 1s over ~3.5 s of frames: a file per UTC second, named
# after its first frame, holding that second's frames only; together they
# are every frame, in order.
test_capture_rotate_time() {
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" --capture-select all \
		--capture-rotate 1s || return 1
	send_frames --count 2000 --bad 100 --spread 3.5 --expect "$WORK/sent.json" \
		--frames-out "$WORK/sent.hex" || return 1
	stop_sensor || return 1
	check_series --expect "$WORK/sent.json" "$WORK/out" || return 1
	check_capture rotation --seconds 1 --min-files 2 --frames "$WORK/sent.hex" --out "$WORK/out" \
		"$WORK/cap"
}

# --capture-rotate 1MB with --capture-max-disk 2: 1400-byte frames of
# random bytes (gzip cannot shrink them), sent in batches of ~0.7 MB, each
# waited for on disk before the next, so every flush (gzip member) is at
# most one batch and files close at 1 MiB plus at most one member.  The
# oldest files are deleted: what remains is the newest frames, in order.
test_capture_max_disk() {
	local i expects=() hexes=()
	start_sensor -o "$WORK/out" --interval 1 --capture "$WORK/cap" --capture-select all \
		--capture-rotate 1MB --capture-max-disk 2 || return 1
	for i in 1 2 3 4 5 6 7 8; do
		capture_send --mix big --count 500 --seed "$i" --expect "$WORK/big$i.json" \
			--frames "$WORK/big$i.hex" || return 1
		wait_for "$E2E_TIMEOUT" check_capture has-frame --frames "$WORK/big$i.hex" "$WORK/cap" ||
			fail "batch $i never reached the capture files" || return 1
		expects+=(--expect "$WORK/big$i.json")
		hexes+=(--frames "$WORK/big$i.hex")
	done
	stop_sensor || return 1
	check_series "${expects[@]}" "$WORK/out" || return 1
	check_capture maxdisk --max-disk 2 --rotate-mb 1 --log "$SENSOR_LOG" "${hexes[@]}" \
		--out "$WORK/out" "$WORK/cap"
}

test_capture_bad_options() {
	local x=$WORK/x c=$WORK/c
	expect_exit 64 "invalid capture selection 'bogus'" run -i ds0 -o "$x" --capture "$c" \
		--capture-select bogus || return 1
	expect_exit 64 "invalid capture selection 'new,new'" run -i ds0 -o "$x" --capture "$c" \
		--capture-select new,new || return 1
	expect_exit 64 "invalid capture selection 'new,'" run -i ds0 -o "$x" --capture "$c" \
		--capture-select new, || return 1
	expect_exit 64 "invalid sample '0'" run -i ds0 -o "$x" --capture "$c" --sample 0 || return 1
	expect_exit 64 "capture options need --capture DIR" run -i ds0 -o "$x" --sample 5 || return 1
	expect_exit 64 "capture options need --capture DIR" run -i ds0 -o "$x" \
		--capture-select all || return 1
	expect_exit 64 "needs 'sample' in --capture-select" run -i ds0 -o "$x" --capture "$c" \
		--sample 5 --capture-select new || return 1
	expect_exit 64 "invalid capture-ring '100'" run -i ds0 -o "$x" --capture "$c" \
		--capture-ring 100 || return 1
	expect_exit 64 "invalid capture-ring '32'" run -i ds0 -o "$x" --capture "$c" \
		--capture-ring 32 || return 1
	expect_exit 64 "invalid snaplen '0'" run -i ds0 -o "$x" --capture "$c" --snaplen 0 || return 1
	expect_exit 64 "invalid snaplen '65536'" run -i ds0 -o "$x" --capture "$c" --snaplen 65536 ||
		return 1
	expect_exit 64 "invalid capture rotation '0'" run -i ds0 -o "$x" --capture "$c" \
		--capture-rotate 0 || return 1
	expect_exit 64 "invalid capture rotation '5GB'" run -i ds0 -o "$x" --capture "$c" \
		--capture-rotate 5GB || return 1
	expect_exit 64 "invalid capture rotation '8d'" run -i ds0 -o "$x" --capture "$c" \
		--capture-rotate 8d || return 1
	expect_exit 64 "invalid capture-max-disk '-1'" run -i ds0 -o "$x" --capture "$c" \
		--capture-max-disk -1 || return 1
	if [ -e "$x" ] || [ -e "$c" ]; then fail "a usage error created a directory"; return 1; fi
	# A path below a regular file cannot be a directory, even for root.
	touch "$WORK/file"
	expect_exit 1 "$WORK/file/cap" run -i ds0 -o "$x" --capture "$WORK/file/cap" || return 1
	xdp_attached && fail "a failed capture start left a program attached"
	return 0
}
