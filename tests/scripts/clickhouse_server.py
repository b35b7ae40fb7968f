# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A private ClickHouse server for one test module (Debian's 18.16 packages).

The package's own service is not used (policy-rc.d blocks it on the test
machines, and a test must not touch a system server): the server binary runs
with a config of its own, listening on 127.0.0.1 only, on a free port, with
its data, tmp and log directories under a fresh temporary directory; as the
`clickhouse` user when the test runs as root.  start() waits until it
answers, stop() ends it and removes the directory.

    srv = ClickHouseServer.start()          # or with cluster=[other servers' ports]
    client = srv.client("darkscope")
    ...
    srv.stop()

skip_reason() says why a test cannot run (no clickhouse-server or
clickhouse-client): the tests print it as their SKIP reason.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SERVER = "clickhouse-server"
CLIENT = "clickhouse-client"
USER = "clickhouse"
START_SECONDS = 120


def skip_reason():
    for tool in (SERVER, CLIENT):
        if not shutil.which(tool):
            return (f"{tool} not installed (Debian package {tool}; `make deps` installs it)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(USER)
        except KeyError:
            return f"no '{USER}' user to run the server as (the clickhouse-server package makes it)"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster_xml(name, ports):
    shards = "".join(f"<shard><replica><host>127.0.0.1</host><port>{p}</port></replica></shard>"
                     for p in ports)
    return f"<remote_servers><{name}>{shards}</{name}></remote_servers>"


class ClickHouseServer:
    def __init__(self, root, port, proc):
        self.root = root
        self.port = port
        self.proc = proc

    @classmethod
    def start(cls, port=None, cluster=None):
        """cluster: (name, [ports of its shards]) for remote_servers."""
        port = port or free_port()
        root = tempfile.mkdtemp(prefix="darkscope-clickhouse.")
        for d in ("data", "tmp", "log", "user_files", "format_schemas"):
            os.makedirs(os.path.join(root, d))
        remote = _cluster_xml(*cluster) if cluster else ""
        with open(os.path.join(root, "config.xml"), "w") as f:
            f.write(f"""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{root}/log/server.log</log>
    <errorlog>{root}/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{port}</tcp_port>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>{root}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  {remote}
</yandex>
""")
        with open(os.path.join(root, "users.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage>
    <log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
""")
        args = [shutil.which(SERVER), f"--config-file={root}/config.xml"]
        if os.geteuid() == 0:
            pw = pwd.getpwnam(USER)
            for dirpath, dirnames, filenames in os.walk(root):
                for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                    os.chown(name, pw.pw_uid, pw.pw_gid)
            args = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                    "--clear-groups"] + args
        out = open(os.path.join(root, "stdout.log"), "w")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=root,
                                start_new_session=True)
        out.close()
        srv = cls(root, port, proc)
        try:
            srv._wait_ready()
        except BaseException:
            srv.stop()
            raise
        return srv

    def _answers(self):
        p = subprocess.run([CLIENT, "--host", "127.0.0.1", "--port", str(self.port),
                            "--query", "SELECT 1"], capture_output=True, text=True)
        return p.returncode == 0 and p.stdout.strip() == "1"

    def _wait_ready(self):
        # Not a timing assertion: the server either comes up or has died
        # (then its log says why); the deadline only bounds a hang.
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"clickhouse-server on port {self.port} did not start:\n"
                                   + self.log_tail())
            time.sleep(0.2)

    def log_tail(self):
        text = ""
        for name in ("stdout.log", "log/error.log"):
            try:
                with open(os.path.join(self.root, name), errors="replace") as f:
                    text += f"--- {name}\n" + f.read()[-3000:]
            except OSError:
                pass
        return text

    def spec(self, database):
        return f"127.0.0.1:{self.port}/{database}"

    def client(self, database):
        from darkscope_lib.clickhouse_client import Client
        return Client("127.0.0.1", self.port, database)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


# ------------------------------------------------ helpers of the tests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
LOADER = os.path.join(REPO, "scripts", "darkscope-clickhouse")
PYTHON = "/usr/bin/python3"


def loader(*args, check=True, darkscope=None):
    """darkscope-clickhouse ARGS (the build's darkscope unless darkscope=)."""
    cmd = [PYTHON, LOADER, *args]
    if args and args[0] == "load":
        cmd[3:3] = ["--darkscope", darkscope or os.path.join(REPO, "build", "darkscope")]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def loaded_rows(stderr):
    """The row count of load's summary line."""
    for line in stderr.splitlines():
        if line.startswith("darkscope-clickhouse: loaded "):
            return int(line.split()[2])
    raise AssertionError(f"no summary line in: {stderr}")
