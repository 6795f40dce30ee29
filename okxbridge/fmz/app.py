# -*- test-case-name: tests.fmz.test_app -*-
"""The protocol endpoint: ``POST /OKX`` in, ``{"data","raw"}`` or ``{"error"}`` out.

Handlers come from an injected table (method name → coroutine function taking the
:class:`Call` and a trace list), so this module knows nothing of OKX. Every failure —
bad input, an exchange error, a bug — is turned into ``{"error"}`` in exactly one place,
:meth:`FmzApp.fail`, and the daemon carries on.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Callable, ClassVar, Coroutine, Mapping, cast

import attrs
from klein import Klein
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import IResource
from twisted.web.server import Request

from ..jsonwire import JSON_CONTENT_TYPE
from ..logs import log_field
from .answer import Answer, encode_answer, encode_error
from .envelope import Call, parse_call
from .errors import ProtocolError
from .io_call import IO_PREFIXES

#: a handler is an ``async def`` taking the call and the trace (the OKX requests it made)
Handler = Callable[[Call, list[str]], Coroutine[Any, Any, Answer]]

__all__ = ["FmzApp", "Handler", "IO_PREFIXES", "MethodTable"]


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


#: the longest method, symbol and error written in a call's log line (longer ones are cut and
#: say how much was cut); the OKX requests' list is cut at OKX_TRACE_CHARS
LOGGED_CHARS = 200
OKX_TRACE_CHARS = 1000


def detached(work: Deferred[Answer]) -> Deferred[Answer]:
    """``work``'s result, through a Deferred whose cancelling leaves ``work`` running.

    Klein cancels a call's Deferred when its client hangs up. Cancelling an order placement
    half-way would leave OKX's outcome unknown and unrecorded, so the call runs to its end
    (its order remembered, its tokens returned) and only the answer is dropped."""
    out: Deferred[Answer] = Deferred()

    def forward(result: Answer | Failure) -> None:
        if not out.called:
            if isinstance(result, Failure):
                out.errback(result)
            else:
                out.callback(result)
        return None  # after a hang-up the result has nowhere to go; FmzApp logs its outcome
    work.addBoth(forward)
    return out


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
    #: every parsed call once answered: (call, method known, error line or ""), for the
    #: "calls from the docker" view
    on_received: Callable[[Call, bool, str], None] = lambda call, understood, error: None

    app: ClassVar[Klein] = Klein()
    log: ClassVar[Logger] = Logger()

    def resource(self) -> IResource:
        return self.app.resource()

    @app.route("/", branch=True)
    async def protocol(self, request: Request) -> bytes:
        request.setHeader(b"Content-Type", JSON_CONTENT_TYPE)
        started = self.clock.seconds()
        path = request.path.decode("utf-8", "replace").strip("/")
        method, symbol, error = "-", "", ""
        call: Call | None = None
        understood = False
        trace: list[str] = []
        lost: list[Failure] = []
        request.notifyFinish().addErrback(lost.append)
        try:
            call = self.parse(request, path)
            method, symbol = call.method, call.symbol
            handler = self.methods.resolve(call.method)
            understood = True
            work = Deferred.fromCoroutine(handler(call, trace))
            answer = await detached(work)
            body = encode_answer(answer)
        except CancelledError:
            if not lost:
                error = self.fail(Failure())
                body = encode_error(error)
            else:
                self.gone(method, symbol, started, work)
                raise  # klein drops a cancelled render quietly: there is nobody to answer
        except Exception:
            failure = Failure()
            error = self.fail(failure)
            # IO calls keep OKX's whole answer beside the error line (FMZ's IO returns OKX's answer)
            body = encode_error(error, self.raw_of(failure) if method.startswith(IO_PREFIXES) else None)
        outcome = "error" if error else "ok"
        ms = (self.clock.seconds() - started) * 1000
        self.log.info("call {method} {symbol} {outcome} {ms:.1f}ms okx=[{upstream}]{detail}",
                      method=log_field(method, LOGGED_CHARS), symbol=log_field(symbol or "-", LOGGED_CHARS),
                      outcome=outcome, ms=ms, upstream=log_field(", ".join(trace), OKX_TRACE_CHARS),
                      detail=" " + log_field(error, LOGGED_CHARS) if error else "")
        self.on_call(method, outcome, ms / 1000)
        if call is not None:
            self.on_received(call, understood, error)
        return body

    def gone(self, method: str, symbol: str, started: float, work: Deferred[Answer]) -> None:
        """The client hung up: one info line now, one when the call it left behind ends."""
        ms = (self.clock.seconds() - started) * 1000
        name, sym = log_field(method, LOGGED_CHARS), log_field(symbol or "-", LOGGED_CHARS)
        self.log.info("call {method} {symbol}: client went away after {ms:.1f}ms; the call runs to its end",
                      method=name, symbol=sym, ms=ms)
        self.on_call(method, "gone", ms / 1000)

        def ended(result: Answer | Failure) -> None:
            outcome = self.fail(result) if isinstance(result, Failure) else "ok"
            self.log.info("call {method} {symbol} ended after its client went away: {outcome}",
                          method=name, symbol=sym, outcome=log_field(outcome, LOGGED_CHARS))
        work.addBoth(ended)

    def parse(self, request: Request, path: str) -> Call:
        if request.method != b"POST":
            raise ProtocolError(f"use POST with a JSON body (got {request.method.decode('ascii', 'replace')})")
        if path.lower() not in self.exchanges:
            raise ProtocolError(f"unknown exchange path /{path[:60]}; use /OKX")
        if getattr(request, "body_too_large", False):
            raise ProtocolError(f"request body too large (limit {getattr(request, 'max_body', None)} bytes)")
        verb = (request.getHeader(b"Http-Method") or b"GET").decode("ascii", "replace")
        body = cast(BinaryIO, request.content)  # Twisted's Request declares it None until a body is read
        return parse_call(body.read(), verb)

    def raw_of(self, failure: Failure) -> Any:
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
