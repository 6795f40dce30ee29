# -*- test-case-name: tests.okx.test_private_ws -*-
"""OKX's private WebSocket: the login request and order operations as request/answer pairs.

- Login (docs #overview-websocket-login, spec okx-ws.md §2): ``sign =
  Base64(HMAC_SHA256(secret, timestamp + "GET" + "/users/self/verify"))`` with the timestamp
  in Unix seconds on OKX's clock (the time-synced signer's), sent as a string.
- Operations (docs #order-book-trading-trade-ws-place-order, -cancel-order; §6): ``{"id",
  "op", "args"}``; the answer echoes ``id`` and carries ``code`` "0"/"1"/"2" and per-item
  ``sCode``/``sMsg``, the same reading as the REST envelope (:func:`okx.envelope.parse_envelope`).
  No answer within the deadline, or the connection lost before it, is an *unknown outcome*
  (:class:`OkxTransportError`): the caller resolves it by reading, never by sending again; so
  is an item whose ``sCode`` says so (51149, 64007: :data:`.codes.OUTCOME_UNKNOWN`), although
  the frame is well formed and read as status 200. Placements carry a top-level ``expTime``.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import orjson
from twisted.internet.defer import Deferred

from .envelope import OkxReply, parse_envelope
from .errors import OkxError, OkxTransportError
from .signer import Credentials, signature

VERIFY_PATH = "/users/self/verify"


def login_request(creds: Credentials, okx_seconds: float) -> dict[str, Any]:
    stamp = str(int(okx_seconds))
    return {"op": "login", "args": [{"apiKey": creds.api_key, "passphrase": creds.passphrase, "timestamp": stamp,
                                     "sign": signature(creds.secret, stamp + "GET" + VERIFY_PATH)}]}


@attrs.define(eq=False)
class Operations:
    """Operations in flight on one connection, matched to their answers by ``id``."""

    clock: Any
    waiting: dict[str, tuple[Deferred, str]] = attrs.Factory(dict)
    _ids: Any = attrs.Factory(lambda: itertools.count(1))

    def request(self, send, op: str, args: list[dict[str, Any]], timeout: float,
                exp_time: int | None = None) -> Deferred:
        """Send ``op`` through ``send(text)``; fires with an :class:`OkxReply` or fails with
        the :class:`OkxError` the answer carries (or an unknown-outcome transport error).
        ``exp_time``: OKX's ``expTime`` (ms on its clock), a top-level field (okx-ws.md §6)."""
        req_id = f"b{next(self._ids)}"
        answer: Deferred = Deferred()
        self.waiting[req_id] = (answer, op)
        message: dict[str, Any] = {"id": req_id, "op": op, "args": args}
        if exp_time is not None:
            message["expTime"] = str(exp_time)
        send(orjson.dumps(message).decode())
        call = self.clock.callLater(timeout, self._expire, req_id, timeout)
        answer.addBoth(lambda result: (call.active() and call.cancel(), result)[1])
        return answer

    def answered(self, message: dict[str, Any]) -> None:
        found = self.waiting.pop(str(message.get("id", "")), None)
        if found is None:
            return
        answer, op = found
        try:
            reply = parse_envelope("WS", op, 200, orjson.dumps(message))
        except OkxError as error:  # OKX refused: delivered as the failure
            answer.errback(error)
        else:
            answer.callback(OkxReply(reply.data, reply.raw))

    def _expire(self, req_id: str, timeout: float) -> None:
        found = self.waiting.pop(req_id, None)
        if found is not None:
            found[0].errback(OkxTransportError("timeout", f"no answer on the private WebSocket within {timeout:g}s",
                                               "WS", found[1]))

    def lost(self) -> None:
        """The connection closed: every operation in flight has an unknown outcome."""
        waiting, self.waiting = self.waiting, {}
        for answer, op in waiting.values():
            answer.errback(OkxTransportError("closed", "the private WebSocket closed before OKX answered", "WS", op))
