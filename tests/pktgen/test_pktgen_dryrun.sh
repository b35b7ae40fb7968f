#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_pktgen_dryrun.sh - tests of scripts/pktgen/darkscope-pktgen.sh that
# need no kernel pktgen: the exact command sequence of -n (dry run) against
# tests/pktgen/expected-dryrun.txt, thread and range handling, usage errors
# (exit 64, one line), the clear failure of a real run on a box without
# pktgen or without root, and the result summary over fake pktgen files.
# Prints PASS/FAIL/SKIP per case and a closing line "N passed, N failed, N skipped";
# exits non-zero if any case failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPT=$(cd "$HERE/../.." && pwd)/scripts/pktgen/darkscope-pktgen.sh
EXPECTED=$HERE/expected-dryrun.txt
NAME=darkscope-pktgen.sh
NOPKTGEN_MSG="$NAME: kernel pktgen not available (modprobe pktgen failed); on this box use 'darkscope gen'"
# Addresses used throughout: documentation ranges only.
BASE=(-i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8)

TMP=$(mktemp -d /tmp/ds-pktgen-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# World-readable, so the same script can run as an unprivileged user.
chmod 755 "$TMP"
cp "$SCRIPT" "$TMP/$NAME"
chmod 755 "$TMP/$NAME"

passed=0
failed=0
skipped=0

fail() {
	echo "  $*"
	return 1
}

# run [--as-nobody] ARGS...: the script's stdout, stderr and status in
# $TMP/out, $TMP/err and $RC.
run() {
	local pre=()

	if [ "${1:-}" = --as-nobody ]; then
		shift
		pre=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	fi
	"${pre[@]}" "$TMP/$NAME" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

lines() { wc -l <"$1"; }

# expect_line LINE: LINE occurs exactly once in the output.
expect_line() {
	local n

	n=$(grep -cxF -- "$1" "$TMP/out")
	[ "$n" = 1 ] || fail "expected once, found $n times: $1"
}

# expect_range DEV FIELD MIN MAX: the script sets FIELD_min and FIELD_max of
# pktgen device file DEV once each.
expect_range() {
	local rc=0

	expect_line "echo \"$2_min $3\" > $1" || rc=1
	expect_line "echo \"$2_max $4\" > $1" || rc=1
	return $rc
}

# expect_no LINE_REGEX: no output line matches.
expect_no() {
	! grep -qE -- "$1" "$TMP/out" || fail "unexpected: $(grep -E -- "$1" "$TMP/out" | head -1)"
}

expect_ok() {
	[ "$RC" = 0 ] || fail "exit status $RC, expected 0; stderr: $(cat "$TMP/err")" || return 1
	[ ! -s "$TMP/err" ] || fail "stderr not empty: $(cat "$TMP/err")"
}

test_reference_sequence() {
	local args

	args=$(sed -n 's/^# args: //p' "$EXPECTED")
	[ -n "$args" ] || fail "no '# args:' line in $EXPECTED" || return 1
	# shellcheck disable=SC2086 # the args line is split on purpose
	run $args
	expect_ok || return 1
	grep -v '^#' "$EXPECTED" >"$TMP/want"
	diff -u "$TMP/want" "$TMP/out" >"$TMP/diff" ||
		fail "dry-run output differs from expected-dryrun.txt:$(sed 's/^/    /' "$TMP/diff")"
}

test_four_threads() {
	local t dev ok=0 files want

	run -n "${BASE[@]}" -t 4 -c 500
	expect_ok || return 1
	[ "$(head -1 "$TMP/out")" = 'echo "reset" > /proc/net/pktgen/pgctrl' ] ||
		fail "first command is not reset: $(head -1 "$TMP/out")" || ok=1
	[ "$(tail -1 "$TMP/out")" = 'echo "start" > /proc/net/pktgen/pgctrl' ] ||
		fail "last command is not start: $(tail -1 "$TMP/out")" || ok=1
	[ "$(grep -c '/pgctrl$' "$TMP/out")" = 2 ] || fail "pgctrl written other than reset+start" || ok=1
	# Threads 0..3 in order, each bound to its own DEV@thread.
	grep 'kpktgend_' "$TMP/out" >"$TMP/threads"
	for t in 0 1 2 3; do
		printf 'echo "rem_device_all" > /proc/net/pktgen/kpktgend_%d\n' "$t"
		printf 'echo "add_device eth1@%d" > /proc/net/pktgen/kpktgend_%d\n' "$t" "$t"
	done >"$TMP/want"
	diff -u "$TMP/want" "$TMP/threads" >"$TMP/diff" ||
		fail "thread commands:$(sed 's/^/    /' "$TMP/diff")" || ok=1
	# Device files are exactly eth1@0..3, each configured identically.
	files=$(sed -n 's|.* > /proc/net/pktgen/\(eth1@[0-9]*\)$|\1|p' "$TMP/out" | sort -u | tr '\n' ' ')
	[ "$files" = "eth1@0 eth1@1 eth1@2 eth1@3 " ] || fail "device files: $files" || ok=1
	want=$(grep ' > /proc/net/pktgen/eth1@0$' "$TMP/out" | sed 's/ > .*//')
	for dev in eth1@1 eth1@2 eth1@3; do
		[ "$(grep " > /proc/net/pktgen/$dev\$" "$TMP/out" | sed 's/ > .*//')" = "$want" ] ||
			fail "$dev not configured like eth1@0" || ok=1
	done
	expect_line 'echo "count 500" > /proc/net/pktgen/eth1@3' || ok=1
	return $ok
}

test_random_ranges() {
	local dev ok=0

	run -n "${BASE[@]}" -t 2 -r 10.0.0.0-10.255.255.255 -p 1-65535
	expect_ok || return 1
	for dev in eth1@0 eth1@1; do
		expect_range "/proc/net/pktgen/$dev" src 10.0.0.0 10.255.255.255 || ok=1
		expect_line "echo \"flag IPSRC_RND\" > /proc/net/pktgen/$dev" || ok=1
		expect_range "/proc/net/pktgen/$dev" udp_dst 1 65535 || ok=1
		expect_line "echo \"flag UDPDST_RND\" > /proc/net/pktgen/$dev" || ok=1
	done
	return $ok
}

test_range_forms() {
	local ok=0 dev=/proc/net/pktgen/eth1@0

	# A prefix covers its whole block, whatever the host bits.
	run -n "${BASE[@]}" -r 192.0.2.77/24 -p 80-80
	expect_ok || return 1
	expect_range "$dev" src 192.0.2.0 192.0.2.255 || ok=1
	expect_line "echo \"flag IPSRC_RND\" > $dev" || ok=1
	# min == max: a fixed value, no random flag.
	expect_range "$dev" udp_dst 80 80 || ok=1
	expect_no UDPDST_RND || ok=1

	run -n "${BASE[@]}" -r 203.0.113.5 -p 23
	expect_ok || return 1
	expect_range "$dev" src 203.0.113.5 203.0.113.5 || ok=1
	expect_range "$dev" udp_dst 23 23 || ok=1
	expect_no '_RND' || ok=1

	# Without -r/-p: pktgen's defaults (interface address, port 9).
	run -n "${BASE[@]}"
	expect_ok || return 1
	expect_no 'src_m|udp_|_RND' || ok=1
	[ "$(lines "$TMP/out")" = 13 ] || fail "expected 13 commands for one thread, got $(lines "$TMP/out")" || ok=1
	return $ok
}

test_rate() {
	local ok=0

	# 1 Mpps over 2 threads sending bursts of 4: 125000 bursts/s each.
	run -n "${BASE[@]}" -t 2 -b 4 -R 1000000
	expect_ok || return 1
	expect_line 'echo "ratep 125000" > /proc/net/pktgen/eth1@0' || ok=1
	expect_line 'echo "ratep 125000" > /proc/net/pktgen/eth1@1' || ok=1
	expect_no '"delay ' || ok=1
	return $ok
}

# Each row: description | text the message must contain | arguments.
BAD_OPTIONS=(
	"missing -i|-i DEV is required|-n -d 198.51.100.7 -m 00:1b:21:3c:9d:f8"
	"-i without value|-i '-n'|-i -n -d 198.51.100.7 -m 00:1b:21:3c:9d:f8"
	"missing -d|-d DST_IP is required|-n -i eth1 -m 00:1b:21:3c:9d:f8"
	"missing -m|-m DST_MAC is required|-n -i eth1 -d 198.51.100.7"
	"bad MAC, 5 bytes|-m '00:1b:21:3c:9d'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d"
	"bad MAC, not hex|-m '00:1b:21:3c:9d:zz'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:zz"
	"bad IP, octet 256|-d '198.51.100.256'|-n -i eth1 -d 198.51.100.256 -m 00:1b:21:3c:9d:f8"
	"bad IP, 3 octets|-d '198.51.100'|-n -i eth1 -d 198.51.100 -m 00:1b:21:3c:9d:f8"
	"bad IP, name|-d 'sensor'|-n -i eth1 -d sensor -m 00:1b:21:3c:9d:f8"
	"count not a number|-c 'ten'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -c ten"
	"count negative|-c '-5'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -c -5"
	"threads 0|-t '0'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 0"
	"threads not a number|-t 'x'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t x"
	"size below 60|-s '59'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -s 59"
	"burst 0|-b '0'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -b 0"
	"source range reversed|-r '10.0.0.9-10.0.0.1'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -r 10.0.0.9-10.0.0.1"
	"source prefix /33|-r '10.0.0.0/33'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -r 10.0.0.0/33"
	"source range bad address|-r '10.0.0.0-10.0.0.300'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -r 10.0.0.0-10.0.0.300"
	"port above 65535|-p '1-65536'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -p 1-65536"
	"port range reversed|-p '80-23'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -p 80-23"
	"rate below one burst per thread|-R 3|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 2 -b 2 -R 3"
	"unknown option|unknown option -z|-n -z -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8"
	"option value missing|option -c needs a value|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -c"
	"stray argument|unexpected argument 'extra'|-n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 extra"
)

test_bad_options() {
	local row desc want args ok=0

	for row in "${BAD_OPTIONS[@]}"; do
		IFS='|' read -r desc want args <<<"$row"
		# shellcheck disable=SC2086 # rows are split on purpose
		run $args
		if [ "$RC" != 64 ]; then
			fail "$desc: exit status $RC, expected 64" || ok=1
		elif [ -s "$TMP/out" ]; then
			fail "$desc: printed commands: $(head -1 "$TMP/out")" || ok=1
		elif [ "$(lines "$TMP/err")" != 1 ]; then
			fail "$desc: $(lines "$TMP/err") lines on stderr, expected 1" || ok=1
		elif ! grep -qF -- "$NAME: " "$TMP/err" || ! grep -qF -- "$want" "$TMP/err"; then
			fail "$desc: message '$(cat "$TMP/err")' lacks '$want'" || ok=1
		fi
	done
	return $ok
}

test_help() {
	run -h
	expect_ok || return 1
	grep -q '^Usage: darkscope-pktgen.sh -i DEV -d DST_IP -m DST_MAC' "$TMP/out" ||
		fail "no usage line in -h output"
	grep -q "darkscope gen" "$TMP/out" || fail "-h does not point to 'darkscope gen' for TCP"
}

# The dry run needs neither root nor pktgen: same output as an unprivileged user.
test_dryrun_unprivileged() {
	local args

	if [ "$EUID" != 0 ]; then
		SKIP_REASON="already unprivileged; covered by the other cases"
		return 2
	fi
	args=$(sed -n 's/^# args: //p' "$EXPECTED")
	# shellcheck disable=SC2086
	run --as-nobody $args
	expect_ok || return 1
	grep -v '^#' "$EXPECTED" | diff -q - "$TMP/out" >/dev/null ||
		fail "output as nobody differs from expected-dryrun.txt"
}

# pktgen_here: kernel pktgen is (or could be) available on this box.
pktgen_here() {
	[ -e /proc/net/pktgen ] && return 0
	command -v modprobe >/dev/null && modprobe -n -q pktgen 2>/dev/null
}

# check_failed_live MESSAGE: a real run failed with exactly MESSAGE and
# sent nothing.
check_failed_live() {
	local ok=0

	[ "$RC" = 1 ] || fail "exit status $RC, expected 1" || ok=1
	[ ! -s "$TMP/out" ] || fail "stdout not empty: $(head -1 "$TMP/out")" || ok=1
	[ "$(cat "$TMP/err")" = "$1" ] || fail "stderr '$(cat "$TMP/err")', expected '$1'" || ok=1
	[ ! -e /proc/net/pktgen ] || fail "/proc/net/pktgen appeared" || ok=1
	return $ok
}

test_live_fails_here() {
	local ok=0

	if pktgen_here; then
		SKIP_REASON="kernel pktgen is available here; a real run would send traffic"
		return 2
	fi
	if [ "$EUID" = 0 ]; then
		run "${BASE[@]/eth1/lo}" -c 1
		check_failed_live "$NOPKTGEN_MSG" || ok=1
		# No open of anything under /proc/net/pktgen, for writing or not.
		if command -v strace >/dev/null; then
			strace -f -qq -e trace=open,openat,creat -o "$TMP/strace" \
				"$TMP/$NAME" "${BASE[@]/eth1/lo}" -c 1 >/dev/null 2>&1
			! grep -q '/proc/net/pktgen' "$TMP/strace" ||
				fail "touched pktgen: $(grep '/proc/net/pktgen' "$TMP/strace" | head -1)" || ok=1
		fi
		run --as-nobody "${BASE[@]/eth1/lo}" -c 1
	else
		run "${BASE[@]/eth1/lo}" -c 1
	fi
	check_failed_live "$NAME: must run as root to write /proc/net/pktgen (-n prints the commands instead)" || ok=1
	return $ok
}

# Fake pktgen device files: what print_results reads after a run.
fake_dev() {
	cat >"$TMP/proc/$1" <<EOF
Params: count 1000000  min_pkt_size: 64  max_pkt_size: 64
     frags: 0  delay: 0  clone_skb: 0  ifname: $1
     dst_min: 198.51.100.7  dst_max: 
Current:
     pkts-sofar: $3  errors: $5
Result: OK: $2(c$((${2} - 1000))+d1000) usec, $3 (64byte,0frags)
  $4pps $(($4 * 512 / 1000000))Mb/sec ($(($4 * 512))bps) errors: $5
EOF
}

# summary THREADS: the script's print_results over $TMP/proc for eth1@0..,
# with the script sourced (it then only defines its functions).
summary() {
	(
		# shellcheck source=/dev/null
		. "$SCRIPT" || exit
		# shellcheck disable=SC2034 # read by print_results
		PROC_DIR=$TMP/proc DEV=eth1 THREADS=$1
		print_results
	) >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

test_results_summary() {
	local ok=0

	mkdir -p "$TMP/proc"
	fake_dev eth1@0 500000 1000000 2000000 0
	# A burst may overshoot count; errors are counted apart.
	fake_dev eth1@1 400000 1000003 2500007 3
	cat >"$TMP/want" <<'EOF'
eth1@0: Result: OK: 500000(c499000+d1000) usec, 1000000 (64byte,0frags)
eth1@0:   2000000pps 1024Mb/sec (1024000000bps) errors: 0
eth1@1: Result: OK: 400000(c399000+d1000) usec, 1000003 (64byte,0frags)
eth1@1:   2500007pps 1280Mb/sec (1280003584bps) errors: 3
total: 2000003 packets from 2 threads in 0.500 s: 4000006 pps, errors 3
EOF
	summary 2
	expect_ok || ok=1
	diff -u "$TMP/want" "$TMP/out" >"$TMP/diff" ||
		fail "summary:$(sed 's/^/    /' "$TMP/diff")" || ok=1

	# A thread without an OK result makes the run fail.
	summary 3
	[ "$RC" = 1 ] || fail "missing thread: exit status $RC, expected 1" || ok=1
	grep -qx 'eth1@2: Result: (none)' "$TMP/out" || fail "missing thread not reported" || ok=1
	grep -qx '1 of 3 threads have no OK result' "$TMP/err" || fail "no error line for missing thread" || ok=1
	return $ok
}

for t in test_reference_sequence test_four_threads test_random_ranges test_range_forms \
	test_rate test_bad_options test_help test_dryrun_unprivileged test_live_fails_here \
	test_results_summary; do
	SKIP_REASON=
	"$t" >"$TMP/log" 2>&1
	rc=$?
	case $rc in
	0)
		echo "PASS ${t#test_}"
		passed=$((passed + 1))
		;;
	2)
		if [ -n "$SKIP_REASON" ]; then
			echo "SKIP ${t#test_}: $SKIP_REASON"
			skipped=$((skipped + 1))
			continue
		fi
		;&
	*)
		echo "FAIL ${t#test_}"
		cat "$TMP/log"
		failed=$((failed + 1))
		;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
