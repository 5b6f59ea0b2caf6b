"""Property-based tests: malformed documents never crash the reader; each problem is explained.

Hypothesis throws wrong types, missing @graph/@id/CTID, malformed CTIDs, unknown classes, huge
strings, deep nesting, invalid UTF-8 and reference cycles at the same code path ``ler build`` uses
(``build.read_record``), starting from a real production envelope.
"""

import copy
import json
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ler_analytics.build import RAW_CHARS, read_record, rows_to_frame
from ler_analytics.ctdl.dtypes import polars_schema

DATA = Path(__file__).resolve().parents[2] / "data" / "ctdl"
ENVELOPE = orjson.loads(
    (
        DATA / "CredentialEngine__Registry_Assistant/src/SamplePublishing/RA.SamplesForDocumentation"
        "/EnvelopeSamples/CredentialEnvelope.json"
    )
    .read_bytes()
    .removeprefix(b"\xef\xbb\xbf")
)
ENVELOPE.pop("resource")  # keep examples small: decoded_resource carries the same graph
ENVELOPE_ID = ENVELOPE["envelope_id"]
CTID = ENVELOPE["envelope_ceterms_ctid"]


def enc(value) -> bytes:
    """Encode like a publisher would (stdlib json: big integers allowed)."""
    return json.dumps(value).encode()


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@id",
                    "@type",
                    "@graph",
                    "ceterms:ctid",
                    "ceterms:name",
                    "ceterms:ownedBy",
                    "en",
                    "decoded_resource",
                    "envelope_id",
                    "ceterms:availableAt",
                    "ceterms:addressRegion",
                    "ceterms:requires",
                    "ceterms:targetCompetency",
                    "ceterms:targetNode",
                    "x",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


def check_invariants(data: bytes):
    rows, quarantine, envelopes = read_record(data, label="raw/test.jsonl.gz:1")
    for table in rows.tables:
        table_rows = rows.as_dicts(table)
        if table_rows:  # every produced row must be storable in its Parquet table
            rows_to_frame(table_rows, polars_schema(table))
            rows_to_frame(rows.tables[table], polars_schema(table, internal=True), table=table)
    if quarantine:
        rows_to_frame(quarantine, polars_schema("quarantine"))
    for q in quarantine:
        assert q["reason"] and len(q["reason"]) > 10
        assert q["source_file"] == "raw/test.jsonl.gz:1"
        assert len(q["raw"]) <= RAW_CHARS
    if envelopes:
        rows_to_frame(envelopes, polars_schema("envelopes", internal=True))
    return rows, quarantine, envelopes


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data):
    rows, quarantine, envelopes = check_invariants(data)
    if not envelopes:
        assert quarantine, "a record that yields nothing must be explained"


@SETTINGS
@given(json_values)
def test_arbitrary_json_never_crashes_and_is_explained(value):
    rows, quarantine, envelopes = check_invariants(enc(value))
    assert envelopes or quarantine


def mutate_main_node(draw_value, prop):
    env = copy.deepcopy(ENVELOPE)
    env["decoded_resource"]["@graph"][0][prop] = draw_value
    return env


@SETTINGS
@given(
    st.sampled_from(
        [
            "ceterms:name",
            "ceterms:ownedBy",
            "ceterms:requires",
            "ceterms:availableAt",
            "ceterms:credentialStatusType",
            "ceterms:estimatedCost",
            "ceterms:estimatedDuration",
            "ceterms:occupationType",
            "ceterms:inLanguage",
            "ceterms:keyword",
            "ceterms:aggregateData",
            "ceterms:subjectWebpage",
            "ceterms:naics",
            "ceterms:recognizedBy",
        ]
    ),
    json_values,
)
def test_wrong_types_in_any_property_keep_the_record(prop, value):
    rows, quarantine, envelopes = check_invariants(enc(mutate_main_node(value, prop)))
    assert [r["ctid"] for r in rows.as_dicts("credentials")] == [CTID]
    assert all(q["envelope_id"] == ENVELOPE_ID for q in quarantine)
    assert all(not q["reason"].startswith("could not flatten") for q in quarantine)


@SETTINGS
@given(st.text(min_size=0, max_size=60))
def test_malformed_ctids_are_quarantined_with_the_envelope(bad):
    env = copy.deepcopy(ENVELOPE)
    env["decoded_resource"]["@graph"][0]["ceterms:ctid"] = f"ce-{bad}"
    rows, quarantine, _ = check_invariants(enc(env))
    if rows.tables["credentials"]:  # only a CTID in another spelling (upper case, padding) is accepted
        assert rows.as_dicts("credentials")[0]["ctid"] == f"ce-{bad}".strip().lower()
    else:
        [q] = [q for q in quarantine if q["property"] == "ceterms:ctid"]
        assert "malformed CTID" in q["reason"] and q["envelope_id"] == ENVELOPE_ID
    # the blank-node QA organisations of the same graph are still read
    assert len(rows.tables["organizations"]) == 4


@SETTINGS
@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and ":" not in t[:1]))
def test_unknown_classes_are_quarantined(type_name):
    from ler_analytics.ctdl import schema

    env = copy.deepcopy(ENVELOPE)
    env["decoded_resource"]["@graph"][0]["@type"] = f"ex:{type_name}"
    rows, quarantine, _ = check_invariants(enc(env))
    if schema.class_curie(f"ex:{type_name}") is None:
        assert not rows.tables["credentials"]
        assert any(q["property"] == "@type" and "unknown class" in q["reason"] for q in quarantine)


@SETTINGS
@given(st.sampled_from(["@graph", "decoded_resource", "@id", "ceterms:ctid", "@type", "envelope_ceterms_ctid"]))
def test_missing_structural_keys(key):
    env = copy.deepcopy(ENVELOPE)
    if key in env:
        del env[key]
    elif key in env["decoded_resource"]:
        del env["decoded_resource"][key]
    else:
        del env["decoded_resource"]["@graph"][0][key]
    rows, quarantine, envelopes = check_invariants(enc(env))
    assert envelopes or quarantine
    if key in ("@graph", "decoded_resource", "@type"):
        assert quarantine and not rows.tables["credentials"]
    else:  # the CTID is recovered from @id / ceterms:ctid / the graph
        assert [r["ctid"] for r in rows.as_dicts("credentials")] == [CTID]


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=200_000, max_value=3_000_000))
def test_huge_strings_are_kept_and_raw_is_truncated(size):
    env = mutate_main_node({"en": "x" * size}, "ceterms:description")
    rows, quarantine, _ = check_invariants(enc(env))
    assert len(rows.as_dicts("credentials")[0]["description"]) == size


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=50, max_value=1100), st.sampled_from(["list", "dict"]))
def test_deep_nesting_never_crashes(depth, kind):
    value: object = "Welding"
    for _ in range(depth):
        value = [value] if kind == "list" else {"en": value}
    data = (
        enc(mutate_main_node(value, "ceterms:name"))
        if depth < 1000
        else (b'{"@graph": ' + b"[" * depth + b"]" * depth + b"}")
    )
    rows, quarantine, envelopes = check_invariants(data)
    assert rows.tables["credentials"] or quarantine


@SETTINGS
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=4).filter(lambda b: b[0] >= 0x80))
def test_invalid_utf8_is_quarantined(position, junk):
    data = enc(ENVELOPE)
    position = min(position, len(data) - 1)
    corrupted = data[:position] + junk + data[position:]
    try:
        corrupted.decode("utf-8")
        return  # the junk happened to form valid UTF-8
    except UnicodeDecodeError:
        pass
    rows, quarantine, envelopes = check_invariants(corrupted)
    assert not envelopes
    assert quarantine[0]["reason"].startswith("not valid UTF-8")


@SETTINGS
@given(st.integers(min_value=1, max_value=30))
def test_reference_cycles_terminate(length):
    base = "https://credentialengineregistry.org/resources/"
    ids = [f"ce-00000000-0000-4000-8000-{i:012d}" for i in range(length)]
    nodes = []
    for i, ctid in enumerate(ids):
        nxt = ids[(i + 1) % length]
        nodes.append(
            {
                "@id": base + ctid,
                "@type": "ceterms:BasicComponent",
                "ceterms:ctid": ctid,
                "ceterms:isChildOf": [base + ctid],
                "ceterms:hasChild": [base + nxt],
                "ceterms:precedes": ["_:loop"],
            }
        )
    nodes.append({"@id": "_:loop", "@type": "ceterms:CredentialOrganization", "ceterms:parentOrganization": ["_:loop"]})
    rows, quarantine, _ = check_invariants(enc({"@graph": nodes}))
    assert len(rows.tables["pathway_components"]) == length
    assert not quarantine
