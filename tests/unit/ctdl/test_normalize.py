"""One test per normalisation rule of ``ctdl/normalize.py`` (design.md, "Normalisation rules")."""

from datetime import UTC, datetime

import pytest

from ler_analytics.ctdl import normalize as n

CTID = "ce-6a62b250-a1a2-4d31-a702-cdc2437efd31"


@pytest.mark.parametrize(
    "value",
    [
        CTID,
        CTID.upper().replace("CE-", "ce-"),
        "CE-6A62B250-A1A2-4D31-A702-CDC2437EFD31",
        f"https://credentialengineregistry.org/resources/{CTID}",
        "https://credentialengineregistry.org/graph/ce-6A62B250-A1A2-4D31-A702-CDC2437EFD31",
        f"http://credentialengineregistry.org/resources/{CTID}",
        f"https://sandbox.credentialengineregistry.org/resources/{CTID}",
        {"@id": f"https://credentialengineregistry.org/resources/{CTID}"},
        {"@id": f"HTTPS://CREDENTIALENGINEREGISTRY.ORG/GRAPH/{CTID.upper()}"},
    ],
)
def test_normalize_ctid_resolves_every_reference_form_to_one_lower_case_ctid(value):
    assert n.normalize_ctid(value) == CTID


@pytest.mark.parametrize("value", [None, 12, "_:b0", "ce-123", "https://example.org/org/1", {"@id": None}, ["x"]])
def test_normalize_ctid_gives_none_for_non_ctids(value):
    assert n.normalize_ctid(value) is None


def test_is_ctid_requires_exact_lower_case_ctid():
    assert n.is_ctid(CTID)
    assert not n.is_ctid(CTID.upper())
    assert not n.is_ctid(f"x{CTID}")
    assert not n.is_ctid(None)


def test_reference_id_keeps_blank_nodes_and_external_uris():
    assert n.reference_id("_:dc529cb7-3044-40b8-8732-cbc7ba6ff871") == "_:dc529cb7-3044-40b8-8732-cbc7ba6ff871"
    assert n.reference_id({"@id": " https://example.org/x "}) == "https://example.org/x"
    assert n.reference_id(f"https://credentialengineregistry.org/graph/{CTID.upper()}") == CTID
    assert n.reference_id("") is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"en": "Welding"}, "Welding"),
        ({"en-US": "Welding"}, "Welding"),
        ({"en-us": "Welding"}, "Welding"),
        ({"es": "Soldadura", "en-GB": "Welding"}, "Welding"),
        ({"es": "Soldadura"}, "Soldadura"),
        ("  Welding ", "Welding"),
        ({"@value": "Welding", "@language": "en"}, "Welding"),
        ([{"en": ""}, {"en": "Welding"}], "Welding"),
        ({"en": ["Welding", "Cutting"]}, "Welding"),
        ({"en": None}, None),
        (None, None),
        (3, "3"),
    ],
)
def test_lang_text_reads_language_maps_and_plain_strings(value, text):
    assert n.lang_text(value) == text


def test_lang_codes_lists_the_languages_of_a_map():
    assert n.lang_codes({"en": "a", "es": "b"}) == ["en", "es"]
    assert n.lang_codes("plain") == []


@pytest.mark.parametrize(
    ("term", "local"),
    [
        ("ceterms:Certificate", "Certificate"),
        ("https://purl.org/ctdl/terms/Certificate", "Certificate"),
        ("http://www.w3.org/2004/02/skos/core#Concept", "Concept"),
        ({"@id": "audLevel:BeginnerLevel"}, "BeginnerLevel"),
        (None, None),
    ],
)
def test_local_name(term, local):
    assert n.local_name(term) == local


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("IN", "IN"),
        ("Indiana", "IN"),
        ("indiana", "IN"),
        (" new  york ", "NY"),
        ("D.C.", "DC"),
        ("District of Columbia", "DC"),
        ("Washington DC", "DC"),
        ("Puerto Rico", "PR"),
        ("Guam", "GU"),
        ("U.S. Virgin Islands", "VI"),
        ("il", "IL"),
        (" IL ", "IL"),
        ("Calif.", "CA"),
        ({"en": "Michigan"}, "MI"),
        ({"en-US": "OH"}, "OH"),
    ],
)
def test_normalize_state_any_spelling_of_a_us_state_dc_or_territory(region, code):
    assert n.normalize_state(region) == code


@pytest.mark.parametrize("region", ["Ontario", "QC", "MB", "London", "Geneva", "United States", "", None])
def test_normalize_state_gives_none_outside_the_us(region):
    assert n.normalize_state(region) is None


@pytest.mark.parametrize(
    ("value", "soc", "onet"),
    [
        ("15-1252", "15-1252", None),
        ("151252", "15-1252", None),
        ("15-1252.00", "15-1252", "15-1252.00"),
        ("29-1141.01", "29-1141", "29-1141.01"),
        ("15.1252", "15-1252", None),
        ("https://www.onetonline.org/link/summary/29-1141.00", "29-1141", "29-1141.00"),
        ("ex:SOC#15-1212", "15-1212", None),
        ("Registered Nurses", None, None),
    ],
)
def test_normalize_soc_gives_soc_and_onet_soc(value, soc, onet):
    assert n.normalize_soc(value) == (soc, onet)


@pytest.mark.parametrize(
    ("value", "cip"),
    [
        ("51.3801", "51.3801"),
        ("1.0101", "01.0101"),
        ("520201", "52.0201"),
        ("11.01", "11.01"),
        ("11", "11"),
        ("https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cip=51.3801", "51.3801"),
        ("https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88414", None),
        ("Cybersecurity 101", None),
    ],
)
def test_normalize_cip_zero_pads_and_keeps_series_length(value, cip):
    assert n.normalize_cip(value) == cip


@pytest.mark.parametrize(
    ("value", "naics"),
    [
        ("541511", "541511"),
        ("54-1511", "541511"),
        ("https://www.census.gov/naics/?code=611519&search=2022", "611519"),
        ("31-33", "31-33"),
        ("62", "62"),
        ("cyber security", None),
    ],
)
def test_normalize_naics_digits_only(value, naics):
    assert n.normalize_naics(value) == naics


def test_as_list_wraps_single_values():
    assert n.as_list(None) == []
    assert n.as_list({"a": 1}) == [{"a": 1}]
    assert n.as_list([1, 2]) == [1, 2]


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (12, 12.0),
        (12.5, 12.5),
        ("1,200.50", 1200.5),
        ("$300", 300.0),
        ({"@value": "3"}, 3.0),
        (True, None),
        ("three", None),
        (float("nan"), None),
        (None, None),
    ],
)
def test_to_float(value, number):
    assert n.to_float(value) == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-02-19 22:12:36 UTC", datetime(2019, 2, 19, 22, 12, 36, tzinfo=UTC)),
        ("2026-08-21T10:00:00Z", datetime(2026, 8, 21, 10, 0, tzinfo=UTC)),
        ("2026-08-21T12:00:00+02:00", datetime(2026, 8, 21, 10, 0, tzinfo=UTC)),
        ("2026-08-21", datetime(2026, 8, 21, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_timestamp_reads_registry_spellings_as_utc(value, expected):
    assert n.parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "months"),
    [
        ("P2Y", 24.0),
        ("P18M", 18.0),
        ("P1Y6M", 18.0),
        ("P30.44D", 1.0),
        ("PT730.56H", 1.0),
        ("p2y", 24.0),
        ("P", None),
        ("2 years", None),
        (None, None),
    ],
)
def test_duration_months_reads_iso_8601(value, months):
    result = n.duration_months(value)
    assert result == (pytest.approx(months) if months is not None else None)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("audLevel:BeginnerLevel", "BeginnerLevel"),
        ("https://purl.org/ctdl/vocabs/audLevel/BeginnerLevel", "BeginnerLevel"),
        ({"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": "credentialStat:Active"}, "Active"),
        ({"ceterms:targetNode": {"@id": "deliveryType:OnlineOnly"}}, "OnlineOnly"),
        ({"ceterms:targetNodeName": {"en": "Active"}}, "Active"),
        (7, None),
    ],
)
def test_concept_name_reads_curie_strings_and_alignment_objects(value, name):
    assert n.concept_name(value) == name
