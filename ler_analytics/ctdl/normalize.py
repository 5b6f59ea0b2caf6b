"""Normalisation rules for CTDL values: one small, tested function per rule.

These functions are shared by the table builder, the reference-data loaders, the LER reader and
the Registry twin, so the same code is spelled the same way everywhere. They never raise on odd
input: they return ``None`` (or the documented fallback) and leave the raw value to the caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

_CTID_RE = re.compile(r"ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_CTID_FULL_RE = re.compile(r"^ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_ctid(value: object) -> bool:
    """True when ``value`` is exactly a CTID (``ce-`` + UUID), in lower case."""
    return isinstance(value, str) and bool(_CTID_FULL_RE.match(value))


def normalize_ctid(value: object) -> str | None:
    """Return the CTID found in ``value`` (a CTID or any URI ending in one), lower-cased.

    Accepts bare CTIDs in any case, ``…/resources/ce-…``, ``…/graph/ce-…`` and ``{"@id": …}``.

    Examples:
        >>> normalize_ctid("https://credentialengineregistry.org/graph/ce-6A62B250-A1A2-4D31-A702-CDC2437EFD31")
        'ce-6a62b250-a1a2-4d31-a702-cdc2437efd31'
        >>> normalize_ctid("_:b0") is None
        True
    """
    if isinstance(value, dict):
        value = value.get("@id")
    if not isinstance(value, str):
        return None
    match = _CTID_RE.search(value)
    return match.group(0).lower() if match else None


def reference_id(value: object) -> str | None:
    """Return the identifier a reference points to: its CTID, else the blank-node id or URI as given."""
    if isinstance(value, dict):
        value = value.get("@id")
    if not isinstance(value, str) or not value.strip():
        return None
    return normalize_ctid(value) or value.strip()


def as_list(value: object) -> list:
    """Wrap a single value in a list; ``None`` becomes ``[]`` (CTDL allows both forms)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


_PREFERRED_LANGS = ("en", "en-us", "en-gb", "en-ca")


def lang_text(value: object) -> str | None:
    """Read a CTDL literal: a plain string, a language map, a ``@value`` object or a list of them.

    English (``en``, ``en-US``, …) is preferred; otherwise the first non-empty value is used.

    Examples:
        >>> lang_text({"en-US": "Welding"})
        'Welding'
        >>> lang_text({"es": "Soldadura"})
        'Soldadura'
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if type(value) is dict and len(value) == 1:  # fast path: {"en-US": "..."}; every rule below reads that value
        for item in value.values():
            if type(item) is str:
                return item.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        for item in value:
            text = lang_text(item)
            if text:
                return text
        return None
    if isinstance(value, dict):
        if "@value" in value:
            return lang_text(value["@value"])
        lowered = {str(k).lower(): v for k, v in value.items()}
        for lang in _PREFERRED_LANGS:
            if lang in lowered:
                text = lang_text(lowered[lang])
                if text:
                    return text
        for key, item in lowered.items():
            if key.startswith("en"):
                text = lang_text(item)
                if text:
                    return text
        for item in value.values():
            text = lang_text(item)
            if text:
                return text
    return None


def lang_codes(value: object) -> list[str]:
    """Language tags present in a language map (``[]`` for plain strings)."""
    if isinstance(value, dict) and "@value" not in value:
        return [str(k) for k in value]
    return []


def local_name(term: object) -> str | None:
    """Local name of a CURIE or IRI: ``ceterms:Certificate`` -> ``Certificate``."""
    if isinstance(term, dict):
        term = term.get("@id") or term.get("ceterms:targetNode")
    if not isinstance(term, str) or not term:
        return None
    for sep in (":", "/", "#"):
        if sep in term:
            term = term.rsplit(sep, 1)[1]
    return term or None


# --- US states -----------------------------------------------------------------------------

# USPS codes with their names (50 states, DC, territories and the armed-forces codes).
_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands",
    "AS": "American Samoa", "MP": "Northern Mariana Islands", "UM": "U.S. Minor Outlying Islands",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}
US_STATE_NAMES: dict[str, str] = dict(_STATES)
"""USPS code -> name for the 50 states, DC and the territories (read-only by convention)."""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower())


_STATE_LOOKUP: dict[str, str] = {}
for _code, _name in _STATES.items():
    _STATE_LOOKUP[_fold(_code)] = _code
    _STATE_LOOKUP[_fold(_name)] = _code
_STATE_LOOKUP.update(
    {
        "washingtondc": "DC", "dc": "DC", "districtofcolumbiadc": "DC", "virginislands": "VI",
        "usvirginislands": "VI", "unitedstatesvirginislands": "VI", "northernmarianas": "MP",
        "commonwealthofpuertorico": "PR", "commonwealthofmassachusetts": "MA",
        "commonwealthofpennsylvania": "PA", "commonwealthofvirginia": "VA",
        "commonwealthofkentucky": "KY", "stateofnewyork": "NY",
    }
)
# AP-style abbreviations ("Colo.", "Calif.", "N.Y.") fold to these keys.
_STATE_LOOKUP.update(
    {
        "ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "colo": "CO", "conn": "CT", "del": "DE",
        "fla": "FL", "ill": "IL", "ind": "IN", "kan": "KS", "kans": "KS", "mass": "MA", "mich": "MI",
        "minn": "MN", "miss": "MS", "mont": "MT", "nebr": "NE", "neb": "NE", "nev": "NV", "okla": "OK",
        "ore": "OR", "oreg": "OR", "penn": "PA", "penna": "PA", "tenn": "TN", "tex": "TX", "wash": "WA",
        "wis": "WI", "wisc": "WI", "wyo": "WY",
    }
)


def normalize_state(value: object) -> str | None:
    """USPS code for a US state, DC or territory written as a code or a name, in any case/spacing.

    Returns ``None`` for anything else (foreign regions, blanks), so callers keep the raw text.

    Examples:
        >>> normalize_state(" new  york ")
        'NY'
        >>> normalize_state("D.C.")
        'DC'
        >>> normalize_state("Ontario") is None
        True
    """
    text = lang_text(value) if not isinstance(value, str) else value
    if not text:
        return None
    code = _STATE_CACHE.get(text, "")
    if code == "":  # folding (unicode normalisation + regex) costs ~10 us; spellings repeat a lot
        code = _STATE_LOOKUP.get(_fold(text))
        if len(_STATE_CACHE) >= 50_000:
            _STATE_CACHE.clear()
        _STATE_CACHE[text] = code
    return code


_STATE_CACHE: dict[str, str | None] = {}


# --- occupation, program and industry codes -------------------------------------------------

_SOC_RE = re.compile(r"(?<!\d)(\d{2})[-.\s]?(\d{4})(?:\.(\d{2}))?(?!\d)")


def normalize_soc(value: object) -> tuple[str | None, str | None]:
    """SOC 2018 detailed code ``NN-NNNN`` and, when given, the O*NET-SOC code ``NN-NNNN.NN``.

    Accepts ``15-1252``, ``151252``, ``15-1252.00``, ``15.1252`` and codes inside O*NET URLs.

    Examples:
        >>> normalize_soc("https://www.onetonline.org/link/summary/15-1252.00")
        ('15-1252', '15-1252.00')
        >>> normalize_soc("151252")
        ('15-1252', None)
    """
    text = lang_text(value)
    if not text:
        return None, None
    match = _SOC_RE.search(text)
    if not match:
        return None, None
    major, detail, onet = match.groups()
    soc = f"{major}-{detail}"
    return soc, (f"{soc}.{onet}" if onet else None)


_CIP_RE = re.compile(r"(?<![\d.])(\d{1,2})(?:\.(\d{2})(\d{2})?)?(?![\d])")


def normalize_cip(value: object) -> str | None:
    """CIP 2020 code as ``NN.NNNN`` (6-digit), ``NN.NN`` (4-digit series) or ``NN`` (2-digit family).

    Zero-pads the family (``1.0101`` -> ``01.0101``); accepts ``cipid=`` URLs and bare digit strings.

    Examples:
        >>> normalize_cip("1.0101")
        '01.0101'
        >>> normalize_cip("520201")
        '52.0201'
        >>> normalize_cip("https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88414")
    """
    text = lang_text(value)
    if not text:
        return None
    text = text.strip()
    url_match = re.search(r"cipid=(\d+)", text)
    if url_match:  # NCES internal ids, not CIP codes: cannot be converted
        return None
    digits_only = re.fullmatch(r"\d{6}|\d{4}", text)
    if digits_only:
        return f"{text[:2]}.{text[2:]}"
    match = re.search(r"(?<![\d.])(\d{1,2})\.(\d{2})(\d{2})?(?![\d])", text)
    if match:
        family, series, detail = match.groups()
        return f"{int(family):02d}.{series}{detail or ''}"
    match = re.fullmatch(r"(\d{1,2})\.?", text)
    if match:
        return f"{int(match.group(1)):02d}"
    return None


def normalize_naics(value: object) -> str | None:
    """NAICS code as digits only (2–6 digits), from ``"541511"``, ``"54-1511"``, ``?code=541511`` URLs.

    Examples:
        >>> normalize_naics("https://www.census.gov/naics/?code=611519&search=2022")
        '611519'
        >>> normalize_naics("31-33")
        '31-33'
    """
    text = lang_text(value)
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"(31-33|44-45|48-49)", text):  # NAICS sector ranges are codes in their own right
        return text
    url_match = re.search(r"code=(\d{2,6})", text)
    if url_match:
        return url_match.group(1)
    digits = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\d{2,6}", digits):
        return digits
    return None


def first(values: Iterable[object]) -> object | None:
    """First non-``None`` item of an iterable, else ``None``."""
    for value in values:
        if value is not None:
            return value
    return None


# --- numbers, timestamps, durations (added for the table builder) ----------------------------

_NUMBER_RE = re.compile(r"^\s*\$?\s*(-?\d[\d,]*(?:\.\d+)?|-?\.\d+)\s*$")


def to_float(value: object) -> float | None:
    """A number from a CTDL literal: ``12``, ``12.5``, ``"1,200.50"``, ``"$300"``, ``{"@value": "3"}``.

    Booleans, NaN/infinite values and text that is not a plain number give ``None``.

    Examples:
        >>> to_float("1,200.50")
        1200.5
        >>> to_float("three") is None
        True
    """
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER_RE.match(value)
        if not match:
            return None
        number = float(match.group(1).replace(",", ""))
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return number


def parse_timestamp(value: object) -> datetime | None:
    """UTC datetime from the Registry's timestamp spellings, else ``None``.

    Accepts ``"2019-02-19 22:12:36 UTC"`` (envelope ``node_headers``), ISO 8601 with ``Z`` or an
    offset, and plain dates. Naive times are taken as UTC.

    Examples:
        >>> parse_timestamp("2019-02-19 22:12:36 UTC").isoformat()
        '2019-02-19T22:12:36+00:00'
        >>> parse_timestamp("2026-08-21T10:00:00.5Z").isoformat()
        '2026-08-21T10:00:00.500000+00:00'
    """
    if not isinstance(value, str) or not value.strip():
        return None
    if len(value) == 23 and value[19:] == " UTC":  # fast path: the Registry's node_headers format
        try:
            return datetime.fromisoformat(value[:19] + "+00:00")
        except ValueError:
            return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


_DURATION_RE = re.compile(
    r"^P(?:(?P<y>\d+(?:[.,]\d+)?)Y)?(?:(?P<mo>\d+(?:[.,]\d+)?)M)?(?:(?P<w>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<d>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<mi>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$",
    re.IGNORECASE,
)
DAYS_PER_MONTH = 30.44


def duration_months(value: object) -> float | None:
    """Length of an ISO 8601 duration (``P2Y``, ``P18M``, ``PT40H``) in months, else ``None``.

    1 year = 12 months, 1 month = 30.44 days, 1 week = 7 days; hours, minutes and seconds count
    as calendar time (``PT24H`` is one day).

    Examples:
        >>> duration_months("P2Y")
        24.0
        >>> round(duration_months("P6W"), 3)
        1.38
    """
    if not isinstance(value, str):
        return None
    match = _DURATION_RE.match(value.strip())
    if not match or value.strip().upper() in ("P", "PT"):
        return None
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    if not parts:
        return None
    days = parts.get("w", 0.0) * 7 + parts.get("d", 0.0)
    days += (parts.get("h", 0.0) + parts.get("mi", 0.0) / 60 + parts.get("s", 0.0) / 3600) / 24
    return parts.get("y", 0.0) * 12 + parts.get("mo", 0.0) + days / DAYS_PER_MONTH


def concept_name(value: object) -> str | None:
    """Local name of a concept value: a CURIE/URI string or a CredentialAlignmentObject.

    ``"audLevel:BeginnerLevel"`` and ``{"ceterms:targetNode": "audLevel:BeginnerLevel"}`` both give
    ``BeginnerLevel``; an alignment object with only a ``targetNodeName`` gives that name.

    Examples:
        >>> concept_name({"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": "credentialStat:Active"})
        'Active'
    """
    if isinstance(value, str):
        return local_name(value.strip())
    if isinstance(value, dict):
        node = value.get("ceterms:targetNode")
        if isinstance(node, dict):
            node = node.get("@id")
        if isinstance(node, str) and node.strip():
            return local_name(node.strip())
        if isinstance(value.get("@id"), str):
            return local_name(value["@id"])
        return lang_text(value.get("ceterms:targetNodeName"))
    return None
