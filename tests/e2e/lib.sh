# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lib.sh - network-namespace fixtures for darkscope's end-to-end tests.
#
# Each test gets two fresh namespaces joined by a veth pair: the sensor side
# ($NS_S, interface "ds0") and the sender side ($NS_G, interface "gen0").
# IPv6 is off in both, so the kernel sends nothing of its own onto the link:
# every frame the sensor sees is one the test sent.  e2e_teardown kills what
# the test started and deletes both namespaces, which removes the veth pair
# and any XDP program attached to it.
#
# Sourced by run_e2e.sh (and through it capture_tests.sh), which set
# DARKSCOPE, PYTHON and E2E_DIR.  Everything the test files share lives
# here: fixtures, waits, the sensor's start and stop, senders and checkers,
# the real-tool helpers, and need_tools, which skips a test whose tool is
# not installed.

E2E_TIMEOUT=${E2E_TIMEOUT:-60}   # seconds to wait for any condition
E2E_SKIP=77                      # a test's status when it skipped (automake's)
SENSOR_PID=
SENSOR_LOG=

e2e_setup() {
	local tag=$1
	NS_S=ds-s-$tag-$$
	NS_G=ds-g-$tag-$$
	WORK=$(mktemp -d /tmp/ds-e2e-$tag.XXXXXX)
	ip netns add "$NS_S" && ip netns add "$NS_G" || return 1
	for ns in "$NS_S" "$NS_G"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	# E2E_QUEUES (the bench's multi-queue run): that many queues each way.
	local q=${E2E_QUEUES:+numtxqueues $E2E_QUEUES numrxqueues $E2E_QUEUES}
	# shellcheck disable=SC2086 # q: words
	ip -n "$NS_S" link add ds0 $q type veth peer name gen0 netns "$NS_G" $q || return 1
	ip -n "$NS_S" link set ds0 up && ip -n "$NS_G" link set gen0 up || return 1
	ip -n "$NS_S" link set lo up
	# A real queue on the sender: a full veth ring then pushes back instead
	# of dropping, so every frame sent reaches the sensor.
	ip netns exec "$NS_G" tc qdisc replace dev gen0 root pfifo limit 100000 || return 1
	SENSOR_MAC=$(ip netns exec "$NS_S" cat /sys/class/net/ds0/address)
}

e2e_teardown() {
	if [ -n "$SENSOR_PID" ] && kill -0 "$SENSOR_PID" 2>/dev/null; then
		kill -KILL -- -"$SENSOR_PID" 2>/dev/null
		wait "$SENSOR_PID" 2>/dev/null
	fi
	SENSOR_PID=
	# The lock files the sensors held, as they logged them (the daemon
	# builds the name; the namespace goes, so its lock file can go too).
	grep -rhoa 'Holding interface lock /run/darkscope/[^ /]*\.lock' "$WORK" 2>/dev/null |
		awk '{print $4}' | sort -u | xargs -r rm -f
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	# Mounts a test made under $WORK (tmpfs for the full-disk test).
	awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | xargs -r umount
	rm -rf "$WORK"
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
}

# start_sensor ARGS...: darkscope run in $NS_S (own process group, bpffs
# mounted in its own mount namespace), waits for "Attached".
start_sensor() {
	SENSOR_LOG=$WORK/sensor.$RANDOM.log
	setsid ip netns exec "$NS_S" sh -c 'mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec "$@"' \
		sh "$DARKSCOPE" run -i ds0 "$@" >"$SENSOR_LOG" 2>&1 &
	SENSOR_PID=$!
	if ! wait_for "$E2E_TIMEOUT" grep -q "Attached to" "$SENSOR_LOG"; then
		echo "sensor did not attach:"; cat "$SENSOR_LOG"
		return 1
	fi
}

# stop_sensor [SIGNAL]: signal the sensor, wait for it, require exit 0.
stop_sensor() {
	local sig=${1:-TERM} rc
	kill -"$sig" "$SENSOR_PID"
	wait_for "$E2E_TIMEOUT" sh -c "! kill -0 $SENSOR_PID"
	wait "$SENSOR_PID"
	rc=$?
	SENSOR_PID=
	if [ "$rc" != 0 ]; then
		echo "sensor exited $rc:"; cat "$SENSOR_LOG"
		return 1
	fi
}

# xdp_attached: true when an XDP program is on ds0.
xdp_attached() {
	ip -n "$NS_S" -d link show ds0 | grep -q 'prog/xdp'
}

send_frames() {
	ip netns exec "$NS_G" "$PYTHON" "$E2E_DIR/send_frames.py" -i gen0 \
		--dst-mac "$SENSOR_MAC" "$@"
}

check_series() {
	"$PYTHON" "$E2E_DIR/check_series.py" --darkscope "$DARKSCOPE" "$@"
}

# series_sum SERIES FIELD DIR...: FIELD summed over every row of SERIES.
series_sum() {
	local series=$1 field=$2
	shift 2
	"$DARKSCOPE" read --json --series "$series" "$@" |
		"$PYTHON" "$E2E_DIR/json_check.py" sum "$field"
}

# sender_queue_empty: gen0's qdisc holds no frame: all sent reached the veth.
sender_queue_empty() {
	ip netns exec "$NS_G" tc -s qdisc show dev gen0 | grep -q "backlog 0b 0p"
}

# need_tools TOOL...: status 0 when every TOOL is on PATH; otherwise notes
# "TOOL not installed" for the runner's SKIP line and returns $E2E_SKIP.
# Call as `need_tools a b || return`.  Only a missing tool skips: one that
# is installed and fails fails the test.  (make deps installs them all.)
need_tools() {
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "$tool not installed (make deps installs it)" >"$SKIP_NOTE"
			return "$E2E_SKIP"
		fi
	done
}

# need_python_module MODULE: the same for a Python module of $PYTHON.
need_python_module() {
	if ! "$PYTHON" -c "import $1" 2>/dev/null; then
		echo "python module $1 not installed (make deps installs it)" >"$SKIP_NOTE"
		return "$E2E_SKIP"
	fi
}

# fail MESSAGE: print it indented (under the test's PASS/FAIL line), false.
fail() { echo "  $*"; return 1; }

# expect_exit CODE PATTERN ARGS...: darkscope exits CODE, stderr matches.
expect_exit() {
	local want=$1 pattern=$2 rc
	shift 2
	ip netns exec "$NS_S" "$DARKSCOPE" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -q -- "$pattern" "$WORK/err.txt"; then
		echo "  darkscope $*: exit $rc (want $want), stderr:"; cat "$WORK/err.txt"
		return 1
	fi
	[ "$(wc -l <"$WORK/err.txt")" -le 3 ] || fail "darkscope $*: more than a short message"
}

# Real tools, with their own quirks.  The sender side gets an address and a
# static neighbour entry for the darknet address, so no ARP is needed.
DARK_IP=198.51.100.7
GEN_IP=198.51.100.1
gen_ip_setup() {
	ip -n "$NS_G" addr add $GEN_IP/24 dev gen0 &&
		ip -n "$NS_G" neigh replace $DARK_IP lladdr "$SENSOR_MAC" dev gen0 nud permanent
}

# capture_expect PCAP OUT.json: what the sensor must count, from a capture of
# the sender's side taken by tcpdump (the reference for tools whose exact
# output we do not predict).
capture_expect() {
	"$PYTHON" "$E2E_DIR/pcap_expect.py" "$1" "$2"
}

# tool_run_captured NAME COMMAND...: run COMMAND in $NS_G with tcpdump capturing
# what leaves gen0.  A sentinel frame sent after COMMAND marks the end: once
# tcpdump has written it, it has written everything before it.
tool_run_captured() {
	local name=$1 tpid
	shift
	ip netns exec "$NS_G" tcpdump -i gen0 -B 65536 -U --immediate-mode -w "$WORK/$name.pcap" -Q out \
		2>"$WORK/$name.tcpdump" &
	tpid=$!
	wait_for "$E2E_TIMEOUT" grep -q "listening on" "$WORK/$name.tcpdump" || return 1
	# Exit statuses are the tools' own business (hping3 says 1 when nothing
	# answers, as on a darknet); the capture is the reference.
	ip netns exec "$NS_G" "$@" >"$WORK/$name.out" 2>&1
	ip netns exec "$NS_G" "$PYTHON" "$E2E_DIR/send_sentinel.py" gen0 "$SENSOR_MAC" || return 1
	wait_for "$E2E_TIMEOUT" grep -qa "DARKSCOPE-END" "$WORK/$name.pcap" || fail "tcpdump missed the end" || return 1
	kill -INT $tpid; wait $tpid
	grep "packets captured" "$WORK/$name.tcpdump"
	grep -q "^0 packets dropped by kernel" "$WORK/$name.tcpdump" || fail "tcpdump dropped packets"
}

