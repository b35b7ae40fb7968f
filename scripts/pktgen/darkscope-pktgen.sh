#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# darkscope-pktgen.sh - drive the kernel's packet generator (/proc/net/pktgen)
# at a darkscope sensor on another box, for finding the sensor's zero-loss rate
# on real NICs.  Modelled on the kernel's samples/pktgen scripts: one pktgen
# kernel thread per CPU (kpktgend_0 .. kpktgend_T-1), each sending on its own
# copy of the interface, named DEV@thread.
#
# pktgen sends UDP only.  The sensor's TCP SYN and Mirai paths (and ICMP) are
# benchmarked with `darkscope gen`, the project's BPF_PROG_RUN live-frames
# generator, which also runs where pktgen is absent (e.g. the project VM).
#
# Two boxes over a cable (details in docs/PKTGEN.md):
#   sensor box:     darkscope run -i eth1 -o /srv/ds --interval 10
#   generator box:  darkscope-pktgen.sh -i eth1 -d <sensor-ip> -m <sensor-mac> -t 4 -c 10000000
# then compare the "total:" packets printed here with the sum of `frames` from
# `darkscope read --series sensor` over the intervals of the run.  Turn NIC
# flow control off on both ends (ethtool -A eth1 autoneg off rx off tx off),
# or PAUSE frames slow the generator instead of showing loss; keep -s within
# both MTUs (+14).  The darknet drops everything, so nothing is answered and
# no ARP is needed: -m is the sensor NIC's own MAC.  The zero-loss rate is
# found by raising -R until `frames` < sent.
#
# Usage:
#   darkscope-pktgen.sh -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 4 -c 10000000
#   darkscope-pktgen.sh -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 4 \
#           -r 198.18.0.0/16 -p 1-513 -R 2000000
#   darkscope-pktgen.sh -n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8   # print only
#
# -n prints every write as `echo "CMD" > /proc/net/pktgen/FILE`, in order; the
# output is a valid shell script.  It needs neither root nor pktgen.
#
# The script can be sourced (tests do, to check the result summary); it then
# defines its functions and does nothing else.

PROG=darkscope-pktgen.sh
PROC_DIR=/proc/net/pktgen
EX_FAIL=1
EX_USAGE=64

usage() {
	cat <<EOF
Usage: $PROG -i DEV -d DST_IP -m DST_MAC [-t THREADS] [-c COUNT] [-s SIZE]
       [-b BURST] [-r SRC_RANGE] [-p PORT_RANGE] [-R RATE] [-n] [-h]
Send UDP test traffic at a darkscope sensor with the kernel's pktgen, one
pktgen thread per CPU, and print what each thread sent.

  -i DEV         interface to send from (required)
  -d DST_IP      destination IPv4 address, one in the sensor's dark space (required)
  -m DST_MAC     destination MAC: the sensor NIC's address (required)
  -t THREADS     pktgen threads on CPUs 0..THREADS-1 (default 1)
  -c COUNT       packets per thread; 0 sends until Ctrl-C (default 1000000)
  -s SIZE        frame size without FCS, 60..9014 bytes (default 60: 64 on the wire)
  -b BURST       send each packet BURST times back to back (xmit_more),
                 1..1024 (default 1)
  -r SRC_RANGE   random source addresses from A-B or A/N; a single address A
                 is fixed (default: the interface's own address)
  -p PORT_RANGE  random UDP destination ports from N-M; a single N is fixed
                 (default: pktgen's port 9)
  -R RATE        total packets per second over all threads (default: as fast
                 as possible)
  -n             dry run: print the pktgen commands instead of writing them
  -h             this help

pktgen sends UDP only; use 'darkscope gen' for TCP SYN and Mirai traffic.
Random ranges exclude their top value (pktgen draws from [min, max)).

Examples:
  $PROG -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 4 -c 10000000
  $PROG -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 4 -r 198.18.0.0/16 -p 1-513
  $PROG -n -i eth1 -d 198.51.100.7 -m 00:1b:21:3c:9d:f8 -t 2

Exit status: 0 success, 1 runtime failure, 64 usage error.
EOF
}

# One line on stderr, then exit.
die_usage() {
	echo "$PROG: $* (-h for help)" >&2
	exit $EX_USAGE
}

die() {
	echo "$PROG: $*" >&2
	exit $EX_FAIL
}

# ip_to_int A.B.C.D: the address as an integer in host order.  Leading
# zeros are refused: some parsers read them as octal.
ip_to_int() {
	local re='^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$'
	local i n=0

	[[ $1 =~ $re ]] || return 1
	for i in 1 2 3 4; do
		((BASH_REMATCH[i] <= 255)) || return 1
		n=$((n * 256 + BASH_REMATCH[i]))
	done
	echo "$n"
}

int_to_ip() {
	echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"
}

# parse_uint OPT VALUE MIN MAX: VALUE if it is a decimal integer in range.
parse_uint() {
	local opt=$1 val=$2 min=$3 max=$4

	[[ $val =~ ^[0-9]{1,15}$ ]] || die_usage "$opt '$val': not a number"
	val=$((10#$val))
	((val >= min && val <= max)) || die_usage "$opt '$val': out of range $min..$max"
	echo "$val"
}

# parse_src_range RANGE: sets SRC_MIN and SRC_MAX (dotted quads).
parse_src_range() {
	local r=$1 lo hi bits mask

	if [[ $r == *-* ]]; then
		if ! lo=$(ip_to_int "${r%%-*}") || ! hi=$(ip_to_int "${r#*-}"); then
			die_usage "-r '$r': not an IPv4 range A-B"
		fi
		((lo <= hi)) || die_usage "-r '$r': first address above last"
	elif [[ $r == */* ]]; then
		bits=${r#*/}
		if ! lo=$(ip_to_int "${r%/*}") || ! [[ $bits =~ ^[0-9]{1,2}$ ]] ||
			((10#$bits > 32)); then
			die_usage "-r '$r': not an IPv4 prefix A/N"
		fi
		mask=$(((0xffffffff << (32 - 10#$bits)) & 0xffffffff))
		lo=$((lo & mask))
		hi=$((lo | (~mask & 0xffffffff)))
	else
		lo=$(ip_to_int "$r") || die_usage "-r '$r': not an IPv4 address or range"
		hi=$lo
	fi
	SRC_MIN=$(int_to_ip "$lo")
	SRC_MAX=$(int_to_ip "$hi")
}

# parse_port_range RANGE: sets PORT_MIN and PORT_MAX.
parse_port_range() {
	local r=$1

	[[ $r =~ ^([0-9]{1,5})(-([0-9]{1,5}))?$ ]] ||
		die_usage "-p '$r': not a port or port range N-M"
	PORT_MIN=$((10#${BASH_REMATCH[1]}))
	PORT_MAX=$((10#${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}))
	((PORT_MAX <= 65535)) || die_usage "-p '$r': port above 65535"
	((PORT_MIN <= PORT_MAX)) || die_usage "-p '$r': first port above last"
}

parse_args() {
	local opt

	DEV='' DST_IP='' DST_MAC='' SRC_RANGE='' PORT_RANGE='' RATE=''
	THREADS=1 COUNT=1000000 PKT_SIZE=60 BURST=1 DRY_RUN=0
	OPTIND=1
	while getopts ":i:d:m:t:c:s:b:r:p:R:nh" opt; do
		case $opt in
		i) DEV=$OPTARG ;;
		d) DST_IP=$OPTARG ;;
		m) DST_MAC=$OPTARG ;;
		t) THREADS=$(parse_uint -t "$OPTARG" 1 1024) || exit ;;
		c) COUNT=$(parse_uint -c "$OPTARG" 0 999999999999999) || exit ;;
		s) PKT_SIZE=$(parse_uint -s "$OPTARG" 60 9014) || exit ;;
		b) BURST=$(parse_uint -b "$OPTARG" 1 1024) || exit ;;
		r) SRC_RANGE=$OPTARG ;;
		p) PORT_RANGE=$OPTARG ;;
		R) RATE=$(parse_uint -R "$OPTARG" 1 999999999999) || exit ;;
		n) DRY_RUN=1 ;;
		h)
			usage
			exit 0
			;;
		:) die_usage "option -$OPTARG needs a value" ;;
		*) die_usage "unknown option -$OPTARG" ;;
		esac
	done
	shift $((OPTIND - 1))
	(($# == 0)) || die_usage "unexpected argument '$1'"

	[ -n "$DEV" ] || die_usage "-i DEV is required"
	# A name the kernel accepts and the shell needs no quoting for; "@" is
	# ours (DEV@thread).  No leading "-": "-i -n" is a forgotten value.
	[[ $DEV =~ ^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$ ]] || die_usage "-i '$DEV': not an interface name"
	[ -n "$DST_IP" ] || die_usage "-d DST_IP is required"
	ip_to_int "$DST_IP" >/dev/null || die_usage "-d '$DST_IP': not an IPv4 address"
	[ -n "$DST_MAC" ] || die_usage "-m DST_MAC is required"
	[[ $DST_MAC =~ ^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$ ]] ||
		die_usage "-m '$DST_MAC': not a MAC address (aa:bb:cc:dd:ee:ff)"
	SRC_MIN='' SRC_MAX='' PORT_MIN='' PORT_MAX=''
	[ -z "$SRC_RANGE" ] || parse_src_range "$SRC_RANGE"
	[ -z "$PORT_RANGE" ] || parse_port_range "$PORT_RANGE"
	# pktgen paces with a gap per transmit call, and one call sends a
	# whole burst: per-thread calls/s = RATE / (THREADS * BURST).
	RATEP=''
	if [ -n "$RATE" ]; then
		RATEP=$((RATE / (THREADS * BURST)))
		((RATEP >= 1)) || die_usage "-R $RATE: at least THREADS x BURST = $((THREADS * BURST)) needed"
	fi
}

# pg_write FILE CMD: one pktgen command into /proc/net/pktgen/FILE; with -n,
# print it instead.  pktgen answers a thread or device command on the
# file's "Result:" line.
pg_write() {
	local file=$PROC_DIR/$1 cmd=$2 err res

	if ((DRY_RUN)); then
		printf 'echo "%s" > %s\n' "$cmd" "$file"
		return 0
	fi
	if ! err=$({ echo "$cmd" >"$file"; } 2>&1); then
		res=$(grep -m1 '^Result:' "$file" 2>/dev/null)
		die "writing '$cmd' to $file failed: ${res:-${err##*: }}"
	fi
	[ "$1" = pgctrl ] && return 0
	res=$(grep -m1 '^Result:' "$file")
	[[ $res == "Result: OK"* ]] || die "pktgen refused '$cmd' on $file: ${res:-no result}"
}

# The whole configuration, in order: clear every thread (a previous run with
# more threads would otherwise start again), then per thread bind DEV@N and
# configure it.
configure() {
	local t dev

	pg_write pgctrl "reset"
	for ((t = 0; t < THREADS; t++)); do
		dev=$DEV@$t
		pg_write "kpktgend_$t" "rem_device_all"
		pg_write "kpktgend_$t" "add_device $dev"
		# TX queue = CPU, so the threads do not contend on one queue lock.
		pg_write "$dev" "flag QUEUE_MAP_CPU"
		# The sensor reads no payload; skip a clock read per packet.
		pg_write "$dev" "flag NO_TIMESTAMP"
		pg_write "$dev" "count $COUNT"
		# A fresh packet each time, else random fields stay constant.
		pg_write "$dev" "clone_skb 0"
		pg_write "$dev" "pkt_size $PKT_SIZE"
		pg_write "$dev" "burst $BURST"
		if [ -n "$RATEP" ]; then
			pg_write "$dev" "ratep $RATEP"
		else
			pg_write "$dev" "delay 0"
		fi
		pg_write "$dev" "dst_mac $DST_MAC"
		pg_write "$dev" "dst $DST_IP"
		if [ -n "$SRC_MIN" ]; then
			pg_write "$dev" "src_min $SRC_MIN"
			pg_write "$dev" "src_max $SRC_MAX"
			[ "$SRC_MIN" = "$SRC_MAX" ] || pg_write "$dev" "flag IPSRC_RND"
		fi
		if [ -n "$PORT_MIN" ]; then
			pg_write "$dev" "udp_dst_min $PORT_MIN"
			pg_write "$dev" "udp_dst_max $PORT_MAX"
			((PORT_MIN == PORT_MAX)) || pg_write "$dev" "flag UDPDST_RND"
		fi
	done
}

# Checks before anything is written.  The module is loaded before the
# device is looked at, as the kernel samples do; a pktgen built into the
# kernel needs no modprobe.
preflight() {
	local t flags

	((EUID == 0)) || die "must run as root to write $PROC_DIR (-n prints the commands instead)"
	[ -e "$PROC_DIR/pgctrl" ] || modprobe pktgen >/dev/null 2>&1 ||
		die "kernel pktgen not available (modprobe pktgen failed); on this box use 'darkscope gen'"
	[ -w "$PROC_DIR/pgctrl" ] ||
		die "kernel pktgen not available ($PROC_DIR/pgctrl missing); on this box use 'darkscope gen'"
	[ -e "/sys/class/net/$DEV" ] || die "no interface '$DEV'"
	flags=$(<"/sys/class/net/$DEV/flags")
	((flags & 1)) || die "interface '$DEV' is down (ip link set dev $DEV up)"
	for ((t = 0; t < THREADS; t++)); do
		[ -e "$PROC_DIR/kpktgend_$t" ] ||
			die "no pktgen thread kpktgend_$t: -t $THREADS is more than this box's online CPUs"
	done
}

# print_results: each thread's "Result:" lines, then the total.  The total
# rate is all packets over the longest thread's time, i.e. the rate the
# sensor received on average.  Returns 1 if a thread has no OK result.
print_results() {
	local t dev

	for ((t = 0; t < THREADS; t++)); do
		dev=$DEV@$t
		echo "== $dev"
		grep -A1 '^Result:' "$PROC_DIR/$dev" 2>/dev/null || echo "Result: (none)"
	done | awk -v threads="$THREADS" '
		/^== / { dev = $2; next }
		{ print dev ": " $0 }
		/^Result: OK: [0-9]+\(c[0-9]+\+d[0-9]+\) usec, [0-9]+ / {
			us = $3; sub(/\(.*/, "", us)
			pkts += $5; ok++
			if (us + 0 > maxus) maxus = us + 0
		}
		/^ *[0-9]+pps .* errors: [0-9]+$/ { errs += $NF }
		END {
			rate = maxus > 0 ? pkts * 1e6 / maxus : 0
			printf "total: %.0f packets from %d threads in %.3f s: %.0f pps, errors %.0f\n",
				pkts, threads, maxus / 1e6, rate, errs
			if (ok != threads) {
				printf "%d of %d threads have no OK result\n", threads - ok, threads > "/dev/stderr"
				exit 1
			}
		}'
}

main() {
	local interrupted=0

	parse_args "$@"
	if ((DRY_RUN)); then
		configure
		pg_write pgctrl "start"
		return 0
	fi
	preflight
	configure
	if ((COUNT)); then
		echo "$PROG: $THREADS x $COUNT packets on $DEV to $DST_IP; Ctrl-C stops early" >&2
	else
		echo "$PROG: sending on $DEV to $DST_IP until Ctrl-C" >&2
	fi
	# The write of "start" returns when every thread is done.  Ctrl-C
	# interrupts it and pktgen stops all threads; then print what was sent.
	trap 'interrupted=1' INT
	echo "start" >"$PROC_DIR/pgctrl" 2>/dev/null
	trap - INT
	((interrupted)) && echo "$PROG: interrupted" >&2
	print_results || return $EX_FAIL
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
	exit
fi
