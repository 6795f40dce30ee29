# -*- test-case-name: tests.desk.test_placement, tests.desk.test_resolution, tests.e2e.test_hardening_two -*-
"""The one exception type of the OKX side.

OKX reports failures three ways: a non-zero ``code`` in the envelope, a per-item
``sCode``/``sMsg`` on order writes (with a top ``code`` of ``"1"``), and plain HTTP/
transport failures. All of them become :class:`OkxError`, whose ``str`` is the line a
trader sees in the strategy log, e.g. ``OKX 51001: Instrument ID does not exist (GET
/api/v5/market/ticker)``.
"""

from __future__ import annotations

import attrs


@attrs.define(eq=False, repr=True)
class OkxError(Exception):
    code: str
    msg: str
    verb: str = ""
    path: str = ""
    http_status: int | None = None
    raw: dict | None = attrs.field(default=None, repr=False)  # OKX's whole answer, when it sent one

    def __str__(self) -> str:
        where = f" ({self.verb} {self.path})" if self.path else ""
        return f"OKX {self.code}: {self.msg}{where}"

    @property
    def rate_limited(self) -> bool:
        return self.code in ("50011", "50013") or self.http_status == 429


@attrs.define(eq=False, repr=True)
class OkxTransportError(OkxError):
    """No usable answer came back: timeout, reset, refused, or a body that is not OKX's.

    For a write this means the outcome is *unknown*: OKX may or may not have acted,
    so callers must resolve it by reading, never by blindly sending again.
    """

    def __str__(self) -> str:
        where = f" ({self.verb} {self.path})" if self.path else ""
        return f"OKX unreachable: {self.msg}{where}"


@attrs.define(eq=False, repr=True)
class OkxThrottled(OkxError):
    """The bridge itself refused a call rather than exceed OKX's limit for an endpoint.

    Raised at once (nothing was sent to OKX, so a write is certainly not placed) when the
    endpoint's queue is full or the wait for a free slot would outlast the call's deadline.
    """

    def __str__(self) -> str:
        return f"okxbridge throttled {self.verb} {self.path}: {self.msg}"
