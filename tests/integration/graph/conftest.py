"""Real SPARQL servers on loopback for the graph tests: the Oxigraph server and Virtuoso 7.

Each fixture starts its server on free 127.0.0.1 ports with its own temporary database and
configuration, and stops it afterwards. When the binary is missing the tests are skipped locally,
but they FAIL when the ``CI`` environment variable is set (CI must install both servers:
``pip install oxigraph`` and ``apt-get install virtuoso-opensource``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(binary: str, how: str) -> None:
    message = f"{binary} is not installed ({how})"
    if os.environ.get("CI"):
        pytest.fail(message + ": CI must provide it")
    pytest.skip(message)


def _wait_http(url: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer {url} within {timeout_s} s ({last})")


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server binary next to the running Python, else on PATH."""
    local = Path(sys.executable).with_name("oxigraph")
    return str(local) if local.exists() else shutil.which("oxigraph")


@pytest.fixture
def oxigraph_server(tmp_path):
    """Base URL of a fresh ``oxigraph serve`` (queries see the union of all graphs)."""
    binary = oxigraph_binary()
    if binary is None:
        _missing("oxigraph", "pip install oxigraph")
    port = free_port()
    log = (tmp_path / "oxigraph.log").open("wb")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path / "oxdb"), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/query?query=ASK%7B%7D", 20, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = ., {root}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 60
ThreadsPerQuery = 2
MaxQueryMem = 200M

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


class Virtuoso:
    """A running Virtuoso: URLs plus an isql helper (user dba, password dba on a fresh database)."""

    def __init__(self, root: Path, sql_port: int, http_port: int) -> None:
        self.root = root
        self.sql_port = sql_port
        self.base = f"http://127.0.0.1:{http_port}"
        self.sparql = f"{self.base}/sparql"
        self.graph_crud = f"{self.base}/sparql-graph-crud"
        self.graph_crud_auth = f"{self.base}/sparql-graph-crud-auth"

    def isql(self, statement: str) -> str:
        """Run one SQL statement through isql-vt as dba."""
        isql = shutil.which("isql-vt") or shutil.which("isql")
        assert isql, "isql-vt is installed with virtuoso-opensource"
        done = subprocess.run([isql, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
                              capture_output=True, text=True, timeout=60, check=False)
        return done.stdout + done.stderr

    def pid(self) -> int | None:
        """Server process id, from its log ("Server online at ... (pid N)")."""
        log = self.root / "db" / "virtuoso.log"
        if not log.exists():
            return None
        for line in reversed(log.read_text(errors="replace").splitlines()):
            if "(pid " in line:
                return int(line.rsplit("(pid ", 1)[1].rstrip(")"))
        return None


@pytest.fixture
def virtuoso_server(tmp_path):
    """A fresh Virtuoso 7 on free loopback ports with its own ini and database; stopped afterwards."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        _missing("virtuoso-t", "apt-get install virtuoso-opensource")
    root = tmp_path / "virtuoso"
    (root / "db").mkdir(parents=True)
    sql_port, http_port = free_port(), free_port()
    vsp = "/var/lib/virtuoso-opensource-7/vsp"
    if not Path(vsp).is_dir():
        (root / "vsp").mkdir()
        vsp = str(root / "vsp")
    ini = root / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=root / "db", root=root, sql_port=sql_port, http_port=http_port, vsp=vsp))
    server = Virtuoso(root, sql_port, http_port)
    started = subprocess.run([binary, "-c", str(ini), "+wait"], cwd=root, capture_output=True, text=True,
                             timeout=120, check=False)
    try:
        assert started.returncode == 0, f"virtuoso-t failed to start: {started.stdout}{started.stderr}"
        _wait_http(f"{server.sparql}?query=ASK%7B%7D", 60)
        yield server
    finally:
        pid = server.pid()
        server.isql("shutdown;")
        if pid is not None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                os.kill(pid, signal.SIGKILL)
