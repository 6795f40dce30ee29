# -*- test-case-name: tests.okx.test_client -*-
"""The OKX v5 REST client: one façade over a stack of layers, each with one job.

From the bottom: :class:`.transport.SigningTransport` signs and sends once over the
persistent pool; :class:`.tracing.Tracing` reports each try; :class:`.rejected.Refusing`
answers a credential OKX just refused locally; :class:`.pacing.Pacing` keeps within OKX's
rate limits (the one place a token is taken and returned, for the private WebSocket's
orders too); :class:`.retrying.Retrying` sends a read again, or a write after 50102;
:class:`.inflight.Tracked` counts work in flight for a clean shutdown; and
:class:`.coalesce.Coalescing` lets identical public reads share one request. Callers see
only :class:`OkxClient`: ``get``/``post``/``request``, ``paced`` and ``sync_time``.
"""

from __future__ import annotations

from random import Random
from typing import Any, Awaitable, Callable, Literal, Mapping, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from . import paths
from .accepted import AcceptedCredentials, FirstRequests
from .account_uids import AccountUids
from .call import OkxCall, OkxLayer
from .coalesce import Coalescer, Coalescing
from .counting import COUNT_NOTHING, RequestCounts
from .envelope import OkxReply, encode_body, encode_query, parse_envelope
from .inflight import InFlight, Tracked
from .limits import RateLimiter
from .pacing import Pacing
from .rejected import Refusing, RejectedCredentials
from .retry import Backoff
from .retrying import Retrying
from .signer import Credentials, Signer
from .timesync import clock_offset
from .tracing import Tracing, traced
from .transport import SigningTransport, describe_transport_failure

__all__ = ["OkxClient", "OkxReply", "describe_transport_failure", "encode_body", "encode_query", "parse_envelope"]

T = TypeVar("T")


class OkxClient:
    """One per daemon. ``deadline`` (default: ``timeout``) is each call's whole budget:
    queueing for a token, every try and every backoff wait fit inside it; ``timeout``
    bounds one try. ``limiter`` is ``"own"`` (a :class:`.limits.RateLimiter` on this
    client's clock), another limiter (the Redis-shared one), or ``None``: no pacing."""

    log = Logger()

    def __init__(self, http: Any, base_url: str, clock: IReactorTime, signer: Signer, timeout: float = 10.0, *,
                 coalescer: Coalescer | None = None, limiter: Any | Literal["own"] | None = "own",
                 backoff: Backoff | None = None, random: Random | None = None, deadline: float | None = None,
                 inflight: InFlight | None = None, rejected: RejectedCredentials | None = None,
                 metrics: RequestCounts = COUNT_NOTHING) -> None:
        self.clock = clock
        self.deadline = deadline
        #: counters for requests, rate-limit waits and retries (:class:`okxbridge.metrics.BridgeMetrics`
        #: in the daemon); the default counts nothing
        self.metrics = metrics
        self.coalescer = coalescer if coalescer is not None else Coalescer()
        self.inflight = inflight if inflight is not None else InFlight()
        #: credentials OKX just refused (bad key, passphrase, signature): answered locally a while
        self.rejected = rejected if rejected is not None else RejectedCredentials(clock)
        #: credentials OKX answered past its auth check (never-accepted ones cost little)
        self.accepted = AcceptedCredentials()
        self.transport = SigningTransport(http, base_url, clock, signer, timeout)
        refusing_after_wait = Refusing(Tracing(self.transport, clock, metrics), self.rejected, notes=True,
                                       accepted=self.accepted)
        self.pacing = Pacing(refusing_after_wait, clock, RateLimiter(clock) if limiter == "own" else limiter, metrics,
                             accepted=self.accepted)
        # a new credential's calls wait for its first answer, then meet the refusal check
        self.retrying = Retrying(FirstRequests(Refusing(self.pacing, self.rejected), clock, self.accepted),
                                 clock, self.sync_time,
                                 backoff or Backoff(), random or Random(), metrics)
        self.stack: OkxLayer = Coalescing(Tracked(self.retrying, self.inflight), self.coalescer)

    # --- what the layers hold, read where callers (health, handlers, tests) look for it ---

    @property
    def signer(self) -> Signer:
        return self.transport.signer

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @property
    def timeout(self) -> float:
        return self.transport.timeout

    @property
    def http(self) -> Any:
        return self.transport.http

    @property
    def last_answer_at(self) -> float | None:
        """Our clock's time of OKX's last HTTP answer of any kind: /health's "reachable"."""
        return self.transport.last_answer_at

    @property
    def limiter(self) -> Any | None:
        return self.pacing.limiter

    @property
    def uids(self) -> AccountUids:
        """Credential → OKX account UID, told by :class:`.accounts.Accounts`, read by pacing."""
        return self.pacing.uids

    @property
    def backoff(self) -> Backoff:
        return self.retrying.backoff

    def seconds_since_answer(self) -> float | None:
        answered = self.last_answer_at
        return None if answered is None else self.clock.seconds() - answered

    # --- calls ---------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None, creds: Credentials | None = None,
            *, sign: bool = True, trace: list[str] | None = None) -> Deferred[OkxReply]:
        return self.request("GET", path, params=params, creds=creds, sign=sign, trace=trace)

    def post(self, path: str, body: Any, creds: Credentials, *, trace: list[str] | None = None,
             deadline: float | None = None) -> Deferred[OkxReply]:
        return self.request("POST", path, body=body, creds=creds, trace=trace, deadline=deadline)

    def request(self, verb: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
                creds: Credentials | None = None, sign: bool = True,
                trace: list[str] | None = None, shared: bool = True,
                deadline: float | None = None) -> Deferred[OkxReply]:
        """``shared=False``: never answer this read with another caller's request;
        ``deadline`` (our clock): the caller's own, e.g. the order desk's, whose ``expTime`` it
        must know (default: now plus the client's deadline)."""
        return self.stack.send(OkxCall(verb, path, deadline or self._deadline(), params, body, creds, sign,
                                       shared, trace))

    def paced(self, verb: str, path: str, body: Any, creds: Credentials, send: Callable[[OkxCall], Awaitable[T]], *,
              trace: list[str] | None = None, label: str = "", deadline: float | None = None) -> Deferred[T]:
        """``send(call)`` — the same request over another transport (OKX's private WebSocket)
        — under the rate-limit budget of the REST request it stands for: OKX counts both
        against one per-instrument limit (docs #overview-rate-limits); a rate-limit refusal
        is sent again inside the deadline as over REST (:class:`.retrying.Retrying`)."""
        call = OkxCall(verb, path, deadline or self._deadline(), body=body, creds=creds)
        return Deferred.fromCoroutine(self.retrying.run(call, lambda: Deferred.fromCoroutine(self.pacing.run(
            call, lambda: traced(self.clock, trace, label or f"{call.verb} {path}", lambda: send(call))))))

    def sync_time(self) -> Deferred[float]:
        """Re-measure the clock offset now; concurrent callers (say, 50 calls that all got
        50102) share one measurement."""
        return self.coalescer.run(("sync-time",), lambda: Deferred.fromCoroutine(self._measure_offset()))

    async def _measure_offset(self) -> float:
        sent = self.clock.seconds()
        reply = await self.request("GET", paths.TIME, sign=False, shared=False)
        offset = clock_offset(sent, self.clock.seconds(), reply.data[0]["ts"])
        if abs(offset - self.signer.offset) >= 1:
            self.log.info("okx clock offset now {offset:+.3f}s (was {old:+.3f}s)",
                          offset=offset, old=self.signer.offset)
        self.signer.offset = offset
        return offset

    def _deadline(self) -> float:
        return self.clock.seconds() + (self.deadline or self.timeout)
