"""`ler demo`: generate the Registry twin (synthetic demonstration data) and build its tables."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command(name="demo")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Snapshot folder (default: <LER_DATA_DIR>/demo, or demo-<scale>-<seed> for other settings).",
)
@click.option(
    "--scale",
    type=float,
    default=0.05,
    show_default=True,
    help="Size relative to the live Registry (1.0 = about 396,000 envelopes).",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed (same seed, same data).")
@click.option("--build/--no-build", default=True, show_default=True, help="Build the core tables afterwards.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars.")
def command(out: Path | None, scale: float, seed: int, build: bool, progress: bool) -> None:
    """Generate the Registry twin, a realistic synthetic Credential Registry, as a snapshot.

    The snapshot is labelled as synthetic demonstration data (manifest source demo:<seed>/<scale>);
    every dashboard and report built on it says so. Then `ler dashboard` or `ler report` use it.
    """
    from ler_analytics.demo import demo_dir, generate
    from ler_analytics.log import configure_logging
    from ler_analytics.snapshot import DEMO_NOTICE, read_manifest

    configure_logging("WARNING")
    if scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    target = out if out is not None else demo_dir(scale, seed)
    started = time.perf_counter()
    generate(target, scale=scale, seed=seed, progress=progress)
    generated = time.perf_counter() - started
    rows: dict[str, int] = {}
    if build:
        from ler_analytics.build import build as build_tables

        rows = build_tables(target, progress=progress)
    manifest = read_manifest(target)
    counts = manifest.get("counts", {})
    click.echo(f"Registry twin snapshot: {target}")
    click.echo(f"  {DEMO_NOTICE}")
    click.echo(
        f"  source {manifest.get('source')}  envelopes {counts.get('envelopes', 0):,}  generated in {generated:.1f} s"
    )
    top = list(counts.get("by_type", {}).items())[:8]
    click.echo("  top types: " + ", ".join(f"{t.split(':')[-1]} {n:,}" for t, n in top))
    if rows:
        shown = ", ".join(
            f"{k} {v:,}"
            for k, v in rows.items()
            if k in ("credentials", "organizations", "learning_opportunities", "quarantine")
        )
        click.echo(f"  tables built: {shown}")
        click.echo(f"Next: ler dashboard {target}")
    else:
        click.echo(f"Next: ler build {target}")
