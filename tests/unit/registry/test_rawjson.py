"""Splitting a JSON array body into the exact bytes of each element."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ler_analytics.registry.rawjson import split_json_array


def test_exact_spans_with_whitespace_unicode_and_tricky_strings():
    elements = [b'{"a": "x,]}[{", "b": [1, 2, {"c": null}]}', b'"caf\xc3\xa9 \\" ]"', b"12.5e3", b"[]", b"{}"]
    body = b" \n[ " + b" ,\n\t".join(elements) + b" ]\n"
    pairs = split_json_array(body)
    assert [raw for raw, _ in pairs] == elements
    assert pairs[0][1]["a"] == "x,]}[{"
    assert pairs[1][1] == 'café " ]'


def test_empty_array_and_bom():
    assert split_json_array(b"[]") == []
    assert split_json_array("\ufeff[1]".encode()) == [(b"1", 1)]


@pytest.mark.parametrize(
    "body, words",
    [
        (b'[{"a": 1}, {"b": 2', "not valid JSON"),  # truncated inside an element
        (b'[{"a": 1},', "not valid JSON"),  # truncated after a comma
        (b'[{"a": 1}', "truncated"),
        (b'{"a": 1}', "not a JSON array"),
        (b"", "not a JSON array"),
        (b'[1] [2]', "after the end"),
        (b"[1 2]", "unexpected"),
        (b"[\xff]", "UTF-8"),
    ],
)
def test_broken_bodies_raise(body, words):
    with pytest.raises(ValueError, match=words):
        split_json_array(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(json_values, max_size=8), st.sampled_from(["", " ", "\n", " \t "]), st.booleans())
def test_roundtrip_any_array(values, ws, ascii_only):
    parts = [json.dumps(v, ensure_ascii=ascii_only).encode() for v in values]
    body = ("[" + ws).encode() + (("," + ws).encode()).join(parts) + (ws + "]").encode()
    pairs = split_json_array(body)
    assert [raw for raw, _ in pairs] == parts
    assert [value for _, value in pairs] == values


compact_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None)
@given(st.lists(compact_values, max_size=8))
def test_roundtrip_compact_fast_path(values):
    import orjson

    parts = [orjson.dumps(v) for v in values]
    body = b"[" + b",".join(parts) + b"]"
    pairs = split_json_array(body)
    assert [raw for raw, _ in pairs] == parts
    assert [value for _, value in pairs] == values


def test_fast_path_never_changes_bytes_it_would_write_differently():
    body = rb'[{"a":"\u00e9","b":1.0,"c":"x\/y"},{"d":1e2}]'
    pairs = split_json_array(body)
    assert [raw for raw, _ in pairs] == [rb'{"a":"\u00e9","b":1.0,"c":"x\/y"}', b'{"d":1e2}']
    assert pairs[0][1]["a"] == "é" and pairs[1][1]["d"] == 100.0
    big = b"[123456789012345678901234567890]"  # beyond orjson's integer range: the exact path reads it
    assert split_json_array(big) == [(b"123456789012345678901234567890", 123456789012345678901234567890)]
