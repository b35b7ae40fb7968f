# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's passes by the C engine (`darkscope aggregate`), behind the
same calls as the Python passes (report_data._FileEngine), so that
darkscope-report gives the same report from either.

One run of the binary does every pass at once (two threads, the files cut
between them); the calls then rebuild each pass's result from its output
(report_engine.py).  What the Python reader would have warned about comes
back as events, worded here as reader.py words them and replayed into the
report's log in the order the Python passes would have met them: per pass
(ports, previous ports, flows, previous flows, sensor), first what choosing
its files said, then its reading's events in merge order."""
import os
import tempfile

from . import reader as _reader
from . import report_engine as _engine
from .report_keys import label, pkey_of
from .report_reading import ReadError

# The passes in the order report_data._passes runs them: (C name, series,
# period, window: "current" or "previous").
ORDER = (("ports-current", "ports", "current"), ("ports-previous", "ports", "previous"),
         ("flows-current", "flows", "current"), ("flows-previous", "flows", "previous"),
         ("sensor-current", "sensor", "current"))


class _Recorder:
    """Stands in for the report's log while files are chosen: keeps what
    was said, in order, for the replay."""
    def __init__(self):
        self.said = []

    def warn(self, msg):
        self.said.append(("warn", msg))

    def note(self, msg):
        self.said.append(("note", msg))


def _text(h):
    return bytes.fromhex(h).decode("utf-8", "replace") if h != "-" else ""


# What reader.py (or report_netinfo.py) says for each kind of C event: a
# format of path, num, num2, text, series, err (num's strerror), version
# (text as a number), ours (the reader's version) and first (text cut).
MESSAGES = {
    "open": "{path}: cannot open: {err}",
    "read": "{path}: read failed: {err}",
    "corrupt": "{path}: corrupt member at byte {num} ({text}): rest of file skipped",
    "truncated": "{path}: truncated member at byte {num} ({num2} bytes present): discarded",
    "series-line": "{path}: malformed line '{text}': rest of file skipped",
    "newer": "{path}: format version {version} is newer than this reader reads ({ours}): "
             "skipped",
    "other-series": "{path}: holds the {text} series, not {series}: skipped",
    "no-header": "{path}: data row before any column header: rest of file skipped",
    "bad-rows": "{path}: {num} malformed row(s) skipped, first: {first}",
    "bad-src": "flows: malformed src {text_repr}; counted as unknown region",
}


def event_message(kind, path, num, num2, text, series):
    """The Python reader's warning for one C event."""
    fmt = MESSAGES.get(kind)
    if fmt is None:
        raise ValueError(f"darkscope aggregate: unknown event {kind!r}")
    return fmt.format(path=path, num=num, num2=num2, text=text, series=series,
                      err=os.strerror(num) if kind in ("open", "read") else "",
                      version=int(text) if kind == "newer" else "",
                      ours=_reader.FORMAT_VERSION, first=repr(text[:120]),
                      text_repr=repr(text))


class CEngine:
    """The passes of one report (files, windows and cfg fixed), run once."""

    def __init__(self, binary, cfg, files, current, previous, log):
        self.binary = binary
        self.cfg = cfg
        self.files = files
        self.current = current
        self.previous = previous.whole() if previous else None
        self.log = log
        self.r = None

    def _windows(self, period):
        return self.current if period == "current" else self.previous

    def _select(self, series, window):
        """SeriesFiles.select(), what it says recorded: (chosen, said)."""
        real_log = self.files.log
        rec = self.files.log = _Recorder()
        try:
            chosen = self.files.select(series, window)
        finally:
            self.files.log = real_log
        return chosen, rec.said

    def _aggregate(self, lines, current, previous, more=()):
        """Run the binary on the file lines; its output parsed."""
        cfg = self.cfg
        with tempfile.TemporaryDirectory(prefix="darkscope-report-") as tmp:
            lst = os.path.join(tmp, "files.tsv")
            nets = os.path.join(tmp, "nets.tsv")
            with open(lst, "w", encoding="utf-8") as f:
                f.writelines(lines)
            with open(nets, "w", encoding="utf-8") as f:
                f.writelines(_engine.net_table(cfg.regiondb, cfg.known_scanners))
            extra = ["--nets", nets, "--top", str(cfg.top),
                     "--fig3-pkey", str(pkey_of(*cfg.port)),
                     "--surge-min", str(cfg.surge_min_packets), *more]
            if cfg.region:
                extra += ["--fig3-region", cfg.region]
            if cfg.exclude_known:
                extra.append("--exclude-known")
            try:
                return _engine.run(self.binary, lst, current, previous, extra=extra)
            except RuntimeError as e:
                raise ReadError(str(e)) from None

    def _replay(self, r, said, paths, passes):
        """What choosing the files said, then the reading's events, per
        pass: passes is [(agg pass name, series)] in the Python order."""
        events = {}
        for pass_name, kind, index, num, num2, text in r["events_raw"]:
            events.setdefault(pass_name, []).append((kind, index, num, num2, text))
        for name, series in passes:
            for how, msg in said.get(name, ()):
                getattr(self.log, how)(msg)
            for kind, index, num, num2, text in events.get(name, ()):
                path = paths[name][index] if index < len(paths.get(name, ())) else "?"
                self.log.warn(event_message(kind, path, num, num2, _text(text), series))
            if name == "ports-current" and r.get("ports_unordered"):
                self.log.warn("ports rows were not in time order; per-sensor shares of "
                              "surges may be incomplete")

    def _run(self):
        """Choose each pass's files (what that says recorded per pass), run
        the binary, replay the log."""
        said, paths, lines = {}, {}, []
        for name, series, period in ORDER:
            window = self._windows(period)
            if window is None:
                continue
            chosen, said[name] = self._select(series, window)
            paths[name] = [p for _, _, p in chosen]
            lines += _engine.file_lines(name, chosen)
        self.r = self._aggregate(lines, self.current, self.previous)
        self.nfiles = {name: len(p) for name, p in paths.items()}
        self._replay(self.r, said, paths, [(name, series) for name, series, _ in ORDER])

    def _result(self):
        if self.r is None:
            self._run()
        return self.r

    # The calls of report_data._passes (arguments as the Python passes take
    # them; what they say is fixed at construction).
    def read_ports(self, files, window, surge_min, log):
        return _engine.ports_pass(self._result(), window, self.nfiles.get("ports-current", 0))

    def read_ports_previous(self, files, window):
        return _engine.previous_ports(self._result(), self.nfiles.get("ports-previous", 0))

    def read_flows(self, files, window, nets, hostbits, candidates, fig3_key, region,
                   nscanners, exclude):
        return _engine.flows_pass(self._result(), window, self.nfiles.get("flows-current", 0),
                                  nscanners)

    def read_flows_previous(self, files, window, nets, exclude):
        return _engine.previous_flows(self._result(), self.nfiles.get("flows-previous", 0))

    def read_sensor(self, files, window):
        return _engine.sensor_pass(self._result(), self.nfiles.get("sensor-current", 0))

    def read_flows_sources(self, files, window, nets, hostbits, ports, exclude, log):
        """The fallback pass (report_pass_flows.read_flows_sources): ports
        --exclude-known lifted into the top N, read again by the binary."""
        log.note("a second pass over the flows series was needed for the distinct "
                 "sources of " + ", ".join(label(p) for p in sorted(ports)))
        chosen, said = self._select("flows", window)
        paths = {"flows-sources": [p for _, _, p in chosen]}
        r = self._aggregate(_engine.file_lines("flows-current", chosen), window, None,
                            [x for p in sorted(ports) for x in ("--source", str(p))])
        self._replay(r, {"flows-sources": said}, paths, [("flows-sources", "flows")])
        stats = _engine._stats(r, "flows-sources", "flows", "current (sources)", len(chosen))
        return {p: r["cand_sources"].get(p, 0) for p in ports}, stats
