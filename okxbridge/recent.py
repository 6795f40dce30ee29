# -*- test-case-name: tests.test_recent -*-
"""The last minute of activity, for ``/status``: calls and errors per second by method,
OKX requests per second and their latency percentiles.

Prometheus counters (:mod:`okxbridge.metrics`) only grow; an operator glancing at the page
wants *now*: "how many calls a second, how many failing, how slow is OKX". These recorders
keep exactly one minute, on the injected clock, in memory fixed at construction:

- :class:`PerSecond` is a ring of ``span`` one-second slots, each tagged with the second
  it counts, so a slot left from a minute ago reads as 0 without any sweeping;
- :class:`RecentLatencies` keeps the last ``size`` round-trip times (a bounded deque), of
  which the ones inside the window give p50/p99 — at 2048 samples a busy daemon shows the
  last few seconds, an idle one the whole minute.

Method names come from :meth:`BridgeMetrics.method_label`, which bounds them (unknown names
are ``other``), so the per-method table cannot grow with untrusted input either.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import attrs
from twisted.internet.interfaces import IReactorTime

WINDOW = 60  # seconds shown: one sparkline point per second


@attrs.define
class PerSecond:
    """Events per whole second of ``clock`` over the last ``span`` seconds."""

    clock: IReactorTime
    span: int = WINDOW
    _second: list[int] = attrs.field(init=False)
    _count: list[int] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._second = [-1] * self.span
        self._count = [0] * self.span

    def add(self, n: int = 1) -> None:
        now = math.floor(self.clock.seconds())
        slot = now % self.span
        if self._second[slot] != now:
            self._second[slot], self._count[slot] = now, 0
        self._count[slot] += n

    def series(self) -> list[int]:
        """Counts of the last ``span`` seconds, oldest first, ending with the second under
        way (so a call shows at once; that last point is a partial second)."""
        now = math.floor(self.clock.seconds())
        out = []
        for second in range(now - self.span + 1, now + 1):
            slot = second % self.span
            out.append(self._count[slot] if self._second[slot] == second else 0)
        return out


def rate(series: list[int]) -> float:
    return round(sum(series) / len(series), 3) if series else 0.0


def error_rate(calls: list[int], errors: list[int]) -> float | None:
    total = sum(calls)
    return round(sum(errors) / total, 4) if total else None


def summary(events: list[int], errors: list[int]) -> dict[str, Any]:
    """One row of the status page: totals over the window, rates, and the per-second series."""
    return {"count": sum(events), "errors_count": sum(errors), "per_second": rate(events),
            "error_rate": error_rate(events, errors), "series": events, "errors_series": errors}


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of a sorted, non-empty list."""
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@attrs.define
class RecentLatencies:
    """The last ``size`` durations, timestamped; percentiles over those inside the window."""

    clock: IReactorTime
    size: int = 2048
    window: float = WINDOW
    _samples: deque = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._samples = deque(maxlen=self.size)

    def add(self, seconds: float) -> None:
        self._samples.append((self.clock.seconds(), seconds))

    def summary(self) -> dict[str, Any]:
        since = self.clock.seconds() - self.window
        ordered = sorted(s for at, s in self._samples if at > since)
        if not ordered:
            return {"samples": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
        return {"samples": len(ordered), "p50_ms": round(percentile(ordered, 50) * 1000, 2),
                "p99_ms": round(percentile(ordered, 99) * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


@attrs.define
class RecentCalls:
    """FMZ calls per second and errors per second, by (bounded) method label.

    Status section ``calls``."""

    clock: IReactorTime
    status_section: str = "calls"
    _methods: dict[str, tuple[PerSecond, PerSecond]] = attrs.Factory(dict)

    def call(self, method: str, outcome: str) -> None:
        counts = self._methods.get(method)
        if counts is None:
            counts = self._methods[method] = (PerSecond(self.clock), PerSecond(self.clock))
        counts[0].add()
        if outcome != "ok":
            counts[1].add()

    def status(self) -> dict[str, Any]:
        methods = {}
        total_calls, total_errors = [0] * WINDOW, [0] * WINDOW
        for method, (calls, errors) in sorted(self._methods.items()):
            c, e = calls.series(), errors.series()
            if not any(c):
                continue  # nothing in the last minute: not worth a row
            total_calls = [a + b for a, b in zip(total_calls, c, strict=True)]
            total_errors = [a + b for a, b in zip(total_errors, e, strict=True)]
            methods[method] = summary(c, e)
        return {"window_seconds": WINDOW, **summary(total_calls, total_errors), "methods": methods}


@attrs.define
class RecentOkxRequests:
    """Requests sent to OKX: per second, failed per second (any answer but code 0, or none),
    and round-trip latency percentiles. Status section ``okx_requests``."""

    clock: IReactorTime
    status_section: str = "okx_requests"
    requests: PerSecond = attrs.field(init=False)
    failed: PerSecond = attrs.field(init=False)
    latencies: RecentLatencies = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.requests, self.failed = PerSecond(self.clock), PerSecond(self.clock)
        self.latencies = RecentLatencies(self.clock)

    def request(self, code: str, seconds: float) -> None:
        self.requests.add()
        if code != "0":
            self.failed.add()
        self.latencies.add(seconds)

    def status(self) -> dict[str, Any]:
        return {"window_seconds": WINDOW, **summary(self.requests.series(), self.failed.series()),
                "latency": self.latencies.summary()}
