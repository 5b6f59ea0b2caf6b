"""Split a JSON array response into the exact bytes of each element (raw envelopes are kept as received).

``json.JSONDecoder.raw_decode`` parses one value and reports where it ended, so each element's span
is known without re-serialising anything. Offsets are in characters of the decoded text; a span is
turned back into bytes by encoding it again, which is exact for valid UTF-8 input.

Fast path: when the body is compact JSON that ``orjson`` writes back identically (checked byte for
byte against the whole body), the spans are the re-serialised elements; otherwise the exact path runs.
"""

from __future__ import annotations

import json
from typing import Any

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


def split_json_array(body: bytes) -> list[tuple[bytes, Any]]:
    """Return ``(element_bytes, element_value)`` for every element of a top-level JSON array.

    Args:
        body: a complete HTTP body holding one JSON array (UTF-8, optional BOM and whitespace).

    Returns:
        One pair per element, in order; the bytes are exactly the element's bytes in ``body``.

    Raises:
        ValueError: when the body is not valid UTF-8, not a JSON array, truncated, or has trailing data.

    Examples:
        >>> split_json_array(b'[{"a": 1}, 2]')
        [(b'{"a": 1}', {'a': 1}), (b'2', 2)]
    """
    fast = _split_compact(body)
    if fast is not None:
        return fast
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"body is not valid UTF-8 ({exc})") from exc
    n = len(text)
    i = _skip_ws(text, 0)
    if i >= n or text[i] != "[":
        raise ValueError("body is not a JSON array")
    i = _skip_ws(text, i + 1)
    out: list[tuple[bytes, Any]] = []
    if i < n and text[i] == "]":
        _expect_end(text, i + 1)
        return out
    while True:
        try:
            value, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise ValueError(f"element {len(out) + 1} of the array is not valid JSON ({exc})") from exc
        out.append((text[i:end].encode("utf-8"), value))
        i = _skip_ws(text, end)
        if i >= n:
            raise ValueError(f"array ends after element {len(out)} without ']' (truncated body)")
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
            continue
        if text[i] == "]":
            _expect_end(text, i + 1)
            return out
        raise ValueError(f"unexpected {text[i]!r} after element {len(out)} of the array")


def _split_compact(body: bytes) -> list[tuple[bytes, Any]] | None:
    """Fast path for compact JSON that orjson writes back byte for byte (checked, so never wrong)."""
    import orjson

    if not body.startswith(b"[") or not body.endswith(b"]"):
        return None
    try:
        values = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # the exact path below explains what is wrong (or reads what orjson cannot)
    if not isinstance(values, list):
        return None
    try:
        parts = [orjson.dumps(value) for value in values]
    except TypeError:
        return None
    if b"[" + b",".join(parts) + b"]" != body:
        return None
    return list(zip(parts, values, strict=True))


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def _expect_end(text: str, i: int) -> None:
    if _skip_ws(text, i) != len(text):
        raise ValueError("unexpected data after the end of the JSON array")


def parse_json(body: bytes) -> Any:
    """Parse a whole JSON body (fast path via orjson); ``ValueError`` on any problem."""
    import orjson

    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"body is not valid JSON ({exc})") from exc
