"""`ler sync`: bring a harvested snapshot up to date through the Registry's events feed."""

from __future__ import annotations

import click


@click.command(name="sync")
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False))
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Folder of the new snapshot (default: a dated folder next to SNAPSHOT).")
@click.option("--api-key", default=None, metavar="KEY",
              help="Credential Engine API key (default LER_REGISTRY_API_KEY).")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64), help="Parallel requests.")
@click.option("--rate-limit", default=None, type=float, metavar="RPS",
              help="Requests per second (default 2 for remote hosts, unlimited on this machine).")
@click.option("--build/--no-build", "build", default=None,
              help="Build tables in the new snapshot (default: if SNAPSHOT has tables).")
@click.option("--retries", default=8, show_default=True, type=click.IntRange(1, 50),
              help="Attempts per request before giving up (backoff with jitter between them).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(snapshot: str, out: str | None, api_key: str | None, concurrency: int, rate_limit: float | None,
            build: bool | None, retries: int, quiet: bool) -> None:
    """Write a NEW snapshot = SNAPSHOT + the changes published since it was taken.

    Reads the events feed after the snapshot's last event, fetches only created and updated
    envelopes, drops deleted ones, and records `previous_snapshot` in the new manifest. The old
    snapshot is left untouched.

    Example: ler sync data/snapshots/2026-11-01
    """
    from ler_analytics.cli._progress import PhaseBars
    from ler_analytics.log import configure_logging
    from ler_analytics.registry.http import RetryPolicy
    from ler_analytics.registry.sync import registry_for, sync
    from ler_analytics.snapshot import read_manifest

    configure_logging("WARNING")
    manifest = read_manifest(snapshot)
    bars = PhaseBars(enabled=not quiet)
    try:
        with registry_for(manifest, api_key=api_key, concurrency=concurrency,
                          rate_limit="auto" if rate_limit is None else rate_limit,
                          retry=RetryPolicy(max_attempts=retries)) as reg:
            new = sync(snapshot, registry=reg, out=out, progress=bars, build=build)
    finally:
        bars.close()
    s = new.get("sync", {})
    path = new.get("id")
    click.echo(
        f"New snapshot {path}: {new['counts']['envelopes']} envelopes ({s.get('created', 0)} created, "
        f"{s.get('updated', 0)} updated, {s.get('deleted', 0)} deleted; {s.get('requests', 0)} requests, "
        f"{s.get('bytes_received', 0) / 1e6:.2f} MB). Previous snapshot kept: {snapshot}"
    )
    if not new.get("tables"):
        click.echo("Build its tables with: ler build <new snapshot folder>")
