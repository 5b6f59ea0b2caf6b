"""Check that two builds of the same raw input produced the same tables (the oracle for build rewrites).

A speed change to `ler build` (a new flattener, a compiled core, another engine) must not change a
single value. Build the same snapshot with the old and the new code into two folders, then:

  python benchmarks/compare_builds.py OLD_SNAPSHOT NEW_SNAPSHOT

For every `tables/*.parquet` of either snapshot it reports: missing on one side, different columns
or dtypes, or rows that differ. Rows are matched by content (a hash of the whole row), so the order
they were written in does not matter, and a row that occurs a different number of times counts.
It prints the first rows found only before or only after, per table, and exits 1 when anything
differs, 0 when every table is equal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl


def compare_table(name: str, old: pl.DataFrame, new: pl.DataFrame, *, show: int = 3) -> list[str]:
    """Differences between two versions of one table, as sentences (empty when they are equal).

    Rows are matched by their content (a hash of the whole row, list columns included), so the
    order in which the build wrote them does not matter; a row that occurs a different number of
    times on the two sides is a difference too.
    """
    if old.schema != new.schema:
        only_old = [c for c in old.columns if c not in new.schema]
        only_new = [c for c in new.columns if c not in old.schema]
        dtypes = [
            f"{c}: {old.schema[c]} -> {new.schema[c]}"
            for c in old.columns
            if c in new.schema and old.schema[c] != new.schema[c]
        ]
        return [f"{name}: columns differ (only before: {only_old}; only after: {only_new}; dtypes: {dtypes})"]
    old_hash, new_hash = old.hash_rows(), new.hash_rows()
    if old.height == new.height and old_hash.sort().equals(new_hash.sort()):
        return []
    lines = [f"{name}: {old.height:,} rows before, {new.height:,} after, and their contents differ"]
    only_before = old.filter(~old_hash.is_in(new_hash.implode()))
    only_after = new.filter(~new_hash.is_in(old_hash.implode()))
    for label, rows in (("only before", only_before), ("only after", only_after)):
        lines.append(f"  {rows.height:,} rows {label}")
        lines += [f"    {row}" for row in rows.head(show).iter_rows(named=True)]
    if only_before.is_empty() and only_after.is_empty():
        lines.append("  the same rows, but some occur a different number of times (duplicates gained or lost)")
    return lines


def compare_snapshots(old: Path, new: Path) -> list[str]:
    """Differences between the tables of two snapshots (empty when every table is equal)."""
    old_tables = {p.stem: p for p in (old / "tables").glob("*.parquet")}
    new_tables = {p.stem: p for p in (new / "tables").glob("*.parquet")}
    problems = [f"{t}: only in {old}" for t in sorted(old_tables.keys() - new_tables.keys())]
    problems += [f"{t}: only in {new}" for t in sorted(new_tables.keys() - old_tables.keys())]
    for table in sorted(old_tables.keys() & new_tables.keys()):
        problems += compare_table(table, pl.read_parquet(old_tables[table]), pl.read_parquet(new_tables[table]))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    for snapshot in (args.old, args.new):
        if not (snapshot / "tables").is_dir():
            parser.error(f"{snapshot} has no tables/ folder: run `ler build {snapshot}` first")
    problems = compare_snapshots(args.old, args.new)
    for line in problems:
        print(line)
    if not problems:
        print(f"every table of {args.old} and {args.new} is equal")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
