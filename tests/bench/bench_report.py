#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_report.py - turn `make bench`'s CSV into the measured tables of
docs/PERFORMANCE.md: the text between its BENCH:BEGIN and BENCH:END markers
(when the CSV holds the sensor's parts), and between BENCH-ROLLUP:BEGIN and
BENCH-ROLLUP:END (when it holds `rollup` lines), so one part can be
measured alone (`bench_rollup` and this script on its CSV).

usage: bench_report.py BENCH.csv PERFORMANCE.md
"""
import re
import sys

GOAL_RATIO = 5.0      # issue 10: per-packet cost vs bare XDP_DROP, every key count
GOAL_FLAT = 1.5       # issue 10: cost at 10^6 live keys vs at 10^3
GOAL_DRAIN_S = 1.0    # drain + write of 10^6 keys
# End to end (issue 10): zero-loss rate vs the bare drop's on the default mix
# and on the 10^6-key mix (the "/1m" labels), vs pmacctd's, and the daemon's
# CPU at 10^6 keys in cores per 10 Mpps (process s per Mpkt x 10).
GOAL_E2E = 0.75
GOAL_E2E_1M = 0.70
GOAL_PMACCT = 10.0
GOAL_CORES_1M = 0.5
KEYS_1M = 1000000
MIXES = (("", "default"),
         ("/1m", "10^6 keys"))
GOAL_SAMPLE_COST = 0.05  # issue 5: 1-in-1000 sampling costs <= 5 % of the counting rate

CAPTURE_SELECT = {"darkscope": "off", "darkscope-new": "new flow keys",
                  "darkscope-all": "every frame (zero loss: counted *and* captured)"}


def selection(target):
    if target in CAPTURE_SELECT:
        return CAPTURE_SELECT[target]
    if target.startswith("darkscope-sample"):
        return "1 in %s" % target[len("darkscope-sample"):]
    return target


def capture_section(e2e, e2e_cap, e2e_max, e2e_ratio):
    """Issue 5: each capturing receiver's zero-loss counting rate against
    capture off (same run), and what it captured."""
    ds = e2e_max.get("darkscope", 0)
    base = e2e_max.get("drop", 0)
    targets = [t for t in e2e_max if t.startswith("darkscope-") and "/" not in t
               and t != "darkscope-hash"]
    if not targets or not ds:
        return []
    cap = {(r[0], r[1]): r for r in e2e_cap}
    cpu = {(r[0], r[1]): r[5] + r[6] for r in e2e if r[4] == 0}
    out = ["", "### Capture (issue 5): counting rate with capture on, same run", "",
           "Zero-loss *counting* rate (every frame sent counted, as above) with `--capture DIR "
           "--capture-select ...`, against capture off; at that rate: flow keys created, frames "
           "selected and captured per second, and the share the kernel dropped because the "
           "capture ring was full (counting never loses them).  \"no ring drops up to\": the "
           "highest zero-loss rate at which capture kept every selected frame.  \"paired\": "
           "the median, over the target rates at which capture-off darkscope fell short of "
           "its target, of the achieved rate over capture-off darkscope's at the same target "
           "(how many such turns in brackets).", "",
           "| selection | zero-loss pps | vs capture off | paired vs capture off | vs bare XDP_DROP | "
           "CPU s / Mpkt (softirq + process) | new keys/s | selected/s | captured/s | ring drops | "
           "no ring drops up to (captured/s there) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ds_cpu = cpu.get(("darkscope", ds))
    out.append("| off | %d | 100 %% | - | %s | %s | - | - | - | - | - |" % (
        ds, "%.0f %%" % (100.0 * ds / base) if base else "-",
        "%.3f" % ds_cpu if ds_cpu is not None else "-"))
    for t in targets:
        best = e2e_max[t]
        r = cap.get((t, best))
        c = cpu.get((t, best))
        per_s = lambda v: "%.0f" % (v * r[1] / r[2]) if r and r[2] else "-"
        clean = [x for x in e2e_cap if x[0] == t and x[5] == 0 and x[7] == 0 and x[3] == x[4]
                 and (t, x[1]) in cpu]
        top = max(clean, key=lambda x: x[1]) if clean else None
        paired, pairs = e2e_ratio.get(t, ("-", 0))
        out.append("| %s | %d | %.1f %% | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            selection(t), best, 100.0 * best / ds,
            "%.1f %% (%d)" % (100.0 * float(paired), pairs) if paired != "-" else "-",
            "%.0f %%" % (100.0 * best / base) if base else "-",
            "%.3f" % c if c is not None else "-",
            per_s(r[10]) if r else "-", per_s(r[3]) if r else "-", "%d" % r[9] if r else "-",
            "%.1f %%" % (100.0 * r[5] / r[3]) if r and r[3] else "-",
            "%d (%d)" % (top[1], top[9]) if top else "none"))
    verdict = lambda ok: "met" if ok else "**missed**"
    sample = e2e_max.get("darkscope-sample1000")
    if sample is not None:
        paired, pairs = e2e_ratio.get("darkscope-sample1000", ("-", 0))
        out += ["", "- 1-in-1000 sampling at %.1f %% of the capture-off counting rate "
                "(goal: costs <= %.0f %%, i.e. >= %.0f %%): %s%s" % (
                    100.0 * sample / ds, 100 * GOAL_SAMPLE_COST, 100 * (1 - GOAL_SAMPLE_COST),
                    verdict(sample >= (1 - GOAL_SAMPLE_COST) * ds),
                    "; paired, turn by turn: %.1f %% over %d turns" % (100.0 * float(paired), pairs)
                    if paired != "-" else "")]
    aa = [t for t in e2e_max if t.startswith("darkscope@")]
    for t in aa:
        paired, pairs = e2e_ratio.get(t, ("-", 0))
        out += ["- A/A, this run's noise: %s, the same capture-off receiver again, at %.1f %% "
                "of darkscope%s" % (t, 100.0 * e2e_max[t] / ds,
                                   "; paired %.1f %% over %d turns" % (100.0 * float(paired), pairs)
                                   if paired != "-" else "")]
    return out


QUARTER_DAYS = 92  # a quarter; its previous one as many days again
GOAL_REPORT_MIN = {10000: 10.0, 100000: 60.0}  # issue 11: quarter report, one sensor
GOAL_REPORT_RSS_MB = 2048


def report_scale_section(rows):
    """Issue 11: darkscope-report over the generated day, per engine and input."""
    out = ["", "**darkscope-report on that day** (`tests/bench/bench_report_scale.py`: "
           "`--top 10`, default region database, `--bin day`; wall time, CPU and "
           "peak RSS of the report's process tree; \"rollup\": the day's rollups and a "
           "copy of them as the next day (two days, so that the C engine's two threads "
           "each read one, as each reads half of a quarter's files), \"raw\": the day's "
           "1440 intervals (24 hourly files); fixed: the same report of the day before, "
           "which has no data (start-up, directory scan, region database, figures); "
           "previous: that report with the days as its previous period; per day: "
           "((wall - fixed) + (previous - fixed)) / days; quarter: fixed + %d x per day, "
           "a quarter and the previous one):" % QUARTER_DAYS, "",
           "| flow rows/min | engine | input | days | flow rows read | wall s | fixed s | "
           "us per flow row | previous s | per day s | CPU s | peak RSS MB | "
           "quarter + previous, min |",
           "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, engine, what, days, rows, wall, cpu, rss, fixed, prev, qmin in rows:
        goal = ""
        if what == "rollup" and engine == "c" and n in GOAL_REPORT_MIN:
            met = qmin <= GOAL_REPORT_MIN[n] and rss <= GOAL_REPORT_RSS_MB
            goal = " (goal <= %.0f min, <= 2 GB: %s)" % (GOAL_REPORT_MIN[n],
                                                          "met" if met else "**missed**")
        per_day = (max(wall - fixed, 0) + max(prev - fixed, 0)) / days
        out.append("| %d | %s | %s | %d | %d | %.1f | %.1f | %.2f | %.1f | %.1f | %.1f | %.0f | "
                   "%.1f%s |" % (n, engine, what, days, rows, wall, fixed,
                                 1e6 * (wall - fixed) / rows if rows else 0, prev, per_day,
                                 cpu, rss, qmin, goal))
    return out


def rollup_section(rows, notes, report_rows=()):
    """Issue 11: a day of 1-minute intervals rolled up, against reading it."""
    out = ["_Measured by `make bench` (`tests/prog/bench_rollup`): %s._" % "; ".join(notes), "",
           "One generated day of 1440 one-minute intervals per line, written by the daemon's "
           "writer (gzip level 1) in the skewed mix of `bench_rollup.c` (30 % of each minute's "
           "keys seen all day, 70 % drawn from a pool of 2145 x N keys; ports: 20 favourites for "
           "60 % of the keys, any for the rest), then `rollup_dir()` on it in a child process "
           "(its own CPU time and peak RSS).  \"read\": another child reading every row of the "
           "day's raw files through `ts_reader` and nothing else, the baseline of the same run.  "
           "\"runs\": sorted flow runs written to disk because the day had more distinct keys "
           "than `--max-keys`.", "",
           "| flow rows/min | flow rows in a day | after rollup | fewer | port rows | after | fewer "
           "| raw MB | rollup MB | read s | rollup s | rollup / read | us per flow row (all series) | "
           "CPU s | peak RSS MB | runs (max keys) | CPU for %d days |" % (2 * QUARTER_DAYS),
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        (n, fin, fout, pin, pout, raw_mb, ro_mb, read_s, _read_cpu, ro_s, ro_cpu, rss,
         runs, max_keys) = r
        out.append("| %d | %d | %d | %.2fx | %d | %d | %.1fx | %.0f | %.0f | %.2f | %.2f | %.1fx "
                   "| %.2f | %.2f | %.0f | %d (%d) | %.1f h |" % (
                       n, fin, fout, fin / fout if fout else 0, pin, pout,
                       pin / pout if pout else 0, raw_mb, ro_mb, read_s, ro_s,
                       ro_s / read_s if read_s else 0, 1e6 * ro_s / fin if fin else 0, ro_cpu,
                       rss, runs, max_keys, ro_cpu * 2 * QUARTER_DAYS / 3600))
    if report_rows:
        out += report_scale_section(report_rows)
    return out


GOAL_LOAD_ROWS_PER_CORE_S = 1e6  # issue 11: loading >= 1 M rows/s on one core


def clickhouse_section(ch):
    """Issue 11: loading into ClickHouse and the report from it."""
    if "skip" in ch:
        return ["", "**ClickHouse**: not measured (%s)." % ch["skip"]]
    out = ["", "**Loading into ClickHouse** (`tests/bench/bench_clickhouse.py --hours 4`: "
           "2 sensors, 4 hours of synthetic series at 10^4 flow rows a minute, into a private "
           "ClickHouse 18.16 server on the same 2 cores; `darkscope-clickhouse load` into a "
           "fresh database per format; CPU per row of the loader's side, its process tree: "
           "the Python driver, `darkscope export`, clickhouse-client, and of the server):", "",
           "| format | rows | wall s | rows/s end to end | loader us/row | loader rows per "
           "core-second | server us/row |", "|---|---:|---:|---:|---:|---:|---:|"]
    for fmt, rows, wall, rate, loader_us, server_us in ch.get("load", []):
        per_core = 1e6 / loader_us if loader_us else 0
        goal = ""
        if fmt == "native":
            goal = " (goal >= 1 M on one core: %s)" % (
                "met" if per_core >= GOAL_LOAD_ROWS_PER_CORE_S else "**missed**")
        out.append("| %s | %d | %.2f | %.0f | %.3f | %.0f%s | %.3f |" % (
            fmt, rows, wall, rate, loader_us, per_core, goal, server_us))
    if "export" in ch:
        out += ["", "`darkscope export --format native` alone: %.0f flows rows/s (one core); "
                "a rerun with nothing new: %.2f s." % (ch["export"], ch.get("rerun", 0))]
    if "report" in ch:
        c, f, r = ch["report"]
        out += ["", "The report of those hours from ClickHouse: %.1f s; from the files: %.1f s "
                "(%.2fx)." % (c, f, r)]
    return out + clickhouse_quarter_section(ch)


GOAL_QUARTER_S = 120  # issue 11: 10 sensors' quarter report from ClickHouse in <= 2 min


def clickhouse_quarter_section(ch):
    if "quarter" not in ch:
        return []
    sensors, rows, days, report_s, rss = ch["quarter"]
    out = ["", "**The quarterly report of many sensors from ClickHouse** "
           "(`tests/bench/bench_clickhouse_quarter.py`: %d sensors, a day each of 1-minute "
           "intervals at %d flows rows a minute, bench_rollup's mix with each sensor's own keys "
           "over one pool of source /24s; loaded, then that day copied server side to every "
           "day of Q2 and Q3 2026 and its month to their months; `darkscope-report "
           "--clickhouse --bin day --top 10` of Q3, Q2 its previous period):" % (sensors, rows),
           ""]
    if "quarter_load" in ch:
        _, _, flows, total, wall, rate = ch["quarter_load"]
        out.append("- load: %d rows (%d flows) in %.0f s, %.0f rows/s end to end, daily "
                   "and monthly tables included" % (total, flows, wall, rate))
    if "quarter_daily" in ch:
        out.append("- rows per day (monthly tables: per month of that one day), merged: "
                   + ", ".join("%s %d" % (t, n) for t, n in ch["quarter_daily"]))
    if "quarter_copy" in ch:
        out.append("- the two quarters copied in %.0f s" % ch["quarter_copy"])
    out.append("- report of the %d-day quarter and its previous one, measured: **%.1f s** "
               "(goal <= %d s: %s), peak memory %.0f MB" % (
                   days, report_s, GOAL_QUARTER_S,
                   "met" if report_s <= GOAL_QUARTER_S else "**missed**", rss))
    return out


def replace_between(text, name, lines, md_path):
    new, n = re.subn(r"(<!-- %s:BEGIN -->\n).*?(<!-- %s:END -->)" % (name, name),
                     lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2), text,
                     flags=re.S)
    if n != 1:
        sys.exit("%s: no %s:BEGIN/END markers" % (md_path, name))
    return new


def zero_loss_row(e2e, target, best):
    """The trial that gave target's zero-loss figure (None if none did)."""
    at = [r for r in e2e if r[0] == target and r[4] == 0 and r[1] == best]
    return at[0] if at else None


def steady_cpu_goal(x, k60):
    """The daemon's CPU over one whole steady interval at 10^6 keys (e2e_cpu:
    target, pps, frames, cpu s, s per Mpkt, writer s, interval s): the
    consumer's share is per frame, the writer's per interval (its keys), so
    at 10 Mpps it would be consumer s per frame x 10^7 + writer s / interval."""
    _, pps, frames, cpu, per_mpkt, writer, interval = x
    if not frames or not interval:
        return None
    per_frame = (cpu - writer) / frames
    at_10m = per_frame * 1e7 + writer / interval
    return ("- 10^6-key mix at the default --interval 60 (%d pps, %s keys an interval, %s "
            "past the log in the trial): the daemon's CPU over one whole steady interval (between its "
            "first and second rows on disk) %.2f s for %d frames = %.3f s per Mpkt at this rate; "
            "of it the consumer %.1f ns per frame and the writer thread %.2f s per interval "
            "of 10^6 keys, so at 10 Mpps %.1f ns x 10^7 + %.2f s / %d s = **%.2f cores** "
            "(goal <= %.1f): %s" % (
                pps, "%d" % k60[3] if k60 else "?", "%d frames" % k60[6] if k60 else "?",
                cpu, frames, per_mpkt, per_frame * 1e9, writer, per_frame * 1e9, writer,
                interval, at_10m, GOAL_CORES_1M,
                "met" if at_10m <= GOAL_CORES_1M else "**missed**"))


def e2e_section(e2e, e2e_max, e2e_keys, e2e_cpu=()):
    """Issue 10: both mixes, each receiver against the bare drop and pmacctd
    of the same mix, the daemon's CPU and the keys an interval held."""
    keys = {(r[0], r[1], r[2]): r for r in e2e_keys}
    fmt = lambda v, f="%.3f": "-" if v is None else f % v
    out = ["", "### End to end: darkscope gen -> veth -> receiver, highest zero-loss rate", "",
           "Both mixes in one run; each ratio is against the receiver of the same mix.  "
           "\"cores / 10 Mpps\": the receiver process's CPU seconds per 10^6 frames x 10, the "
           "cores it would need at 10 Mpps.  \"keys\": the most (proto, dport, /24) keys one "
           "interval held in that trial (sensor series `keys`; pmacctd: rows in one of its "
           "one-second files).", "",
           "| mix | receiver | zero-loss pps | vs bare XDP_DROP | vs pmacctd | softirq s / Mpkt | "
           "process s / Mpkt | cores / 10 Mpps | keys in one interval | peak RSS MB |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, name in MIXES:
        base = e2e_max.get("drop" + label) or 0
        pm = e2e_max.get("pmacct" + label) or 0
        for t, best in e2e_max.items():
            if t[len(t.split("/")[0]):] != label:
                continue
            r = zero_loss_row(e2e, t, best)
            k = keys.get((t, r[1], r[2])) if r else None
            out.append("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                name, t[:len(t) - len(label)] if label else t, best,
                "%.0f %%" % (100.0 * best / base) if base else "-",
                "%.1fx" % (best / pm) if pm else "-",
                fmt(r and r[5]), fmt(r and r[6]),
                fmt(r[6] * 10, "%.2f") if r and t.split("/")[0] != "drop" else "-",
                "%d" % k[3] if k else "-", "%.0f" % (r[7] / 1024) if r and r[7] else "-"))
    verdict = lambda ok: "met" if ok else "**missed**"
    goals = []
    ds, base, pm = e2e_max.get("darkscope"), e2e_max.get("drop"), e2e_max.get("pmacct")
    if ds is not None and base:
        goals.append("- default mix: darkscope at %.0f %% of the bare XDP_DROP receiver's zero-loss "
                     "rate (goal >= %.0f %%): %s" % (100.0 * ds / base, 100 * GOAL_E2E,
                                                     verdict(ds >= GOAL_E2E * base)))
    if ds is not None and pm:
        goals.append("- default mix: darkscope at %.1fx pmacctd (goal >= %.0fx): %s"
                     % (ds / pm, GOAL_PMACCT, verdict(ds >= GOAL_PMACCT * pm)))
    ds, base, pm = e2e_max.get("darkscope/1m"), e2e_max.get("drop/1m"), e2e_max.get("pmacct/1m")
    if ds is not None:
        r = zero_loss_row(e2e, "darkscope/1m", ds)
        k = keys.get(("darkscope/1m", r[1], r[2])) if r else None
        held = k is not None and k[3] >= KEYS_1M
        if base:
            goals.append("- 10^6-key mix: darkscope at %.0f %% of the bare XDP_DROP receiver "
                         "(goal >= %.0f %%): %s; at that rate one interval held %s keys%s" % (
                             100.0 * ds / base, 100 * GOAL_E2E_1M, verdict(ds >= GOAL_E2E_1M * base),
                             "%d" % k[3] if k else "?",
                             "" if held else " (**fewer than 10^6**: below ~1.3 Mpps this mix "
                             "cannot hold 10^6 keys in a second, so this run did not show the "
                             "goal's condition)"))
        if pm:
            goals.append("- 10^6-key mix: darkscope at %.1fx pmacctd (goal >= %.0fx): %s"
                         % (ds / pm, GOAL_PMACCT, verdict(ds >= GOAL_PMACCT * pm)))
        if r:
            # At --interval 1 every second pays a boundary of 10^6 keys: a
            # cost per key and second, shown, not judged per frame.
            goals.append("- 10^6-key mix at --interval 1 (the rate trials): the daemon's CPU %.3f s "
                         "per Mpkt at %d pps%s; a boundary's drain and write of 10^6 keys every "
                         "second is most of it (per key, not per frame: the goal is judged at "
                         "the default --interval 60 below)" % (
                             r[6], r[1], "; its boundaries took %.0f ms of drain and %.0f ms of "
                             "write per interval" % (k[7] / k[4], k[8] / k[4])
                             if k and k[4] and k[7] + k[8] else ""))
        # The daemon at the production interval: per-key work once a minute.
        r60 = [x for x in e2e if x[0] == "darkscope/1m-60s" and x[4] == 0]
        steady = [x for x in e2e_cpu if x[0] == "darkscope/1m-60s"]
        if steady:
            x = steady[-1]
            line = steady_cpu_goal(x, next(
                (k for k in e2e_keys if k[0] == "darkscope/1m-60s" and k[1] == x[1]), None))
            if line:
                goals.append(line)
        elif r60:
            x = r60[-1]
            k60 = keys.get(("darkscope/1m-60s", x[1], x[2]))
            goals.append("- 10^6-key mix at the default --interval 60 (one %.0f s trial at %d pps, "
                         "%s keys in the interval, %s of them beyond --max-keys): the daemon's CPU "
                         "%.3f s per Mpkt = %.2f cores per 10 Mpps (goal <= %.1f): %s" % (
                             x[2] / max(x[1], 1), x[1], "%d" % k60[3] if k60 else "?",
                             "%d frames" % k60[5] if k60 else "?", x[6], x[6] * 10,
                             GOAL_CORES_1M, verdict(x[6] * 10 <= GOAL_CORES_1M)))
        lost = [x for x in e2e_keys if x[0].endswith("/1m") and (x[5] or x[6])]
        goals.append("- 10^6-key mix: frames without a key (map_full) or a log record (log_full) "
                     "in any trial: %s" % (", ".join("%s at %d pps: %d + %d" % (
                         x[0], x[1], x[5], x[6]) for x in lost) or "none"))
    if goals:
        out += [""] + goals
    return out


def multiqueue_section(e2e, e2e_max):
    """Issue 10, many cores: the receivers on a two-queue veth, one generator
    per CPU, against themselves on one queue (default mix, same run)."""
    rows = [t for t in e2e_max if t.endswith("/2q")]
    if not rows:
        return []
    out = ["", "### Two queues: a two-queue veth, one generator pinned to each CPU", "",
           "A veth hands an `XDP_TX`'d frame to the peer's rx queue (sending CPU mod queues) "
           "and runs that queue's NAPI on the sending CPU, so each CPU carries one generator "
           "and one queue's XDP work; the darkscope daemon's consumer thread shares the two "
           "cores with them.  \"vs one queue\": against the same receiver on the one-queue "
           "veth in this run (default mix).", "",
           "| receiver | zero-loss pps | vs bare XDP_DROP (2 queues) | vs one queue | "
           "softirq s / Mpkt | process s / Mpkt |",
           "|---|---:|---:|---:|---:|---:|"]
    base = e2e_max.get("drop/2q") or 0
    for t in rows:
        best, one = e2e_max[t], e2e_max.get(t[:-3]) or 0
        r = zero_loss_row(e2e, t, best)
        out.append("| %s | %d | %s | %s | %s | %s |" % (
            t[:-3], best, "%.0f %%" % (100.0 * best / base) if base else "-",
            "%.2fx" % (best / one) if one else "-",
            "%.3f" % r[5] if r else "-", "%.3f" % r[6] if r else "-"))
    return out


def main():
    csv_path, md_path = sys.argv[1:3]
    prog, keys, drain, notes, e2e, e2e_max = [], [], [], [], [], {}
    prog_log, keys_log = {}, []
    e2e_cap, pcap_write, prog_cap, e2e_ratio, flow_table, e2e_keys = [], [], [], {}, [], []
    rollup, e2e_cpu, report_scale = [], [], []
    ch = {}
    for line in open(csv_path):
        f = line.strip().split(",")
        if line.startswith("# darkscope bench") or line.startswith("# git"):
            notes.append(line[2:].strip())
        elif f[0] == "prog_run" and len(f) == 5:
            prog.append((f[1], float(f[2]), float(f[3]), float(f[4])))
        elif f[0] == "keys" and len(f) == 3:
            keys.append((int(f[1]), float(f[2])))
        elif f[0] == "prog_log" and len(f) == 5:
            prog_log[f[1]] = (float(f[2]), float(f[3]))
        elif f[0] == "keys_log" and len(f) == 4:
            keys_log.append((int(f[1]), float(f[2]), float(f[3])))
        elif f[0] in ("flow_table", "flow_table_steady") and len(f) == 4:
            flow_table.append((f[0], int(f[1]), float(f[2]), float(f[3])))
        elif f[0] == "drain" and len(f) == 9:
            drain.append([int(f[1])] + [float(x) for x in f[2:]])
        elif f[0] == "e2e" and len(f) in (9, 10):
            e2e.append((f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5]), float(f[6]), float(f[7]),
                        int(f[8])))
        elif f[0] == "e2e_keys" and len(f) in (8, 10):
            e2e_keys.append((f[1],) + tuple(int(x) for x in f[2:]) + (0, 0)[:10 - len(f)])
        elif f[0] == "e2e_cpu" and len(f) == 8:
            e2e_cpu.append((f[1], int(f[2]), int(f[3]), float(f[4]), float(f[5]), float(f[6]),
                            int(f[7])))
        elif f[0] == "e2e_max" and len(f) == 3:
            e2e_max[f[1]] = int(f[2])
        elif f[0] == "e2e_ratio" and len(f) == 6:
            e2e_ratio[f[1]] = (f[4], int(f[5]))
        elif f[0] == "prog_capture" and len(f) == 6:
            prog_cap.append((f[1], f[2], float(f[3]), float(f[4]), float(f[5])))
        elif f[0] == "e2e_cap" and len(f) == 12:
            e2e_cap.append((f[1],) + tuple(int(x) for x in f[2:]))
        elif f[0] == "clickhouse_load" and len(f) == 7:
            ch.setdefault("load", []).append((f[1], int(f[2]), float(f[3]), float(f[4]),
                                              float(f[5]), float(f[6])))
        elif f[0] == "clickhouse_export" and len(f) == 2:
            ch["export"] = float(f[1])
        elif f[0] == "clickhouse_rerun" and len(f) == 2:
            ch["rerun"] = float(f[1])
        elif f[0] == "clickhouse_report" and len(f) == 4:
            ch["report"] = tuple(float(x) for x in f[1:])
        elif f[0] == "clickhouse_quarter_load" and len(f) == 7:
            ch["quarter_load"] = (int(f[1]), int(f[2]), int(f[3]), int(f[4]), float(f[5]),
                                  float(f[6]))
        elif f[0] == "clickhouse_quarter_daily" and len(f) == 3:
            ch.setdefault("quarter_daily", []).append((f[1], int(f[2])))
        elif f[0] == "clickhouse_quarter" and len(f) == 6:
            ch["quarter"] = (int(f[1]), int(f[2]), int(f[3]), float(f[4]), float(f[5]))
        elif f[0] == "clickhouse_quarter_copy" and len(f) == 2:
            ch["quarter_copy"] = float(f[1])
        elif f[0] == "clickhouse_skip":
            ch["skip"] = ",".join(f[1:])
        elif f[0] == "report_scale" and len(f) == 12:
            report_scale.append((int(f[1]), f[2], f[3], int(f[4]), int(f[5]))
                                + tuple(float(x) for x in f[6:]))
        elif f[0] == "rollup" and len(f) == 15:
            rollup.append(tuple(int(x) for x in f[1:6]) + tuple(float(x) for x in f[6:13])
                          + (int(f[13]), int(f[14])))
        elif f[0] == "pcap_write" and len(f) == 8:
            pcap_write.append((f[1], f[2], int(f[3]), float(f[4]), float(f[5]), float(f[6]),
                               float(f[7])))

    out = ["_Measured by `make bench`: %s._" % "; ".join(notes), ""]
    out += ["### Per-packet cost through BPF_PROG_RUN (ns per packet, median)", "",
            "The flow log is the daemon's default; the per-CPU hash alone is "
            "`--log-records 0` (the fast path before issue 10). Each ratio is against the "
            "bare XDP_DROP program measured in the same rounds.", "",
            "| frame | flow log | bare | log / bare | per-CPU hash | bare | hash / bare | "
            "goal: log <= %.0fx bare |" % GOAL_RATIO,
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for frame, ds, base, ratio in prog:
        lg, lbase = prog_log.get(frame, (float("nan"), float("nan")))
        out.append("| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %s |" % (
            frame, lg, lbase, lg / lbase, ds, base, ratio,
            "met" if lg / lbase <= GOAL_RATIO else "**missed**"))
    if prog_cap:
        out += ["", "### Per-packet cost of capture selection (capture off vs on, ns per packet, median)", "",
                "| selection | frame | capture off | capture on | ratio |", "|---|---|---:|---:|---:|"]
        out += ["| %s | %s | %.1f | %.1f | %.3f |" % r for r in prog_cap]
    if keys_log:
        first = keys_log[0][1]
        hash_ns = dict(keys)
        out += ["", "### Per-packet cost as live keys grow (existing keys, random order, single runs)", "",
                "| live keys | flow log | bare | log / bare | log / log at %d | per-CPU hash | "
                "goal: <= %.1fx at 10^3 and <= %.0fx bare |" % (keys_log[0][0], GOAL_FLAT, GOAL_RATIO),
                "|---:|---:|---:|---:|---:|---:|---|"]
        for n, lg, base in keys_log:
            ok = lg / base <= GOAL_RATIO and lg / first <= GOAL_FLAT
            out.append("| %d | %.1f | %.1f | %.2f | %.2f | %s | %s |" % (
                n, lg, base, lg / base, lg / first,
                "%.1f" % hash_ns[n] if n in hash_ns else "-", "met" if ok else "**missed**"))
    elif keys:
        out += ["", "### Per-packet cost as live keys grow (existing keys, random order)", "",
                "| live keys | ns per packet |", "|---:|---:|"]
        out += ["| %d | %.1f |" % k for k in keys]
    out += ["", "### One interval: flip + drain + format + compress + write", "",
            "| keys | flip s | drain s | format s | compress+write s | total s | CPU s | bytes/row on disk |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k, flip, dr, fmt, wr, total, cpu, bpr in drain:
        goal = ""
        if k == 1000000:
            goal = " (goal <= %.0f s: %s)" % (GOAL_DRAIN_S, "met" if total <= GOAL_DRAIN_S else "**missed**")
        out.append("| %d | %.3f | %.3f | %.3f | %.3f | %.3f%s | %.3f | %.1f |"
                   % (k, flip, dr, fmt, wr, total, goal, cpu, bpr))
    if flow_table:
        out += ["", "### Flow table: log records into flow rows (userspace, one core)", "",
                "Records in random order over the live keys (each key at least once), CPU time "
                "of `flow_table__add_records()` and `flow_table__flush()`, median of 5 "
                "intervals; take: handing the rows to the interval and emptying the table.  "
                "*filling*: 2^22 records an interval into an empty table of max_keys = the "
                "keys (most records of a new key: the dearest case); *steady*: 2^24 records "
                "into a table of max_keys = 2 x the keys, reserved up front, as on a sensor whose keys recur "
                "(from 2^16 keys on, records are staged and added sorted by slot).", "",
                "| case | live keys | ns per record | M records/s | cores per 10 Mpps | take s |",
                "|---|---:|---:|---:|---:|---:|"]
        out += ["| %s | %d | %.1f | %.1f | %.2f | %.6f |"
                % ("steady" if kind.endswith("steady") else "filling", k, ns,
                   1e3 / ns if ns else 0, ns / 100, take)
                for kind, k, ns, take in flow_table]
    if pcap_write:
        zlib = {r[0]: r[3] for r in pcap_write if r[1] == "zlib1"}
        out += ["", "### Capture writer: frames to .pcap.gz (one flush per 100 000 frames)", "",
                "| frames | writer | frames/s | MB/s uncompressed | compression ratio | CPU s | vs zlib level 1 |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for kind, writer, n, fps, mbps, ratio, cpu in pcap_write:
            out.append("| %s | %s | %.0f | %.1f | %.2f | %.3f | %s |" % (
                kind, writer, fps, mbps, ratio, cpu,
                "%.0f %%" % (100.0 * fps / zlib[kind]) if zlib.get(kind) else "-"))
    if e2e_max:
        out += e2e_section(e2e, e2e_max, e2e_keys, e2e_cpu)
        out += multiqueue_section(e2e, e2e_max)
        out += capture_section(e2e, e2e_cap, e2e_max, e2e_ratio)
        keys = {(r[0], r[1], r[2]): r[3] for r in e2e_keys}
        out += ["", "Every trial (offered rate, frames sent, accounted for, lost; the most keys "
                "one interval held, for darkscope and pmacctd):", "",
                "| receiver | offered pps | sent | received | lost | keys in one interval |",
                "|---|---:|---:|---:|---:|---:|"]
        out += ["| %s | %d | %d | %d | %d | %s |" % (r[:5] + (keys.get(r[:3], "-"),)) for r in e2e]
        if e2e_cap:
            out += ["", "Every trial of a capturing receiver (whole run: flow keys created, "
                    "frames selected, read from the rings into pcap files, dropped by the "
                    "kernel because the ring was full; captured frames per second of sending):", "",
                    "| receiver | offered pps | keys | selected | captured | ring drops | captured/s |",
                    "|---|---:|---:|---:|---:|---:|---:|"]
            out += ["| %s | %d | %d | %d | %d | %d | %d |" % (r[0], r[1], r[10], r[3], r[4], r[5], r[9])
                    for r in e2e_cap]
    text = open(md_path).read()
    if prog or drain or e2e_max:
        text = replace_between(text, "BENCH", out, md_path)
    if rollup:
        text = replace_between(text, "BENCH-ROLLUP", rollup_section(rollup, notes, report_scale)
                               + (clickhouse_section(ch) if ch else []), md_path)
    open(md_path, "w").write(text)


if __name__ == "__main__":
    main()
