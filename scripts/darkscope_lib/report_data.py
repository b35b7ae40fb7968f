# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Aggregation for darkscope-report: one streaming pass per series and period.

build_report(cfg) reads the `ports`, `flows` and `sensor` series of the
report period (and the `ports` and `flows` series of the previous period),
and returns the whole report as a JSON-able dict: the tables, the daily
series behind the figures, the notable changes and the footer.  Rows are
never held: every pass folds them into per-port, per-region, per-day and
per-/24 counters.  report_render.py turns the dict into Markdown and HTML,
report_figures.py into PNGs; report.json is the dict as it is.

This module runs the passes in their data order and hands their results
to the assembly; each step is its own module:

  report_pass_ports   ports series: exact per-port, per-sensor, daily packets
  report_pass_flows   flows series: regions, distinct sources, Figure 3, scanners
  report_pass_sensor  sensor series: days with data, overflow counters
  report_exclude      --exclude-known applied to the ports numbers
  report_ranking      rankings, previous ranks, "entered the top 10"
  report_surges       surges and one-sensor spikes
  report_sensors      per-sensor and per-group tables
  report_assemble     the report dict
  known_scanners      the --known-scanners file and its /24 matching
  (helpers: report_period, report_keys, report_counts, report_hosts,
   report_netinfo, report_reading, report_log)

Definitions (docs/SCRIPTS.md, "Report", says the same for users):

- Period: --from 00:00:00Z to --to 24:00:00Z, rows with from <= ts < to+1d
  (or from one instant to another, when given with a time of day).
  Bin i of a figure holds the rows with ts in [from + i*bin, +bin); the bin
  is a day for periods over a week, an hour up to a week, a minute up to 6
  hours, a second up to 10 minutes, never finer than the sensors' interval
  (report_period.choose_bin).  Every "daily" number below is per bin.
- Previous period (--previous auto): the previous calendar quarter (month,
  year, N calendar months) when the period is exactly that; otherwise the
  same length just before it (report_period.previous_window).
- Port numbers (packets, SYNs, Mirai SYNs, daily and per-sensor packets)
  come from the `ports` series, which is exact even when the sensor's flow
  table was full.  Everything that needs a source address (regions,
  distinct sources, Figure 3, known scanners) comes from `flows`.
- Distinct sources: distinct source IPv4 addresses over the whole period,
  all sensors together: per /24, the union of the `src_hosts` lists, then
  counted (FORMAT.md, "Distinct sources across rows").
- Rankings: by packets, descending; ties by port number then protocol
  (tcp, udp, icmp), or by country code.  Sources of unknown country are
  summed as "unknown" and never ranked.
- Previous rank: the rank in the previous period if it is within the top
  max(10, N); "out of top 10" (top N when N > 10) if the port or region had
  packets then but ranked lower; "new" if it had no packets at all in the
  previous period; null when there is no previous period or it holds no
  data.
- Figure 3 (region R, port P): per day, the distinct sources in R that sent
  anything to P.  "Mirai" = sources that sent at least one Mirai-signature
  SYN to P that day (their address is in a `mirai_hosts` list);
  "non-Mirai" = the others.  The two are disjoint and add up to the total:
  a source that sent both kinds is counted once, as Mirai (the series
  cannot tell whether a Mirai host also sent non-Mirai packets).
- Surge: day d of the period (d >= 1) for a port when its packets that day
  are >= surge_min_packets and > surge_factor times the median of its daily
  packets on the up to 7 days before d inside the period (missing days count
  as 0).  Consecutive surge days of one port form one surge.  Each surge
  gives every sensor's share of the port's packets on the surge days; when
  at least two sensors reported data in the period and one of them carries
  >= 80 % of those packets, the surge is called a one-sensor spike.
- Known scanners (--known-scanners): a flows row belongs to a scanner when
  its source /24 lies in one of the scanner's networks (networks longer
  than /24 match their whole /24: the series has no finer resolution).
  With --exclude-known those rows are removed from every table and figure
  except the known-scanners table; port numbers taken from the `ports`
  series get the scanners' packets (from `flows`) subtracted.
"""
import os

from . import report_engine
from . import report_pass_flows as _flows
from .clickhouse_client import ClickHouseError
from .report_assemble import PassResults, assemble
from .report_c_engine import CEngine
from .report_exclude import exclude_known
from .report_hosts import HostBits
from .report_keys import pkey_of
from .report_log import ReportLog
from .report_netinfo import SourceNets
from .report_pass_ports import PreviousPorts, read_ports, read_ports_previous
from .report_interval import series_interval
from .report_pass_sensor import read_sensor
from .report_period import DAY, Window, choose_bin, previous_window, raise_to_interval
from .report_ranking import rank_ports
from .report_surges import read_surge_cells
from .report_reading import ReadError, SeriesFiles


class ReportError(Exception):
    """A problem that stops the report (bad input the user must fix)."""


class ReportConfig:
    """Everything build_report() needs; the CLI fills it from its options."""

    def __init__(self, paths, date_from, date_to, previous="auto", regiondb=None,
                 top=5, region="JP", port=("tcp", 23), known_scanners=None,
                 exclude_known=False, sensor_locations=None, surge_factor=3.0,
                 surge_min_packets=1000, warnings=None, bin=None, clickhouse=None,
                 engine="auto"):
        self.paths = list(paths)
        # Who runs the passes over files: "c" (darkscope aggregate), "python"
        # (report_pass_*.py), or "auto": c when the binary is found (see
        # _engine)
        self.engine = engine
        # HOST:PORT/DB (or a clickhouse_client.Client): the passes query that
        # database instead of reading paths (clickhouse_report.py)
        self.clickhouse = clickhouse
        # datetime.date (whole days, both included) or aware UTC
        # datetime.datetime (an instant; date_to's excluded), as
        # report_period.parse_when gives them
        self.date_from = date_from
        self.date_to = date_to
        self.previous = previous  # "auto", "none" or (date, date)
        self.regiondb = regiondb
        self.top = top
        self.region = region
        self.port = port  # (proto, number)
        self.known_scanners = known_scanners  # KnownScanners or None
        self.exclude_known = exclude_known
        self.sensor_locations = dict(sensor_locations or {})
        self.surge_factor = surge_factor
        self.surge_min_packets = surge_min_packets
        self.warnings = list(warnings or [])  # already printed (region DB, scanners file)
        self.bin = bin  # figure bin in seconds (--bin), or None: chosen from the period


def candidate_ports(totals, top, exclude_known):
    """Ports whose distinct sources the flows pass tracks: the top N by
    the ports series, which is final unless --exclude-known subtracts
    scanners' packets; then the top 2N, and a fallback pass for any port
    that still moves into the top N from further down."""
    n = top * 2 if exclude_known else top
    return {k for k, _ in rank_ports({k: v.packets for k, v in totals.items()})[:n]}


def sensors_in_read_order(ports, flows, sensor):
    """Every sensor name, in the order the passes first read it."""
    excluded = (s for _, s, _ in flows.known_cells)
    return list(dict.fromkeys([*ports.sensor_totals, *excluded, *sensor.health]))


def _log_of(cfg):
    warnings = list(cfg.warnings)
    if cfg.known_scanners is not None:
        warnings += [w for w in cfg.known_scanners.warnings if w not in warnings]
    return ReportLog(warnings)


def _passes(cfg, current, previous, log, files=None):
    files = files or SeriesFiles(cfg.paths, log)
    engine = _engine(files, cfg, current, previous, log)
    nets = SourceNets(cfg.regiondb, cfg.known_scanners, log)
    hostbits = HostBits()
    exclude = cfg.exclude_known
    fig3_key = pkey_of(*cfg.port)
    stats = []

    ports = engine.read_ports(files, current, cfg.surge_min_packets, log)
    stats.append(ports.stats)
    prev_ports = (engine.read_ports_previous(files, previous.whole()) if previous
                  else PreviousPorts({}, None))
    candidates = candidate_ports(ports.totals, cfg.top, exclude) | {fig3_key}
    nscanners = len(cfg.known_scanners.names) if cfg.known_scanners else 0
    flows = engine.read_flows(files, current, nets, hostbits, candidates, fig3_key, cfg.region,
                              nscanners, exclude)
    prev_flows = (engine.read_flows_previous(files, previous.whole(), nets, exclude) if previous
                  else _flows.no_previous_flows())
    sensor = engine.read_sensor(files, current)
    stats += [p.stats for p in (prev_ports, flows, prev_flows, sensor) if p.stats]
    sensors = sensors_in_read_order(ports, flows, sensor)
    prev_port_totals = prev_ports.totals
    if exclude:
        ports, prev_port_totals = exclude_known(ports, prev_port_totals, flows, prev_flows, log)
    ports = read_surge_cells(ports, current.nbins, cfg.surge_factor, cfg.surge_min_packets)
    ranked = rank_ports({k: v.packets for k, v in ports.totals.items()})
    port_sources = flows.port_sources
    missing = {k for k, _ in ranked[:cfg.top] if k not in port_sources}
    if missing:
        extra, extra_stats = engine.read_flows_sources(files, current.whole(), nets, hostbits, missing,
                                                       exclude, log)
        port_sources = {**port_sources, **extra}
        stats.append(extra_stats)
    return PassResults(ports, prev_port_totals, flows, prev_flows, sensor, port_sources,
                       ranked, sensors, stats)


class _FileEngine:
    """The passes over series files (the default engine)."""
    read_ports = staticmethod(read_ports)
    read_ports_previous = staticmethod(read_ports_previous)
    read_flows = staticmethod(_flows.read_flows)
    read_flows_previous = staticmethod(_flows.read_flows_previous)
    read_flows_sources = staticmethod(_flows.read_flows_sources)
    read_sensor = staticmethod(read_sensor)


def _engine(files, cfg, current, previous, log):
    """The pass functions for files: a ClickHouseSource's queries, or over a
    SeriesFiles the C engine or the Python passes (cfg.engine): auto takes
    the C engine when the binary is there."""
    if not isinstance(files, SeriesFiles):
        from . import clickhouse_report
        return clickhouse_report
    if cfg.engine == "python":
        return _FileEngine
    binary = report_engine.find_binary()
    if not binary:
        why = "the darkscope binary was not found ($DARKSCOPE, build/, PATH)"
    elif not os.access(binary, os.X_OK):
        why = f"{binary}: not an executable"
    else:
        why = None
    if why is None:
        return CEngine(binary, cfg, files, current, previous, log)
    if cfg.engine == "c":
        raise ReportError(f"--engine c: {why}")
    return _FileEngine


def build_report(cfg):
    """Read the series and return the report dict (see module docstring)."""
    log = _log_of(cfg)
    source = None
    if cfg.clickhouse is not None:
        from .clickhouse_report import ClickHouseSource
        source = ClickHouseSource(cfg.clickhouse, log)
    try:
        current, interval = current_window(cfg, source)
        previous, rule = previous_window(current, cfg.previous)
        results = _passes(cfg, current, previous, log, source)
    except (ReadError, ClickHouseError) as e:
        raise ReportError(str(e)) from None
    finally:
        if source is not None:
            source.close()
    report = assemble(cfg, current, previous, results, log, previous_rule=rule,
                      interval=interval)
    if source is not None:
        report["footer"]["paths"] = [f"clickhouse://{source.spec}"]
    return report


def current_window(cfg, source=None):
    """(the report period's Window with its figure bin, the sensors' interval
    that bin had to respect or None).  The interval is only looked up for
    periods of a week or less: day bins are never finer than an interval.
    A bin given with --bin is raised the same way."""
    window = Window.of_when(cfg.date_from, cfg.date_to)
    width = cfg.bin or choose_bin(window.seconds)
    interval = None
    if width < DAY:
        interval = (source.interval(window) if source is not None
                    else series_interval(cfg.paths, window))
        width = choose_bin(window.seconds, interval) if cfg.bin is None \
            else raise_to_interval(width, interval)
    return window.with_bin(width), interval
