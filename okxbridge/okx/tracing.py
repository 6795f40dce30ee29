# -*- test-case-name: tests.okx.test_tracing -*-
"""The layer that reports every request sent to OKX: a trace line and the metrics.

It sits right above the signing transport, so it sees each try (a retried read is two
lines), and it is the one place that turns an outcome into what the metrics count: OKX's
envelope ``code``, ``http_<status>`` for an answer that is not OKX's, ``transport`` when
none came. The call's trace is logged with the call's one line, not a line per request.
"""

from __future__ import annotations

from typing import Awaitable, Callable, TypeVar

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from .call import OkxCall, OkxLayer
from .counting import COUNT_NOTHING, RequestCounts
from .envelope import OkxReply
from .errors import OkxError

T = TypeVar("T")


def outcome_of(error: OkxError) -> tuple[int | str, str]:
    """``(HTTP status or "-", the code counted)`` of a failed request."""
    status: int | str = error.http_status if error.http_status is not None else "-"
    if error.raw is not None:
        return status, str(error.raw.get("code"))
    return status, "transport" if error.http_status is None else f"http_{error.http_status}"


@attrs.define
class Tracing:
    inner: OkxLayer
    clock: IReactorTime
    metrics: RequestCounts = COUNT_NOTHING

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        return Deferred.fromCoroutine(self._send(call))

    async def _send(self, call: OkxCall) -> OkxReply:
        started = self.clock.seconds()
        status: int | str = "-"
        code = "transport"
        try:
            reply = await self.inner.send(call)
            status, code = reply.status, str(reply.raw.get("code"))
            return reply
        except OkxError as e:
            status, code = outcome_of(e)
            raise
        finally:
            seconds = self.clock.seconds() - started
            if call.trace is not None:
                call.trace.append(f"{call.verb} {call.path} {status} {seconds * 1000:.1f}ms")
            self.metrics.okx_request(call.verb, call.path, code, seconds)


async def traced(clock: IReactorTime, trace: list[str] | None, label: str, send: Callable[[], Awaitable[T]]) -> T:
    """``await send()`` — a request over another transport (the private WebSocket) — with
    its line in the call's trace: ``label``, OKX's code ("error" for no answer), the time."""
    started = clock.seconds()
    outcome = "error"
    try:
        reply = await send()
        outcome = "0"
        return reply
    except OkxError as e:
        outcome = e.code
        raise
    finally:
        if trace is not None:
            trace.append(f"{label} {outcome} {1000 * (clock.seconds() - started):.0f}ms")

