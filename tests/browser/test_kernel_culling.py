"""Closed pages give their kernels back; open pages keep theirs.

Voila's own shutdown-on-close request is refused by jupyter_server (``403 '_xsrf' argument missing``,
voila-dashboards/voila#1458), so ``voila.json`` relies on the kernel culler: a kernel with no
connected page is shut down after a few idle minutes, a kernel whose page is open never is
(``cull_connected`` false). Here the timeouts are cut to seconds on the command line.
"""

from __future__ import annotations

import json
import re
import time

CULL = ["--MappingKernelManager.cull_idle_timeout=4", "--MappingKernelManager.cull_interval=1"]

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "id": "echo",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": (
                "import ipywidgets\n"
                "out = ipywidgets.HTML('<p class=\"echo\">waiting</p>')\n"
                "button = ipywidgets.Button(description='ping')\n"
                "clicks = []\n"
                "def ping(_):\n"
                "    clicks.append(1)\n"
                "    out.value = f'<p class=\"echo\">pong {len(clicks)}</p>'\n"
                "button.on_click(ping)\n"
                "ipywidgets.VBox([button, out])"
            ),
        }
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _culled(log_path, kernel_id: str) -> bool:
    """The culler shut the kernel down (or, once Voila's own shutdown request works, Voila did)."""
    text = log_path.read_text(errors="replace")
    return bool(re.search(rf"[Cc]ulling .*{kernel_id}|Kernel shutdown: {kernel_id}", text))


def test_open_page_keeps_its_kernel_and_a_closed_page_gives_it_back(browser, dashboard_snapshot, tmp_path):
    from ler_analytics.apps.server import VoilaServer

    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "echo.ipynb").write_text(json.dumps(NOTEBOOK))
    log = tmp_path / "voila.log"
    server = VoilaServer(dashboard_snapshot, folder, log_path=log, extra_args=CULL)
    server.start(timeout=90)
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.url("echo"), wait_until="domcontentloaded", timeout=180_000)
        page.wait_for_selector(".echo", timeout=180_000)
        kernels = re.findall(r"Kernel started: ([0-9a-f-]{36})", log.read_text(errors="replace"))
        assert len(kernels) == 1, kernels
        kernel = kernels[0]

        time.sleep(10)  # well past the 4 s idle timeout, with the page open
        assert not _culled(log, kernel), "the kernel of an open page was culled"
        page.get_by_role("button", name="ping").click()
        page.wait_for_selector("text=pong 1", timeout=30_000)

        page.close(run_before_unload=True)
        context.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _culled(log, kernel):
            time.sleep(0.5)
        assert _culled(log, kernel), "the kernel of a closed page was not shut down"

    finally:
        server.stop()
