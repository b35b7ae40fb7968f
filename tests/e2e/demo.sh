#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# demo.sh O - `make demo`: a live run of the sensor.  A private network
# namespace pair joined by veth, darkscope attached to one end with 2-second
# intervals, telescope-like traffic of known composition sent into the other,
# then the series written to $O/demo is summarised and compared with what was
# sent, key by key.  AF_XDP capture runs too: the first frame of each flow key
# per interval and every probe with payload go to $O/demo/capture.
set -u
O=${1:?usage: demo.sh BUILD_DIR}
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
DARKSCOPE=$(cd "$O" && pwd)/darkscope
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=$(cd "$O" && pwd)/demo
. "$E2E_DIR/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (network namespaces and XDP)" >&2
	exit 1
fi
trap e2e_teardown EXIT
e2e_setup demo || exit 1
rm -rf "$OUT"
echo "demo: sensor on veth 'ds0' in namespace $NS_S, writing $OUT every 2 s,"
echo "      capturing new keys and payloads to $OUT/capture"
start_sensor -o "$OUT" --interval 2 --sensor demo \
	--capture "$OUT/capture" --capture-select new,payload || exit 1
echo "demo: sending 50000 scan frames from 500 source /24s (40% of SYNs Mirai-style) and 1000"
echo "      malformed or non-IP frames, over 6 seconds"
send_frames --count 50000 --bad 1000 --spread 6 --nets 500 --seed 42 \
	--expect "$OUT/sent.json" || exit 1
stop_sensor || exit 1
grep -E "Capturing|Attached|Detached" "$SENSOR_LOG" | sed 's/^/sensor: /'
echo
echo "Files written:"
ls -l "$OUT"/*.tsv.gz | awk '{print "  " $NF " (" $5 " bytes)"}'
echo
echo "Top destination ports (darkscope read --series ports):"
"$DARKSCOPE" read --series ports --no-header "$OUT" |
	awk -F'\t' '{k = $3 "/" $4; p[k] += $5; s[k] += $6; m[k] += $7; t += $5}
		END {for (k in p) printf "%s\t%d\t%d\t%d\t%.1f%%\n", k, p[k], s[k], m[k], 100 * p[k] / t}' |
	sort -t$'\t' -k2,2nr | head -10 |
	awk -F'\t' 'BEGIN {printf "  %-12s %9s %9s %9s %7s\n", "port", "packets", "SYNs", "Mirai", "share"}
		{printf "  %-12s %9d %9d %9d %7s\n", $1, $2, $3, $4, $5}'
echo
echo "Sensor counters (all intervals):"
"$DARKSCOPE" read --series sensor --no-header "$OUT" | awk -F'\t' '
	{for (i = 5; i <= 17; i++) c[i] += $i; n++}
	END {printf "  %d intervals: frames %d, counted %d, non-IP %d, IPv6 %d, fragments %d, other proto %d,\n", n, c[5], c[6], c[7], c[8], c[9], c[10];
	     printf "  malformed %d (l2 %d, ip trunc %d, version %d, ihl %d, length %d, l4 trunc %d), map full %d\n", c[11]+c[12]+c[13]+c[14]+c[15]+c[16], c[11], c[12], c[13], c[14], c[15], c[16], c[17]}'
echo
echo "Capture (sensor series totals, and the first frames of the pcap files):"
"$DARKSCOPE" read --series sensor "$OUT" | awk -F'\t' '
	NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i; next}
	{for (n in col) t[n] += $col[n]}
	END {printf "  selected %d, captured %d, dropped in the kernel %d, no socket %d, lost writing %d\n",
		t["capture_selected"], t["captured"], t["capture_dropped"], t["capture_no_socket"],
		t["capture_write_dropped"]}'
ls -l "$OUT"/capture/*.pcap.gz | awk '{print "  " $NF " (" $5 " bytes)"}'
zcat "$OUT"/capture/*.pcap.gz | tcpdump -nn -r - -c 4 2>/dev/null | cut -c1-110 | sed 's/^/  /'
echo
if check_series --expect "$OUT/sent.json" --min-intervals 2 "$OUT"; then
	echo "demo: OK - every frame sent is in the series exactly once, key by key"
else
	echo "demo: MISMATCH between what was sent and what the sensor wrote" >&2
	exit 1
fi
echo
# The report's period is the run itself, from its first interval to the end of
# its last (2 s each), so the figures have a point per interval, not one per day.
ts=$("$DARKSCOPE" read --series sensor --no-header "$OUT" | cut -f2)
first=$(date -u +%Y-%m-%dT%H:%M:%S -d "@$(echo "$ts" | head -1)")
end=$(date -u +%Y-%m-%dT%H:%M:%S -d "@$(( $(echo "$ts" | tail -1) + 2 ))")
echo "The analyst's report on the demo's series, $first to $end UTC (scripts/darkscope-report):"
"$PYTHON" "$E2E_DIR/../../scripts/darkscope-report" -q --from "$first" --to "$end" --previous none \
	--out "$OUT/report" "$OUT" || exit 1
sed -n '/^## 1. Top/,/^Service names/p' "$OUT/report/report.md" | grep '^|'
echo "demo: report written to $OUT/report (report.md, report.html, figures)"
