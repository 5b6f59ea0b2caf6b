"""The Registry twin's data store: envelopes, their graph index and the events log.

The store keeps each envelope as the exact JSON bytes it serves (``orjson``), plus a small index
row per envelope (ids, type, times, owner, top-level resource CTIDs). Listing order is the
Registry's ``created_at DESC`` (ties broken by load order), deletes are soft (``deleted_at`` is set,
as ``include_deleted`` can still show them), and every publish is recorded in an events log shaped
like the Registry's ``/envelopes/events`` feed (``create`` / ``update`` / ``destroy``).

Thread safety: one lock guards every mutation and every read of the mutable indexes, so tests may
call :meth:`TwinStore.apply` while a client harvests from the server.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
import zlib
from bisect import bisect_left, insort
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from ler_analytics.ctdl.normalize import normalize_ctid, parse_timestamp

COMMUNITY = "ce_registry"
ID_PREFIX = "https://credentialengineregistry.org/resources/"
GRAPH_PREFIX = "https://credentialengineregistry.org/graph/"
PROVISIONAL = "graphPublicationStatus:Provisional"
EVENT_NAMES = {"create": "create", "update": "update", "delete": "destroy", "destroy": "destroy"}

_TOKEN_RE = re.compile(r"[0-9a-z]+")


class StoreError(ValueError):
    """An envelope or change could not be loaded into the twin store (names the record)."""


def parse_time(value: object) -> datetime | None:
    """Parse the Registry's time spellings (ISO 8601, ``2019-02-19 22:12:36 UTC``) to aware UTC.

    Args:
        value: a string, a datetime or ``None``.

    Returns:
        The time in UTC, or ``None`` when ``value`` is empty or cannot be read.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_timestamp(value)


def iso_ms(value: datetime) -> str:
    """Format a time like Rails' JSON encoder does: ``2026-08-21T10:00:00.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def header_time(value: datetime) -> str:
    """Format a time like the Registry's ``node_headers``: ``2019-02-19 22:12:36 UTC``."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def text_tokens(text: str) -> frozenset[str]:
    """Lower-cased word tokens of ``text`` (the twin's stand-in for Postgres full-text search)."""
    return frozenset(_TOKEN_RE.findall(text.lower()))


def _lang_values(value: object) -> list[str]:
    """Every string inside a literal: plain string, language map (lists allowed) or list of them."""
    out: list[str] = []
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        if "@value" in value:
            out.extend(_lang_values(value["@value"]))
        else:
            for item in value.values():
                out.extend(_lang_values(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(_lang_values(item))
    return out


def decoded_resource(envelope: dict) -> dict:
    """The envelope's graph document: ``decoded_resource``, else the payload of the ``resource`` JWT.

    Older envelopes carry only the signed JWT; the Registry still serves their processed graph
    from ``/graph`` and ``/resources``, so the twin decodes the JWT's middle segment for those.
    """
    decoded = envelope.get("decoded_resource")
    if isinstance(decoded, dict):
        return decoded
    token = envelope.get("resource")
    if isinstance(token, str) and token.count(".") >= 1:
        segment = token.split(".")[1]
        try:
            payload = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        except (ValueError, orjson.JSONDecodeError):
            return {}
        return payload if isinstance(payload, dict) else {}
    return {}


def graph_nodes(decoded: object) -> list[dict]:
    """The nodes of a ``decoded_resource``: its ``@graph`` members, or the document itself."""
    if not isinstance(decoded, dict):
        return []
    graph = decoded.get("@graph")
    if isinstance(graph, list):
        return [node for node in graph if isinstance(node, dict)]
    return [decoded] if decoded else []


@dataclass(slots=True)
class ResourceRow:
    """One top-level (CTID-bearing) graph member, as the Registry indexes it for search.

    ``words`` is the lower-cased word tokens of its name, description, competency text and subject
    webpage, space-joined with a space at each end (so ``" word " in row.words`` tests a token).
    """

    ctid: str
    types: tuple[str, ...]
    node_index: int
    name: str
    words: str

    def has_words(self, tokens: Iterable[str]) -> bool:
        """True when every token occurs as a word."""
        return all(f" {token} " in self.words for token in tokens)


def resource_rows(nodes: list[dict]) -> tuple[ResourceRow, ...]:
    """Search rows of a graph's top-level (non-blank) resources."""
    rows = []
    for index, node in enumerate(nodes):
        node_id = node.get("@id")
        if isinstance(node_id, str) and node_id.startswith("_:"):
            continue
        node_ctid = normalize_ctid(node.get("ceterms:ctid")) or normalize_ctid(node_id)
        if not node_ctid:
            continue
        raw_type = node.get("@type")
        types = tuple(t for t in (raw_type if isinstance(raw_type, list) else [raw_type]) if isinstance(t, str))
        name = " ".join(_lang_values(node.get("ceterms:name")) + _lang_values(node.get("ceasn:name")))
        text = " ".join(
            [name]
            + _lang_values(node.get("ceterms:description"))
            + _lang_values(node.get("ceasn:description"))
            + _lang_values(node.get("ceasn:competencyText"))
            + _lang_values(node.get("ceterms:subjectWebpage"))
        )
        words = " " + " ".join(_TOKEN_RE.findall(text.lower())) + " "
        rows.append(ResourceRow(node_ctid, types, index, name.lower(), words))
    return tuple(rows)


class EnvelopeRecord:
    """One envelope held by the store: served bytes plus the index fields the routes need."""

    __slots__ = (
        "_blob", "_compressed", "created", "ctdl_type", "ctid", "deleted", "envelope_id", "owned_by",
        "provisional", "publish_type", "published_by", "resource_ids", "rows", "seq", "top_ids",
        "updated",
    )

    def __init__(self, envelope: dict, seq: int, *, compress: bool = False) -> None:
        ctid = normalize_ctid(envelope.get("envelope_ceterms_ctid"))
        decoded = decoded_resource(envelope)
        nodes = graph_nodes(decoded)
        if ctid is None:
            main = nodes[0] if nodes else {}
            ctid = normalize_ctid(main.get("ceterms:ctid"))
        if ctid is None:
            raise StoreError(
                f"envelope {envelope.get('envelope_id')!r}: no envelope_ceterms_ctid and no ceterms:ctid "
                "in its first graph node"
            )
        headers = envelope.get("node_headers") if isinstance(envelope.get("node_headers"), dict) else {}
        created = parse_time(envelope.get("created_at")) or parse_time(headers.get("created_at"))
        if created is None:
            raise StoreError(f"envelope for {ctid}: created_at is missing or not a date")
        self.ctid = ctid
        self.envelope_id = str(envelope.get("envelope_id") or uuid.uuid5(uuid.NAMESPACE_URL, ctid)).lower()
        self.ctdl_type = envelope.get("envelope_ctdl_type")
        self.created = created
        self.updated = parse_time(envelope.get("updated_at")) or parse_time(headers.get("updated_at")) or created
        self.deleted = parse_time(headers.get("deleted_at")) or parse_time(envelope.get("deleted_at"))
        self.owned_by = normalize_ctid(envelope.get("owned_by"))
        self.published_by = normalize_ctid(envelope.get("published_by"))
        self.publish_type = envelope.get("resource_publish_type") or "primary"
        self.provisional = isinstance(decoded, dict) and decoded.get("adms:status") == PROVISIONAL
        top_ids: list[str] = []
        resource_ids: list[str] = []
        for node in nodes:
            node_id = node.get("@id")
            if isinstance(node_id, str) and node_id.startswith("_:"):
                continue
            node_ctid = normalize_ctid(node.get("ceterms:ctid")) or normalize_ctid(node_id)
            if node_ctid:
                top_ids.append(node_ctid)
            elif isinstance(node_id, str):
                resource_ids.append(node_id.lower())  # ids with a CTID are found through top_ids
        if ctid not in top_ids:
            top_ids.insert(0, ctid)
        self.top_ids = tuple(top_ids)
        self.resource_ids = tuple(resource_ids)
        self.seq = seq
        self.rows = resource_rows(nodes)  # built now, while the graph is parsed anyway
        self._compressed = compress
        self.body = orjson.dumps(envelope)

    @property
    def body(self) -> bytes:
        """The envelope's JSON bytes, exactly as served."""
        return zlib.decompress(self._blob) if self._compressed else self._blob

    @body.setter
    def body(self, value: bytes) -> None:
        # orjson over-allocates its output (about 2x); an exact copy halves the resident size.
        self._blob = zlib.compress(value, 1) if self._compressed else memoryview(value).tobytes()

    @property
    def sort_key(self) -> tuple[datetime, int]:
        """Listing key (``created_at``, load order); the listing serves it in reverse."""
        return (self.created, self.seq)

    def envelope(self) -> dict:
        """A fresh parsed copy of the envelope JSON."""
        return orjson.loads(self.body)

    def metadata_body(self) -> bytes:
        """The envelope without ``decoded_resource`` / ``resource`` (``metadata_only=true``)."""
        env = self.envelope()
        env.pop("decoded_resource", None)
        env.pop("resource", None)
        return orjson.dumps(env)

    def search_rows(self) -> tuple[ResourceRow, ...]:
        """Index rows of the envelope's top-level resources (built when the record was loaded)."""
        return self.rows


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the events feed (``/envelopes/events``)."""

    ctid: str
    event: str
    at: datetime
    provisional: bool = False
    seq: int = 0

    def as_json(self) -> dict[str, str]:
        """The Registry's ``EnvelopeEvent`` entity."""
        return {"envelope_ceterms_ctid": self.ctid, "event": self.event, "created_at": iso_ms(self.at)}


def _change_fields(change: object) -> tuple[str, str | None, dict | None, datetime | None]:
    if isinstance(change, dict):
        event, ctid, envelope, at = (change.get(k) for k in ("event", "ctid", "envelope", "at"))
    elif isinstance(change, tuple) and not hasattr(change, "event"):
        event, ctid, envelope, at = change
    else:
        event = getattr(change, "event", None)
        ctid = getattr(change, "ctid", None)
        envelope = getattr(change, "envelope", None)
        at = getattr(change, "at", None)
    return str(event), normalize_ctid(ctid), envelope, parse_time(at)


class TwinStore:
    """Envelopes, lookup indexes and the events log of one Registry community.

    Args:
        envelopes: initial envelopes (Registry envelope JSON); each gets a ``create`` event at its
            ``created_at`` and, when later, an ``update`` event at its ``updated_at``.
        community: community name (underscored, as the Registry stores it).
        cache_size: how many parsed graphs to keep for graph/resource/CTDL lookups.
        compress: keep envelope bytes zlib-compressed (about 5x less memory, for large scales).
    """

    def __init__(
        self,
        envelopes: Iterable[dict] = (),
        *,
        community: str = COMMUNITY,
        cache_size: int = 4096,
        compress: bool = False,
    ) -> None:
        self.community = community
        self.compress = compress
        self._lock = threading.RLock()
        self._seq = 0
        self._order: list[tuple[datetime, int, str]] = []  # (created, seq, envelope_id), ascending
        self._by_envelope_id: dict[str, EnvelopeRecord] = {}
        self._by_ctid: dict[str, EnvelopeRecord] = {}
        self._by_top_id: dict[str, EnvelopeRecord] = {}
        self._by_resource_id: dict[str, EnvelopeRecord] = {}
        self._events: list[tuple[datetime, int, Event]] = []
        self._listing_cache: dict[tuple[str, str], list[EnvelopeRecord]] = {}
        self._graph_cache: OrderedDict[str, dict] = OrderedDict()
        self._bnode_index: dict[str, EnvelopeRecord] | None = None
        self._bulk = False
        self._cache_size = cache_size
        self.version = 0
        self.errors: list[str] = []
        self.load(envelopes)

    # ------------------------------------------------------------------ loading and publishing
    @classmethod
    def from_generator(cls, scale: float, seed: int, **kwargs: Any) -> TwinStore:
        """Build a store from the demo generator's initial envelopes (``ler_analytics.demo``).

        Args:
            scale: 1.0 is the live Registry's size.
            seed: generator seed.
            **kwargs: passed to :class:`TwinStore` (``compress`` defaults to ``scale > 0.1``).
        """
        from ler_analytics.demo import iter_envelopes

        kwargs.setdefault("compress", scale > 0.1)
        return cls(iter_envelopes(scale, seed), **kwargs)

    def load(self, envelopes: Iterable[dict]) -> int:
        """Add initial envelopes (no later than any change applied so far); returns how many loaded.

        A broken envelope is skipped and described in :attr:`errors`; the others still load.
        """
        count = 0
        with self._lock:
            self._bulk = True  # append now, sort once at the end (O(n log n), not O(n^2))
            try:
                count = self._load_all(envelopes)
            finally:
                self._bulk = False
                self._order.sort()
                self._events.sort(key=lambda item: item[:2])
                self._changed()
        return count

    def _load_all(self, envelopes: Iterable[dict]) -> int:
        count = 0
        for envelope in envelopes:
            try:
                rec = self._insert(envelope)
            except (StoreError, TypeError, ValueError, AttributeError) as exc:
                self.errors.append(str(exc))
                continue
            self._log(rec.ctid, "create", rec.created, rec.provisional)
            if rec.updated > rec.created:
                self._log(rec.ctid, "update", rec.updated, rec.provisional)
            if rec.deleted is not None:
                self._log(rec.ctid, "destroy", rec.deleted, rec.provisional)
            count += 1
        return count

    def apply(self, batch: Iterable[object]) -> dict[str, int]:
        """Publish a change batch: creates, updates and deletes, each stamped with its time.

        Each change has ``event`` (``create`` | ``update`` | ``delete``), ``ctid``, ``envelope``
        (``None`` for deletes) and ``at``. A create gets ``created_at = at`` (so it lists first and
        shifts the newest-first pages); an update keeps its ``created_at`` and gets
        ``updated_at = at``; a delete sets ``deleted_at``. Every change adds an event.

        Returns:
            Counts per event name (``create`` / ``update`` / ``destroy``) and ``skipped``.
        """
        counts = {"create": 0, "update": 0, "destroy": 0, "skipped": 0}
        with self._lock:
            for change in batch:
                event, ctid, envelope, at = _change_fields(change)
                name = EVENT_NAMES.get(event)
                at = at or datetime.now(UTC)
                if name is None or (ctid is None and envelope is None):
                    self.errors.append(f"change {event!r} for {ctid!r}: unknown event or no CTID")
                    counts["skipped"] += 1
                    continue
                try:
                    if name == "destroy":
                        ok = self._delete(ctid, at)
                    else:
                        ok = self._publish(name, ctid, dict(envelope or {}), at)
                except (StoreError, TypeError, ValueError) as exc:
                    self.errors.append(str(exc))
                    ok = False
                counts[name if ok else "skipped"] += 1
            self._changed()
        return counts

    def _publish(self, name: str, ctid: str | None, envelope: dict, at: datetime) -> bool:
        if not envelope:
            self.errors.append(f"{name} for {ctid}: no envelope given")
            return False
        ctid = ctid or normalize_ctid(envelope.get("envelope_ceterms_ctid"))
        old = self._by_ctid.get(ctid) if ctid else None
        if old is not None and old.deleted is None:
            created = old.created
            envelope.setdefault("envelope_id", old.envelope_id)
            self._remove(old)
        else:
            created = at
        if "created_at" in envelope:  # the Registry's envelope entity has no top-level created_at
            envelope["created_at"] = iso_ms(created)
        envelope["updated_at"] = iso_ms(at)
        headers = dict(envelope.get("node_headers") or {})
        headers["created_at"] = header_time(created)
        headers["updated_at"] = header_time(at)
        headers["deleted_at"] = None
        envelope["node_headers"] = headers
        if ctid and not envelope.get("envelope_ceterms_ctid"):
            envelope["envelope_ceterms_ctid"] = ctid
        rec = self._insert(envelope)
        self._log(rec.ctid, "create" if old is None or old.deleted is not None else name, at, rec.provisional)
        return True

    def _delete(self, ctid: str | None, at: datetime) -> bool:
        rec = self._by_ctid.get(ctid) if ctid else None
        if rec is None or rec.deleted is not None:
            self.errors.append(f"delete for {ctid}: no such live envelope")
            return False
        env = rec.envelope()
        headers = dict(env.get("node_headers") or {})
        headers["deleted_at"] = header_time(at)
        env["node_headers"] = headers
        rec.body = orjson.dumps(env)
        rec.deleted = at
        self._log(rec.ctid, "destroy", at, rec.provisional)
        return True

    def _insert(self, envelope: dict) -> EnvelopeRecord:
        if not isinstance(envelope, dict):
            raise StoreError(f"envelope is a {type(envelope).__name__}, not a JSON object")
        self._seq += 1
        rec = EnvelopeRecord(envelope, self._seq, compress=self.compress)
        old = self._by_ctid.get(rec.ctid)
        if old is not None:
            self._remove(old)
        if rec.envelope_id in self._by_envelope_id:
            self._remove(self._by_envelope_id[rec.envelope_id])
        key = (rec.created, rec.seq, rec.envelope_id)
        if self._bulk or not self._order or key > self._order[-1]:
            self._order.append(key)
        else:
            insort(self._order, key)
        self._by_envelope_id[rec.envelope_id] = rec
        self._by_ctid[rec.ctid] = rec
        for top_id in rec.top_ids:
            self._by_top_id[top_id] = rec
        for resource_id in rec.resource_ids:
            self._by_resource_id[resource_id] = rec
        if self._bnode_index is not None:
            self._index_bnodes(rec)
        return rec

    def _index_bnodes(self, rec: EnvelopeRecord) -> None:
        assert self._bnode_index is not None
        for node in graph_nodes(decoded_resource(rec.envelope())):
            node_id = node.get("@id")
            if isinstance(node_id, str) and node_id.startswith("_:"):
                self._bnode_index[node_id] = rec

    def _remove(self, rec: EnvelopeRecord) -> None:
        key = (rec.created, rec.seq, rec.envelope_id)
        if self._bulk:
            try:
                self._order.remove(key)
            except ValueError:
                pass
        else:
            index = bisect_left(self._order, key)
            if index < len(self._order) and self._order[index] == key:
                del self._order[index]
        self._by_envelope_id.pop(rec.envelope_id, None)
        if self._by_ctid.get(rec.ctid) is rec:
            del self._by_ctid[rec.ctid]
        for top_id in rec.top_ids:
            if self._by_top_id.get(top_id) is rec:
                del self._by_top_id[top_id]
        for resource_id in rec.resource_ids:
            if self._by_resource_id.get(resource_id) is rec:
                del self._by_resource_id[resource_id]
        self._graph_cache.pop(rec.envelope_id, None)

    def _log(self, ctid: str, event: str, at: datetime, provisional: bool) -> None:
        self._seq += 1
        item = (at, self._seq, Event(ctid, event, at, provisional, self._seq))
        if self._bulk or not self._events or item[:2] > self._events[-1][:2]:
            self._events.append(item)
        else:
            insort(self._events, item, key=lambda x: x[:2])

    def _changed(self) -> None:
        self.version += 1
        self._listing_cache.clear()

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        """Number of envelopes that are not deleted."""
        with self._lock:
            return sum(1 for rec in self._by_envelope_id.values() if rec.deleted is None)

    @property
    def newest_event_at(self) -> datetime | None:
        """Time of the newest event (clients use it as the next ``after``)."""
        with self._lock:
            return self._events[-1][0] if self._events else None

    def records(self) -> Iterator[EnvelopeRecord]:
        """Every record, deleted ones included, oldest ``created_at`` first (a snapshot list)."""
        with self._lock:
            ids = [key[2] for key in self._order]
            recs = [self._by_envelope_id[i] for i in ids]
        return iter(recs)

    def listing(self, *, include_deleted: str | None = None, provisional: str = "exclude") -> list[EnvelopeRecord]:
        """Records in the Registry's listing order (``created_at DESC``), filtered like it filters.

        Args:
            include_deleted: ``None`` (live only), ``"true"`` (live and deleted) or ``"only"``.
            provisional: ``exclude`` | ``include`` | ``only``.
        """
        cache_key = (str(include_deleted), provisional)
        with self._lock:
            cached = self._listing_cache.get(cache_key)
            if cached is not None:
                return cached
            out: list[EnvelopeRecord] = []
            for _, _, envelope_id in reversed(self._order):
                rec = self._by_envelope_id[envelope_id]
                if include_deleted == "only":
                    if rec.deleted is None:
                        continue
                elif include_deleted != "true" and rec.deleted is not None:
                    continue
                if provisional == "exclude" and rec.provisional:
                    continue
                if provisional == "only" and not rec.provisional:
                    continue
                out.append(rec)
            self._listing_cache[cache_key] = out
            return out

    def live_count(self) -> int:
        """Envelopes not deleted (``total_envelopes`` of the root and community info)."""
        return len(self.listing(provisional="include"))

    def find_envelope(self, key: str, *, include_deleted: str | None = None) -> EnvelopeRecord | None:
        """One envelope by envelope id, CTID or inner resource id (lower-cased, as the Registry does)."""
        key = key.lower()
        with self._lock:
            rec = self._by_envelope_id.get(key) or self._by_ctid.get(key) or self._by_resource_id.get(key)
            if rec is None and "/" in key:
                ctid = normalize_ctid(key)
                if ctid and key.endswith(ctid):
                    rec = self._by_top_id.get(ctid)
        return rec if rec is not None and _deleted_ok(rec, include_deleted) else None

    def find_by_resource(self, key: str, *, include_deleted: str | None = None) -> EnvelopeRecord | None:
        """The envelope whose graph holds a top-level resource with this CTID (case-insensitive).

        Also matches a full resource URI or any id that ends with ``/<ctid>``.
        """
        key = key.lower()
        with self._lock:
            rec = self._by_top_id.get(key) or self._by_resource_id.get(key)
            if rec is None:
                ctid = normalize_ctid(key)
                if ctid and key.endswith(ctid):
                    rec = self._by_top_id.get(ctid)
        return rec if rec is not None and _deleted_ok(rec, include_deleted) else None

    def by_ctids(self, ctids: Iterable[str]) -> list[EnvelopeRecord]:
        """Live envelopes whose ``envelope_ceterms_ctid`` is in ``ctids`` (lower-cased), listing order."""
        wanted = {c.lower() for c in ctids if isinstance(c, str)}
        with self._lock:
            recs = [self._by_ctid[c] for c in wanted if c in self._by_ctid]
        recs = [r for r in recs if r.deleted is None]
        recs.sort(key=lambda r: r.sort_key)
        return recs

    def by_ctids_any(self, ctids: Iterable[str]) -> list[EnvelopeRecord]:
        """Live envelopes whose graph holds a top-level resource with one of these CTIDs."""
        wanted = {c.lower() for c in ctids if isinstance(c, str)}
        with self._lock:
            recs = {id(r): r for c in wanted if (r := self._by_top_id.get(c)) is not None and r.deleted is None}
        return sorted(recs.values(), key=lambda r: r.sort_key)

    def bnodes(self, ids: Iterable[str]) -> list[dict]:
        """Blank nodes (``_:…`` ids, exact) from live envelopes; builds the bnode index on first use."""
        with self._lock:
            if self._bnode_index is None:
                self._bnode_index = {}
                for rec in self._by_envelope_id.values():
                    self._index_bnodes(rec)
            recs = {}
            for bnode in ids:
                rec = self._bnode_index.get(bnode)
                if rec is not None and rec.deleted is None and self._by_envelope_id.get(rec.envelope_id) is rec:
                    recs[bnode] = rec
        out = []
        for bnode, rec in recs.items():
            out.extend(n for n in graph_nodes(self.graph(rec)) if n.get("@id") == bnode)
        return out

    def graph(self, rec: EnvelopeRecord) -> dict:
        """The parsed ``decoded_resource`` of a record (cached; treat as read-only)."""
        with self._lock:
            cached = self._graph_cache.get(rec.envelope_id)
            if cached is not None and cached.get("__seq") == rec.seq:
                self._graph_cache.move_to_end(rec.envelope_id)
                return cached["doc"]
        doc = decoded_resource(rec.envelope())
        with self._lock:
            self._graph_cache[rec.envelope_id] = {"__seq": rec.seq, "doc": doc}
            while len(self._graph_cache) > self._cache_size:
                self._graph_cache.popitem(last=False)
        return doc

    def node_by_reference(self, ref: object) -> dict | None:
        """Resolve a resource reference (URI or CTID, any case, ``/graph/`` or ``/resources/``)."""
        ctid = normalize_ctid(ref)
        if ctid is None:
            return None
        rec = self.find_by_resource(ctid)
        if rec is None:
            return None
        for node in graph_nodes(self.graph(rec)):
            if normalize_ctid(node.get("ceterms:ctid")) == ctid or normalize_ctid(node.get("@id")) == ctid:
                return node
        return None

    def events_page(
        self,
        *,
        after: datetime | None = None,
        ctid: str | None = None,
        event: str | None = None,
        provisional: str = "include",
        offset: int = 0,
        limit: int = 10,
    ) -> tuple[int, list[Event]]:
        """One page of :meth:`events` and the total, without filtering the whole log when unfiltered."""
        if ctid is not None or event is not None or provisional != "include":
            items = self.events(after=after, ctid=ctid, event=event, provisional=provisional)
            return len(items), items[offset : offset + limit]
        with self._lock:
            log = self._events
            start = bisect_left(log, (after,), key=lambda x: x[:1]) if after else 0
            total = len(log) - start
            stop = len(log) - offset
            begin = max(stop - limit, start)
            page = [item[2] for item in reversed(log[begin:stop])] if stop > begin else []
        return total, page

    def events(
        self,
        *,
        after: datetime | None = None,
        ctid: str | None = None,
        event: str | None = None,
        provisional: str = "include",
    ) -> list[Event]:
        """Events newest first, filtered like the Registry filters (``created_at >= after``)."""
        with self._lock:
            items = list(self._events)
        start = bisect_left(items, (after,), key=lambda x: x[:1]) if after else 0
        out = []
        for _, _, ev in reversed(items[start:]):
            if ctid is not None and ev.ctid != ctid:
                continue
            if event is not None and ev.event != event:
                continue
            if provisional == "exclude" and ev.provisional:
                continue
            if provisional == "only" and not ev.provisional:
                continue
            out.append(ev)
        return out


def _deleted_ok(rec: EnvelopeRecord, include_deleted: str | None) -> bool:
    if include_deleted == "only":
        return rec.deleted is not None
    if include_deleted == "true":
        return True
    return rec.deleted is None
