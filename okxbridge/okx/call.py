# -*- test-case-name: tests.okx.test_layers, tests.okx.test_pacing, tests.okx.test_retrying, tests.okx.test_tracing -*-
"""One OKX REST call as a value, and the one interface every layer of the client has.

The client is a stack of layers (as treq's ``HTTPClient`` is agents wrapped around an
agent): a signing transport at the bottom, and pacing, retries, coalescing and tracing each
wrapped around it, testable alone with a fake inner layer. What they pass down is an
:class:`OkxCall`, built once at the top, so no layer re-derives the query string, the body
text that is signed, or the call's deadline, and a 9-argument chain becomes one argument.
"""

from __future__ import annotations

from typing import Any, Hashable, Mapping, Protocol

import attrs
from twisted.internet.defer import Deferred

from .envelope import OkxReply, encode_body, encode_query
from .signer import Credentials


@attrs.frozen
class OkxCall:
    """``deadline`` is on the client's clock: the whole call's budget (queueing for a rate
    token, every try and every backoff wait); ``trace`` collects a line per try."""

    verb: str = attrs.field(converter=lambda verb: str(verb).upper())
    path: str
    deadline: float
    params: Mapping[str, Any] | None = None
    body: Any = None
    creds: Credentials | None = None
    sign: bool = True
    #: False: never share this read's request with another caller's (the clock measurement)
    shared: bool = True
    trace: list[str] | None = attrs.field(default=None, eq=False)
    #: the query string and the body text exactly as sent and signed
    query: str = attrs.field(init=False, default=attrs.Factory(lambda c: encode_query(c.params), takes_self=True))
    body_text: str = attrs.field(init=False, default=attrs.Factory(lambda c: encode_body(c.body), takes_self=True))

    @property
    def signed(self) -> bool:
        return self.creds is not None and self.sign

    @property
    def request_path(self) -> str:
        """The path as sent and signed, query string included."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def user(self) -> str | None:
        """Whose budgets a signed call spends: the credential's identity (full SHA-256, demo flag
        included), never the bare access key, so a wrong secret shares nothing with the owner."""
        return self.creds.identity if self.signed and self.creds is not None else None

    @property
    def owner(self) -> str | None:
        """Who waits in a rate-limit queue, for its share of it (unsigned calls included)."""
        return self.creds.identity if self.creds is not None else None

    @property
    def shareable(self) -> bool:
        """Public reads are the same for every caller, so identical ones may share a request."""
        return self.shared and self.verb == "GET" and not self.signed

    @property
    def share_key(self) -> Hashable:
        return (self.path, self.query, bool(self.creds and self.creds.simulated))

    @property
    def label(self) -> str:
        """The call as logs may name it: a short key at most, never a fingerprint."""
        who = f" for key {self.creds.short_key}" if self.signed and self.creds is not None else ""
        return f"{self.verb} {self.path}{who}"


class OkxLayer(Protocol):
    """What every layer is and wraps: send one call, get OKX's reply or an :class:`OkxError`."""

    def send(self, call: OkxCall) -> Deferred[OkxReply]: ...
