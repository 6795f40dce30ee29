# -*- test-case-name: tests.okx.test_transport -*-
"""The bottom layer of the OKX client: sign one call and send it once over the pool.

It knows nothing of budgets, retries or sharing: one call in, one HTTP exchange, an
:class:`OkxReply` or an :class:`OkxError` out. The treq client it is given owns the
persistent connection pool (:mod:`.http`); a test hands it ``treq.testing.StubTreq``.
"""

from __future__ import annotations

from typing import Any

import attrs
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.defer import TimeoutError as DeferredTimeoutError
from twisted.internet.interfaces import IReactorTime
from twisted.web.http_headers import Headers

from . import paths
from .call import OkxCall
from .envelope import OkxReply, parse_envelope
from .errors import OkxTransportError
from .signer import Signer

_JSON_HEADERS = {b"Content-Type": [b"application/json"], b"Accept": [b"application/json"]}


def describe_transport_failure(e: BaseException) -> str:
    """One readable line from Twisted's nested connection failures (no secrets inside)."""
    reasons = getattr(e, "reasons", None)
    if reasons:
        inner = reasons[0].value
        return f"{type(e).__name__}: {type(inner).__name__}: {inner}"
    return f"{type(e).__name__}: {e}"


@attrs.define
class SigningTransport:
    """Signs with a fresh timestamp per send (a retry is a new signature) and gives each
    send at most ``timeout`` seconds, never past the call's deadline."""

    http: Any  # treq.client.HTTPClient (or treq.testing.StubTreq)
    base_url: str
    clock: IReactorTime
    signer: Signer
    timeout: float = 10.0
    #: our clock's time of OKX's last HTTP answer of any kind: /health's "reachable"
    last_answer_at: float | None = None

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        return Deferred.fromCoroutine(self._send(call))

    def headers(self, call: OkxCall) -> dict[bytes, list[bytes]]:
        headers = dict(_JSON_HEADERS)
        if call.creds is not None:
            if call.sign:
                headers.update(self.signer.headers(call.creds, call.verb, call.request_path, call.body_text))
            elif call.creds.simulated:  # an unsigned read of demo trading's market data
                headers[b"x-simulated-trading"] = [b"1"]
        if call.verb == "POST" and call.path in paths.EXP_TIME_PATHS:
            # docs #overview-transaction-timeouts: OKX discards an order reaching it after this,
            # so once it has passed, "order does not exist" is conclusive
            headers[b"expTime"] = [str(self.signer.okx_ms(call.deadline)).encode()]
        return headers

    async def _send(self, call: OkxCall) -> OkxReply:
        headers = self.headers(call)
        timeout = max(0.0, min(self.timeout, call.deadline - self.clock.seconds()))
        try:
            d = Deferred.fromCoroutine(self._exchange(call, headers))
            d.addTimeout(timeout, self.clock)
            status, content = await d
        except (CancelledError, DeferredTimeoutError):
            raise OkxTransportError("timeout", f"no answer within {timeout:g}s", call.verb, call.path) from None
        except Exception as e:  # connection refused/reset, TLS failure, DNS …
            raise OkxTransportError("transport", describe_transport_failure(e), call.verb, call.path) from None
        self.last_answer_at = self.clock.seconds()
        return parse_envelope(call.verb, call.path, status, content)

    async def _exchange(self, call: OkxCall, headers: dict[bytes, list[bytes]]) -> tuple[int, bytes]:
        # OKX's API never redirects; following one would re-send signed headers elsewhere
        response = await self.http.request(
            call.verb, self.base_url + call.request_path, headers=Headers(headers),
            data=call.body_text.encode() if call.body_text else None, allow_redirects=False,
        )
        content = await response.content()
        return response.code, content
