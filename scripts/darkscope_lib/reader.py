# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope_lib.reader - stream the rows of darkscope series files.

The files are described exactly in docs/FORMAT.md: hourly
`<series>-YYYY-MM-DDTHH.tsv.gz` files per sensor directory, each a sequence
of gzip members holding tab-separated text, with `#` comment lines and
`ts\\t...` column-header lines (a header can come again mid-file).

    from darkscope_lib import reader
    for row in reader.iter_rows(["/data/sensors"], "flows", t_from, t_to):
        row["sensor"], row["proto"], row["dport"], row["src_hosts"]  # ...

    for ts, proto, dport, packets in reader.iter_rows_fast(
            ["/data/sensors"], "ports", columns=("ts", "proto", "dport", "packets")):
        ...

Behaviour, the same as `darkscope read` (user/cli/cmd_read.c, user/series/ts_reader.c):

- PATH: a file (read whatever its name), a sensor's directory (its
  `<series>-*.tsv.gz` files), or a directory of sensor directories (one
  level down).  Names starting with `.` are skipped.  A PATH that does not
  exist raises FileNotFoundError.
- Rows come out in `ts` order across all files; rows with equal `ts` keep
  the order of the paths (and of the names within a directory).  Files are
  opened lazily in hour order, so memory stays at one gzip member per file
  of the current hour, however long the period, and a member over _HOLD
  bytes of text is parsed in slices (_members), so at most about _HOLD per
  file whatever the member's size.
- Only complete gzip members are used.  A truncated last member is skipped
  with a warning naming the file and the byte offset where it starts; corrupt
  data (bad CRC, invalid deflate) keeps the members before it and skips the
  rest of that file, with a warning.  An unreadable file is a warning too.
- Columns are taken by name from the most recent column header.  Unknown
  columns are kept; a file holding another series, or a format version newer
  than 1, is skipped with a warning.
- `sensor` is the file's `# sensor:` comment, or the name of the file's
  directory when the file has none.

Values: `proto`, `src` and unknown non-numeric columns are str; host lists
(`src_hosts`, `mirai_hosts`) are tuples of ints; `drain_ms`/`write_ms`
(3 decimals) are float; every other column is int.
"""
import calendar
import errno
import heapq
import os
import re
import sys
import zlib

from . import series_columns

__all__ = ["SERIES", "FORMAT_VERSION", "COLUMNS", "PROTOS", "find_files", "iter_rows",
           "iter_rows_fast", "iter_chunks_fast", "iter_chunks_of", "file_hour", "parse_hosts",
           "hosts_mask"]

SERIES = ("flows", "ports", "sensor")
FORMAT_VERSION = 1

# The columns the C writer writes today (user/series/series_format.c, via the
# table generated from it).  Older files name theirs in their headers, and
# columns are read by name (_FileState.header), so these are only defaults.
COLUMNS = series_columns.COLUMNS
# The values of `proto`, in the order rows are sorted in (enum ds_proto_idx).
PROTOS = series_columns.PROTOS
TEXT_COLUMNS = frozenset({"proto", "src"})
HOST_COLUMNS = frozenset({"src_hosts", "mirai_hosts"})
DECIMAL_COLUMNS = frozenset({"drain_ms", "write_ms"})
INT_COLUMNS = frozenset(c for cols in COLUMNS.values() for c in cols) - TEXT_COLUMNS \
    - HOST_COLUMNS - DECIMAL_COLUMNS

_READ_CHUNK = 1 << 20   # bytes read from a file at once
_FEED = 1 << 16         # bytes offered to zlib at once (bounds unused_data copies)
_HOLD = 8 << 20         # a member's text up to this size is parsed whole
_SLICE = 1 << 20        # larger members' text is parsed in slices of about this size
_NAME_RE = re.compile(r"^(.+)-(\d{4})-(\d{2})-(\d{2})T(\d{2})\.tsv\.gz$")
_DECIMAL_RE = re.compile(r"^\d+\.\d+$")
_CACHE_MAX = 1 << 18


def _default_warning(msg):
    print(f"darkscope: {msg}", file=sys.stderr)


def parse_hosts(text):
    """`[1,17,200]` -> (1, 17, 200); `[]` -> (); ValueError if malformed."""
    if len(text) < 2 or text[0] != "[" or text[-1] != "]":
        raise ValueError(f"not a host list: {text!r}")
    inner = text[1:-1]
    if not inner:
        return ()
    return tuple(int(x) for x in inner.split(","))


class _HostCache(dict):
    """str -> tuple of hosts; a darknet repeats the same short lists a lot."""

    def __missing__(self, key):
        value = parse_hosts(key)
        if len(self) >= _CACHE_MAX:
            self.clear()
        self[key] = value
        return value


_HOSTS = _HostCache()
_MASKS = {}


def hosts_mask(hosts):
    """Host tuple (or list) -> 256-bit int bitmap (bit h set for host h)."""
    m = 0
    for h in hosts:
        m |= 1 << h
    return m


def _generic(text):
    """A value of a column this reader does not know."""
    if text.isdigit():
        return int(text)
    if _DECIMAL_RE.match(text):
        return float(text)
    if text.startswith("[") and text.endswith("]"):
        try:
            return parse_hosts(text)
        except ValueError:
            pass
    return text


def _converter_code(name):
    """Expression template converting field text `{}` of column name."""
    if name in TEXT_COLUMNS:
        return "{}"
    if name in HOST_COLUMNS:
        return "H[{}]"
    if name in DECIMAL_COLUMNS:
        return "float({})"
    if name in INT_COLUMNS:
        return "int({})"
    return "G({})"


def _converter(name):
    if name in TEXT_COLUMNS:
        return str
    if name in HOST_COLUMNS:
        return _HOSTS.__getitem__
    if name in DECIMAL_COLUMNS:
        return float
    if name in INT_COLUMNS:
        return int
    return _generic


def file_hour(name):
    """(series, hour as unix seconds) from `<series>-YYYY-MM-DDTHH.tsv.gz`, or None."""
    m = _NAME_RE.match(os.path.basename(name))
    if not m:
        return None
    y, mo, d, h = (int(x) for x in m.group(2, 3, 4, 5))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and y >= 1970):
        return None
    if d > calendar.monthrange(y, mo)[1]:
        return None
    return m.group(1), calendar.timegm((y, mo, d, h, 0, 0))


def _collect(paths, series, on_warning, keep_duplicates=False):
    """[(hour, seq, sensor_dir, path)] in (hour, seq) order; hour None when
    the name does not tell it (explicit files), sorted as 0.  keep_duplicates:
    list a file reached twice each time, for a caller that sorts them out
    itself (the report, which also drops a duplicate's rollups)."""
    if series not in SERIES:
        raise ValueError(f"series must be one of {', '.join(SERIES)}, not {series!r}")
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    warn = on_warning or _default_warning
    found = []
    seen = {}  # (st_dev, st_ino) -> the path it was first found as

    def add(path, sensor_dir, hour, st):
        # A file reached twice (a path given twice, a directory and a file
        # in it, a symlink) is read once: its rows must not count twice.
        first = seen.get((st.st_dev, st.st_ino))
        if first is not None and not keep_duplicates:
            warn(f"{path}: the same file as {first}: read once")
            return
        seen.setdefault((st.st_dev, st.st_ino), path)
        found.append((hour, len(found), sensor_dir, path))

    def scan(d, depth):
        try:
            names = sorted(os.listdir(d))
        except OSError as e:
            warn(f"{d}: {e.strerror}")
            return
        for name in names:
            if name.startswith("."):
                continue
            p = os.path.join(d, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if os.path.stat.S_ISDIR(st.st_mode):
                if depth > 0:
                    scan(p, depth - 1)
            elif os.path.stat.S_ISREG(st.st_mode):
                sh = file_hour(name)
                if sh and sh[0] == series:
                    add(p, d, sh[1], st)

    for p in paths:
        p = os.fspath(p)
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), p) from None
        if os.path.stat.S_ISDIR(st.st_mode):
            scan(p, 1)
        else:
            sh = file_hour(p)
            add(p, os.path.dirname(p) or ".", sh[1] if sh else None, st)
    found.sort(key=lambda x: (x[0] or 0, x[1]))
    return found


def find_files(paths, series, on_warning=None, keep_duplicates=False):
    """Series files under paths: [(sensor_dir_path, file_path)], sorted by hour.

    paths: files (taken whatever their name), sensor directories, or
    directories of sensor directories (one level).  Files of equal hour keep
    the order of paths and, within a directory, of names.  A file whose name
    carries no hour sorts first (hour 0), as in `darkscope read`.
    Raises FileNotFoundError for a path that does not exist, ValueError for
    an unknown series; an unreadable directory is a warning.  A file
    reached twice is listed once, with a warning, unless keep_duplicates.
    """
    return [(d, p) for _, _, d, p in _collect(paths, series, on_warning, keep_duplicates)]


def _members(path, warn):
    """Yield the text of each complete gzip member of the file, in order.

    A member of up to _HOLD bytes of text comes whole.  A larger one is
    first decompressed to its end without keeping anything, so that a torn
    or corrupt member is still rejected whole, then decompressed again from
    the file (_reread) and yielded in line-aligned slices of about _SLICE
    bytes: memory stays bounded whatever the member's size, and only members
    that big pay for a second decompression."""
    try:
        f = open(path, "rb")
    except OSError as e:
        warn(f"{path}: cannot open: {e.strerror}")
        return
    with f:
        d = zlib.decompressobj(47)  # gzip (or zlib) header, like the C reader
        out = []
        held = 0       # bytes in out
        big = False    # the current member is over _HOLD: out is not kept
        start = 0      # file offset where the current member starts
        total = 0      # bytes read so far
        while True:
            try:
                chunk = f.read(_READ_CHUNK)
            except OSError as e:
                warn(f"{path}: read failed: {e.strerror}")
                return
            if not chunk:
                break
            view = memoryview(chunk)
            base = total
            total += len(chunk)
            for off in range(0, len(chunk), _FEED):
                data = view[off:off + _FEED]
                end = base + off + len(data)
                while data:
                    try:
                        # At most _SLICE bytes out per call: a feed of
                        # zeros inflates a thousandfold.
                        piece = d.decompress(data, _SLICE)
                    except zlib.error as e:
                        warn(f"{path}: corrupt member at byte {start} ({e}): rest of file skipped")
                        return
                    if piece and not big:
                        out.append(piece)
                        held += len(piece)
                        if held > _HOLD:
                            big, out, held = True, [], 0
                    if not d.eof:
                        data = d.unconsumed_tail
                        continue
                    data = d.unused_data
                    member_end = end - len(data)
                    if big:
                        if not (yield from _reread(f.fileno(), start, member_end, path, warn)):
                            return
                    else:
                        yield b"".join(out)
                    out, held, big = [], 0, False
                    start = member_end
                    d = zlib.decompressobj(47)
        if total != start:
            warn(f"{path}: truncated member at byte {start} ({total - start} bytes present): "
                 "discarded")


def _reread(fd, start, end, path, warn):
    """Yield the member at file bytes [start, end), already found complete,
    in slices that end at a line's end; True when it decompressed as
    before.  pread leaves the first reading's file position alone."""
    d = zlib.decompressobj(47)
    pos = start
    rest = []      # the text after the last newline so far
    try:
        while pos < end and not d.eof:
            data = os.pread(fd, min(_READ_CHUNK, end - pos), pos)
            if not data:
                break
            pos += len(data)
            while data and not d.eof:
                piece = d.decompress(data, _SLICE)
                data = d.unconsumed_tail
                cut = piece.rfind(b"\n") + 1
                if cut:
                    rest.append(piece[:cut])
                    yield b"".join(rest)
                    rest = [piece[cut:]]
                else:
                    rest.append(piece)
    except OSError as e:
        warn(f"{path}: read failed: {e.strerror}")
        return False
    except zlib.error as e:
        d = None
        reason = f" ({e})"
    else:
        reason = ""
    if d is None or not d.eof:
        # Only a file rewritten in place between the two readings gets here.
        warn(f"{path}: member at byte {start} changed while it was read{reason}: "
             "rest of file skipped")
        return False
    tail = b"".join(rest)
    if tail:
        yield tail
    return True


class _FileState:
    """Per-file parsing state: the column map and the header comments."""

    def __init__(self, path, sensor_dir, series, warn, want):
        self.path = path
        self.series = series
        self.warn = warn
        self.want = want          # None: dict rows; else tuple of column names
        self.sensor = None
        self.fallback_sensor = os.path.basename(os.path.abspath(sensor_dir)) or sensor_dir
        self.columns = None
        self.ts_index = -1
        self.build = None         # (lines, S) -> list of rows (see _builders)
        self.build_t = None       # (lines, S, T) -> the same, every row's ts being T
        self.build_row = None     # (fields, S) -> row, tolerant
        self.ts_key = None        # where ts is in a row

    def sensor_name(self):
        return self.sensor if self.sensor is not None else self.fallback_sensor

    def comment(self, line):
        """False when the file must be skipped from here on."""
        if line.startswith("# darkscope-series:"):
            parts = line[19:].split()
            try:
                version = int(parts[1])
                name = parts[0]
            except (IndexError, ValueError):
                self.warn(f"{self.path}: malformed line '{line}': rest of file skipped")
                return False
            if version > FORMAT_VERSION:
                self.warn(f"{self.path}: format version {version} is newer than this reader "
                          f"reads ({FORMAT_VERSION}): skipped")
                return False
            if name != self.series:
                self.warn(f"{self.path}: holds the {name} series, not {self.series}: skipped")
                return False
        elif line.startswith("# sensor: "):
            self.sensor = line[10:]
        return True

    def header(self, fields):
        self.columns = list(fields)
        self.ts_index = self.columns.index("ts") if "ts" in self.columns else -1
        self.build, self.build_t, self.build_row, self.ts_key = \
            _builders(tuple(fields), self.want)
        # Rows that must be split by ts when ts is not a wanted column: built
        # with ts appended, then cut off (_emit).
        self.with_ts = None
        if self.ts_key is None:
            self.with_ts = _builders(tuple(fields), self.want + ("ts",))


_BUILDERS = {}


def _builders(columns, want):
    """(build, build_t, build_row, ts_key) for a column header and a selection; cached.

    build(lines, S) -> rows; build_t(lines, S, T) -> rows whose ts is T:
    generated code, every field access and conversion inlined (about twice
    as fast as a loop over converters).  Only indices,
    fixed converter names and repr()'d column names (string literals) go into
    its source.  build_row(fields, S) -> row tolerates short rows (missing
    columns absent / None); it is the fallback when build() raises.
    ts_key: where ts is in a row (dict key, tuple index, or None).
    """
    key = (columns, want)
    got = _BUILDERS.get(key)
    if got is not None:
        return got
    index = {c: i for i, c in enumerate(columns)}
    if want is None:
        names = [c for c in columns if c != "sensor"] + ["sensor"]
    else:
        names = list(want)
    env = {"H": _HOSTS, "G": _generic, "int": int, "float": float}

    def generate(ts_const):
        exprs = []
        for name in names:
            if name == "sensor":
                exprs.append("S")
            elif name == "ts" and ts_const and "ts" in index:
                exprs.append("T")
            elif name in index:
                exprs.append(_converter_code(name).format(f"f[{index[name]}]"))
            else:
                exprs.append("None")
        if want is None:
            body = ", ".join(f"{name!r}: {e}" for name, e in zip(names, exprs))
            body = "{" + body + "}"
        else:
            body = "(" + ", ".join(exprs) + ("," if len(exprs) == 1 else "") + ")"
        src = f"lambda L, S, T=None: [{body} for l in L for f in [l.split('\\t')]]"
        return eval(compile(src, "<darkscope_lib.reader>", "eval"), env)  # noqa: S307

    build = generate(False)
    build_t = generate(True)    # every line's ts is T: one int() less per row
    if want is None:
        convs = [(_converter(c), i, c) for i, c in enumerate(columns) if c != "sensor"]

        def build_row(f, S, convs=convs):
            n = len(f)
            row = {name: conv(f[i]) for conv, i, name in convs if i < n}
            row["sensor"] = S
            return row
        ts_key = "ts"
    else:
        spec = []
        for name in want:
            if name == "sensor":
                spec.append((None, -1))
            elif name in index:
                spec.append((_converter(name), index[name]))
            else:
                spec.append((None, -2))

        def build_row(f, S, spec=spec):
            n = len(f)
            return tuple(S if i == -1 else None if i < 0 or i >= n else conv(f[i])
                         for conv, i in spec)
        ts_key = want.index("ts") if "ts" in want else None
    if len(_BUILDERS) > 256:
        _BUILDERS.clear()
    got = _BUILDERS[key] = (build, build_t, build_row, ts_key)
    return got


def _chunks(path, sensor_dir, series, t_from, t_to, warn, want):
    """Yield (ts, rows) for runs of rows sharing one ts, in file order."""
    st = _FileState(path, sensor_dir, series, warn, want)
    lo = -1 if t_from is None else t_from
    hi = float("inf") if t_to is None else t_to
    for raw in _members(path, warn):
        text = raw.decode("utf-8", "replace")
        if not text:
            continue
        if text[-1] != "\n":
            text += "\n"
        n = text.count("\n")
        special = (text[0] == "#" or text.startswith("ts") or "\n#" in text
                   or "\nts" in text or "\n\n" in text or "\r" in text)
        if not special and st.ts_index == 0:
            tab = text.find("\t")
            prefix = text[:tab + 1] if tab > 0 else None
            if prefix and text.count("\n" + prefix) == n - 1:
                # One ts for the whole member, the usual case.
                try:
                    ts = int(prefix[:-1])
                except ValueError:
                    ts = None
                if ts is not None:
                    if not lo <= ts < hi:
                        continue
                    lines = text.split("\n")
                    lines.pop()
                    rows = _convert(st, lines, ts)
                    if rows:
                        yield ts, rows
                    continue
        # General case: line by line.
        ok = True
        pending = []       # data lines under the current header
        for line in text.split("\n"):
            if line.endswith("\r"):
                line = line[:-1]
            if not line:
                continue
            if line[0] == "#":
                ok = st.comment(line)
                if not ok:
                    break
                continue
            if line.startswith("ts") and (len(line) == 2 or line[2] == "\t"):
                yield from _emit(st, pending, lo, hi)
                pending = []
                st.header(line.split("\t"))
                continue
            if st.columns is None or st.ts_index < 0:
                warn(f"{path}: data row before any column header: rest of file skipped")
                ok = False
                break
            pending.append(line)
        yield from _emit(st, pending, lo, hi)
        if not ok:
            return


def _convert(st, lines, ts=None, builders=None):
    """Rows of data lines, all under the current header (and all of ts, if given)."""
    if st.build is None:
        st.warn(f"{st.path}: data row before any column header: skipped")
        return []
    build, build_t, build_row, _ = builders or (st.build, st.build_t, st.build_row, None)
    S = st.sensor_name()
    try:
        if ts is not None:
            return build_t(lines, S, ts)
        return build(lines, S)
    except (ValueError, IndexError, TypeError):
        pass
    rows = []
    bad = 0
    first = None
    for line in lines:
        try:
            rows.append(build_row(line.split("\t"), S))
        except (ValueError, IndexError, TypeError):
            bad += 1
            first = first or line
    if bad:
        st.warn(f"{st.path}: {bad} malformed row(s) skipped, first: {first[:120]!r}")
    return rows


def _emit(st, lines, lo, hi):
    """Convert lines and yield (ts, rows) per run of equal ts, filtered."""
    if not lines:
        return
    key = st.ts_key
    if key is None:
        # ts is not among the wanted columns: convert it too, then cut it off.
        pairs = ((r[-1], r[:-1]) for r in _convert(st, lines, builders=st.with_ts))
    else:
        rows = _convert(st, lines)
        pairs = ((r.get(key) if isinstance(r, dict) else r[key], r) for r in rows)
    run_ts = None
    run = []
    for ts, row in pairs:
        if not isinstance(ts, int):
            continue
        if ts != run_ts:
            if run and lo <= run_ts < hi:
                yield run_ts, run
            run_ts, run = ts, []
        run.append(row)
    if run and lo <= run_ts < hi:
        yield run_ts, run


def _select(paths, series, t_from, t_to, on_warning):
    files = _collect(paths, series, on_warning)
    if t_from is not None or t_to is not None:
        lo = -1 if t_from is None else t_from
        hi = float("inf") if t_to is None else t_to
        # A file named for hour H holds rows of [H, H + 3600) only.
        files = [f for f in files if f[0] is None or (f[0] + 3600 > lo and f[0] < hi)]
    return [(h or 0, seq, d, p) for h, seq, d, p in files]


def _merge(files, series, t_from, t_to, on_warning, want, chunks=False):
    """Rows (or, with chunks, lists of rows of one ts) of files, merged by ts."""
    warn = on_warning or _default_warning
    heap = []    # (ts, seq, rows, generator)
    nxt = 0
    n = len(files)
    while True:
        while nxt < n and (not heap or files[nxt][0] <= heap[0][0]):
            hour, seq, sdir, path = files[nxt]
            nxt += 1
            gen = _chunks(path, sdir, series, t_from, t_to, warn, want)
            first = next(gen, None)
            if first is not None:
                heapq.heappush(heap, (first[0], seq, first[1], gen))
        if not heap:
            return
        ts, seq, rows, gen = heap[0]
        if chunks:
            yield rows
        else:
            yield from rows
        following = next(gen, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following[0], seq, following[1], gen))


def iter_rows(paths, series="flows", t_from=None, t_to=None, on_warning=None):
    """Yield dict rows of one series from files, sensor dirs or dirs of sensor dirs.

    Every column by name (ints as int, 'proto'/'src' str, host lists as
    tuples of ints, drain_ms/write_ms float), plus 'sensor' (the file's
    '# sensor:' comment, falling back to the directory name).  t_from is
    inclusive, t_to exclusive (unix seconds; None: unbounded).  Rows come in
    ts order across files, like `darkscope read`.

    Streams one gzip member at a time per open file; only complete members'
    lines are yielded.  A truncated last member or corrupt data is skipped
    with on_warning(msg), msg = 'FILE: ...' (default: print
    'darkscope: FILE: ...' to stderr), as is an unreadable file; reading
    goes on with the other files.  Columns come by name from the most recent
    header line; unknown columns are kept, missing ones are absent.
    Raises FileNotFoundError for a PATH that does not exist.
    """
    warn = on_warning or _default_warning
    files = _select(paths, series, t_from, t_to, warn)
    return _merge(files, series, t_from, t_to, warn, None)


def _columns(series, columns):
    if series not in COLUMNS:
        raise ValueError(f"series must be one of {', '.join(SERIES)}, not {series!r}")
    if columns is None:
        return COLUMNS[series]
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",")]
    return tuple(columns)


def iter_rows_fast(paths, series, t_from=None, t_to=None, columns=None, on_warning=None):
    """Like iter_rows, but yield tuples of the named columns only (faster).

    columns: names in the wanted order (default: the series' standard
    columns, COLUMNS[series]); 'sensor' gives the sensor name; a column a
    file lacks is None.  Same conversions, order, filters and warnings as
    iter_rows.
    """
    columns = _columns(series, columns)
    warn = on_warning or _default_warning
    files = _select(paths, series, t_from, t_to, warn)
    return _merge(files, series, t_from, t_to, warn, columns)


def iter_chunks_fast(paths, series, t_from=None, t_to=None, columns=None, on_warning=None):
    """Like iter_rows_fast, but yield lists of rows (tuples) instead of rows.

    Each list holds consecutive rows of one file sharing one ts (usually one
    gzip member: one interval of one sensor; a member over _HOLD bytes of
    text comes as several lists, one per slice of about _SLICE bytes).  Lists come in the same order
    as iter_rows_fast's rows, so `for rows in ...: for row in rows` gives
    exactly iter_rows_fast's sequence, with less per-row overhead.  The lists
    are the caller's to keep or modify.
    """
    columns = _columns(series, columns)
    warn = on_warning or _default_warning
    files = _select(paths, series, t_from, t_to, warn)
    return _merge(files, series, t_from, t_to, warn, columns, chunks=True)


def iter_chunks_of(files, series, t_from=None, t_to=None, columns=None, on_warning=None):
    """Like iter_chunks_fast, over files already chosen (report_reading.py
    picks rollups or raw files per day): files is [(start, sensor_dir,
    path)], start the least ts the file can hold (its hour, or its span's
    start for a rollup), sensor_dir what the sensor is named after when the
    file has no `# sensor:`.  Files are opened lazily in start order, equal
    starts in the list's order."""
    columns = _columns(series, columns)
    warn = on_warning or _default_warning
    order = sorted(((start, i, d, p) for i, (start, d, p) in enumerate(files)),
                   key=lambda x: (x[0], x[1]))
    return _merge(order, series, t_from, t_to, warn, columns, chunks=True)
