"""Real-world publishing quirks of the Credential Registry, applied by the twin at realistic rates.

Each publisher gets a :class:`Style` (how it writes language maps, references, regions, codes and
concepts); a few records deviate from their publisher's style. Rates are documented in
``docs/demo-twin.md`` and checked by ``tests/unit/demo``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

REGISTRY = "https://credentialengineregistry.org"

# Publisher-level rates.
LANG_STYLES = (("en-US", 0.62), ("en", 0.28), ("plain", 0.10))
REF_STYLES = (("resources", 0.86), ("graph", 0.07), ("object", 0.07))
REGION_STYLES = (("code", 0.55), ("name", 0.33), ("messy", 0.09), ("ap", 0.03))
SOC_STYLES = (("soc", 0.55), ("onet", 0.30), ("digits", 0.05), ("url", 0.10))
CIP_STYLES = (("cip6", 0.80), ("digits", 0.12), ("cip4", 0.05), ("text", 0.03))
# Record-level rates.
UPPER_CTID_RATE = 0.015  # a reference written with an upper-case CTID (old tools)
MIXED_CTID_RATE = 0.004
CONCEPT_STRING_RATE = 0.12  # concept properties given as bare CURIE strings instead of alignment objects


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    """Pick an option name by its weight."""
    names = [o[0] for o in options]
    return rng.choices(names, weights=[o[1] for o in options], k=1)[0]


@dataclass(frozen=True)
class Style:
    """How one publisher writes its records."""

    lang: str = "en-US"
    ref: str = "resources"
    region: str = "code"
    soc: str = "soc"
    cip: str = "cip6"
    concept_strings: bool = False
    context_http: bool = False

    @classmethod
    def draw(cls, rng: random.Random) -> Style:
        """A random publisher style at the documented rates."""
        return cls(
            lang=weighted(rng, LANG_STYLES),
            ref=weighted(rng, REF_STYLES),
            region=weighted(rng, REGION_STYLES),
            soc=weighted(rng, SOC_STYLES),
            cip=weighted(rng, CIP_STYLES),
            concept_strings=rng.random() < CONCEPT_STRING_RATE,
            context_http=rng.random() < 0.15,
        )


class Writer:
    """Writes values of one record in its publisher's style (with occasional per-record deviations)."""

    __slots__ = ("lang_key", "rng", "style")

    def __init__(self, style: Style, rng: random.Random) -> None:
        self.style = style
        self.rng = rng
        self.lang_key = None if style.lang == "plain" else style.lang

    def text(self, value: str) -> object:
        """A literal as a language map (``en`` / ``en-US``) or a plain string."""
        if self.lang_key is None:
            return value
        return {self.lang_key: value}

    def texts(self, values: list[str]) -> object:
        """A list literal (keywords): ``{"en": [..]}`` or a plain list."""
        if self.lang_key is None:
            return list(values)
        return {self.lang_key: list(values)}

    def ref(self, ctid: str) -> object:
        """A reference to another registry resource, in the publisher's style."""
        r = self.rng.random()
        if r < UPPER_CTID_RATE:
            ctid = "ce-" + ctid[3:].upper()
        elif r < UPPER_CTID_RATE + MIXED_CTID_RATE:
            ctid = "ce-" + ctid[3:12].upper() + ctid[12:]
        if self.style.ref == "graph":
            return f"{REGISTRY}/graph/{ctid}"
        uri = f"{REGISTRY}/resources/{ctid}"
        if self.style.ref == "object":
            return {"@id": uri}
        return uri

    def concept(self, scheme_framework: str, curie: str, label: str) -> object:
        """A concept value: an alignment object (usual) or a bare CURIE string."""
        if self.style.concept_strings:
            return curie
        return {
            "@type": "ceterms:CredentialAlignmentObject",
            "ceterms:framework": scheme_framework,
            "ceterms:targetNode": curie,
            "ceterms:frameworkName": self.text(scheme_framework.rsplit("/", 1)[-1]),
            "ceterms:targetNodeName": self.text(label),
        }

    def region(self, state: str, name: str, ap: str | None) -> str:
        """``addressRegion`` as a code, a name, a messy spelling or an AP abbreviation."""
        style = self.style.region
        if style == "code":
            return state
        if style == "name":
            return name
        if style == "ap" and ap:
            return ap
        variant = self.rng.randrange(4)
        if variant == 0:
            return name.upper()
        if variant == 1:
            return " " + name.lower() + " "
        if variant == 2:
            return state.lower()
        return name.replace(" ", "  ")

    def soc(self, soc: str) -> tuple[str | None, str | None, str]:
        """``(codedNotation, targetNode, framework)`` for an occupation alignment."""
        style = self.style.soc
        if style == "onet":
            return f"{soc}.00", None, "https://www.onetcenter.org/taxonomy/2019/list.html"
        if style == "digits":
            return soc.replace("-", ""), None, "https://www.bls.gov/soc/2018/"
        if style == "url":
            return None, f"https://www.onetonline.org/link/summary/{soc}.00", "https://www.onetonline.org/"
        return soc, None, "https://www.bls.gov/soc/2018/"

    def cip(self, cip: str) -> str:
        """A CIP code in the publisher's spelling."""
        style = self.style.cip
        if style == "digits":
            return cip.replace(".", "")
        if style == "cip4":
            return cip[:5]
        if style == "text":
            return f"CIP {cip}"
        return cip
