"""The column dictionary, the generated docs page and the built Parquet files agree exactly."""

import importlib.util
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ler_analytics.build import build
from ler_analytics.ctdl.fields import CORE_TABLES, column_names

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "ctdl"


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_table_docs", ROOT / "scripts" / "generate_table_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_columns() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "tables.md").read_text()
    tables: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^## (\w+)$", line)
        if heading:
            current = heading.group(1)
            tables[current] = []
        row = re.match(r"^\| `(\w+)` \|", line)
        if row and current:
            tables[current].append(row.group(1))
    return tables


def test_docs_page_is_generated_from_the_dictionary():
    generator = load_generator()
    assert (ROOT / "docs" / "tables.md").read_text() == generator.render(), (
        "docs/tables.md is out of date: run python scripts/generate_table_docs.py"
    )


@pytest.fixture(scope="module")
def built_tables(tmp_path_factory):
    src = tmp_path_factory.mktemp("in") / "ctdl"
    shutil.copytree(DATA, src)
    out = tmp_path_factory.mktemp("out") / "snap"
    build(src, out=out, workers=1)
    return out / "tables"


def test_every_built_column_is_documented_and_every_documented_column_is_built(built_tables):
    documented = documented_columns()
    assert list(documented) == list(CORE_TABLES)
    built = {p.stem: pq.read_schema(p).names for p in built_tables.glob("*.parquet")}
    assert set(built) == set(CORE_TABLES)
    for table in CORE_TABLES:
        undocumented = set(built[table]) - set(documented[table])
        unbuilt = set(documented[table]) - set(built[table])
        assert not undocumented, f"{table}: built but not in the column dictionary: {undocumented}"
        assert not unbuilt, f"{table}: documented but not built: {unbuilt}"
        assert built[table] == column_names(table) == documented[table]


def test_flatteners_fill_exactly_the_dictionary_columns():
    """Row dicts (not just the Parquet schema) carry every documented column and nothing else."""
    from ler_analytics.build import read_record

    keys: dict[str, set[str]] = {t: set() for t in CORE_TABLES}
    for path in sorted(DATA.rglob("*.json")):
        rows, quarantine, envelopes = read_record(path.read_bytes(), label=f"{path.name}:1")
        for table in rows.tables:
            for row in rows.as_dicts(table):
                keys[table].update(row)
        for row in quarantine:
            keys["quarantine"].update(row)
        for row in envelopes:
            keys["envelopes"].update(row)
    for table in CORE_TABLES:
        produced = keys[table] - {"_seq"}
        assert produced == set(column_names(table)), (
            f"{table}: missing {set(column_names(table)) - produced}, extra {produced - set(column_names(table))}"
        )
