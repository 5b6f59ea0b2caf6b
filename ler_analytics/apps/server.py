"""Start Voila on the dashboards folder, bound to 127.0.0.1, with the project template and config.

Used by ``ler dashboard`` and by the browser tests and the benchmark (one code path for all).
The snapshot reaches the dashboard kernels through ``$LER_SNAPSHOT``; the ``ler`` Voila template
(no CDN, inlined US map) is found through ``$JUPYTER_PATH``.

plotly.js is the file :func:`ler_analytics.apps.plotly_bundle.select_plotly_js` picks (the partial
bundle when usable, else the installed plotly's full file).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ler_analytics.apps import DASHBOARDS
from ler_analytics.apps.base import SNAPSHOT_ENV
from ler_analytics.errors import LerError
from ler_analytics.log import get_logger

log = get_logger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
VOILA_CONFIG_DIR = ASSETS / "voila"
REPO_DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"

def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_dashboards_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder of dashboard notebooks.

    ``explicit``, else ``./dashboards``, else the repository's, else a generated copy under
    ``$LER_DATA_DIR/dashboards``.
    """
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise LerError(f"dashboards folder {path} does not exist.")
        return path
    for candidate in (Path.cwd() / "dashboards", REPO_DASHBOARDS):
        if (candidate / "state_overview.ipynb").exists():
            return candidate
    from ler_analytics.apps.notebooks import write_dashboards
    from ler_analytics.config import get_settings

    out = get_settings().data_dir / "dashboards"
    write_dashboards(out)
    return out


class VoilaServer:
    """A Voila process serving a folder of dashboards on 127.0.0.1.

    Args:
        snapshot: snapshot folder passed to the dashboards as ``$LER_SNAPSHOT``.
        dashboards_dir: folder of notebooks to serve.
        port: TCP port (0 picks a free one).
        log_path: where Voila's output goes (default: discarded).
        extra_env: more environment variables for the server and its kernels.
    """

    def __init__(
        self,
        snapshot: str | os.PathLike[str],
        dashboards_dir: str | os.PathLike[str],
        *,
        port: int = 0,
        log_path: Path | None = None,
        extra_env: dict[str, str] | None = None,
        extra_args: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.snapshot = Path(snapshot).resolve()
        self.dashboards_dir = Path(dashboards_dir).resolve()
        self.port = port or free_port()
        self.log_path = log_path
        self.extra_env = dict(extra_env or {})
        self.extra_args = list(extra_args)
        """More Voila/Jupyter command-line options (e.g. ``--MappingKernelManager.cull_idle_timeout=5``)."""
        self.process: subprocess.Popen[bytes] | None = None
        self._runtime: Path | None = None
        self.plotly_js: Path | None = None
        """The plotly.js file served (the partial bundle or the full file); set by :meth:`runtime_dir`."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str, **query: str) -> str:
        """URL of dashboard ``name`` (``dashboards/<name>.ipynb``), with optional query parameters."""
        from urllib.parse import urlencode

        qs = f"?{urlencode(query)}" if query else ""
        return f"{self.base_url}/voila/render/{name}.ipynb{qs}"

    def command(self) -> list[str]:
        """The Voila command line."""
        return [
            sys.executable, "-m", "voila", str(self.dashboards_dir),
            f"--port={self.port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.config_file_paths={self.dashboards_dir}",
            f"--Voila.config_file_paths={VOILA_CONFIG_DIR}",
            "--template=ler",
            *self.extra_args,
        ]  # fmt: skip

    def runtime_dir(self) -> Path:
        """A per-server Jupyter data folder that serves plotly.js to the dashboards.

        ``<dir>/voila/templates/ler/static/plotly.min.js`` is a hard link to (or a copy of) the file
        :func:`~ler_analytics.apps.plotly_bundle.select_plotly_js` picks: the partial bundle built by
        ``scripts/setup.sh`` when it matches the installed plotly.js version, else plotly's own
        ``package_data/plotly.min.js``.
        Voila serves it at ``/voila/templates/ler/static/plotly.min.js``, so the dashboards' chart
        widgets load plotly.js from 127.0.0.1 (never a CDN). The chosen file is
        :attr:`plotly_js`. Removed by :meth:`stop`.
        """
        if self._runtime is None:
            import tempfile

            from ler_analytics.apps.plotly_bundle import select_plotly_js

            source = select_plotly_js(env=self.environment_base())
            root = Path(tempfile.mkdtemp(prefix="ler-voila-"))
            static = root / "voila" / "templates" / "ler" / "static"
            static.mkdir(parents=True)
            target = static / "plotly.min.js"
            try:  # Voila's static handler refuses symlinks that leave its folder: hard link, else copy
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
            self.plotly_js = source
            self._runtime = root
        return self._runtime

    def environment_base(self) -> dict[str, str]:
        """The caller's environment with :attr:`extra_env` applied (before the server's own variables)."""
        env = dict(os.environ)
        env.update(self.extra_env)
        return env

    def environment(self) -> dict[str, str]:
        """Environment of the server (and so of every dashboard kernel)."""
        from ler_analytics.apps.plotly_chart import PLOTLY_JS_URL, PLOTLY_URL_ENV

        env = dict(os.environ)
        env[SNAPSHOT_ENV] = str(self.snapshot)
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(self.runtime_dir()), str(ASSETS), env.get("JUPYTER_PATH", "")) if p
        )
        env[PLOTLY_URL_ENV] = PLOTLY_JS_URL
        env.setdefault("PYTHONUNBUFFERED", "1")
        # Every page visit starts a kernel that imports polars, plotly, networkx ...: without cached
        # bytecode each kernel re-compiles them (measured: 10 s of a 20 s first render). Let the
        # kernels write .pyc files (as pip does at install time) even if the caller's shell disables it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 60.0) -> VoilaServer:
        """Start Voila and wait until it accepts connections."""
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            self.command(),
            cwd=self.dashboards_dir,
            env=self.environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()  # removes the runtime folder
                raise LerError(
                    f"Voila exited with code {self.process.returncode} before serving "
                    f"(log: {self.log_path or 'not kept; rerun with a log path'})."
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise LerError(f"Voila did not start listening on port {self.port} within {timeout:.0f} s.")

    def stop(self) -> None:
        """Stop the server (and its kernels) and remove its runtime folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)
            self._runtime = None

    def __enter__(self) -> VoilaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_dashboards(
    snapshot: str | os.PathLike[str] | None,
    *,
    port: int = 8866,
    open_browser: bool = True,
    dashboards_dir: str | os.PathLike[str] | None = None,
    demo_scale: float | None = None,
    echo: Callable[[str], None] = print,
    prepare: bool = True,
) -> None:
    """Run the dashboards until interrupted (the body of ``ler dashboard``).

    Args:
        snapshot: snapshot folder; None generates/reuses the demo twin.
        port: preferred port (taken → a free one; 0 → a free one).
        open_browser: open the state overview in the default browser.
        dashboards_dir: notebooks folder (see :func:`find_dashboards_dir`).
        demo_scale: scale of the demo twin when ``snapshot`` is None.
        echo: where messages go.
        prepare: compute the dashboards' all-state frames in a background process as soon as the
            server is up (:mod:`ler_analytics.apps.prepare`), so the first visitor does not wait.
    """
    from ler_analytics.snapshot import open_snapshot

    if snapshot is None:
        from ler_analytics.demo import ensure_demo

        echo("No snapshot given: using the synthetic demo twin (generated and built on first use) ...")
        path = Path(ensure_demo(scale=demo_scale) if demo_scale else ensure_demo())
    else:
        path = Path(snapshot)
    snap = open_snapshot(path)
    if not snap.table_names():
        raise LerError(f"snapshot {path} has no tables yet. Run `ler build {path}` first.")
    folder = find_dashboards_dir(dashboards_dir)
    if port and not port_is_free(port):
        echo(f"Port {port} is in use; picking a free one.")
        port = 0
    server = VoilaServer(path, folder, port=port)
    echo(f"Starting Voila on {server.base_url} (snapshot {path}{', synthetic demo data' if snap.is_synthetic else ''})")
    server.start()
    echo("Dashboards:")
    for name in DASHBOARDS:
        if (folder / f"{name}.ipynb").exists():
            echo(f"  {name:<16} {server.url(name)}")
    echo(f"Open a state directly with ?state=XX, e.g. {server.url('state_overview', state='CO')}")
    warmup = None
    if prepare:
        from ler_analytics.apps.prepare import start_background

        warmup = start_background(path)
        echo("Preparing the dashboards' cache in the background (pages opened meanwhile compute their own).")
    echo("Press Ctrl-C to stop.")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url("state_overview"))
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        echo("Stopping ...")
    finally:
        if warmup is not None and warmup.poll() is None:
            warmup.terminate()
            try:
                warmup.wait(timeout=10)
            except subprocess.TimeoutExpired:
                warmup.kill()
        server.stop()
