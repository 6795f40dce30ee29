# -*- test-case-name: tests.test_metrics -*-
"""What the daemon counts, in Prometheus terms, for ``GET /metrics``.

One :class:`BridgeMetrics` per daemon, holding its own ``CollectorRegistry``: two bridges in
one process (tests, the benchmark) never share counters, and nothing registers into
``prometheus_client``'s global registry.

**Hook for the OKX side** (rate limits, retries, uncertain orders): call the plain methods
below; each is cheap and never raises::

    metrics.rate_limit_wait(path, seconds)   # a request waited for its rate-limit bucket
    metrics.retry(path)                      # a request was sent again (why: in your logs)
    metrics.uncertain_order(outcome)         # an order whose write timed out was resolved:
                                             # "placed", "absent" or "unknown"

Code that may run without a daemon (unit tests) can default to :data:`NO_METRICS`, which
has the same methods and counts nothing.

Labels come from untrusted input (method names, IO paths), so every label set is bounded:
unknown methods count as ``other``, past :data:`MAX_PATHS` distinct OKX paths the rest
count as ``other``, and no label value is longer than :data:`MAX_LABEL_CHARS` — a client
cannot grow the registry (or a scrape of it) without limit.
"""

from __future__ import annotations

from typing import Iterable

import attrs
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .fmz.io_call import IO_PREFIXES
from .recent import RecentCalls, RecentOkxRequests

MAX_PATHS = 200
MAX_LABEL_CHARS = 100
CONTENT_TYPE = CONTENT_TYPE_LATEST

# A call is mostly one or a few OKX round trips: 5 ms (emulator) … 10 s (the request timeout).
_CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)


@attrs.define
class BoundedLabels:
    """Remembers up to ``limit`` distinct values, each cut to ``max_chars``; later new ones
    are reported as ``other``."""

    limit: int
    seen: set[str] = attrs.Factory(set)
    max_chars: int = MAX_LABEL_CHARS

    def __call__(self, value: str) -> str:
        value = value[: self.max_chars]
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return "other"
        self.seen.add(value)
        return value


class _CoalescerCollector:
    """Reads the client's coalescer counters at scrape time (they live in the client)."""

    def __init__(self, coalescer):
        self.coalescer = coalescer

    def collect(self):
        started = CounterMetricFamily("okxbridge_public_reads",
                                      "Public OKX reads by whether they made a request or joined one in flight",
                                      labels=["result"])
        started.add_metric(["requested"], self.coalescer.started)
        started.add_metric(["coalesced"], self.coalescer.joined)
        yield started


@attrs.define
class BridgeMetrics:
    registry: CollectorRegistry
    calls: Counter
    call_seconds: Histogram
    okx_requests: Counter
    okx_seconds: Histogram
    rate_limit_waits: Histogram
    retries: Counter
    uncertain_orders: Counter
    known_methods: frozenset[str] = frozenset()
    paths: BoundedLabels = attrs.Factory(lambda: BoundedLabels(MAX_PATHS))
    #: the last minute of the same events, for /status (none: not kept)
    recent_calls: RecentCalls | None = None
    recent_okx: RecentOkxRequests | None = None

    @classmethod
    def create(cls, known_methods: Iterable[str] = (), coalescer=None, recent_calls: RecentCalls | None = None,
               recent_okx: RecentOkxRequests | None = None) -> "BridgeMetrics":
        registry = CollectorRegistry(auto_describe=True)
        made = cls(
            registry,
            Counter("okxbridge_calls", "FMZ protocol calls answered, by method and outcome",
                    ["method", "outcome"], registry=registry),
            Histogram("okxbridge_call_seconds", "Time to answer an FMZ call, OKX round trips included",
                      ["method"], buckets=_CALL_BUCKETS, registry=registry),
            Counter("okxbridge_okx_requests", "Requests sent to OKX, by path and OKX code "
                    "(HTTP status when the answer has no code; 'transport' when none came)",
                    ["verb", "path", "code"], registry=registry),
            Histogram("okxbridge_okx_request_seconds", "Time of one OKX HTTP round trip",
                      ["path"], buckets=_CALL_BUCKETS, registry=registry),
            Histogram("okxbridge_rate_limit_wait_seconds", "Time requests waited for their OKX rate-limit bucket",
                      ["path"], buckets=_WAIT_BUCKETS, registry=registry),
            Counter("okxbridge_okx_retries", "OKX requests sent again", ["path"], registry=registry),
            Counter("okxbridge_uncertain_orders", "Orders whose write got no answer, by how that was resolved",
                    ["outcome"], registry=registry),
            frozenset(m.lower() for m in known_methods),
            recent_calls=recent_calls,
            recent_okx=recent_okx,
        )
        if coalescer is not None:
            registry.register(_CoalescerCollector(coalescer))
        return made

    # --- hooks -------------------------------------------------------------------------

    def call(self, method: str, outcome: str, seconds: float) -> None:
        """``FmzApp.on_call``: one answered call."""
        label = self.method_label(method)
        self.calls.labels(label, outcome).inc()
        self.call_seconds.labels(label).observe(seconds)
        if self.recent_calls is not None:
            self.recent_calls.call(label, outcome)

    def okx_request(self, verb: str, path: str, code: str, seconds: float) -> None:
        path = self.paths(path)
        self.okx_requests.labels(verb, path, code).inc()
        self.okx_seconds.labels(path).observe(seconds)
        if self.recent_okx is not None:
            self.recent_okx.request(code, seconds)

    def rate_limit_wait(self, path: str, seconds: float) -> None:
        self.rate_limit_waits.labels(self.paths(path)).observe(seconds)

    def retry(self, path: str) -> None:
        self.retries.labels(self.paths(path)).inc()

    def uncertain_order(self, outcome: str) -> None:
        self.uncertain_orders.labels(outcome if outcome in ("placed", "absent", "unknown") else "other").inc()

    # --- reading -----------------------------------------------------------------------

    def method_label(self, method: str) -> str:
        if method.startswith(IO_PREFIXES):
            return "_api"
        method = method.lower()
        if method == "-":
            return "unparsed"  # the body was rejected before a method could be read
        return method if method in self.known_methods else "other"

    def render(self) -> bytes:
        return generate_latest(self.registry)

