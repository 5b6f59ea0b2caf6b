"""Push a snapshot's graph into an external SPARQL store through the SPARQL 1.1 Graph Store protocol.

The whole snapshot goes into **one named graph** of the target store (``--graph-uri``, default
``urn:ler-analytics:snapshot:<snapshot id>``), so a team can keep several snapshots side by side and
replace one with a single command. The first request is a ``PUT`` (replace the graph), the following
ones ``POST`` (append); each carries whole documents as N-Triples (sent as ``text/turtle``, which every
Graph Store accepts), so blank nodes never straddle two requests.

Tested endpoints (``tests/integration/graph``):

* Oxigraph server: ``http://HOST:PORT/store`` (no authentication).
* Virtuoso 7: ``http://HOST:PORT/sparql-graph-crud-auth`` with HTTP digest authentication
  (``--user dba --password …``), or ``/sparql-graph-crud`` once the ``SPARQL`` user has been
  granted ``SPARQL_UPDATE`` (see ``docs/graph.md``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ler_analytics.errors import HTTPRequestError
from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import pyoxigraph

log = get_logger(__name__)

DEFAULT_CHUNK_TRIPLES = 50_000


class GraphPushError(HTTPRequestError):
    """A Graph Store request failed; says which URL, the status and the server's answer."""


@dataclass
class PushReport:
    """What a push did."""

    endpoint: str
    graph_uri: str
    triples: int = 0
    requests: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return f"pushed {self.triples} triples to graph <{self.graph_uri}> at {self.endpoint} " \
               f"in {self.requests} requests, {self.seconds:.1f} s"


def default_graph_uri(snapshot_id: str) -> str:
    """The default target graph for a snapshot: ``urn:ler-analytics:snapshot:<id>``."""
    from urllib.parse import quote

    return f"urn:ler-analytics:snapshot:{quote(snapshot_id, safe='-._~')}"


def iter_ntriples_chunks(
    store: pyoxigraph.Store, *, max_triples: int = DEFAULT_CHUNK_TRIPLES
) -> Iterator[tuple[bytes, int]]:
    """Yield ``(n-triples bytes, triple count)`` chunks of whole named graphs of ``store``.

    All named graphs (and the default graph) are flattened into one triple set; a chunk is cut only
    between graphs, so one document's blank nodes stay in one request.
    """
    import pyoxigraph as ox

    lines: list[str] = []
    graphs: list[object] = [*store.named_graphs(), ox.DefaultGraph()]
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            lines.append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
        if len(lines) >= max_triples:
            yield "".join(lines).encode(), len(lines)
            lines = []
    if lines:
        yield "".join(lines).encode(), len(lines)


def push_store(
    store: pyoxigraph.Store,
    endpoint: str,
    graph_uri: str,
    *,
    user: str | None = None,
    password: str | None = None,
    auth: str = "digest",
    replace: bool = True,
    max_triples: int = DEFAULT_CHUNK_TRIPLES,
    timeout_s: float = 120.0,
) -> PushReport:
    """Send every triple of ``store`` into ``graph_uri`` at a Graph Store endpoint.

    Args:
        store: the loaded snapshot graph (see :func:`ler_analytics.graph.store.load_store`).
        endpoint: Graph Store URL, e.g. ``http://127.0.0.1:7878/store`` (Oxigraph) or
            ``http://127.0.0.1:8890/sparql-graph-crud-auth`` (Virtuoso).
        graph_uri: target named graph.
        user: user name for HTTP authentication (None: no authentication).
        password: its password (never logged).
        auth: ``"digest"`` (Virtuoso) or ``"basic"``.
        replace: replace the graph (first request is a PUT); False appends.
        max_triples: triples per request (cut between documents).
        timeout_s: per-request timeout.

    Raises:
        GraphPushError: the endpoint refused a request or could not be reached.
    """
    import httpx

    if not endpoint.startswith(("http://", "https://")):
        raise GraphPushError("the Graph Store endpoint must be an http(s) URL", url=endpoint)
    if auth not in ("digest", "basic"):
        raise GraphPushError(f"unknown authentication {auth!r}: use 'digest' or 'basic'", url=endpoint)
    credentials: httpx.Auth | None = None
    if user:
        secret = password or ""
        credentials = httpx.DigestAuth(user, secret) if auth == "digest" else httpx.BasicAuth(user, secret)
    report = PushReport(endpoint=endpoint, graph_uri=graph_uri)
    started = time.perf_counter()
    params = {"graph": graph_uri}
    headers = {"Content-Type": "text/turtle; charset=utf-8"}
    with httpx.Client(timeout=timeout_s, auth=credentials, follow_redirects=False) as client:
        first = True
        for body, count in iter_ntriples_chunks(store, max_triples=max_triples):
            method = "PUT" if (first and replace) else "POST"
            _send(client, method, endpoint, params, headers, body)
            first = False
            report.triples += count
            report.requests += 1
        if first and replace:  # an empty snapshot still replaces (empties) the graph
            _send(client, "PUT", endpoint, params, headers, b"")
            report.requests += 1
    report.seconds = time.perf_counter() - started
    log.info("%s", report.summary())
    return report


def _send(client: object, method: str, endpoint: str, params: dict[str, str], headers: dict[str, str],
          body: bytes) -> None:
    import httpx

    assert isinstance(client, httpx.Client)
    try:
        response = client.request(method, endpoint, params=params, headers=headers, content=body)
    except httpx.HTTPError as exc:
        raise GraphPushError(f"Graph Store {method} failed: {exc}", url=endpoint) from exc
    if response.status_code in (401, 403):
        raise GraphPushError(
            f"Graph Store {method} was refused: check --user/--password (digest auth for Virtuoso's "
            "/sparql-graph-crud-auth) or the SPARQL_UPDATE grant",
            url=endpoint, status=response.status_code, body=response.text,
        )
    if response.status_code >= 300:
        raise GraphPushError(f"Graph Store {method} failed", url=endpoint, status=response.status_code,
                             body=response.text)


def push_snapshot(
    snapshot: object,
    endpoint: str,
    *,
    graph_uri: str | None = None,
    **options: object,
) -> PushReport:
    """Load a snapshot's raw JSON-LD and push it to a Graph Store endpoint (see :func:`push_store`).

    Args:
        snapshot: a Snapshot or the path of a snapshot folder.
        endpoint: Graph Store URL.
        graph_uri: target graph; default ``urn:ler-analytics:snapshot:<snapshot id>``.
        **options: passed to :func:`push_store` (user, password, auth, replace, max_triples, timeout_s).
    """
    from pathlib import Path

    from ler_analytics.graph.store import load_store
    from ler_analytics.snapshot import read_manifest

    path = Path(getattr(snapshot, "path", snapshot))  # type: ignore[arg-type]
    manifest = read_manifest(path)
    target = graph_uri or default_graph_uri(str(manifest.get("id") or path.name))
    store = load_store(path)
    return push_store(store, endpoint, target, **options)  # type: ignore[arg-type]
