"""``la.Registry``: read every public route of a Credential Registry (and the Assistant's CTDL search).

Example::

    import ler_analytics as la
    reg = la.Registry()                       # LER_REGISTRY_URL / LER_REGISTRY_API_KEY, else production
    graph = reg.graph("ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b")
    page = reg.envelopes(page=1, per_page=200)
    print(page.total, len(page.items))
    for hit in reg.iter_ctdl_search(la.registry.ctdl_query(types="Certificate", states=["IN"])):
        ...

Routes (see ``docs/registry-api.md``): ``GET /{community}/resources/{ctid}``, ``GET /{community}/graph/{ctid}``,
``POST /{community}/graph/search``, ``POST /{community}/resources/search``,
``POST /{community}/resources/check_existence``, ``GET /{community}/envelopes`` (paged, ``X-Total`` headers),
``GET /{community}/envelopes/{id}``, ``GET /{community}/envelopes/events``, ``GET /{community}/search``,
``GET /{community}/community/info`` and ``POST {assistant}/search/ctdl``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from ler_analytics.config import DEFAULT_ASSISTANT_URL, DEFAULT_REGISTRY_URL, get_settings
from ler_analytics.errors import RegistryError
from ler_analytics.registry.http import USER_AGENT, RetryPolicy, Transport, is_loopback_url
from ler_analytics.registry.query import assistant_request, search_params
from ler_analytics.registry.query import ctid as check_ctid
from ler_analytics.registry.rawjson import parse_json, split_json_array

MAX_PER_PAGE = 200
GRAPH_BATCH = 50
_KNOWN_ASSISTANTS = {
    "credentialengineregistry.org": DEFAULT_ASSISTANT_URL,
    "sandbox.credentialengineregistry.org": "https://sandbox.credentialengine.org/assistant",
}


@dataclass
class Page:
    """One page of a listing: the items, their exact bytes, and the paging headers.

    Attributes:
        items: parsed items.
        raw: exact bytes of each item as received (same order as ``items``).
        page: page number asked for (1-based).
        per_page: page size asked for.
        total: ``X-Total`` (``None`` if the server did not send it).
        total_pages: ``X-Total-Pages`` (computed from ``total`` when missing).
        nbytes: size of the whole body.
        headers: response headers (lower-case names).
    """

    items: list[Any]
    raw: list[bytes]
    page: int
    per_page: int
    total: int | None = None
    total_pages: int | None = None
    nbytes: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class CtdlResult:
    """A page of the Assistant's CTDL search: resources, total, and the extra blocks it returned."""

    data: list[dict[str, Any]]
    total: int
    extra: dict[str, Any]
    raw: dict[str, Any]


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _paging(headers: Mapping[str, str], page: int, per_page: int) -> tuple[int | None, int | None]:
    total = _int_header(headers, "x-total")
    if total is None:
        total = _int_header(headers, "total")  # api-pagination's older header
    pages = _int_header(headers, "x-total-pages")
    if pages is None and total is not None:
        pages = math.ceil(total / per_page) if per_page else None
    return total, pages


def _assistant_ok(body: bytes) -> Any:
    text = body.lstrip()[:200]
    if text.startswith((b"Invalid", b"An API Key is required")) or b"Error: " in text:
        return body.decode("utf-8", "replace")  # the Assistant answers some errors with 200 and plain text
    return parse_json(body)


class Registry:
    """Client for a Credential Registry's public read API and the Assistant's CTDL search.

    Args:
        url: Registry base URL (default ``LER_REGISTRY_URL`` or ``https://credentialengineregistry.org``).
        api_key: Credential Engine API key (default ``LER_REGISTRY_API_KEY``); sent as ``Token <key>`` to the
            Registry and ``ApiToken <key>`` to the Assistant; never logged, stored or shown.
        community: envelope community (``ce-registry``).
        assistant_url: Assistant base URL; default: production/sandbox Assistant for those hosts, else
            ``<url>/assistant`` (the Registry twin serves it there).
        concurrency: connection pool size (harvests use this many worker threads).
        rate_limit: requests per second; ``"auto"`` = 2/s for remote hosts, unlimited on loopback.
        timeout: seconds per request phase.
        retry: retry policy (attempts, backoff).
        cache_dir: on-disk HTTP cache folder for single-record GETs (``None``: no cache).
        user_agent: ``User-Agent`` header (default names ler_analytics and its version).
        seed: seed for backoff jitter (tests).
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        community: str = "ce-registry",
        assistant_url: str | None = None,
        concurrency: int = 4,
        rate_limit: float | str | None = "auto",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        cache_dir: str | Path | None = None,
        user_agent: str = USER_AGENT,
        seed: int | None = None,
    ) -> None:
        settings = get_settings()
        self.url = (url or settings.registry_url or DEFAULT_REGISTRY_URL).rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError("the registry URL must look like https://credentialengineregistry.org", url=self.url)
        if parts.username or parts.password:
            raise RegistryError("put credentials in api_key / LER_REGISTRY_API_KEY, not in the URL", url=parts.hostname)
        self._api_key = api_key if api_key is not None else settings.registry_api_key
        self.community = community.replace("_", "-").strip("/")
        if parts.path.rstrip("/").split("/")[-1].replace("_", "-") == self.community:
            self.url = self.url[: self.url.rstrip("/").rfind("/")]  # ".../ce-registry" given as the base URL
        if assistant_url is None:
            custom = settings.assistant_url if settings.assistant_url != DEFAULT_ASSISTANT_URL else None
            assistant_url = _KNOWN_ASSISTANTS.get(parts.hostname) or custom or f"{self.url}/assistant"
        self.assistant_url = assistant_url.rstrip("/")
        self.concurrency = max(1, int(concurrency))
        self.transport = Transport(
            self.url,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
            max_connections=max(self.concurrency, 2),
            cache_dir=Path(cache_dir) if cache_dir else None,
            user_agent=user_agent,
            secrets=(self._api_key,),
            seed=seed,
        )

    # ------------------------------------------------------------------ basics
    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"Registry(url={self.url!r}, community={self.community!r}, api_key={key})"

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close network connections."""
        self.transport.close()

    @property
    def has_api_key(self) -> bool:
        """True when an API key is configured (the key itself is not exposed)."""
        return bool(self._api_key)

    @property
    def is_loopback(self) -> bool:
        """True for a Registry on this machine (the twin)."""
        return is_loopback_url(self.url)

    @property
    def stats(self) -> dict[str, Any]:
        """Request, retry, byte and fault counters of this client."""
        return self.transport.stats.as_dict()

    def _auth(self, scheme: str = "Token") -> str | None:
        return f"{scheme} {self._api_key}" if self._api_key else None

    def _u(self, *parts: str) -> str:
        return "/".join([self.url, quote(self.community), *(quote(p, safe=":") for p in parts)])

    def _get_json(self, url: str, params: dict[str, Any] | None = None, *, use_cache: bool = False) -> Any:
        return self.transport.request("GET", url, params=params, auth=self._auth(), parse=parse_json,
                                      use_cache=use_cache).parsed

    def _page(self, url: str, params: dict[str, Any], page: int, per_page: int) -> Page:
        resp = self.transport.request("GET", url, params=params, auth=self._auth(), parse=split_json_array)
        pairs = resp.parsed
        total, pages = _paging(resp.headers, page, per_page)
        return Page(
            items=[v for _, v in pairs], raw=[b for b, _ in pairs], page=page, per_page=per_page,
            total=total, total_pages=pages, nbytes=len(resp.content), headers=resp.headers,
        )

    # ------------------------------------------------------------------ resources and graphs
    def resource(self, ctid: str, *, depth: int = 0) -> dict[str, Any]:
        """One resource node by CTID (``GET /{community}/resources/{ctid}``); ``depth`` pulls in blank nodes."""
        params = {"depth": depth} if depth else None
        return self._get_json(self._u("resources", check_ctid(ctid)), params, use_cache=True)

    def graph(self, ctid: str) -> dict[str, Any]:
        """The whole graph document of a record (``GET /{community}/graph/{ctid}``), blank nodes included."""
        return self._get_json(self._u("graph", check_ctid(ctid)), use_cache=True)

    def graph_bytes(self, ctid: str) -> bytes:
        """The graph document's exact bytes."""
        return self.transport.request("GET", self._u("graph", check_ctid(ctid)), auth=self._auth(),
                                      parse=parse_json).content

    def graphs(self, ctids: Iterable[str], *, batch_size: int = GRAPH_BATCH) -> list[dict[str, Any]]:
        """Many graphs at once through ``POST /{community}/graph/search`` (batched); unknown CTIDs are skipped."""
        return [value for _, value in self.iter_graphs_raw(ctids, batch_size=batch_size)]

    def iter_graphs_raw(self, ctids: Iterable[str], *, batch_size: int = GRAPH_BATCH) -> Iterator[tuple[bytes, Any]]:
        """Yield ``(exact_bytes, graph)`` for the given CTIDs, fetched ``batch_size`` at a time."""
        wanted = [check_ctid(c) for c in ctids]
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            resp = self.transport.request("POST", self._u("graph", "search"), json_body={"ctids": batch},
                                          auth=self._auth(), parse=split_json_array)
            yield from resp.parsed

    def resources(self, ctids: Iterable[str], *, bnodes: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Graph members by CTID and blank-node id (``POST /{community}/resources/search``)."""
        body: dict[str, Any] = {"ctids": [check_ctid(c) for c in ctids]}
        if bnodes:
            body["bnodes"] = [b for b in bnodes if isinstance(b, str) and b.startswith("_:")]
        return self.transport.request("POST", self._u("resources", "search"), json_body=body, auth=self._auth(),
                                      parse=parse_json).parsed

    def existing(self, ctids: Iterable[str], *, type: str | None = None) -> list[str]:  # noqa: A002
        """The given CTIDs that exist (``POST /{community}/resources/check_existence``), optionally of a type."""
        from ler_analytics.registry.query import curie

        body: dict[str, Any] = {"ctids": [check_ctid(c) for c in ctids]}
        if type:
            body["@type"] = curie(type, what="type")
        return self.transport.request("POST", self._u("resources", "check_existence"), json_body=body,
                                      auth=self._auth(), parse=parse_json).parsed

    # ------------------------------------------------------------------ envelopes and events
    def envelopes(
        self,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        *,
        metadata_only: bool = False,
        provisional: str = "exclude",
        include_deleted: str | None = None,
    ) -> Page:
        """One page of the envelope listing (newest ``created_at`` first), with ``X-Total`` paging.

        Args:
            page: 1-based page number.
            per_page: 1..200 (the server's cap).
            metadata_only: drop ``decoded_resource`` (much smaller pages).
            provisional: ``exclude`` | ``include`` | ``only``.
            include_deleted: ``None``, ``"true"`` or ``"only"``.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
        params = {"page": page, "per_page": per_page, "provisional": provisional,
                  "metadata_only": "true" if metadata_only else None, "include_deleted": include_deleted}
        return self._page(self._u("envelopes"), params, page, per_page)

    def iter_envelopes(self, *, per_page: int = MAX_PER_PAGE, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every envelope of the listing, page after page (simple; use ``harvest`` for robust snapshots)."""
        page = 1
        while True:
            result = self.envelopes(page, per_page, **kwargs)
            yield from result.items
            if not result.items or (result.total_pages is not None and page >= result.total_pages):
                return
            page += 1

    def envelope(self, key: str, *, include_deleted: str | None = None) -> dict[str, Any]:
        """One envelope by envelope id, CTID or resource id (``GET /{community}/envelopes/{id}``)."""
        return parse_json(self.envelope_bytes(key, include_deleted=include_deleted))

    def envelope_bytes(self, key: str, *, include_deleted: str | None = None) -> bytes:
        """One envelope's exact bytes."""
        if not isinstance(key, str) or not key.strip() or key.startswith("_:"):
            raise ValueError(f"{key!r} is not an envelope id or CTID")
        params = {"include_deleted": include_deleted} if include_deleted else None
        return self.transport.request("GET", self._u("envelopes", key.strip().lower()), params=params,
                                      auth=self._auth(), parse=parse_json).content

    def events(
        self,
        after: str | None = None,
        *,
        ctid: str | None = None,
        event: str | None = None,
        provisional: str | None = None,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
    ) -> Page:
        """One page of the change feed (``GET /{community}/envelopes/events``), newest first.

        Args:
            after: ISO time; only events at or after it.
            ctid: only this record's events.
            event: ``create`` | ``update`` | ``destroy``.
            provisional: ``exclude`` | ``include`` | ``only``.
            page: 1-based page.
            per_page: 1..200.
        """
        if event is not None and event not in ("create", "update", "destroy"):
            raise ValueError(f"event must be create, update or destroy, not {event!r}")
        params = {"after": after, "ctid": check_ctid(ctid) if ctid else None, "event": event,
                  "provisional": provisional, "page": page, "per_page": per_page}
        return self._page(self._u("envelopes", "events"), params, page, per_page)

    def iter_events(self, after: str | None = None, *, per_page: int = MAX_PER_PAGE, **kwargs: Any) -> Iterator[dict]:
        """Every event at or after ``after`` (newest first, duplicates from page shifts removed)."""
        seen: set[tuple[Any, Any, Any]] = set()
        page = 1
        while True:
            result = self.events(after, page=page, per_page=per_page, **kwargs)
            for item in result.items:
                key = (item.get("envelope_ceterms_ctid"), item.get("event"), item.get("created_at"))
                if key not in seen:
                    seen.add(key)
                    yield item
            if len(result.items) < per_page or (result.total_pages is not None and page >= result.total_pages):
                return
            page += 1

    def node_info(self) -> dict[str, Any]:
        """General information about the Registry node (``GET /info``)."""
        return self._get_json(f"{self.url}/info")

    def info(self) -> dict[str, Any]:
        """Community info (``GET /{community}/community/info``): ``total_envelopes`` and more."""
        return self._get_json(self._u("community", "info"))

    # ------------------------------------------------------------------ search
    def search(self, *, filters: Mapping[str, Any] | None = None, page: int = 1, per_page: int = 100,
               **params: Any) -> Page:
        """One page of ``GET /{community}/search`` (envelopes with the matched ``inner_resource``).

        Args:
            filters: JSONB containment filters (``{"ceterms:credentialStatusType": {...}}``).
            page: 1-based page.
            per_page: page size (≤ 200).
            **params: ``fts``, ``resource_type``, ``envelope_ctdl_type``, ``owned_by``, ``published_by``,
                ``from_``, ``until``, ``sort_by``, ``sort_order``, ``with_bnodes``, ``provisional``,
                ``include_deleted``, ``metadata_only``, ``envelope_ceterms_ctid``, ``framework`` ...
        """
        query = search_params(filters, page=page, per_page=per_page, **params)
        return self._page(self._u("search"), query, page, per_page)

    def iter_search(self, *, per_page: int = 100, **params: Any) -> Iterator[dict[str, Any]]:
        """Every search result, page after page."""
        page = 1
        while True:
            result = self.search(page=page, per_page=per_page, **params)
            yield from result.items
            if len(result.items) < per_page or (result.total_pages is not None and page >= result.total_pages):
                return
            page += 1

    def ctdl_search(
        self,
        query: Mapping[str, Any],
        *,
        skip: int = 0,
        take: int = 100,
        sort: str = "^search:recordUpdated",
        description_set: str | None = None,
        include_results_metadata: bool = True,
    ) -> CtdlResult:
        """One page of the Assistant's CTDL search (``POST {assistant}/search/ctdl``; needs an API key).

        Args:
            query: a CTDL query object (build it with :func:`ler_analytics.registry.query.ctdl_query`).
            skip: results to skip.
            take: results to return (≤ 1000).
            sort: ``search:recordUpdated`` / ``recordCreated`` / ``relevance``; ``^`` prefix for descending.
            description_set: ``Resource`` / ``Resource_RelatedURIs`` / ``Resource_RelatedURIs_RelatedData``.
            include_results_metadata: ask for created/updated/owner metadata per result.

        Raises:
            RegistryError: without an API key, or when the Assistant reports an error.
        """
        url = f"{self.assistant_url}/search/ctdl"
        if not self._api_key:
            raise RegistryError(
                "the Assistant's CTDL search needs a Credential Engine API key: set it with "
                "`export LER_REGISTRY_API_KEY=...` (or --api-key / api_key=)", url=url, status=None)
        body = assistant_request(query, skip=skip, take=take, sort=sort, community=self.community,
                                 description_set=description_set, include_results_metadata=include_results_metadata)
        data = self.transport.request("POST", url, json_body=body, auth=self._auth("ApiToken"),
                                      parse=_assistant_ok).parsed
        if not isinstance(data, dict):
            text = str(data)[:200]
            raise RegistryError(f"the Assistant answered with an error: {self.transport._redact(text)}", url=url,
                                status=200)
        if data.get("valid") is False:
            status = str(data.get("status") or data.get("messages") or "no reason given")
            raise RegistryError(f"the Assistant rejected the query: {self.transport._redact(status)[:300]}",
                                url=url, status=200)
        extra = data.get("extra") or {}
        total = extra.get("TotalResults", data.get("total"))
        items = data.get("data") or []
        return CtdlResult(data=items, total=int(total) if total is not None else len(items), extra=extra, raw=data)

    def iter_ctdl_search(self, query: Mapping[str, Any], *, take: int = 100, **kwargs: Any) -> Iterator[dict]:
        """Every result of a CTDL query (paged with Skip/Take)."""
        skip = 0
        while True:
            result = self.ctdl_search(query, skip=skip, take=take, **kwargs)
            yield from result.data
            skip += len(result.data)
            if not result.data or skip >= result.total:
                return
