"""`ler snapshot`: harvest a Credential Registry into a dated snapshot folder (resumable)."""

from __future__ import annotations

import click


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.command(name="snapshot")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Snapshot folder to create.")
@click.option("--registry", "registry_url", default=None, metavar="URL",
              help="Registry base URL (default LER_REGISTRY_URL or https://credentialengineregistry.org).")
@click.option("--api-key", default=None, metavar="KEY",
              help="Credential Engine API key (default LER_REGISTRY_API_KEY); needed for --state. Never stored.")
@click.option("--state", "states", multiple=True, metavar="XX",
              help="Only records located in this US state (repeatable; uses the Assistant's CTDL search).")
@click.option("--types", "types", multiple=True, metavar="TYPE",
              help="Only these CTDL classes, e.g. ceterms:Certificate (repeatable or comma-separated).")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Parallel requests.")
@click.option("--per-page", default=200, show_default=True, type=click.IntRange(1, 200), help="Listing page size.")
@click.option("--rate-limit", default=None, type=float, metavar="RPS",
              help="Requests per second (default 2 for remote hosts, unlimited on this machine; 0 = unlimited).")
@click.option("--resume", is_flag=True, help="Continue an interrupted harvest in --out.")
@click.option("--retries", default=8, show_default=True, type=click.IntRange(1, 50),
              help="Attempts per request before giving up (backoff with jitter between them).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(out: str, registry_url: str | None, api_key: str | None, states: tuple[str, ...],
            types: tuple[str, ...], concurrency: int, per_page: int, rate_limit: float | None, resume: bool,
            retries: int, quiet: bool) -> None:
    """Harvest a Credential Registry into a snapshot folder (raw envelopes + manifest.json).

    Without filters every envelope is harvested through the paged envelope listing; with --types
    and/or --state only matching records are fetched. Interrupt at any time and continue with
    --resume; the finished snapshot holds every envelope exactly once. Then run `ler build OUT`.

    Example: ler snapshot --out data/snapshots/2026-11-28 --concurrency 4
    """
    from pathlib import Path

    from ler_analytics.cli._progress import PhaseBars
    from ler_analytics.log import configure_logging
    from ler_analytics.registry.client import Registry
    from ler_analytics.registry.harvest import harvest, resume_possible
    from ler_analytics.registry.http import RetryPolicy
    from ler_analytics.registry.query import QueryError

    configure_logging("WARNING")
    if resume and not resume_possible(out) and Path(out, "manifest.json").exists():
        raise click.ClickException(f"{out} has no interrupted harvest to resume (it may already be complete; "
                                   f"check it with `ler verify {out}`)")
    bars = PhaseBars(enabled=not quiet)
    try:
        with Registry(registry_url, api_key=api_key, concurrency=concurrency,
                      rate_limit="auto" if rate_limit is None else rate_limit,
                          retry=RetryPolicy(max_attempts=retries)) as reg:
            manifest = harvest(out, registry=reg, types=_split(types), states=_split(states), per_page=per_page,
                               resume=resume, progress=bars)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None
    except KeyboardInterrupt:
        bars.close()
        raise click.ClickException(f"interrupted; continue with `ler snapshot --out {out} --resume`") from None
    finally:
        bars.close()
    stats = manifest.get("harvest", {}).get("transport", {})
    click.echo(
        f"Snapshot complete: {manifest['counts']['envelopes']} envelopes in {out} "
        f"({stats.get('requests', 0)} requests, {stats.get('retries', 0)} retries, "
        f"{stats.get('bytes_received', 0) / 1e6:.1f} MB). Next: ler build {out}"
    )
