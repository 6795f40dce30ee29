"""The protocol endpoint: ``POST /OKX`` in, ``{"data","raw"}`` or ``{"error"}`` out.

Handlers come from an injected table (method name → coroutine function taking the
:class:`Call` and a trace list), so this module knows nothing of OKX. Every failure —
bad input, an exchange error, a bug — is turned into ``{"error"}`` in exactly one place,
:meth:`FmzApp.fail`, and the daemon carries on.
"""

from __future__ import annotations

from typing import Awaitable, Callable, ClassVar, Mapping

import attrs
from klein import Klein
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from ..jsonwire import JSON_CONTENT_TYPE
from .answer import Answer, encode_answer, encode_error
from .envelope import IO_PREFIXES, Call, parse_call
from .errors import ProtocolError

Handler = Callable[[Call, list], Awaitable[Answer]]

#: FMZ writes the IO method both ways (its article: ``_api/…``, its sample code: ``__api_/…``).


@attrs.define
class MethodTable:
    """Method name (case-insensitive) → handler, plus the IO prefixes → the IO handler."""

    handlers: Mapping[str, Handler]
    io: Handler | None = None

    def resolve(self, method: str) -> Handler:
        for prefix in IO_PREFIXES:
            if method.startswith(prefix) and self.io is not None:
                return self.io
        handler = self.handlers.get(method.lower())
        if handler is None:
            known = ", ".join(sorted(self.handlers))
            raise ProtocolError(f"unknown method {method[:60]!r}; this bridge serves: {known}, _api/<path>")
        return handler


def describe_failure(failure: Failure) -> str:
    """The error line for a failure that is not ours to phrase (a bug): short, no traceback."""
    return f"internal error in okxbridge: {failure.type.__name__}: {failure.value}"[:300]


@attrs.define
class FmzApp:
    """Klein resource for FMZ's custom protocol at ``/<exchange>`` (``/OKX`` by default)."""

    methods: MethodTable
    clock: IReactorTime
    exchanges: frozenset[str] = frozenset({"okx"})
    known_errors: tuple[type[Exception], ...] = ()
    on_call: Callable[[str, str, float], None] = lambda method, outcome, seconds: None  # metrics hook

    app: ClassVar[Klein] = Klein()
    log: ClassVar[Logger] = Logger()

    def resource(self):
        return self.app.resource()

    @app.route("/", branch=True)
    async def protocol(self, request) -> bytes:
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        started = self.clock.seconds()
        path = request.path.decode("utf-8", "replace").strip("/")
        method, symbol, trace, error = "-", "", [], ""
        try:
            call = self.parse(request, path)
            method, symbol = call.method, call.symbol
            handler = self.methods.resolve(call.method)
            answer = await handler(call, trace)
            body = encode_answer(answer)
        except Exception:
            failure = Failure()
            error = self.fail(failure)
            # IO calls keep OKX's whole answer beside the error line (FMZ's IO returns OKX's answer)
            body = encode_error(error, self.raw_of(failure) if method.startswith(IO_PREFIXES) else None)
        outcome = "error" if error else "ok"
        ms = (self.clock.seconds() - started) * 1000
        self.log.info("call {method} {symbol} {outcome} {ms:.1f}ms okx=[{upstream}]{detail}",
                      method=method, symbol=symbol or "-", outcome=outcome, ms=ms,
                      upstream=", ".join(trace), detail=f" {error}" if error else "")
        self.on_call(method, outcome, ms / 1000)
        return body

    def parse(self, request, path: str) -> Call:
        if request.method != b"POST":
            raise ProtocolError(f"use POST with a JSON body (got {request.method.decode('ascii', 'replace')})")
        if path.lower() not in self.exchanges:
            raise ProtocolError(f"unknown exchange path /{path[:60]}; use /OKX")
        if getattr(request, "body_too_large", False):
            raise ProtocolError(f"request body too large (limit {request.max_body} bytes)")
        verb = (request.getHeader(b"Http-Method") or b"GET").decode("ascii", "replace")
        return parse_call(request.content.read(), verb)

    def raw_of(self, failure: Failure):
        """The exchange's own answer carried by a known error (``OkxError.raw``), if any."""
        if failure.check(*self.known_errors):
            return getattr(failure.value, "raw", None)
        return None

    def fail(self, failure: Failure) -> str:
        """The ``{"error"}`` line for any failure: ours and OKX's as they read, a bug briefly."""
        if failure.check(ProtocolError, *self.known_errors):
            return str(failure.value) or failure.type.__name__
        self.log.failure("unexpected error while serving a call", failure)
        return describe_failure(failure)
