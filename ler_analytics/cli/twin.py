"""``ler twin serve``: serve the Registry twin (synthetic demonstration data) on a loopback port."""

from __future__ import annotations

import os
import sys
import threading
import time

import click


@click.group(name="twin")
def command() -> None:
    """The Registry twin: a loopback stand-in for the Credential Registry API (synthetic data)."""


@command.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address (loopback only, unless --force).")
@click.option("--port", default=8765, show_default=True, type=int, help="TCP port (0 picks a free one).")
@click.option("--scale", default=0.05, show_default=True, type=float, help="Generator scale (1.0 = live size).")
@click.option("--seed", default=42, show_default=True, type=int, help="Generator seed.")
@click.option("--sample", is_flag=True, help="Serve the tiny hand-made sample Registry instead of the generator.")
@click.option("--secured", is_flag=True, help="Demand the API key on the Registry routes (401 without it).")
@click.option(
    "--api-key-env",
    default="LER_TWIN_API_KEY",
    show_default=True,
    help="Environment variable holding the API key for --secured and the Assistant route.",
)
@click.option("--latency-ms", default=0.0, show_default=True, type=float, help="Added latency per request.")
@click.option("--fault-rate", default=0.0, show_default=True, type=float,
              help="Share of requests answered with a fault (spread over 429/500/502/503/reset/truncate).")
@click.option("--timeout-rate", default=0.0, show_default=True, type=float, help="Share of requests that stall.")
@click.option("--stall-seconds", default=30.0, show_default=True, type=float, help="How long a stalled request waits.")
@click.option("--retry-after", default=1, show_default=True, type=int, help="Retry-After seconds sent with 429.")
@click.option("--fault-seed", default=0, show_default=True, type=int, help="Seed of the fault decisions.")
@click.option("--batches", default=0, show_default=True, type=int,
              help="Change batches of the generator's events history to publish while serving.")
@click.option("--change-rate", default=0.01, show_default=True, type=float,
              help="Share of envelopes changed per batch.")
@click.option("--publish-every", default=30.0, show_default=True, type=float,
              help="Seconds between published batches (with --batches).")
@click.option("--force", is_flag=True, help="Allow a non-loopback --host (exposes the server to the network).")
def serve_command(
    host: str,
    port: int,
    scale: float,
    seed: int,
    sample: bool,
    secured: bool,
    api_key_env: str,
    latency_ms: float,
    fault_rate: float,
    timeout_rate: float,
    stall_seconds: float,
    retry_after: int,
    fault_seed: int,
    batches: int,
    change_rate: float,
    publish_every: float,
    force: bool,
) -> None:
    """Serve the Registry twin and print its base URL (Ctrl-C stops it)."""
    from ler_analytics.twin.faults import FaultConfig
    from ler_analytics.twin.server import TwinServer, is_loopback_host
    from ler_analytics.twin.store import TwinStore

    if not is_loopback_host(host) and not force:
        raise click.UsageError(f"--host {host} is not a loopback address; pass --force to bind it anyway")
    api_key = os.environ.get(api_key_env) or None
    if secured and not api_key:
        raise click.UsageError(f"--secured needs an API key in the environment variable {api_key_env}")
    try:
        faults = FaultConfig.uniform(
            fault_rate, latency_ms=latency_ms, rate_timeout=timeout_rate, stall_seconds=stall_seconds,
            retry_after=retry_after, seed=fault_seed,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None

    started = time.perf_counter()
    if sample:
        from ler_analytics.twin.samples import sample_envelopes

        store = TwinStore(sample_envelopes())
        source = "hand-made sample"
    else:
        click.echo(f"generating the Registry twin (scale {scale}, seed {seed})...", err=True)
        store = TwinStore.from_generator(scale, seed)
        source = f"demo generator, scale {scale}, seed {seed}"
    click.echo(
        f"Registry twin (synthetic demonstration data; {source}): {store.live_count()} envelopes "
        f"loaded in {time.perf_counter() - started:.1f}s", err=True,
    )
    if store.errors:
        click.echo(f"  {len(store.errors)} envelopes skipped, first: {store.errors[0]}", err=True)
    server = TwinServer(
        store, host=host, port=port, api_key=api_key, secured=secured, faults=faults, allow_non_loopback=force
    )
    url = server.start()
    click.echo(url)
    sys.stdout.flush()
    if batches and not sample:
        threading.Thread(
            target=_publish_batches, args=(server, scale, seed, batches, change_rate, publish_every), daemon=True
        ).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.stop()


def _publish_batches(server: object, scale: float, seed: int, batches: int, change_rate: float, every: float) -> None:
    from ler_analytics.demo import iter_change_batches

    for batch in iter_change_batches(scale, seed, batches=batches, change_rate=change_rate):
        time.sleep(every)
        counts = server.publish(batch)  # type: ignore[attr-defined]
        click.echo(f"published a change batch: {counts}", err=True)
