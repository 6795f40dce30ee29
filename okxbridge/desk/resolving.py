# -*- test-case-name: tests.desk.test_resolving -*-
"""Orders whose write went unanswered and are being looked up, for ``/status``.

While :func:`okxbridge.handlers.trade.resolve` reads an order back (seconds, with its
delays), the strategy's call is waiting and the trader does not know whether the order
exists: exactly what an operator wants to see. Each look-up registers here for its
duration; the credential is named by its fingerprint only.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from typing import Any, Iterator

import attrs
from twisted.internet.interfaces import IReactorTime


@attrs.define
class Resolution:
    fingerprint: str
    inst_id: str
    order: str       # the clOrdId (or ordId) being looked up
    write: str       # what went unanswered: "place" or "cancel"
    started: float
    cause: str       # the failure that left the outcome unknown
    lookups: int = 0
    last_error: str = ""


@attrs.define
class Resolving:
    """Resolutions in progress, oldest first. Status section ``orders_resolving``."""

    clock: IReactorTime
    status_section: str = "orders_resolving"
    shown: int = 50
    _current: dict[int, Resolution] = attrs.Factory(dict)
    _ids: Iterator[int] = attrs.Factory(itertools.count)
    #: placements resolved since start, by outcome ("placed"/"absent"/"unknown")
    finished: dict[str, int] = attrs.Factory(dict)

    def __len__(self) -> int:
        return len(self._current)

    @contextmanager
    def track(self, fingerprint: str, body: dict[str, Any], write: str, cause: Exception) -> Iterator[Resolution]:
        entry = Resolution(fingerprint, str(body.get("instId", "")), str(body.get("ordId") or body.get("clOrdId", "")),
                           write, self.clock.seconds(), str(cause)[:200])
        key = next(self._ids)
        self._current[key] = entry
        try:
            yield entry
        finally:
            del self._current[key]

    def done(self, outcome: str) -> None:
        self.finished[outcome] = self.finished.get(outcome, 0) + 1

    def status(self) -> dict[str, Any]:
        now = self.clock.seconds()
        orders = [{"fingerprint": r.fingerprint, "instId": r.inst_id, "order": r.order, "write": r.write,
                   "seconds": round(now - r.started, 3), "lookups": r.lookups, "cause": r.cause,
                   "last_error": r.last_error} for r in list(self._current.values())[:self.shown]]
        return {"count": len(self._current), "orders": orders, "placements_resolved": dict(self.finished)}
