# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lib.sh - network-namespace fixtures for darkscope's end-to-end tests.
#
# Each test gets two fresh namespaces joined by a veth pair: the sensor side
# ($NS_S, interface "ds0") and the sender side ($NS_G, interface "gen0").
# IPv6 is off in both, so the kernel sends nothing of its own onto the link:
# every frame the sensor sees is one the test sent.  e2e_teardown kills what
# the test started and deletes both namespaces, which removes the veth pair
# and any XDP program attached to it.

E2E_TIMEOUT=${E2E_TIMEOUT:-60}   # seconds to wait for any condition
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
	ip -n "$NS_S" link add ds0 type veth peer name gen0 netns "$NS_G" || return 1
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
