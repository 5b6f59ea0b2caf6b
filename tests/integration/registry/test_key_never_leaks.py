"""The API key never appears in any artefact of a run: files, file names, cache, logs, output, errors."""

from __future__ import annotations

import gzip
import logging
import subprocess
import sys

import pytest

from ler_analytics.errors import RegistryError
from ler_analytics.registry.client import Registry
from ler_analytics.registry.harvest import harvest
from ler_analytics.registry.http import RetryPolicy
from ler_analytics.twin import FaultConfig, TwinStore

from .twin_data import ChangeMaker, initial_envelopes

KEY = "LEAKCHECK-7f3a9c2e-5b1d-4e8f-a6c0-d2b4e6f8a0c1"
CLI = [sys.executable, "-c", "from ler_analytics.cli import main; main()"]


def _all_text(root) -> list[tuple[str, bytes]]:
    out = []
    for path in root.rglob("*"):
        out.append((f"name {path}", str(path).encode()))
        if path.is_file():
            data = path.read_bytes()
            out.append((str(path), data))
            if path.name.endswith(".gz"):
                out.append((f"{path} (decompressed)", gzip.decompress(data)))
    return out


def test_key_never_leaks(twin_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)  # every library logger, httpx and httpcore included
    envs = initial_envelopes(150, seed=91)
    store = TwinStore(envs)
    server = twin_server(store, api_key=KEY, secured=True,
                         faults=FaultConfig(rate_503=0.05, rate_truncate=0.05, seed=3))
    env = {"PATH": "/usr/bin:/bin", "LER_REGISTRY_API_KEY": KEY, "HOME": str(tmp_path / "home")}
    outputs = []
    # 1. the CLI: full harvest (key from the environment), state filter (key from --api-key), sync, verify
    runs = [
        [*CLI, "snapshot", "--out", str(tmp_path / "full"), "--registry", server.url, "--per-page", "50"],
        [*CLI, "snapshot", "--out", str(tmp_path / "in"), "--registry", server.url, "--state", "IN",
         "--api-key", KEY],
    ]
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, env=env, timeout=120)
        outputs.append((argv[3], done.stdout + done.stderr))
        assert done.returncode == 0, done.stderr.decode()
    store.apply(ChangeMaker(envs, seed=92).batch(creates=3, updates=3, deletes=3))
    for argv in ([*CLI, "sync", str(tmp_path / "full"), "--out", str(tmp_path / "synced")],
                 [*CLI, "verify", str(tmp_path / "synced")]):
        done = subprocess.run(argv, capture_output=True, env=env, timeout=120)
        outputs.append((argv[3], done.stdout + done.stderr))
        assert done.returncode == 0, done.stderr.decode()
    # 2. errors: a wrong key, a missing key, exhausted retries, an Assistant refusal
    bad = subprocess.run([*CLI, "snapshot", "--out", str(tmp_path / "bad"), "--registry", server.url,
                          "--api-key", KEY + "-WRONG"], capture_output=True, env={**env, "LER_REGISTRY_API_KEY": ""},
                         timeout=60)
    assert bad.returncode == 1 and b"LER_REGISTRY_API_KEY" in bad.stderr
    outputs.append(("bad key", bad.stdout + bad.stderr))
    reg = Registry(server.url, api_key=KEY, cache_dir=tmp_path / "cache", retry=RetryPolicy(max_attempts=2,
                                                                                             base_delay=0.01))
    ctid = envs[0]["envelope_ceterms_ctid"]
    reg.graph(ctid)
    reg.resource(ctid)
    server.faults.script("503", "503")
    with pytest.raises(RegistryError) as info:
        reg.envelopes(1, 5)
    outputs.append(("error", str(info.value).encode() + repr(reg).encode()))
    harvest(tmp_path / "lib", registry=reg, per_page=50)
    reg.close()
    outputs.append(("logs", caplog.text.encode()))
    assert "twin" in caplog.text or caplog.text  # logs were captured
    # 3. grep every artefact
    artefacts = _all_text(tmp_path) + outputs
    assert len(artefacts) > 20
    leaks = [where for where, data in artefacts if KEY.encode() in data or KEY[:20].encode() in data]
    assert leaks == []
