"""Counting OKX round trips from outside the client, by wrapping its HTTP client.

The OKX client takes any treq-like ``http`` object; wrapping it sees every request the
client makes — signed or public, retried or not — without the client knowing about
metrics. The wrapper records path, OKX code and time per request, and remembers when OKX
last answered at all, which is what ``/health`` calls "reachable".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IReactorTime

# OKX puts "code" first in every envelope; reading only the head keeps this cheap on big answers.
_CODE = re.compile(rb'^\s*\{\s*"code"\s*:\s*"?(-?\w{1,12})')


def okx_code(status: int, content: bytes) -> str:
    """OKX's envelope code ("0", "51001" …), or ``http_<status>`` when the body has none."""
    found = _CODE.match(content[:64])
    return found.group(1).decode() if found else f"http_{status}"


@attrs.frozen
class ReadResponse:
    """A response whose body was already read: ``content()`` answers from memory."""

    response: Any
    body: bytes

    @property
    def code(self) -> int:
        return self.response.code

    @property
    def headers(self):
        return self.response.headers

    def content(self) -> Deferred[bytes]:
        return succeed(self.body)

    def __getattr__(self, name: str) -> Any:
        if name == "response":  # not set yet (copy, pickle): don't recurse
            raise AttributeError(name)
        return getattr(self.response, name)


@attrs.define
class MeteredHttp:
    http: Any
    metrics: Any  # BridgeMetrics or NullMetrics
    clock: IReactorTime
    last_answer_at: float | None = None  # clock time OKX last sent any HTTP answer

    def request(self, method: str, url: str, **kwargs: Any) -> Deferred:
        return Deferred.fromCoroutine(self._request(method, url, kwargs))

    async def _request(self, method: str, url: str, kwargs: dict) -> ReadResponse:
        path = urlsplit(url).path or "/"
        started = self.clock.seconds()
        try:
            response = await self.http.request(method, url, **kwargs)
            body = await response.content()
        except BaseException:
            self.metrics.okx_request(method.upper(), path, "transport", self.clock.seconds() - started)
            raise
        self.last_answer_at = self.clock.seconds()
        self.metrics.okx_request(method.upper(), path, okx_code(response.code, body), self.last_answer_at - started)
        return ReadResponse(response, body)

    def seconds_since_answer(self) -> float | None:
        return None if self.last_answer_at is None else self.clock.seconds() - self.last_answer_at
