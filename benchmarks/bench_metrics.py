"""Metrics benchmark on a built Registry-twin snapshot (targets from issue 5).

Targets: loading the tables <= 5 s; all metrics for one state <= 200 ms (median over states, after
the tables are loaded); all metrics for all states <= 5 s.

Measured, in one run:

1. ``load``: ``MetricsContext.from_snapshot`` (reads only the columns the metrics use), median of 3,
   and ``prepare``: building the per-snapshot joins (attribution, facts, SOC links, presence matrix).
2. ``state suite``: every call a state dashboard makes (coverage by each dimension and all together,
   per-10k-workers, occupational coverage and links, supply per 1,000 openings, uncovered occupations,
   transparency index / fill rates / provider index / data to-do list, quality signals, change):
   the first state (cold: builds the all-states caches) and each of the other states (warm).
3. ``all states``: the same suite for every state (one context), and the vectorised ``state=None``
   variants on a fresh context.
4. Baselines in the same run: (a) a naive per-state pandas implementation of coverage by type,
   quality shares and transparency fill rates (re-joining the raw tables per state, as a notebook
   would); (b) a plain polars ``group_by`` count per state (the floor for one coverage cell).
   Ratios are baseline time / ler_analytics time for the same work.

Usage::

    python benchmarks/bench_metrics.py --snapshot PATH         # a built snapshot (e.g. the scale-1.0 twin)
    python benchmarks/bench_metrics.py --scale 1.0              # ensure_demo(scale) first (slow the first time)
    python benchmarks/bench_metrics.py --snapshot PATH --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

import ler_analytics.metrics as m  # noqa: E402
from ler_analytics.metrics.attribution import US_STATES_AND_DC  # noqa: E402
from ler_analytics.metrics.context import MetricsContext  # noqa: E402
from ler_analytics.snapshot import open_snapshot  # noqa: E402

DIMENSIONS = ("credential_type", "provider_type", "status", "delivery_mode", "audience_level")


def state_suite(ctx: MetricsContext, state: str, previous: MetricsContext) -> None:
    """Every metric call a state dashboard makes."""
    m.compute_state_coverage(ctx, state=state)
    for dim in DIMENSIONS:
        m.compute_coverage(ctx, state=state, by=[dim])
    m.compute_coverage(ctx, state=state)
    m.compute_occupation_coverage(ctx, state=state)
    m.compute_occupation_link_summary(ctx, state=state)
    m.compute_supply_per_openings(ctx, state=state)
    m.compute_uncovered_occupations(ctx, state=state, top=20)
    m.compute_uncovered_occupations(ctx, state=state, top=20, min_wage="state_median")
    m.compute_transparency_index(ctx, state=state)
    m.compute_transparency_index(ctx, state=state, by=("state_code", "credential_type"))
    m.compute_transparency_index(ctx, state=state, by=("state_code", "provider"))
    m.compute_fill_rates(ctx, state=state)
    m.compute_provider_todo(ctx, state=state, top=5)
    m.compute_quality_signals(ctx, state=state)
    m.compute_changes(previous, ctx, state=state, by=("state_code", "credential_type"))


def all_states_vectorised(ctx: MetricsContext, previous: MetricsContext) -> None:
    """The state=None variants: one call per metric covering every state."""
    m.compute_state_coverage(ctx)
    for dim in DIMENSIONS:
        m.compute_coverage(ctx, by=[dim])
    m.compute_coverage(ctx)
    m.compute_occupation_coverage(ctx, by_state=True)
    m.compute_occupation_link_summary(ctx, by_state=True)
    m.compute_supply_per_openings(ctx)
    m.compute_uncovered_occupations(ctx, top=20)
    m.compute_uncovered_occupations(ctx, top=20, min_wage="state_median")
    m.compute_transparency_index(ctx, by=("state_code",))
    m.compute_transparency_index(ctx, by=("state_code", "credential_type"))
    m.compute_transparency_index(ctx, by=("state_code", "provider"))
    m.compute_fill_rates(ctx, by=("state_code",))
    m.compute_provider_todo(ctx, top=5)
    m.compute_quality_signals(ctx)
    m.compute_changes(previous, ctx, by=("state_code", "credential_type"))


def subset_ours(ctx: MetricsContext, state: str) -> None:
    """The work the pandas baseline does, with ler_analytics."""
    m.compute_coverage(ctx, state=state, by=["credential_type"])
    m.compute_quality_signals(ctx, state=state, by=("state_code",))
    m.compute_fill_rates(ctx, state=state)


def pandas_tables(path: Path) -> dict:
    import pandas as pd  # noqa: F401  (imported for its side effect of failing early if missing)

    snap = open_snapshot(path)
    return {
        "credentials": snap.table("credentials").to_pandas(),
        "organizations": snap.table("organizations").select("ctid", "state_code").to_pandas(),
        "locations": snap.table("locations").select("subject_ctid", "subject_table", "role", "state_code").to_pandas(),
        "resource_properties": snap.table("resource_properties").to_pandas(),
    }


def subset_naive_pandas(t: dict, state: str, bench_items: list[tuple[str, list[str]]]) -> None:
    """Naive per-state pandas: attribute (owner, offered-by, availableAt), then count, share and fill rates."""
    import pandas as pd

    creds, orgs, locs = t["credentials"], t["organizations"].dropna(subset=["ctid"]), t["locations"]
    owner = creds[["ctid", "owner_ctid"]].dropna().merge(orgs, left_on="owner_ctid", right_on="ctid",
                                                         suffixes=("", "_o"))
    offered = creds[["ctid", "offered_by_ctids"]].explode("offered_by_ctids").dropna().merge(
        orgs, left_on="offered_by_ctids", right_on="ctid", suffixes=("", "_o"))
    avail = locs[(locs.subject_table == "credentials") & (locs.role == "availableAt")].rename(
        columns={"subject_ctid": "ctid"})
    ids = pd.concat([owner[owner.state_code == state].ctid, offered[offered.state_code == state].ctid,
                     avail[avail.state_code == state].ctid]).unique()
    sub = creds[creds.ctid.isin(ids)]
    sub.groupby("credential_type").ctid.nunique()
    sub[["has_qa", "has_outcome_data", "has_cost", "has_competencies", "has_duration"]].fillna(False).mean()
    rp = t["resource_properties"]
    rp = rp[(rp.resource_table == "credentials") & rp.ctid.isin(ids)]
    have = rp.groupby("ctid").property.apply(set)
    for _, props in bench_items:
        curies = [p for p in props if not p.startswith("col:")]
        cols = [p[4:] for p in props if p.startswith("col:")]
        present = have.apply(lambda s, c=curies: any(p in s for p in c)).reindex(sub.ctid, fill_value=False).to_numpy()
        for col in cols:
            present = present | sub[col].fillna(False).to_numpy()
        present.mean()


def plain_groupby(creds: pl.DataFrame, orgs: pl.DataFrame, state: str) -> None:
    creds.join(orgs.filter(pl.col("state_code") == state).select(pl.col("ctid").alias("owner_ctid")),
               on="owner_ctid", how="semi").group_by("credential_type").len()


def step(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def timed(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path, help="a built snapshot folder")
    parser.add_argument("--scale", type=float, default=None, help="use ensure_demo(scale) when --snapshot is absent")
    parser.add_argument("--baseline-states", type=int, default=8, help="states timed with the slow pandas baseline")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    if args.snapshot is None:
        from ler_analytics.demo import ensure_demo

        args.snapshot = ensure_demo(scale=args.scale or 1.0)
    path = args.snapshot
    snap = open_snapshot(path)
    counts = {name: pl.scan_parquet(snap.table_path(name)).select(pl.len()).collect().item()
              for name in ("credentials", "organizations", "locations", "alignments", "resource_properties")}
    print(f"snapshot {path} ({snap.source}): " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    res: dict = {"snapshot": str(path), "source": snap.source, "rows": counts}

    loads = []
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        ctx = MetricsContext.from_snapshot(path)
        loads.append(time.perf_counter() - t0)
    res["load_s"] = statistics.median(loads)
    step("loaded")
    t0 = time.perf_counter()
    ctx.prepare()
    res["prepare_s"] = time.perf_counter() - t0
    previous = MetricsContext.from_snapshot(path).prepare()  # change is measured against a second context
    states = [s for s in US_STATES_AND_DC]
    order = m.compute_state_coverage(ctx).sort("credential_count", descending=True)["state_code"].to_list()
    first = order[0]
    res["first_state"] = first
    step("prepared")
    cpu0 = time.process_time()
    res["first_state_cold_s"] = timed(state_suite, ctx, first, previous)
    step("first state")
    warm = {s: timed(state_suite, ctx, s, previous) for s in states if s != first}
    res["all_states_loop_cpu_s"] = time.process_time() - cpu0
    res["state_warm_median_s"] = statistics.median(warm.values())
    res["state_warm_p90_s"] = sorted(warm.values())[int(0.9 * len(warm))]
    res["state_warm_max_s"] = max(warm.values())
    res["all_states_loop_s"] = res["first_state_cold_s"] + sum(warm.values())

    step("all states (loop)")
    del previous
    fresh = MetricsContext.from_snapshot(path).prepare()
    fresh_prev = MetricsContext.from_snapshot(path).prepare()
    cpu0 = time.process_time()
    res["all_states_vectorised_s"] = timed(all_states_vectorised, fresh, fresh_prev)
    res["all_states_vectorised_cpu_s"] = time.process_time() - cpu0
    res["load_average_1min"] = os.getloadavg()[0]
    res["cpu_count"] = os.cpu_count()

    step("all states (vectorised)")
    del fresh, fresh_prev
    gc.collect()
    # ---- baselines (same run) --------------------------------------------------------------------
    bench_items = [(r["item"], r["properties"]) for r in m.transparency.load_benchmark()
                   .filter(pl.col("class_group") == "credential").iter_rows(named=True)]
    tables = pandas_tables(path)
    sample = order[: args.baseline_states]
    step("pandas tables")
    naive = [timed(subset_naive_pandas, tables, s, bench_items) for s in sample]
    step("pandas baseline")
    cold_ctx = MetricsContext.from_snapshot(path).prepare()
    ours_cold = timed(subset_ours, cold_ctx, sample[0])
    ours = [timed(subset_ours, cold_ctx, s) for s in sample[1:]]
    res["baseline_pandas_subset_median_s"] = statistics.median(naive)
    res["ours_subset_first_state_s"] = ours_cold
    res["ours_subset_warm_median_s"] = statistics.median(ours) if ours else ours_cold
    creds = snap.table("credentials").select("ctid", "credential_type", "owner_ctid")
    orgs = snap.table("organizations").select("ctid", "state_code")
    plain = [timed(plain_groupby, creds, orgs, s) for s in sample]
    ours_cov = [timed(m.compute_coverage, cold_ctx, state=s, by=["credential_type"]) for s in sample]
    res["baseline_plain_groupby_median_s"] = statistics.median(plain)
    res["ours_coverage_by_type_median_s"] = statistics.median(ours_cov)

    ratio = res["baseline_pandas_subset_median_s"] / max(res["ours_subset_warm_median_s"], 1e-9)
    ratio_cold = res["baseline_pandas_subset_median_s"] / max(res["ours_subset_first_state_s"], 1e-9)
    res["ratio_pandas_over_ours_warm"] = ratio
    res["ratio_pandas_over_ours_first_state"] = ratio_cold
    res["ratio_plain_groupby_over_ours"] = res["baseline_plain_groupby_median_s"] / max(
        res["ours_coverage_by_type_median_s"], 1e-9)
    ok = {
        "load <= 5 s": res["load_s"] <= 5,
        "load + prepare <= 5 s": res["load_s"] + res["prepare_s"] <= 5,
        "one state median <= 200 ms": res["state_warm_median_s"] <= 0.2,
        "all states (loop incl. cold first) <= 5 s": res["all_states_loop_s"] <= 5,
        "all states (vectorised) <= 5 s": res["all_states_vectorised_s"] <= 5,
    }
    res["targets"] = ok
    print(f"load {res['load_s']:.2f} s, prepare {res['prepare_s']:.2f} s")
    print(f"one state: first ({first}, cold caches) {res['first_state_cold_s'] * 1000:.0f} ms; others median "
          f"{res['state_warm_median_s'] * 1000:.1f} ms, p90 {res['state_warm_p90_s'] * 1000:.1f} ms, "
          f"max {res['state_warm_max_s'] * 1000:.1f} ms")
    print(f"all states: loop {res['all_states_loop_s']:.2f} s (CPU {res['all_states_loop_cpu_s']:.2f} s); vectorised "
          f"{res['all_states_vectorised_s']:.2f} s (CPU {res['all_states_vectorised_cpu_s']:.2f} s); machine load "
          f"{res['load_average_1min']:.1f} on {res['cpu_count']} cores")
    print(f"baseline naive pandas per state (coverage by type + quality + fill rates): "
          f"{res['baseline_pandas_subset_median_s'] * 1000:.0f} ms vs ours "
          f"{res['ours_subset_warm_median_s'] * 1000:.1f} ms warm ({ratio:.0f}x), "
          f"{res['ours_subset_first_state_s'] * 1000:.0f} ms first state ({ratio_cold:.1f}x)")
    print(f"baseline plain polars group_by count per state: {res['baseline_plain_groupby_median_s'] * 1000:.1f} ms vs "
          f"compute_coverage(by=type) {res['ours_coverage_by_type_median_s'] * 1000:.1f} ms "
          f"(ratio {res['ratio_plain_groupby_over_ours']:.2f})")
    for name, passed in ok.items():
        print(f"  {'PASS' if passed else 'FAIL'}  {name}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
