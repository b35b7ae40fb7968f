#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_report.py - turn `make bench`'s CSV into the measured tables of
docs/PERFORMANCE.md (the text between its BENCH:BEGIN and BENCH:END markers).

usage: bench_report.py BENCH.csv PERFORMANCE.md
"""
import re
import sys

GOAL_RATIO = 2.0      # per-packet cost vs bare XDP_DROP
GOAL_DRAIN_S = 1.0    # drain + write of 10^6 keys
# End to end (issue 3): >= 80 % of the bare drop's zero-loss rate, >= 10x pmacctd's.


def main():
    csv_path, md_path = sys.argv[1:3]
    prog, keys, drain, notes, e2e, e2e_max = [], [], [], [], [], {}
    for line in open(csv_path):
        f = line.strip().split(",")
        if line.startswith("# darkscope bench") or line.startswith("# git"):
            notes.append(line[2:].strip())
        elif f[0] == "prog_run" and len(f) == 5:
            prog.append((f[1], float(f[2]), float(f[3]), float(f[4])))
        elif f[0] == "keys" and len(f) == 3:
            keys.append((int(f[1]), float(f[2])))
        elif f[0] == "drain" and len(f) == 9:
            drain.append([int(f[1])] + [float(x) for x in f[2:]])
        elif f[0] == "e2e" and len(f) == 9:
            e2e.append((f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5]), float(f[6]), float(f[7]),
                        int(f[8])))
        elif f[0] == "e2e_max" and len(f) == 3:
            e2e_max[f[1]] = int(f[2])

    out = ["_Measured by `make bench`: %s._" % "; ".join(notes), ""]
    out += ["### Per-packet cost through BPF_PROG_RUN (ns per packet, median)", "",
            "| frame | darkscope | bare XDP_DROP | ratio | goal <= %.0fx |" % GOAL_RATIO,
            "|---|---:|---:|---:|---|"]
    for frame, ds, base, ratio in prog:
        out.append("| %s | %.1f | %.1f | %.2f | %s |" % (frame, ds, base, ratio,
                                                       "met" if ratio <= GOAL_RATIO else "**missed**"))
    if keys:
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
    if e2e_max:
        base = e2e_max.get("drop") or 0
        out += ["", "### End to end: darkscope gen -> veth -> receiver, highest zero-loss rate", "",
                "| receiver | zero-loss pps | vs bare XDP_DROP | darkscope vs it | softirq s / Mpkt | process s / Mpkt | process peak RSS MB |",
                "|---|---:|---:|---:|---:|---:|---:|"]
        ds = e2e_max.get("darkscope", 0)
        for t, best in e2e_max.items():
            at = [r for r in e2e if r[0] == t and r[4] == 0 and r[1] == best]
            sirq, proc, rss = (at[0][5], at[0][6], at[0][7] / 1024) if at else ("-", "-", "-")
            fmt = lambda v: v if isinstance(v, str) else "%.3f" % v
            out.append("| %s | %d | %s | %s | %s | %s | %s |" % (
                t, best, "%.0f %%" % (100.0 * best / base) if base else "-",
                "%.1fx" % (ds / best) if best and t != "darkscope" else "-",
                fmt(sirq), fmt(proc), rss if isinstance(rss, str) else "%.0f" % rss))
        verdict = lambda ok: "met" if ok else "**missed**"
        if base and ds:
            out += ["", "- darkscope at %.0f %% of the bare XDP_DROP counter's zero-loss rate "
                    "(goal >= 80 %%): %s" % (100.0 * ds / base, verdict(ds >= 0.8 * base))]
        if e2e_max.get("pmacct"):
            out += ["- darkscope at %.1fx pmacctd's zero-loss rate (goal >= 10x): %s"
                    % (ds / e2e_max["pmacct"], verdict(ds >= 10 * e2e_max["pmacct"]))]
        out += ["", "Every trial (offered rate, frames sent, accounted for, lost):", "",
                "| receiver | offered pps | sent | received | lost |", "|---|---:|---:|---:|---:|"]
        out += ["| %s | %d | %d | %d | %d |" % r[:5] for r in e2e]
    text = open(md_path).read()
    new, n = re.subn(r"(<!-- BENCH:BEGIN -->\n).*?(<!-- BENCH:END -->)",
                     lambda m: m.group(1) + "\n".join(out) + "\n" + m.group(2), text, flags=re.S)
    if n != 1:
        sys.exit("%s: no BENCH:BEGIN/END markers" % md_path)
    open(md_path, "w").write(new)


if __name__ == "__main__":
    main()
