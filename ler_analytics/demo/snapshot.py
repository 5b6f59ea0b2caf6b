"""Write the Registry twin as a labelled snapshot, and keep one ready for dashboards and notebooks."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import orjson

from ler_analytics.errors import LerError
from ler_analytics.log import get_logger
from ler_analytics.snapshot import DEMO_NOTICE, MANIFEST, RAW_DIR, TABLES_DIR, RawWriter, write_manifest

log = get_logger("demo")

DEFAULT_SCALE = 0.05
DEFAULT_SEED = 42
RAW_COMPRESSLEVEL = 3
"""gzip level of the twin's raw parts: about 40 % less CPU than level 5 for 13 % larger files."""


def demo_source(scale: float, seed: int) -> str:
    """Manifest ``source`` of a twin snapshot: ``demo:<seed>/<scale>``."""
    return f"demo:{int(seed)}/{float(scale):g}"


def _prepare(out: Path) -> None:
    """Make ``out`` ready for a fresh twin snapshot without touching anything that is not ours."""
    if not out.exists():
        out.mkdir(parents=True)
        return
    if not out.is_dir():
        raise LerError(f"{out} exists and is not a folder; choose another --out.")
    entries = [p for p in out.iterdir() if not p.name.startswith(".")]
    if not entries:
        return
    manifest = out / MANIFEST
    source = ""
    if manifest.exists():
        try:
            source = str(orjson.loads(manifest.read_bytes()).get("source", ""))
        except orjson.JSONDecodeError:
            source = ""
    if not source.startswith("demo:"):
        raise LerError(
            f"{out} is not empty and is not a Registry-twin snapshot; refusing to overwrite it. "
            f"Choose an empty or new folder for --out."
        )
    # An older twin snapshot: replace its raw parts, tables and manifest.
    manifest.unlink()
    for sub in (RAW_DIR, TABLES_DIR, "graph"):
        if (out / sub).is_dir():
            shutil.rmtree(out / sub)


def generate(
    out: str | os.PathLike[str],
    *,
    scale: float = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    progress: bool = False,
    workers: int | None = None,
) -> Path:
    """Generate the Registry twin's initial state as a complete, labelled snapshot.

    The snapshot holds ``raw/envelopes-NNNNN.jsonl.gz`` (one envelope per line, exactly the
    Registry's envelope format) and a manifest with ``source: demo:<seed>/<scale>``,
    ``synthetic: true``, the counts per type and the query (generator, scale, seed); its status is
    set to complete last. Build tables with ``ler build <out>``.

    Args:
        out: snapshot folder (created; an older twin snapshot there is replaced).
        scale: size relative to the live Registry (1.0 is about 396,000 envelopes).
        seed: random seed; the same seed and scale give the same envelopes.
        progress: show a progress bar on stderr.
        workers: processes rendering envelopes (default: up to 2 where ``fork`` is available and the
            twin is large; the output is identical for any number of workers).

    Returns:
        The snapshot folder.

    Raises:
        LerError: when ``out`` holds something other than a twin snapshot.
    """
    from ler_analytics.demo.plan import T_SNAPSHOT, build_plan
    from ler_analytics.demo.stream import render_chunks

    out = Path(out)
    if scale <= 0:
        raise LerError(f"scale must be positive (got {scale}); 1.0 is the live Registry's size.")
    _prepare(out)
    source = demo_source(scale, seed)
    query = {"generator": "ler_analytics.demo", "scale": float(scale), "seed": int(seed)}
    base = {"source": source, "synthetic": True, "notice": DEMO_NOTICE, "query": query, "community": "ce-registry"}
    write_manifest(out, base, complete=False)
    plan = build_plan(float(scale), int(seed))
    by_type: Counter[str] = Counter()
    total = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(plan.order), unit="env", desc="twin", leave=False)
    with RawWriter(out, compresslevel=RAW_COMPRESSLEVEL) as writer:
        for chunk in render_chunks(plan, workers):
            for ctdl_type, line in chunk:
                writer.write(line)
                by_type[ctdl_type] += 1
            total += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    manifest = {
        **base,
        "counts": {"envelopes": total, "by_type": dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])))},
        "last_event_at": T_SNAPSHOT.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    write_manifest(out, manifest, complete=True)
    log.info("twin snapshot %s: %d envelopes (%s)", out, total, source)
    return out


def demo_dir(
    scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED, data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Where :func:`ensure_demo` keeps the twin: ``<data_dir>/demo`` (defaults) or ``demo-<scale>-<seed>``."""
    from ler_analytics.config import Settings

    base = Path(data_dir) if data_dir is not None else Settings().data_dir
    if float(scale) == DEFAULT_SCALE and int(seed) == DEFAULT_SEED:
        return base / "demo"
    return base / f"demo-{float(scale):g}-{int(seed)}"


def _is_ready(path: Path, source: str) -> bool:
    try:
        manifest = orjson.loads((path / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False
    built = bool(manifest.get("tables")) or any((path / TABLES_DIR).glob("*.parquet"))
    return manifest.get("source") == source and manifest.get("status") == "complete" and built


def ensure_demo(
    scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED, data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Return a generated and built twin snapshot, creating it on first use.

    The snapshot lives in ``<LER_DATA_DIR>/demo`` (default scale and seed) or
    ``<LER_DATA_DIR>/demo-<scale>-<seed>``; later calls reuse it when its manifest matches the
    scale and seed and its tables are built. It is generated in a temporary sibling folder and
    moved into place, so a crash never leaves a half snapshot behind.

    Args:
        scale: size relative to the live Registry.
        seed: random seed.
        data_dir: parent folder (default: ``Settings().data_dir``).
    """
    path = demo_dir(scale, seed, data_dir)
    source = demo_source(scale, seed)
    if _is_ready(path, source):
        return path
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        generate(tmp, scale=scale, seed=seed)
        try:
            from ler_analytics.build import build
        except ImportError:  # pragma: no cover - the table builder ships with the package
            log.warning("ler_analytics.build is not available: the twin snapshot at %s has no tables", path)
        else:
            build(tmp)
        if path.exists():
            if _is_ready(path, source):  # another process finished first
                shutil.rmtree(tmp)
                return path
            shutil.rmtree(path)
        tmp.replace(path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path
