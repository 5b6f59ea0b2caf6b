"""Exception hierarchy: every error a user can cause says what failed and what to do next."""

from __future__ import annotations


class LerError(Exception):
    """Base class for all ler_analytics errors (the CLI prints these without a traceback)."""


class SnapshotError(LerError):
    """A snapshot directory is missing, incomplete or inconsistent."""


class SchemaError(LerError):
    """A table or record does not match the expected CTDL shape."""


class RecordError(LerError):
    """One record could not be read; carries where it came from and why.

    Args:
        reason: what was wrong, in words a person understands.
        envelope_id: the envelope the record came from, when known.
        ctid: the record's CTID, when known.
        prop: the CTDL property that was wrong, when known.
    """

    def __init__(
        self,
        reason: str,
        *,
        envelope_id: str | None = None,
        ctid: str | None = None,
        prop: str | None = None,
    ) -> None:
        self.reason = reason
        self.envelope_id = envelope_id
        self.ctid = ctid
        self.prop = prop
        where = ", ".join(
            f"{k} {v}" for k, v in (("envelope", envelope_id), ("ctid", ctid), ("property", prop)) if v
        )
        super().__init__(f"{where}: {reason}" if where else reason)


class HTTPRequestError(LerError):
    """An HTTP request failed; the message names the URL, the status and the server's (shortened) answer.

    Args:
        message: what went wrong and what to do next.
        url: the URL requested (never contains an API key).
        status: the HTTP status, if a response arrived.
        body: a shortened response body.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, body: str = "") -> None:
        self.url = url
        self.status = status
        self.body = body[:300]
        parts = [message, f"URL: {url}"]
        if status is not None:
            parts.append(f"status: {status}")
        if self.body:
            parts.append(f"response: {self.body}")
        super().__init__(" | ".join(parts))


class RegistryError(HTTPRequestError):
    """An HTTP request to a Credential Registry failed."""


class LerFileError(LerError):
    """An LER file could not be read (names the file and the problem)."""
