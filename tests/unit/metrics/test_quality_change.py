"""Quality signals and snapshot changes on the hand-made fixture, computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.metrics import compute_changes, compute_quality_signals

from .conftest import _CREDS, credentials_frame


def _signals(frame: pl.DataFrame) -> dict:
    return {r["signal"]: (r["with_signal"], r["credential_count"]) for r in frame.iter_rows(named=True)}


def test_quality_national(hand):
    out = compute_quality_signals(hand, by=())
    # qa: c1 c3 c6 c9; outcome: c3 c9 + c2 (an outcomes row is about it); cost: c1 c3 c4 c7 c9;
    # competencies: c1 c4 c9; duration: c1 c2 c3 c7 c9
    assert _signals(out) == {"qa": (4, 12), "outcome_data": (3, 12), "cost": (5, 12), "competencies": (3, 12),
                             "duration": (5, 12)}
    assert out["share"].to_list() == pytest.approx([4 / 12, 3 / 12, 5 / 12, 3 / 12, 5 / 12])
    assert out["signal"].to_list() == ["qa", "outcome_data", "cost", "competencies", "duration"]


def test_quality_by_state_and_type(hand):
    out = compute_quality_signals(hand, state="CO")
    cert = out.filter(pl.col("credential_type") == "Certificate")
    # CO certificates: c1 c2 c8 c12
    assert _signals(cert) == {"qa": (1, 4), "outcome_data": (1, 4), "cost": (1, 4), "competencies": (1, 4),
                              "duration": (2, 4)}
    degree = compute_quality_signals(hand, state="CO", by=["credential_family"])
    deg = degree.filter(pl.col("credential_family") == "Degree")  # c3, c9
    assert _signals(deg)["outcome_data"] == (2, 2)
    allstates = compute_quality_signals(hand, by=["state_code"])
    assert allstates.filter(pl.col("share") > 1).is_empty()
    assert set(allstates["state_code"].to_list()) == {"CO", "WY", None}


def _new_snapshot(hand):
    # new snapshot: c7 removed, c13 added (Certificate owned by o2 in WY), c1 changed
    rows = [r for r in _CREDS if r[0] != "c7"]
    rows.append(("c13", "Certificate", "o2", [], "Active", [], [], False, False, False, False, False, False))
    new = dict(hand)
    new["credentials"] = credentials_frame(rows, sha_override={"c1": "sha-c1-v2"})
    return new


def test_changes_by_state(hand):
    out = compute_changes(hand, _new_snapshot(hand), by=["state_code"])
    got = {(r["state_code"], r["change"]): r["credential_count"] for r in out.iter_rows(named=True)}
    # CO (new): c1 changed; c2 c3 c6 c8 c9 c12 unchanged. WY: c13 added, c7 removed (old WY), c2 c8 c10 c11 unchanged.
    # no state: c4 c5 unchanged
    assert got == {
        ("CO", "added"): 0, ("CO", "removed"): 0, ("CO", "changed"): 1, ("CO", "unchanged"): 6,
        ("WY", "added"): 1, ("WY", "removed"): 1, ("WY", "changed"): 0, ("WY", "unchanged"): 4,
        (None, "added"): 0, (None, "removed"): 0, (None, "changed"): 0, (None, "unchanged"): 2,
    }


def test_changes_national_and_by_type(hand):
    new = _new_snapshot(hand)
    national = compute_changes(hand, new, by=())
    assert national.rows() == [("added", 1), ("removed", 1), ("changed", 1), ("unchanged", 10)]
    wy = compute_changes(hand, new, state="WY", by=["credential_type"])
    cert = dict(wy.filter(pl.col("credential_type") == "Certificate").select("change", "credential_count").rows())
    # WY certificates: c13 added, c7 removed, c2 c8 c10 unchanged
    assert cert == {"added": 1, "removed": 1, "changed": 0, "unchanged": 3}
    same = compute_changes(hand, hand, by=())
    assert same.rows() == [("added", 0), ("removed", 0), ("changed", 0), ("unchanged", 12)]
