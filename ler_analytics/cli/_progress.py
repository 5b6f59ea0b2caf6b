"""Progress bars for the registry commands (tqdm, shown only on the command line)."""

from __future__ import annotations

from typing import Any


class PhaseBars:
    """Turns ``{"phase", "done", "total", "records"}`` callbacks into one tqdm bar per phase."""

    LABELS = {"pages": "listing pages", "fetch": "envelopes", "catch-up": "catch-up", "reconcile": "reconcile",
              "query": "query", "events": "events",
              "finalize": "de-duplicating"}

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.phase: str | None = None
        self.bar: Any = None

    def __call__(self, info: dict[str, Any]) -> None:
        """Update the bar for one progress report."""
        if not self.enabled:
            return
        from tqdm import tqdm

        phase = info.get("phase")
        if phase == "done":
            self.close()
            return
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=info.get("total"), desc=self.LABELS.get(str(phase), str(phase)), unit="req",
                            dynamic_ncols=True, leave=True)
        if self.bar is None:
            return
        total = info.get("total")
        if total is not None and total != self.bar.total:
            self.bar.total = total
        self.bar.n = info.get("done") or 0
        self.bar.set_postfix(records=info.get("records", 0), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        """Close the current bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.phase = None
