# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""ClickHouse through its own command-line client (Debian's clickhouse-client).

No Python driver is packaged for Debian 12, and clickhouse-client is the
fastest TSV path anyway: it parses the input itself and sends the server
native blocks.  A query is one clickhouse-client process; its TSV output is
parsed here.  Credentials other than the default user come from the
client's own configuration (~/.clickhouse-client/config.xml), never from
our command line (it would show in `ps`).

    c = Client.of_spec("127.0.0.1:9000/darkscope")
    for sensor, n in c.rows("SELECT sensor, count() FROM flows GROUP BY sensor"):
        ...
"""
import re
import shutil
import subprocess
import time

CLIENT = "clickhouse-client"
DEFAULT_PORT = 9000
DEFAULT_DATABASE = "darkscope"

_SPEC_RE = re.compile(r"(?:clickhouse://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+)?"
                      r"(?::(\d{1,5}))?(?:/([A-Za-z_][A-Za-z0-9_]*))?/?")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNESCAPE = {"t": "\t", "n": "\n", "\\": "\\", "0": "\0", "b": "\b", "f": "\f", "r": "\r",
             "'": "'"}


class ClickHouseError(Exception):
    """A query the server refused, or a server that cannot be reached."""


def client_path():
    """The clickhouse-client binary, or None when it is not installed."""
    return shutil.which(CLIENT)


def parse_spec(text):
    """`[clickhouse://]HOST[:PORT][/DATABASE]` -> (host, port, database);
    ValueError with a readable message."""
    m = _SPEC_RE.fullmatch(text.strip())
    if not m or not text.strip() or not (m.group(1) or m.group(2) or m.group(3)):
        raise ValueError(f"'{text}': expected HOST[:PORT][/DATABASE], like "
                         f"127.0.0.1:9000/{DEFAULT_DATABASE}")
    port = int(m.group(2) or DEFAULT_PORT)
    if not 0 < port < 65536:
        raise ValueError(f"'{text}': port {port} is not 1..65535")
    host = (m.group(1) or "127.0.0.1").strip("[]")
    return host, port, m.group(3) or DEFAULT_DATABASE


def check_name(name):
    """A database or cluster name we put into SQL unquoted."""
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"'{name}': a database or cluster name is letters, digits and _")
    return name


def quote(text):
    """A SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def unescape(field):
    """A TabSeparated string field as its text."""
    if "\\" not in field:
        return field
    out = []
    i = 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append(_UNESCAPE.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def escape(text):
    """Text as a TabSeparated string field."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _error_text(stderr):
    text = stderr.decode("utf-8", "replace").strip()
    # "Code: 60. DB::Exception: Received from ...: DB::Exception: Table x doesn't exist."
    m = re.search(r"Code: \d+\..*", text, re.S)
    return (m.group(0) if m else text).strip().splitlines()[0] if text else "no message"


def _names(columns):
    return ", ".join(f"`{c}`" for c in columns)


class External:
    """A table sent along with one query (clickhouse-client --external)."""

    def __init__(self, name, structure, path):
        self.name = name
        self.structure = structure  # "src UInt32, cc String"
        self.path = path  # TSV file

    def args(self):
        return ["--external", f"--file={self.path}", f"--name={self.name}",
                f"--structure={self.structure}"]


class Client:
    def __init__(self, host="127.0.0.1", port=DEFAULT_PORT, database=DEFAULT_DATABASE):
        self.host = host
        self.port = port
        self.database = check_name(database)
        self.seconds = 0.0  # spent in queries so far
        self.settings = {}  # --name=value on every query (ClickHouseSource sets some)

    @classmethod
    def of_spec(cls, text):
        return cls(*parse_spec(text))

    @property
    def spec(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}/{self.database}"

    def base_args(self, database=True):
        args = [client_path() or CLIENT, "--host", self.host, "--port", str(self.port)]
        if database:
            args += ["--database", self.database]
        return args

    def with_database(self, database):
        return Client(self.host, self.port, database)

    def _run(self, sql, externals=(), database=True, settings=None):
        args = self.base_args(database) + ["--format", "TabSeparated", "--query", sql]
        for name, value in {**self.settings, **(settings or {})}.items():
            args.append(f"--{name}={value}")
        for e in externals:
            args += e.args()
        started = time.monotonic()
        try:
            p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as e:
            raise ClickHouseError(f"{CLIENT}: {e.strerror}") from None
        finally:
            self.seconds += time.monotonic() - started
        if p.returncode != 0:
            raise ClickHouseError(f"ClickHouse {self.spec}: {_error_text(p.stderr)}")
        return p.stdout

    def execute(self, sql, database=True, settings=None):
        """A statement without result (DDL, ALTER, INSERT ... VALUES)."""
        self._run(sql, database=database, settings=settings)

    def rows(self, sql, externals=(), settings=None, database=True):
        """[[field text, ...], ...]: a query's result, strings unescaped."""
        out = self._run(sql, externals, database, settings).decode("utf-8", "replace")
        # Fields are unescaped only on lines with a backslash: a port pass
        # parses millions of lines, nearly all of plain numbers.
        return [line.split("\t") if "\\" not in line else
                [unescape(f) for f in line.split("\t")] for line in out.split("\n") if line]

    def scalar(self, sql, externals=()):
        got = self.rows(sql, externals)
        return got[0][0] if got else None

    def insert_tsv(self, table, columns, lines):
        """INSERT rows (lists of field texts, already escaped) in one block."""
        data = "".join("\t".join(map(str, row)) + "\n" for row in lines).encode()
        args = self.base_args() + ["--query", f"INSERT INTO {table} ({_names(columns)}) "
                                   "FORMAT TabSeparated"]
        started = time.monotonic()
        p = subprocess.run(args, input=data, capture_output=True)
        self.seconds += time.monotonic() - started
        if p.returncode != 0:
            raise ClickHouseError(f"ClickHouse {self.spec}: {_error_text(p.stderr)}")

    def insert_args(self, table, columns, query_id=None, fmt="TabSeparated"):
        """The command line of an INSERT that reads fmt from stdin."""
        args = self.base_args()
        if query_id:
            args += ["--query_id", query_id]
        return args + ["--query", f"INSERT INTO {table} ({_names(columns)}) FORMAT {fmt}"]

    def ping(self):
        """True when the server answers."""
        try:
            return self._run("SELECT 1", database=False).strip() == b"1"
        except ClickHouseError:
            return False


