# -*- test-case-name: tests.desk.test_resolution, tests.desk.test_write_transport, tests.okx.test_accounts -*-
"""One call's view of OKX: the shared client, the caller's key, and a trace of what it asked.

Handlers and the order desk ask OKX through a :class:`Session` rather than the client, so
every request of a call is signed with that call's key and listed in its trace (which the
daemon's log line and ``/status`` show) without either being passed around.
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs
from twisted.internet.defer import Deferred

from .client import OkxClient, OkxReply
from .errors import OkxError
from .signer import Credentials


@attrs.define
class Session:
    client: OkxClient
    creds: Credentials
    trace: list[str]

    def public(self, path: str, params: Mapping[str, Any] | None = None) -> Deferred:
        """Public data: unsigned, but a demo key still sends ``x-simulated-trading``."""
        return self.client.get(path, params, self.creds, sign=False, trace=self.trace)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Deferred:
        return self.client.get(path, params, self.creds, trace=self.trace)

    def post(self, path: str, body: Any, deadline: float | None = None) -> Deferred:
        return self.client.post(path, body, self.creds, trace=self.trace, deadline=deadline)

    def okx_now_ms(self) -> float:
        """OKX's time as the signer knows it (local clock plus the measured offset)."""
        return self.client.signer.now() * 1000


def first(reply: OkxReply, what: str) -> dict[str, Any]:
    """OKX's one answer item; an empty ``data`` (OKX's way of saying "none") becomes an error
    naming what is missing rather than an internal error."""
    if not reply.data or not isinstance(reply.data[0], dict):
        raise OkxError("empty", f"no {what} in OKX's answer")
    return reply.data[0]
