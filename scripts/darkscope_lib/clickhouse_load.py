# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Loading series files into ClickHouse, each complete member exactly once.

ClickHouse 18.16 makes one block of one INSERT into one partition atomic,
nothing larger, and deduplicates only Replicated tables.  So exactly-once is
built from a journal (`load_batches`) and a tag on every row (`batch`):

1. A load of some files is a batch with a new number B.  Its `begin` rows
   (one per file: where the file is resumed) are inserted first.
2. `darkscope export` prints the rows of the complete members after each
   file's resume point, each row ending in B, straight into
   `clickhouse-client` (query id darkscope-load-DB-B); it writes per file
   the new end offset, the member of the header in effect there, and the
   rows it gave.
3. Only when both exit 0 are the `done` rows inserted (one INSERT: atomic).
   A file's next load resumes at its latest `done` end.
4. A batch with `begin` rows but neither `done` nor `void` ones was cut short
   (crash, kill, server gone).  The next run (or this one, at once) waits
   until the server has no query of it left, deletes its rows
   (ALTER ... DELETE WHERE batch = B, waiting for the mutation), and marks it
   `void`; its files are then loaded again from their last `done` end.

A member is therefore in the tables once (done), or not at all (void), and a
torn last member is simply not yet after the end.  One loader at a time per
database: a second one finds the first one's query running and stops.
"""
import ctypes
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from . import clickhouse_daily, clickhouse_files
from .clickhouse_client import ClickHouseError, escape, quote
from .clickhouse_schema import LOAD_BATCHES_COLUMNS, SERIES, table_columns

BATCH_BYTES = 64 << 20  # compressed bytes of new members per batch (about 4 M flows rows)
BATCH_FILES = 4000
WAIT_SECONDS = 300  # for an interrupted load's query to end, or a mutation
STOP_STATES = ("stopped", "unsupported")  # a file read no further (darkscope export)
DONE_STATES = ("ok", "truncated", "error") + STOP_STATES
JOURNAL = [n for n, _ in LOAD_BATCHES_COLUMNS]
# darkscope export --format -> the INSERT's format.  Native by default:
# clickhouse-client 18.16 parses TSV at well under 10^6 rows/s a core, and
# only forwards Native blocks.
FORMATS = {"native": "Native", "tsv": "TabSeparated"}


class LoadError(Exception):
    """A load that could not finish (the journal stays consistent)."""


@dataclass(slots=True)
class FileState:
    end: int = 0
    header_at: int = 0
    read_state: str = ""


@dataclass(slots=True)
class LoadStats:
    files: int = 0  # files with new complete members loaded
    rows: int = 0
    bad: int = 0
    batches: int = 0
    recovered: list = field(default_factory=list)  # (batch, rows deleted)
    seconds: float = 0.0


def _die_with_parent():
    """A child of the loader dies with it: an INSERT must not outlive a
    killed loader, or its rows would land after the recovery looked."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def query_id(client, batch):
    return f"darkscope-load-{client.database}-{batch}"


def file_states(client):
    """{file_key: FileState} of the files loaded before."""
    rows = client.rows("SELECT file_key, argMax(end, batch), argMax(header_at, batch), "
                       "argMax(read_state, batch) FROM load_batches WHERE event = 'done' "
                       "GROUP BY file_key")
    return {k: FileState(int(e), int(h), s) for k, e, h, s in rows}


def open_batches(client):
    """[(batch, series, first file hour, last file hour, any file without an
    hour)] of batches begun and neither done nor void."""
    rows = client.rows("SELECT batch, any(series), toUInt32(min(file_hour)), "
                       "toUInt32(max(file_hour)), min(file_hour) = toDateTime(0) "
                       "FROM load_batches GROUP BY batch "
                       "HAVING countIf(event != 'begin') = 0 ORDER BY batch")
    return [(int(b), s, int(lo), int(hi), h == "1") for b, s, lo, hi, h in rows]


def _wait(what, check, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise LoadError(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.2)


def recover(client, batch, series, lo, hi, no_hour, log):
    """Remove the rows of an interrupted batch and mark it void; returns
    the rows removed."""
    qid = quote(query_id(client, batch))
    _wait(f"query {qid} (an interrupted load) to end",
          lambda: client.scalar(f"SELECT count() FROM system.processes WHERE query_id = {qid}")
          == "0")
    where = f"batch = {batch}"
    if not no_hour:
        # Every row of a file lies in its hour: the part ranges prune the scan.
        where += f" AND ts >= toDateTime({lo}) AND ts < toDateTime({hi + 3600})"
    n = int(client.scalar(f"SELECT count() FROM {series} WHERE {where}"))
    if n:
        clickhouse_daily.note_repair(client, batch, series, where)
        client.execute(f"ALTER TABLE {series} DELETE WHERE batch = {batch}")
        _wait(f"the deletion of batch {batch} from {series}",
              lambda: client.scalar("SELECT count() FROM system.mutations WHERE "
                                    f"database = {quote(client.database)} AND "
                                    f"table = {quote(series)} AND is_done = 0") == "0")
        left = int(client.scalar(f"SELECT count() FROM {series} WHERE batch = {batch}"))
        if left:
            raise LoadError(f"batch {batch}: {left} rows still in {series} after the deletion")
    days = clickhouse_daily.repair(client, batch, series)
    now = int(time.time())
    client.insert_tsv("load_batches", ["batch", "event", "series", "at"],
                      [[batch, "void", series, now]])
    log(f"batch {batch} ({series}) was interrupted: {n} rows removed"
        + (f", {len(days)} days of the daily tables rebuilt" if days else "")
        + ", its files are loaded again")
    return n


def _journal_row(batch, event, f, **values):
    row = {"batch": batch, "event": event, "series": f.series, "file_key": f.key,
           "path": escape(f.path), "sensor": escape(f.sensor), "file_hour": f.hour,
           "file_interval": f.interval, "start": 0, "end": 0, "header_at": 0, "rows": 0, "bad": 0,
           "read_state": "", "at": int(time.time())}
    row.update(values)
    return [row[c] for c in JOURNAL]


def _read_members(path):
    out = {}
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            p, end, header_at, rows, bad, state = line.rstrip("\n").split("\t")
            out[p] = (int(end), int(header_at), int(rows), int(bad), state)
    return out


class Loader:
    """Loads files into one server's database (one shard)."""

    def __init__(self, client, darkscope, log, tmpdir, fmt="native"):
        self.client = client
        self.format = fmt  # darkscope export --format: native, or tsv
        self.darkscope = darkscope
        self.log = log
        self.tmpdir = tmpdir
        self.columns = {}
        self.next_batch = None

    def export_columns(self, series):
        cols = self.columns.get(series)
        if cols is None:
            p = subprocess.run([self.darkscope, "export", "--series", series, "--columns"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise LoadError(f"{self.darkscope} export --columns: {p.stderr.strip()}")
            cols = [tuple(line.split("\t", 1)) for line in p.stdout.strip().split("\n")]
            want = table_columns(series)
            if cols != want:
                raise LoadError(f"darkscope export prints the {series} columns {cols}, the "
                                f"table has {want}: this darkscope and these scripts differ")
            cols = self.columns[series] = [n for n, _ in cols]
        return cols

    def recover_all(self, stats):
        for batch, series, lo, hi, no_hour in open_batches(self.client):
            stats.recovered.append((batch, recover(self.client, batch, series, lo, hi,
                                                   no_hour, self.log)))

    def _new_batch(self):
        if self.next_batch is None:
            self.next_batch = int(self.client.scalar("SELECT max(batch) FROM load_batches")) + 1
        b = self.next_batch
        self.next_batch += 1
        return b

    def run_batch(self, series, work, stats):
        """work: [(SeriesFile, FileState)] of one series; loads their new
        complete members as one batch."""
        batch = self._new_batch()
        cols = self.export_columns(series)
        lst = os.path.join(self.tmpdir, f"list-{batch}")
        members = os.path.join(self.tmpdir, f"members-{batch}")
        with open(lst, "w", encoding="utf-8", errors="surrogateescape") as fh:
            for f, st in work:
                fh.write(f"{f.path}\t{st.header_at}\t{st.end}\t{f.fallback_sensor}\n")
        self.client.insert_tsv("load_batches", JOURNAL,
                               [_journal_row(batch, "begin", f, start=st.end) for f, st in work])
        export = subprocess.Popen([self.darkscope, "export", "--series", series, "--batch",
                                   str(batch), "--format", self.format, "--members", members,
                                   lst],
                                  stdout=subprocess.PIPE, preexec_fn=_die_with_parent)
        insert = subprocess.Popen(self.client.insert_args(series, cols,
                                                          query_id(self.client, batch),
                                                          FORMATS[self.format]),
                                  stdin=export.stdout, stderr=subprocess.PIPE,
                                  preexec_fn=_die_with_parent)
        export.stdout.close()
        _, err = insert.communicate()
        export.wait()
        got = _read_members(members) if not export.returncode else {}
        if (insert.returncode and not export.returncode and b"Code: 108." in err
                and not sum(g[2] for g in got.values())):
            insert.returncode = 0  # "No data to insert": new members without rows
        if export.returncode or insert.returncode:
            why = (f"darkscope export exited {export.returncode}" if export.returncode else
                   f"clickhouse-client: {err.decode('utf-8', 'replace').strip()}")
            self.log(f"batch {batch} ({series}) failed: {why}")
            try:
                st = [b for b in open_batches(self.client) if b[0] == batch]
                if st:
                    stats.recovered.append((batch, recover(self.client, *st[0], self.log)))
            except (ClickHouseError, LoadError) as e:
                self.log(f"batch {batch}: cleaning up failed too ({e}); the next run does it")
            raise LoadError(f"loading {series} failed: {why}")
        rows = []
        for f, st in work:
            end, header_at, n, bad, state = got.get(f.path, (st.end, st.header_at, 0, 0,
                                                             "unreadable"))
            if state in DONE_STATES:
                rows.append(_journal_row(batch, "done", f, start=st.end, end=end,
                                         header_at=header_at, rows=n, bad=bad,
                                         read_state=state))
                stats.files += end > st.end
                stats.rows += n
                stats.bad += bad
            else:
                self.log(f"{f.path}: {state}: not loaded"
                         + (" (no member at the byte the last load ended at: the file was "
                            "rewritten?)" if state == "changed" else ""))
                rows.append(_journal_row(batch, "void", f, start=st.end, read_state=state))
        self.client.insert_tsv("load_batches", JOURNAL, rows)
        stats.batches += 1
        for p in (lst, members):
            os.unlink(p)

    def load(self, files, stats, batch_bytes=BATCH_BYTES):
        """Load the new complete members of files (SeriesFile list)."""
        self.recover_all(stats)
        states = file_states(self.client)
        for series in SERIES:
            work, size = [], 0
            for f in files:
                if f.series != series:
                    continue
                st = states.get(f.key, FileState())
                if st.read_state in STOP_STATES:
                    continue  # reading it stopped at bad data, as the file backend does
                if f.size < st.end:
                    self.log(f"{f.path}: {f.size} bytes, shorter than the {st.end} loaded "
                             "before: not loaded (the file was truncated or replaced)")
                    continue
                if f.size == st.end:
                    continue
                work.append((f, st))
                size += f.size - st.end
                if size >= batch_bytes or len(work) >= BATCH_FILES:
                    self.run_batch(series, work, stats)
                    work, size = [], 0
            if work:
                self.run_batch(series, work, stats)


def shard_of(clients, sensors):
    """{sensor: index of its shard}: sipHash64(sensor) % shards, computed by
    ClickHouse itself (the Distributed tables' sharding key)."""
    if len(clients) == 1 or not sensors:
        return {s: 0 for s in sensors}
    names = ", ".join(quote(s) for s in sorted(sensors))
    rows = clients[0].rows(f"SELECT s, sipHash64(s) % {len(clients)} FROM "
                           f"(SELECT arrayJoin([{names}]) AS s)")
    return {s: int(i) for s, i in rows}


def load(clients, paths, darkscope, log, series=SERIES, batch_bytes=BATCH_BYTES, fmt="native"):
    """Load the series files under paths into the shards (Client list);
    returns LoadStats."""
    started = time.monotonic()
    stats = LoadStats()
    files = clickhouse_files.find(paths, series, log)
    shards = shard_of(clients, {f.sensor for f in files})
    with tempfile.TemporaryDirectory(prefix="darkscope-load.") as tmp:
        for i, client in enumerate(clients):
            mine = [f for f in files if shards[f.sensor] == i]
            Loader(client, darkscope, log, tmp, fmt).load(mine, stats, batch_bytes)
    stats.seconds = time.monotonic() - started
    return stats
