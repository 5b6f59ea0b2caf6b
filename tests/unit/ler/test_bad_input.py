"""Bad input: a clear error naming the file and the problem; a batch goes on with the rest."""

from __future__ import annotations

import json

import pytest

from ler_analytics.errors import LerFileError
from ler_analytics.ler.read import read_ler, read_many

from .helpers import b64, make_jwt, ob3


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


CASES = [
    ("notjson.json", "hello, this is not a credential", "not JSON and not a JWT"),
    ("truncated.json", '{"type": ["VerifiableCredential"], "credentialSubject": ', "not valid JSON"),
    ("array.json", "[1, 2, 3]", "expected a JSON object"),
    ("empty.json", "   \n", "file is empty"),
    ("binary.json", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "binary or non-ASCII"),
    ("two_parts.jwt", "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319", "malformed JWT: expected 3"),
    ("bad_b64.jwt", "eyJhbGciOiJFZERTQSJ9.e$$$.c2ln", "malformed JWT"),
    ("payload_not_json.jwt", f"{b64(b'{}')}.{b64(b'not json')}.c2ln".replace(b64(b"{}"), b64(b'{"alg":"EdDSA"}')),
     "the payload is not JSON"),
    ("no_alg.jwt", make_jwt({"vc": {}}, {"typ": "JWT"}), "header has no 'alg'"),
    ("jwe.jwt", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "encrypted JWT (JWE"),
    ("unknown.json", json.dumps({"type": ["SomethingElse"], "name": "x"}), "unknown credential type"),
    ("untyped.json", json.dumps({"credentialSubject": {}}), "unknown credential type (type: none)"),
]


@pytest.mark.parametrize(("name", "content", "problem"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_error_names_file_and_problem(tmp_path, name, content, problem):
    path = _write(tmp_path, name, content)
    with pytest.raises(LerFileError) as info:
        read_ler(path)
    message = str(info.value)
    assert str(path) in message
    assert problem in message


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:  # sparse: 25 MB on paper, nothing on disk
        handle.truncate(25 * 1024 * 1024)
    with pytest.raises(LerFileError, match=r"huge\.json: file is 26\.2 MB, larger than the 21\.0 MB limit"):
        read_ler(path)
    small = _write(tmp_path, "small.json", json.dumps(ob3({"id": "urn:a", "name": "A"})))
    with pytest.raises(LerFileError, match="larger than the 0.0 MB limit"):
        read_ler(small, max_bytes=10)


def test_deeply_nested_documents_are_refused(tmp_path):
    inner = {"x": 1}
    for _ in range(200):
        inner = {"n": inner}
    doc = ob3({"id": "urn:a", "name": "A", "extra": inner})
    path = _write(tmp_path, "deep.json", json.dumps(doc))
    with pytest.raises(LerFileError, match=r"deep\.json: document is nested deeper than 64 levels"):
        read_ler(path)
    assert read_ler(path, max_depth=500).achievements[0].name == "A"
    # far deeper than any JSON parser's recursion limit: still a clear error, not a crash
    very = "[" * 100_000 + "]" * 100_000
    path2 = _write(tmp_path, "verydeep.json", '{"a": ' + very + "}")
    with pytest.raises(LerFileError, match=r"verydeep\.json: .*nested deeper"):
        read_ler(path2)


def test_missing_file(tmp_path):
    with pytest.raises(LerFileError, match=r"nope\.json: cannot be read"):
        read_ler(tmp_path / "nope.json")


def test_batch_goes_on_after_bad_files(tmp_path, ler_data):
    for name, content, _problem in CASES:
        _write(tmp_path, name, content)
    good = _write(tmp_path, "good.json", json.dumps(ob3({"id": "urn:a", "name": "Good one"})))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ob3.json").write_bytes((ler_data / "ob30_complete.json").read_bytes())
    (tmp_path / "notes.md").write_text("ignored: not an LER suffix")
    docs, errors = read_many([tmp_path])
    assert sorted(d.source for d in docs) == sorted([str(good), str(tmp_path / "sub" / "ob3.json")])
    assert len(errors) == len(CASES)
    by_file = {e.source.rsplit("/", 1)[-1]: e.problem for e in errors}
    for name, _content, problem in CASES:
        assert problem in by_file[name]
        assert not by_file[name].startswith(str(tmp_path))  # the problem text does not repeat the path


def test_error_messages_do_not_echo_document_content(tmp_path):
    secret = "Zebulon Quartermaine"
    path = _write(tmp_path, "x.json", json.dumps({"type": ["Nope"], "credentialSubject": {"name": secret}}))
    with pytest.raises(LerFileError) as info:
        read_ler(path)
    assert secret not in str(info.value)
    path = _write(tmp_path, "y.json", '{"credentialSubject": {"name": "' + secret + '"')
    with pytest.raises(LerFileError) as info:
        read_ler(path)
    assert secret not in str(info.value)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ler_analytics.ler.links import find_links  # noqa: E402
from ler_analytics.ler.read import parse_bytes  # noqa: E402

_KEYS = st.sampled_from(["type", "@type", "id", "@id", "issuer", "credentialSubject", "achievement", "alignment",
                         "targetUrl", "targetCode", "verifiableCredential", "association", "proof", "@context",
                         "sameAs", "ceterms:requires", "name", "badge", "vc", "x"])
_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.sampled_from(["VerifiableCredential", "OpenBadgeCredential", "ClrCredential", "Assertion",
                     "https://credentialengineregistry.org/resources/ce-6a62b250-a1a2-4d31-a702-cdc2437efd31",
                     "https://credentialfinder.org/credential/1/x", "ce-6a62b250-a1a2-4d31-a702-cdc2437efd31",
                     "res:ce-6a62b250-a1a2-4d31-a702-cdc2437efd31", "eyJhbGciOiJub25lIn0.e30.", "eyJ.x.y", ""]),
    st.text(max_size=12),
)
_JSON = st.recursive(_LEAVES, lambda children: st.one_of(st.lists(children, max_size=4),
                                                         st.dictionaries(_KEYS, children, max_size=5)), max_leaves=40)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _JSON, max_size=6))
def test_arbitrary_json_never_crashes(doc):
    """Any JSON object either reads (and its links can be found) or fails with a clear LerFileError."""
    try:
        ler = parse_bytes(json.dumps(doc).encode(), "fuzz.json")
    except LerFileError as exc:
        assert str(exc).startswith("fuzz.json: ")
        return
    for link in find_links(ler):
        assert link.path.startswith("$")
