# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""report_engine.py - the C engine (`darkscope aggregate`) for the report's
passes: the file list it reads (the files SeriesFiles.select() chose) and
its TSV output read back (user/analysis/agg_output.c says the records).

darkscope-report uses it with --engine c (and auto, the default, when the
binary is there).  With --exclude-known its output has the known scanners'
rows per (bin, sensor, port) and per previous port, from which
report_exclude.py makes its subtractions as for the Python passes."""
import os
import shutil
import subprocess
from array import array

from .report_counts import Counts, DailyCounts
from .report_pass_flows import FlowsPass, KnownScannerCounts, PreviousFlows
from .report_pass_ports import PortsPass, PreviousPorts
from .report_pass_sensor import SensorHealth, SensorPass
from .report_reading import PassStats, _fallback_sensor

# The passes as agg_files.c names them: (name, series, period).
PASSES = (("ports-current", "ports", "current"), ("ports-previous", "ports", "previous"),
          ("sensor-current", "sensor", "current"), ("flows-previous", "flows", "previous"),
          ("flows-current", "flows", "current"))


def _hex(text):
    return os.fsencode(text).hex() or "-"


def file_lines(name, chosen):
    """The file list's lines of pass name for SeriesFiles.select()'s
    [(start, sensor_dir, path)]: PASS START END FALLBACK-HEX PATH-HEX."""
    return [f"{name}\t{start or 0}\t0\t{_hex(_fallback_sensor(sensor_dir))}\t{_hex(path)}\n"
            for start, sensor_dir, path in chosen]


def file_list(files, current, previous):
    """The lines of the file list for SeriesFiles files and the two windows
    (previous may be None)."""
    out = []
    for name, series, period in PASSES:
        window = current if period == "current" else previous
        if window is not None:
            out += file_lines(name, files.select(series, window))
    return out


def find_binary():
    """The darkscope binary: $DARKSCOPE, the build tree's, or PATH's; None."""
    env = os.environ.get("DARKSCOPE")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, "..", "..", "build", "darkscope")
    if os.access(built, os.X_OK):
        return os.path.normpath(built)
    return shutil.which("darkscope")


def run(binary, list_path, current, previous, threads=2, extra=()):
    """Run `darkscope aggregate`; its output parsed (see parse())."""
    argv = [binary, "aggregate", "--files", list_path, "--from", str(current.t_from),
            "--to", str(current.t_to), "--bin", str(current.bin), "--threads", str(threads)]
    if previous is not None:
        argv += ["--previous-from", str(previous.t_from), "--previous-to", str(previous.t_to)]
    argv += list(extra)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode:
        raise RuntimeError(f"darkscope aggregate failed ({proc.returncode}): "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return parse(proc.stdout.decode())


def _name(h):
    return "" if h == "-" else bytes.fromhex(h).decode("utf-8", "surrogateescape")


def parse(text):
    """A dict of the records: totals {pkey: (packets, syn, mirai)}, daily
    {pkey: {bin: packets}}, sensor_ports {(sensor, pkey): packets},
    prev_ports {pkey: packets}, health {sensor: (rows, map_full,
    write_dropped, bins)}, regions, prev_regions, sources, cand_sources,
    passes {name: rows}, events [(pass, kind, file, num, num2, text)]."""
    r = {"totals": {}, "daily": {}, "sensor_ports": {}, "prev_ports": {}, "health": {},
         "regions": {}, "prev_regions": {}, "prev_total": None, "sources": None,
         "cand_sources": {}, "passes": {}, "events": [], "events_raw": []}
    for line in text.splitlines():
        f = line.split("\t")
        kind = f[0]
        if kind == "pass":
            r["passes"][f[1]] = int(f[2])
            r.setdefault("seconds", {})[f[1]] = float(f[3])
        elif kind == "event":
            r["events"].append((f[1], f[2], int(f[3]), int(f[4]), int(f[5]), _name(f[6])))
            r.setdefault("events_raw", []).append((f[1], f[2], int(f[3]), int(f[4]),
                                                   int(f[5]), f[6]))
        elif kind == "ports-unordered":
            r["ports_unordered"] = True
        elif kind == "port":
            r["totals"][int(f[1])] = tuple(int(x) for x in f[2:5])
        elif kind == "port-bin":
            r["daily"].setdefault(int(f[1]), {})[int(f[2])] = int(f[3])
        elif kind == "sensor-port":
            r["sensor_ports"][(_name(f[1]), int(f[2]))] = int(f[3])
        elif kind == "health-bin":
            r.setdefault("health_bins", {}).setdefault(_name(f[1]), set()).add(int(f[2]))
        elif kind == "sensor-total":
            r.setdefault("sensor_totals", {})[_name(f[1])] = tuple(int(x) for x in f[2:5])
        elif kind == "sensor-bin":
            r.setdefault("sensor_daily", {}).setdefault(_name(f[1]), {})[int(f[2])] = int(f[3])
        elif kind == "cell":
            r.setdefault("cells", {})[(int(f[1]), _name(f[2]), int(f[3]))] = int(f[4])
        elif kind == "prev-port":
            r["prev_ports"][int(f[1])] = int(f[2])
        elif kind == "health":
            r["health"][_name(f[1])] = tuple(int(x) for x in f[2:6])
        elif kind == "region":
            r["regions"][f[1]] = tuple(int(x) for x in f[2:5])
        elif kind == "prev-region":
            r["prev_regions"][f[1]] = int(f[2])
        elif kind == "prev-total":
            r["prev_total"] = int(f[1])
        elif kind == "sources":
            r["sources"] = (int(f[1]), int(f[2]))
        elif kind == "cand-sources":
            r["cand_sources"][int(f[1])] = int(f[2])
        elif kind == "region-bin":
            r.setdefault("region_daily", {}).setdefault(f[1], {})[int(f[2])] = int(f[3])
        elif kind == "region-sources":
            r.setdefault("region_sources", {})[f[1]] = (int(f[2]), int(f[3]))
        elif kind == "fig3":
            r.setdefault("fig3", {})[int(f[1])] = (int(f[2]), int(f[3]))
        elif kind == "known":
            r.setdefault("known", {})[int(f[1])] = tuple(int(x) for x in f[2:6])
        elif kind == "known-port":
            r.setdefault("known_ports", {}).setdefault(int(f[1]), {})[int(f[2])] = int(f[3])
        elif kind == "flows-packets":
            r["flows_packets"] = (int(f[1]), int(f[2]))
        elif kind == "known-cell":
            r.setdefault("known_cells", []).append(
                ((int(f[1]), _name(f[2]), int(f[3])), Counts(int(f[4]), int(f[5]), int(f[6]))))
        elif kind == "prev-known-port":
            r.setdefault("prev_known_ports", {})[int(f[1])] = int(f[2])
        else:
            raise ValueError(f"darkscope aggregate: unknown record {kind!r}")
    return r


def net_table(regiondb, known_scanners):
    """The lines of the /24 table (user/analysis/net_table.h): countries,
    their address ranges, the known scanners' prefixes."""
    out = []
    index = {}
    if regiondb is not None:
        for cc in sorted(set(regiondb.ccs)):
            index[cc] = len(index)
            out.append(f"cc\t{cc}\n")
        for start, end, cc in zip(regiondb.starts, regiondb.ends, regiondb.ccs):
            out.append(f"range\t{start}\t{end}\t{index[cc]}\n")
    if known_scanners is not None:
        out.append(f"scanners\t{len(known_scanners.names)}\n")
        for shift in known_scanners._shifts:
            for key, i in sorted(known_scanners._by_len[shift].items()):
                out.append(f"prefix\t{shift}\t{key}\t{i}\n")
    return out


def _daily(counts, bins, nbins):
    d = array("q", bytes(8 * nbins))
    for b, x in bins.items():
        d[b] = x
    return DailyCounts(*counts, d)


def _stats(r, name, series, period, nfiles):
    st = PassStats(series, period)
    st.files = nfiles
    st.rows = r["passes"].get(name, 0)
    st.seconds = r.get("seconds", {}).get(name, 0.0)
    return st


def ports_pass(r, window, nfiles):
    """The current ports pass (report_pass_ports.read_ports) from the output."""
    nb = window.nbins
    totals = {k: _daily(c, r["daily"].get(k, {}), nb) for k, c in r["totals"].items()}
    sensor_totals = {s: _daily(c, r.get("sensor_daily", {}).get(s, {}), nb)
                     for s, c in r.get("sensor_totals", {}).items()}
    day_totals = array("q", bytes(8 * nb))
    for st in sensor_totals.values():
        for b, x in enumerate(st.daily):
            day_totals[b] += x
    return PortsPass(totals, dict(r["sensor_ports"]), sensor_totals, day_totals,
                     dict(r.get("cells", {})), sum(day_totals),
                     _stats(r, "ports-current", "ports", "current", nfiles))


def previous_ports(r, nfiles):
    return PreviousPorts(dict(r["prev_ports"]),
                         _stats(r, "ports-previous", "ports", "previous", nfiles))


def sensor_pass(r, nfiles):
    """The sensor pass (report_pass_sensor.read_sensor) from the output."""
    health = {}
    bins = r.get("health_bins", {})
    for s, (rows, map_full, dropped, _) in r["health"].items():
        health[s] = SensorHealth(rows, map_full, dropped, set(bins.get(s, ())))
    return SensorPass(health, _stats(r, "sensor-current", "sensor", "current", nfiles))


def _cc(text):
    return None if text == "-" else text


def flows_pass(r, window, nfiles, nscanners):
    """The current flows pass (report_pass_flows.read_flows) from the output."""
    nb = window.nbins
    rd = r.get("region_daily", {})
    region_totals = {_cc(cc): _daily(c, rd.get(cc, {}), nb) for cc, c in r["regions"].items()}
    rs = r.get("region_sources", {})
    fig3 = r.get("fig3", {})
    known = []
    for i in range(nscanners):
        packets, syn, mirai, hosts = r.get("known", {}).get(i, (0, 0, 0, 0))
        known.append(KnownScannerCounts(Counts(packets, syn, mirai), hosts,
                                        dict(r.get("known_ports", {}).get(i, {}))))
    packets_all, kept = r.get("flows_packets", (0, 0))
    return FlowsPass(region_totals, {_cc(cc): v[0] for cc, v in rs.items()},
                     {_cc(cc): v[1] for cc, v in rs.items()}, dict(r["cand_sources"]),
                     [fig3.get(b, (0, 0))[1] for b in range(nb)],
                     [fig3.get(b, (0, 0))[0] for b in range(nb)], known,
                     dict(r.get("known_cells", [])), kept, packets_all,
                     _stats(r, "flows-current", "flows", "current", nfiles))


def previous_flows(r, nfiles):
    """The previous flows pass (read_flows_previous)."""
    return PreviousFlows({_cc(cc): v for cc, v in r["prev_regions"].items()},
                         dict(r.get("prev_known_ports", {})),
                         r["prev_total"] or 0,
                         _stats(r, "flows-previous", "flows", "previous", nfiles))
