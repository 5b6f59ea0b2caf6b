"""The Registry twin's loopback HTTP server: the Credential Registry's read API over a TwinStore.

Routes, parameters, headers, status codes and error bodies follow the Registry's Grape API as
described in ``docs/twin-server.md`` (which lists what is faithful and what is simplified). Each
Registry route is served at the root (default community) and under ``/<community>/``; the
Assistant's CTDL search is at ``POST /assistant/search/ctdl``.

Usage::

    from ler_analytics.twin import TwinServer, TwinStore

    with TwinServer(TwinStore(envelopes)) as server:
        print(server.url)          # http://127.0.0.1:<port>
        server.faults.script("429", "reset")
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import socket
import struct
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from ler_analytics.log import get_logger
from ler_analytics.twin.faults import FaultConfig, FaultInjector
from ler_analytics.twin.store import EnvelopeRecord, TwinStore, graph_nodes, iso_ms, parse_time

log = get_logger("twin.server")

API_VERSION = "0.6.0-twin"
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 10
JSON = "application/json"
_ROUTE_HEADS = {"envelopes", "resources", "graph", "search", "community", "ctid", "info"}
_HTML_ERRORS = {
    429: "429 Too Many Requests",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}


class ApiError(Exception):
    """An error answer: HTTP status plus the Registry's ``{"errors": [...]}`` body."""

    def __init__(self, status: int, errors: list[str], *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors
        self.headers = headers or {}


class Response:
    """A complete answer: status, headers and body bytes."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = JSON,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def json_response(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise ``data`` with orjson into a JSON response."""
    return Response(status, orjson.dumps(data), headers=headers)


def error_response(status: int, errors: list[str], headers: dict[str, str] | None = None) -> Response:
    """The Registry's error body ``{"errors": [...]}``."""
    return json_response({"errors": errors}, status, headers)


def html_error(status: int) -> Response:
    """The HTML page an nginx ingress answers with for 429/502/503."""
    title = _HTML_ERRORS[status]
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    return Response(status, body, content_type="text/html")


# ---------------------------------------------------------------------- parameter parsing
def int_param(params: dict[str, str], name: str, default: int) -> int:
    """An Integer parameter as Grape coerces it (``<name> is invalid`` on bad input)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ApiError(400, [f"{name} is invalid"]) from None


def bool_param(params: dict[str, str], name: str, default: bool = False) -> bool:
    """A Boolean parameter as Grape coerces it."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "t", "yes"):
        return True
    if value in ("false", "0", "f", "no"):
        return False
    raise ApiError(400, [f"{name} is invalid"])


def choice_param(params: dict[str, str], name: str, values: tuple[str, ...], default: str | None) -> str | None:
    """A parameter restricted to ``values`` (``<name> does not have a valid value``)."""
    raw = params.get(name)
    if raw is None:
        return default
    if raw not in values:
        raise ApiError(400, [f"{name} does not have a valid value"])
    return raw


def time_param(params: dict[str, str], name: str, *, natural: bool = False) -> datetime | None:
    """A DateTime parameter (ISO 8601; with ``natural``, also ``"3 months ago"`` style)."""
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return None
    parsed = parse_time(raw.strip())
    if parsed is None and len(raw.strip()) == 10:
        parsed = parse_time(raw.strip() + "T00:00:00")
    if parsed is None and natural:
        parsed = _natural_time(raw.strip())
    if parsed is None:
        raise ApiError(400, [f"{name} is invalid"])
    return parsed


def _natural_time(text: str) -> datetime | None:
    words = text.lower().split()
    units = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
    if len(words) == 3 and words[2] == "ago" and words[0].isdigit():
        unit = words[1].rstrip("s")
        if unit in units:
            return datetime.now(UTC) - timedelta(seconds=int(words[0]) * units[unit])
    if text.lower() in ("today", "now"):
        return datetime.now(UTC)
    if text.lower() == "yesterday":
        return datetime.now(UTC) - timedelta(days=1)
    return None


def paging(params: dict[str, str], *, cap: bool = True) -> tuple[int, int]:
    """``page`` and ``per_page`` with grape-kaminari's rules (default 10; at most 200 when ``cap``).

    The events feed declares only the shared ``:pagination`` params (no ``max_per_page``), so it
    is served with ``cap=False``.
    """
    page = int_param(params, "page", 1)
    per_page = int_param(params, "per_page", DEFAULT_PER_PAGE)
    if cap and per_page > MAX_PER_PAGE:
        raise ApiError(400, [f"per_page must be less than or equal {MAX_PER_PAGE}"])
    if per_page < 1:
        raise ApiError(400, ["per_page must be greater than or equal 1"])
    return max(page, 1), per_page


def page_headers(total: int, page: int, per_page: int) -> dict[str, str]:
    """grape-kaminari's paging headers."""
    total_pages = math.ceil(total / per_page) if total else 0
    return {
        "X-Total": str(total),
        "X-Total-Pages": str(total_pages),
        "X-Per-Page": str(per_page),
        "X-Page": str(page),
        "X-Next-Page": str(page + 1) if page < total_pages else "",
        "X-Prev-Page": str(page - 1) if page > 1 else "",
    }


def paginate(items: list, params: dict[str, str], *, cap: bool = True) -> tuple[list, dict[str, str]]:
    """Slice ``items`` for ``page``/``per_page`` and build the paging headers."""
    page, per_page = paging(params, cap=cap)
    start = (page - 1) * per_page
    return items[start : start + per_page], page_headers(len(items), page, per_page)


def json_array(parts: list[bytes]) -> bytes:
    """Join already-serialised JSON values into a JSON array."""
    return b"[" + b",".join(parts) + b"]"


def format_payload(doc: dict) -> dict:
    """The Registry's ``PayloadFormatter``: ``@context``, ``@id``, ``@graph`` first, then the rest."""
    out = {key: doc[key] for key in ("@context", "@id", "@graph") if key in doc}
    out.update({k: v for k, v in doc.items() if k not in out})
    return out


def _bnode_refs(value: object, found: list[str]) -> None:
    if isinstance(value, str):
        if value.startswith("_:"):
            found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _bnode_refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _bnode_refs(item, found)


def included_bnodes(node: dict, nodes: list[dict], depth: int) -> list[dict]:
    """Blank nodes referenced from ``node`` up to ``depth`` hops (the ``@included`` list)."""
    by_id = {n.get("@id"): n for n in nodes if isinstance(n.get("@id"), str) and n["@id"].startswith("_:")}
    seen: dict[str, dict] = {}
    frontier = [node]
    for _ in range(depth):
        refs: list[str] = []
        for item in frontier:
            _bnode_refs({k: v for k, v in item.items() if k != "@id"}, refs)
        frontier = []
        for ref in refs:
            target = by_id.get(ref)
            if target is not None and ref not in seen and target is not node:
                seen[ref] = target
                frontier.append(target)
        if not frontier:
            break
    return list(seen.values())


# ---------------------------------------------------------------------- the application
class TwinApp:
    """Routing and answers, independent of the socket layer (one instance per server).

    Args:
        store: the data.
        api_key: the key secured mode and the Assistant accept (``None``: the Assistant accepts
            any non-empty key, and secured mode cannot be switched on).
        secured: demand the API key on the Registry routes (a community flagged ``secured``).
    """

    def __init__(self, store: TwinStore, *, api_key: str | None = None, secured: bool = False) -> None:
        if secured and not api_key:
            raise ValueError("secured mode needs an api_key")
        self.store = store
        self._api_key = api_key
        self.secured = secured

    def set_api_key(self, api_key: str | None) -> None:
        """Change the accepted key (never logged)."""
        self._api_key = api_key

    def key_ok(self, header: str | None) -> bool:
        """The Registry's check: the last whitespace-separated token of ``Authorization``."""
        if not header or not header.split():
            return False
        token = header.split()[-1]
        if self._api_key is None:
            return True
        return hmac.compare_digest(token.encode(), self._api_key.encode())

    # -- dispatch
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes, base_url: str) -> Response:
        """Answer one request (never raises; unexpected errors become the Registry's 500 shape)."""
        try:
            return self._dispatch(method, raw_path, headers, body, base_url)
        except ApiError as exc:
            return error_response(exc.status, exc.errors, exc.headers)
        except Exception as exc:  # the Registry's rescue_from :all
            log.exception("twin: unexpected error on %s %s", method, urlsplit(raw_path).path)
            return error_response(500, [f"{type(exc).__name__}: {exc}"])

    def _dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes, base_url: str) -> Response:
        split = urlsplit(raw_path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        parts = [unquote(p) for p in split.path.split("/") if p != ""]
        if parts and parts[-1].endswith(".json") and parts[0] != "assistant":
            parts[-1] = parts[-1][: -len(".json")]
        if not parts:
            return self._only(method, "GET") or self.root(base_url)
        if parts[0] == "info" and len(parts) == 1:
            return self._only(method, "GET") or self.info(base_url)
        if parts[0] == "assistant":
            if parts[1:] == ["search", "ctdl"]:
                return self._only(method, "POST") or self.assistant_ctdl(headers, body)
            return Response(404, b"Not Found", content_type="text/plain")
        if parts[0] not in _ROUTE_HEADS:
            self._community(parts[0])
            parts = parts[1:]
        elif parts[0] == "search" and "community" in params:
            self._community(params["community"])
        if not parts:
            return Response(404, b"Not Found", content_type="text/plain")
        head, rest = parts[0], parts[1:]
        auth = headers.get("authorization")
        if head == "community" and rest == ["info"]:
            return self._only(method, "GET") or json_response(
                {"total_envelopes": self.store.live_count(), "backup_item": f"{self.store.community}-backup"}
            )
        if head == "ctid" and not rest:
            return self._only(method, "GET") or json_response({"ctid": f"ce-{uuid.uuid4()}"})
        if head == "envelopes":
            if not rest:
                return self._only(method, "GET") or self._secure(auth) or self.envelopes(params)
            if rest == ["events"]:
                return self._only(method, "GET") or self._secure(auth) or self.events(params)
            if len(rest) == 1:
                return self._only(method, "GET") or self._secure(auth) or self.envelope(rest[0], params)
            return Response(404, b"Not Found", content_type="text/plain")
        if head == "resources" and rest:
            if rest == ["search"] and method == "POST":
                return self._secure(auth) or self.resources_search(self._json_body(body))
            if rest == ["check_existence"] and method == "POST":
                return self._secure(auth) or self.check_existence(self._json_body(body))
            return self._only(method, "GET") or self._secure(auth) or self.resource("/".join(rest), params)
        if head == "graph" and rest:
            if rest == ["search"] and method == "POST":
                return self._secure(auth) or self.graph_search(self._json_body(body))
            return self._only(method, "GET") or self._secure(auth) or self.graph("/".join(rest), params)
        if head == "search" and not rest:
            return self._only(method, "GET") or self._secure(auth) or self.search(params)
        return Response(404, b"Not Found", content_type="text/plain")

    @staticmethod
    def _only(method: str, allowed: str) -> Response | None:
        if method == allowed or (allowed == "GET" and method == "HEAD"):
            return None
        return Response(405, b"405 Not Allowed", headers={"Allow": allowed}, content_type="text/plain")

    def _community(self, name: str) -> str:
        normalised = name.strip().replace("-", "_").lower()
        if normalised != self.store.community:
            raise ApiError(404, ["Couldn't find the envelope community"])
        return normalised

    def _secure(self, auth: str | None) -> Response | None:
        if not self.secured or self.key_ok(auth):
            return None
        return error_response(401, ["401 Unauthorized"])

    @staticmethod
    def _json_body(body: bytes) -> dict:
        if not body.strip():
            return {}
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(400, ["message body does not match declared format"]) from None
        if not isinstance(data, dict):
            raise ApiError(400, ["message body does not match declared format"])
        return data

    # -- routes
    def root(self, base_url: str) -> Response:
        """``GET /``: API version, envelope count, communities."""
        community_url = f"{base_url}/{self.store.community.replace('_', '-')}"
        return json_response(
            {
                "api_version": API_VERSION,
                "total_envelopes": self.store.live_count(),
                "metadata_communities": {self.store.community: community_url},
                "info": f"{base_url}/info",
            }
        )

    def info(self, base_url: str) -> Response:
        """``GET /info``: general info about the node."""
        return json_response(
            {
                "metadata_communities": {self.store.community: f"{base_url}/{self.store.community.replace('_', '-')}"},
                "readme": "https://github.com/CredentialEngine/CredentialRegistry/blob/master/README.md",
                "docs": "https://github.com/CredentialEngine/CredentialRegistry/tree/master/docs",
                "twin": "ler_analytics Registry twin: synthetic demonstration data",
            }
        )

    def envelopes(self, params: dict[str, str]) -> Response:
        """``GET /envelopes``: newest first, paged, ``X-Total`` headers."""
        metadata_only = bool_param(params, "metadata_only")
        provisional = choice_param(params, "provisional", ("exclude", "include", "only"), "exclude")
        recs = self.store.listing(include_deleted=params.get("include_deleted"), provisional=provisional or "exclude")
        page_recs, headers = paginate(recs, params)
        bodies = [r.metadata_body() if metadata_only else r.body for r in page_recs]
        return Response(200, json_array(bodies), headers=headers)

    def envelope(self, key: str, params: dict[str, str]) -> Response:
        """``GET /envelopes/{envelope_id|ctid|resource_id}``."""
        include_deleted = params.get("include_deleted")
        rec = None if key.startswith("_:") else self.store.find_envelope(key, include_deleted=include_deleted)
        if rec is None:
            return error_response(404, ["Couldn't find Envelope"])
        return Response(200, rec.body)

    def events(self, params: dict[str, str]) -> Response:
        """``GET /envelopes/events``: the change feed, newest first."""
        after = time_param(params, "after")
        event = choice_param(params, "event", ("create", "update", "destroy"), None)
        provisional = choice_param(params, "provisional", ("exclude", "include", "only"), "include")
        page, per_page = paging(params, cap=False)
        total, page_events = self.store.events_page(
            after=after, ctid=params.get("ctid"), event=event, provisional=provisional or "include",
            offset=(page - 1) * per_page, limit=per_page,
        )
        return json_response([e.as_json() for e in page_events], headers=page_headers(total, page, per_page))

    def _find_resource(self, key: str, params: dict[str, str]) -> EnvelopeRecord | None:
        if key.startswith("_:"):
            return None
        return self.store.find_by_resource(key, include_deleted=params.get("include_deleted"))

    def graph(self, key: str, params: dict[str, str]) -> Response:
        """``GET /graph/{ctid}``: the whole graph of the envelope holding that resource."""
        rec = self._find_resource(key, params)
        doc = self.store.graph(rec) if rec is not None else {}
        if not graph_nodes(doc):  # unknown, or an envelope whose payload cannot be read
            return error_response(404, ["Record not found"])
        return json_response(format_payload(doc))

    def resource(self, key: str, params: dict[str, str]) -> Response:
        """``GET /resources/{ctid}``: one node with ``@context``; ``?depth=N`` adds ``@included``."""
        depth = int_param(params, "depth", 0)
        rec = self._find_resource(key, params)
        if rec is None:
            return error_response(404, ["Resource not found"])
        doc = self.store.graph(rec)
        nodes = graph_nodes(doc)
        wanted = key.lower()
        node = None
        for candidate in nodes:
            ctid = str(candidate.get("ceterms:ctid") or "").lower()
            node_id = str(candidate.get("@id") or "").lower()
            if wanted in (ctid, node_id) or (ctid and wanted.endswith("/" + ctid)) or node_id.endswith("/" + wanted):
                node = candidate
                break
        if node is None:
            return error_response(404, ["Resource not found"])
        out: dict = {}
        if "@context" in doc:
            out["@context"] = doc["@context"]
        out.update(node)
        if depth > 0:
            extra = included_bnodes(node, nodes, depth)
            if extra:
                out["@included"] = extra
        return json_response(out)

    def graph_search(self, body: dict) -> Response:
        """``POST /graph/search`` with ``{"ctids": [...]}``: the graphs of those envelopes."""
        ctids = body.get("ctids")
        if ctids is None:
            raise ApiError(400, ["ctids is missing"])
        if not isinstance(ctids, list) or not all(isinstance(c, str) for c in ctids):
            raise ApiError(400, ["ctids is invalid"])
        graphs = [self.store.graph(rec) for rec in self.store.by_ctids(ctids)]
        return json_response(graphs)

    def resources_search(self, body: dict) -> Response:
        """``POST /resources/search`` with ``{"ctids", "bnodes"}``: matching graph members, flat."""
        lists = {}
        for name in ("ctids", "bnodes"):
            value = body.get(name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise ApiError(400, [f"{name} is invalid"])
            lists[name] = set(value or [])
        out: list[dict] = []
        if lists["ctids"]:
            for rec in self.store.by_ctids_any(lists["ctids"]):
                for node in graph_nodes(self.store.graph(rec)):
                    if node.get("ceterms:ctid") in lists["ctids"]:
                        out.append(node)
        if lists["bnodes"]:
            out.extend(self.store.bnodes(lists["bnodes"]))
        return json_response(out)

    def check_existence(self, body: dict) -> Response:
        """``POST /resources/check_existence`` with ``{"ctids": [...], "@type"?}``: the CTIDs that exist.

        Matching is exact (as the Registry's SQL is); ``@type`` includes subclasses.
        """
        ctids = body.get("ctids")
        if ctids is None:
            raise ApiError(400, ["ctids is missing"])
        if not isinstance(ctids, list) or not all(isinstance(c, str) for c in ctids):
            raise ApiError(400, ["ctids is invalid"])
        wanted_type = body.get("@type")
        from ler_analytics.twin.ctdl_query import is_subclass

        wanted = set(ctids)
        found: list[str] = []
        for rec in self.store.by_ctids_any(wanted):
            for node in graph_nodes(self.store.graph(rec)):
                ctid = node.get("ceterms:ctid")
                if ctid not in wanted or ctid in found:
                    continue
                types = node.get("@type")
                types = types if isinstance(types, list) else [types]
                if wanted_type is None or any(isinstance(t, str) and is_subclass(t, wanted_type) for t in types):
                    found.append(ctid)
        return json_response(found)

    def search(self, params: dict[str, str]) -> Response:
        """``GET /search``: envelopes with ``inner_resource``, filtered (see ``twin/search.py``)."""
        from ler_analytics.twin.search import run_search

        hits, total, page, per_page = run_search(self.store, params, paging)
        headers = page_headers(total, page, per_page)
        return Response(200, json_array(hits), headers=headers)

    def assistant_ctdl(self, headers: dict[str, str], body: bytes) -> Response:
        """``POST /assistant/search/ctdl``: the Assistant's CTDL query (see ``twin/ctdl_query.py``)."""
        from ler_analytics.twin.ctdl_query import assistant_search

        auth = headers.get("authorization")
        if not auth or not auth.split() or auth.split()[-1].lower() in ("apitoken", "token", "bearer"):
            return json_response(
                {"valid": False, "status": "An API Key is required to use the search API.", "data": [], "extra": None}
            )
        if not self.key_ok(auth):
            return json_response({"valid": False, "status": "Invalid API Key", "data": [], "extra": None})
        return json_response(assistant_search(self.store, body))


# ---------------------------------------------------------------------- the socket layer
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ler-twin/0.1"
    sys_version = ""
    server: _TwinHTTPServer

    def setup(self) -> None:  # noqa: D102
        super().setup()
        # Headers and body go out in one write; no Nagle delay against the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Request lines only (path and status); headers, and so API keys, are never logged.
        log.debug("twin %s - " + format, self.client_address[0], *args)

    def do_GET(self) -> None:  # noqa: D102, N802
        self._serve("GET")

    def do_HEAD(self) -> None:  # noqa: D102, N802
        self._serve("HEAD")

    def do_POST(self) -> None:  # noqa: D102, N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: D102, N802
        self._serve("PUT")

    def do_DELETE(self) -> None:  # noqa: D102, N802
        self._serve("DELETE")

    def do_PATCH(self) -> None:  # noqa: D102, N802
        self._serve("PATCH")

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return b""
        return self.rfile.read(max(size, 0)) if size else b""

    def _serve(self, method: str) -> None:
        twin = self.server.twin
        body = self._read_body()
        path = urlsplit(self.path).path
        decision = twin.faults.decide(path)
        if decision.delay_s and twin.faults.stop_event.wait(decision.delay_s):
            self._abort(reset=False)
            return
        kind = decision.kind
        if kind == "reset":
            self._abort(reset=True)
            return
        if kind == "timeout":
            twin.faults.stop_event.wait(twin.faults.config.stall_seconds)
            self._abort(reset=False)
            return
        if kind in ("429", "502", "503"):
            response = html_error(int(kind))
            if kind == "429":
                response.headers["Retry-After"] = str(twin.faults.config.retry_after)
        elif kind == "500":
            response = error_response(500, ["PG::ConnectionBad: could not connect to server (twin fault)"])
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = twin.app.handle(method, self.path, headers, body, twin.url)
        self._send(response, method, truncate=(kind == "truncate"))

    def _send(self, response: Response, method: str, *, truncate: bool) -> None:
        body = response.body
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        payload = b"" if method == "HEAD" else body
        if truncate:
            payload = payload[: len(payload) // 2]
        self._headers_buffer.append(b"\r\n")  # what end_headers() adds, sent with the body at once
        self._headers_buffer.append(payload)
        self.flush_headers()
        if truncate:
            self._abort(reset=False)

    def _abort(self, *, reset: bool) -> None:
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def finish(self) -> None:  # noqa: D102
        try:
            super().finish()
        except OSError:
            pass


class _TwinHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    twin: TwinServer

    def server_activate(self) -> None:  # noqa: D102
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().server_activate()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # noqa: D102
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # noqa: D102
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down kept-alive client connections, so a stopped twin answers nothing more."""
        with self.connections_lock:
            conns = list(self.open_connections)
            self.open_connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:  # noqa: D102
        log.debug("twin: connection error from %s", client_address, exc_info=True)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TwinServer:
    """A threading HTTP server that serves a :class:`TwinStore` like the Credential Registry.

    Args:
        store: the data to serve.
        host: bind address; only loopback unless ``allow_non_loopback``.
        port: TCP port (0 picks a free one).
        api_key: key accepted by secured mode and by the Assistant route (never logged).
        secured: demand the key on the Registry routes (``401 {"errors":["401 Unauthorized"]}``).
        faults: fault settings or an injector (changeable at run time via :attr:`faults`).
        allow_non_loopback: permit binding to a non-loopback address.
    """

    def __init__(
        self,
        store: TwinStore,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        secured: bool = False,
        faults: FaultConfig | FaultInjector | None = None,
        allow_non_loopback: bool = False,
    ) -> None:
        if not allow_non_loopback and not is_loopback_host(host):
            raise ValueError(f"refusing to bind the twin to non-loopback address {host!r} (pass allow_non_loopback)")
        self.store = store
        self.host = host
        self.port = port
        self.app = TwinApp(store, api_key=api_key, secured=secured)
        self.faults = faults if isinstance(faults, FaultInjector) else FaultInjector(faults)
        self._httpd: _TwinHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def assistant_url(self) -> str:
        """Base URL of the Assistant routes (``<url>/assistant``)."""
        return f"{self.url}/assistant"

    @property
    def secured(self) -> bool:
        """Whether the Registry routes demand the API key."""
        return self.app.secured

    @secured.setter
    def secured(self, value: bool) -> None:
        if value and self.app._api_key is None:
            raise ValueError("secured mode needs an api_key")
        self.app.secured = value

    def start(self) -> str:
        """Bind and serve in a background thread; returns the base URL."""
        if self._httpd is not None:
            return self.url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server_cls = type("_Server", (_TwinHTTPServer,), {"address_family": family})
        self._httpd = server_cls((self.host, self.port), _Handler)
        self._httpd.twin = self
        self.port = self._httpd.server_address[1]
        self.faults.stop_event.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"twin-{self.port}", daemon=True
        )
        self._thread.start()
        log.info("Registry twin serving %d envelopes at %s", self.store.live_count(), self.url)
        return self.url

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (for ``ler twin serve``)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and release the port (stalled requests are released too)."""
        self.faults.stop_event.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> TwinServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def publish(self, batch: object) -> dict[str, int]:
        """Apply a change batch to the store while serving (same as ``store.apply``)."""
        return self.store.apply(batch)  # type: ignore[arg-type]


def serve(store: TwinStore, **kwargs: object) -> TwinServer:
    """Start a :class:`TwinServer` in the background and return it (``server.stop()`` ends it)."""
    server = TwinServer(store, **kwargs)  # type: ignore[arg-type]
    server.start()
    return server


__all__ = ["ApiError", "TwinApp", "TwinServer", "format_payload", "iso_ms", "serve"]

