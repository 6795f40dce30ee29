"""A signed OKX v5 REST client over treq.

One :class:`OkxClient` per daemon: it owns the persistent connection pool (through the
treq ``HTTPClient`` it is given) and turns every answer into either an :class:`OkxReply`
or an :class:`OkxError`. Public methods return Deferreds; the body is one coroutine per
request, driven by ``Deferred.fromCoroutine`` (the codebase's one async style).
"""

from __future__ import annotations

from random import Random
from typing import Any, Mapping
from urllib.parse import urlencode

import attrs
import orjson
from twisted.internet.defer import CancelledError, Deferred, TimeoutError as DeferredTimeoutError
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger
from twisted.web.http_headers import Headers

from ..jsonwire import json_default
from .coalesce import Coalescer
from .counting import COUNT_NOTHING, RequestCounts
from .errors import OkxError, OkxThrottled, OkxTransportError
from .inflight import InFlight
from .limits import RateLimiter, Token, bucket_keys
from .rejected import RejectedCredentials
from .retry import TIMESTAMP_EXPIRED, Backoff, retryable_read
from .signer import Credentials, Signer
from .timesync import TIME_PATH, clock_offset

_JSON_HEADERS = {b"Content-Type": [b"application/json"], b"Accept": [b"application/json"]}


@attrs.frozen
class OkxReply:
    """A successful answer: ``data`` is OKX's array, ``raw`` the whole decoded envelope."""

    data: list[Any]
    raw: dict[str, Any]
    status: int = 200


def encode_query(params: Mapping[str, Any] | None) -> str:
    """The query string exactly as signed: keys in the caller's order, ``None`` dropped."""
    if not params:
        return ""
    return urlencode([(k, str(v)) for k, v in params.items() if v is not None])


def encode_body(body: Any) -> str:
    """Compact JSON, the exact text that is both sent and signed ("" for no body)."""
    if body is None:
        return ""
    return orjson.dumps(body, default=json_default).decode()


def parse_envelope(verb: str, path: str, status: int, content: bytes) -> OkxReply:
    """Map OKX's answer to a reply or the most specific error it carries.

    Order writes report a single failed item as top ``code`` "1" ("Operation failed.")
    with the real reason in ``data[0].sCode/sMsg`` — that reason is what a trader needs.
    """
    try:
        raw = orjson.loads(content)
    except ValueError:
        snippet = content[:120].decode("utf-8", "replace").replace("\n", " ")
        if status >= 500 or not content:
            raise OkxTransportError(f"HTTP {status}", f"HTTP {status} without an OKX answer {snippet!r}", verb, path, status)
        raise OkxError(f"HTTP {status}", f"not an OKX answer: {snippet!r}", verb, path, status)
    if not isinstance(raw, dict) or "code" not in raw:
        raise OkxError(f"HTTP {status}", "not an OKX answer (no code field)", verb, path, status)
    code = str(raw.get("code"))
    data = raw.get("data")
    if not isinstance(data, list):
        data = [] if data is None else [data]
    if code == "0":
        return OkxReply(data, raw, status)
    for item in data:
        if isinstance(item, dict) and item.get("sCode") not in (None, "", "0"):
            raise OkxError(str(item["sCode"]), str(item.get("sMsg") or raw.get("msg") or ""), verb, path, status, raw)
    raise OkxError(code, str(raw.get("msg") or ""), verb, path, status, raw)


@attrs.define
class OkxClient:
    """Signs and sends OKX requests; ``trace`` lists collect ``VERB path status`` per try.

    Every request first takes a token from its rate-limit bucket (:mod:`.limits`), then is
    sent with a fresh signature. ``deadline`` (default: ``timeout``) is the whole call's
    budget: queueing for a token, every try and every backoff wait fit inside it. Reads
    are retried (:mod:`.retry`); writes only after a 50102, once, with a resynced clock.
    """

    http: Any  # treq.client.HTTPClient (or treq.testing.StubTreq)
    base_url: str
    clock: IReactorTime
    signer: Signer
    timeout: float = 10.0
    coalescer: Coalescer = attrs.Factory(Coalescer)
    limiter: RateLimiter | None = attrs.Factory(lambda self: RateLimiter(self.clock), takes_self=True)
    backoff: Backoff = attrs.Factory(Backoff)
    random: Random = attrs.Factory(Random)
    deadline: float | None = None
    inflight: InFlight = attrs.Factory(InFlight)
    #: credentials OKX just refused (bad key, passphrase, signature): answered locally a while
    rejected: RejectedCredentials = attrs.Factory(lambda self: RejectedCredentials(self.clock), takes_self=True)
    #: counters for requests, rate-limit waits and retries (:class:`okxbridge.metrics.BridgeMetrics`
    #: in the daemon); the default counts nothing
    metrics: RequestCounts = COUNT_NOTHING
    #: our clock's time of OKX's last HTTP answer of any kind: /health's "reachable"
    last_answer_at: float | None = None
    log = Logger()

    def get(self, path: str, params: Mapping[str, Any] | None = None, creds: Credentials | None = None,
            *, sign: bool = True, trace: list[str] | None = None) -> Deferred[OkxReply]:
        return self.request("GET", path, params=params, creds=creds, sign=sign, trace=trace)

    def post(self, path: str, body: Any, creds: Credentials, *, trace: list[str] | None = None) -> Deferred[OkxReply]:
        return self.request("POST", path, body=body, creds=creds, trace=trace)

    def request(self, verb: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
                creds: Credentials | None = None, sign: bool = True,
                trace: list[str] | None = None, shared: bool = True) -> Deferred[OkxReply]:
        verb = verb.upper()
        query = encode_query(params)
        if shared and verb == "GET" and (creds is None or not sign):
            # public data is the same for every caller: identical reads in flight share one
            # request, which also spends one rate-limit token for all of them
            key = (path, query, bool(creds and creds.simulated))
            return self.coalescer.run(key, lambda: self._start(verb, path, params, query, body, creds, sign, trace))
        return self._start(verb, path, params, query, body, creds, sign, trace)

    def sync_time(self) -> Deferred[float]:
        """Re-measure the clock offset now; concurrent callers (say, 50 calls that all got
        50102) share one measurement."""
        async def measure() -> float:
            sent = self.clock.seconds()
            reply = await self.request("GET", TIME_PATH, sign=False, shared=False)
            offset = clock_offset(sent, self.clock.seconds(), reply.data[0]["ts"])
            if abs(offset - self.signer.offset) >= 1:
                self.log.info("okx clock offset now {offset:+.3f}s (was {old:+.3f}s)",
                              offset=offset, old=self.signer.offset)
            self.signer.offset = offset
            return offset
        return self.coalescer.run(("sync-time",), lambda: Deferred.fromCoroutine(measure()))

    def _start(self, verb, path, params, query, body, creds, sign, trace) -> Deferred[OkxReply]:
        return self.inflight.track(Deferred.fromCoroutine(
            self._request(verb, path, params, query, body, creds, sign, trace)))

    async def _request(self, verb: str, path: str, params: Mapping[str, Any] | None, query: str, body: Any,
                       creds: Credentials | None, sign: bool, trace: list[str] | None) -> OkxReply:
        deadline = self.clock.seconds() + (self.deadline or self.timeout)
        request_path = f"{path}?{query}" if query else path
        body_text = encode_body(body)
        signed = creds is not None and sign
        # budgets are kept per credential fingerprint (demo flag included): safe to show on
        # /status, and a caller with the owner's access key but a wrong secret shares nothing
        user = creds.fingerprint if signed else None
        owner = creds.fingerprint if creds is not None else None  # for its share of a queue
        buckets = bucket_keys(verb, path, params, body, user)
        label = f"{verb} {path}" + (f" for key {creds.short_key}" if signed else "")
        tries, resynced = 0, False
        while True:
            if signed:
                self.rejected.check(creds, verb, path)
            tokens = await self._take_tokens(buckets, verb, path, deadline, owner)
            tries += 1
            try:
                try:
                    if signed:  # OKX may have refused this credential while it waited for a slot
                        self.rejected.check(creds, verb, path)
                    return await self._send(verb, path, request_path, body_text, creds, sign, trace, deadline)
                finally:
                    for token in tokens:
                        token.done(self.clock.seconds())
            except OkxError as e:
                if signed and e.raw is not None:
                    self.rejected.note(creds, e)
                if e.rate_limited and self.limiter is not None and not isinstance(e, OkxThrottled):
                    for key, rule in buckets:
                        self.limiter.slow_down(key, rule, label)
                if e.code == TIMESTAMP_EXPIRED and signed and not resynced:
                    resynced = True  # OKX refused before acting: safe to resend, even a write
                    await self._resync_or_raise(e)
                    self._count_retry(path)
                    continue
                if verb != "GET" or not retryable_read(e) or tries >= self.backoff.attempts:
                    raise
                delay = self.backoff.delay(tries, self.random)
                if self.clock.seconds() + delay >= deadline:
                    raise
                self.log.info("okx {verb} {path} failed ({error}); try {next} in {delay:.2f}s",
                              verb=verb, path=path, error=str(e), next=tries + 1, delay=delay)
                self._count_retry(path)
                await deferLater(self.clock, delay)

    async def paced(self, verb: str, path: str, body: Any, creds: Credentials, send, *,
                    trace: list[str] | None = None, label: str = "") -> Any:
        """``await send()`` — the same request over another transport (OKX's private
        WebSocket) — under the rate-limit budget of the REST request it stands for: OKX
        counts both against one per-instrument limit (docs #overview-rate-limits)."""
        deadline = self.clock.seconds() + (self.deadline or self.timeout)
        buckets = bucket_keys(verb, path, None, body, creds.fingerprint)
        tokens = await self._take_tokens(buckets, verb, path, deadline, creds.fingerprint)
        started = self.clock.seconds()
        outcome = "error"
        try:
            reply = await send()
            outcome = "0"
            return reply
        except OkxError as e:
            outcome = e.code
            raise
        finally:
            for token in tokens:
                token.done(self.clock.seconds())
            if trace is not None:
                trace.append(f"{label or verb + ' ' + path} {outcome} {1000 * (self.clock.seconds() - started):.0f}ms")

    def seconds_since_answer(self) -> float | None:
        return None if self.last_answer_at is None else self.clock.seconds() - self.last_answer_at

    def _count_retry(self, path: str) -> None:
        self.metrics.retry(path)

    async def _take_tokens(self, buckets, verb: str, path: str, deadline: float, owner=None) -> list[Token]:
        tokens: list[Token] = []
        if self.limiter is None:
            return tokens
        for key, rule in buckets:
            remaining = deadline - self.clock.seconds()
            # leave time for the exchange itself: a slot granted at the deadline is no use
            asked = self.clock.seconds()
            budget = max(0.0, remaining - min(1.0, remaining / 2))
            # the queue's estimate can be beaten by slow answers holding tokens longer: the
            # wait itself is bounded too, so nothing is sent after the call's deadline
            waiting = self.limiter.acquire(key, rule, budget, verb, path, owner)
            waiting.addTimeout(budget, self.clock)
            try:
                tokens.append(await waiting)
            except (CancelledError, DeferredTimeoutError):
                for token in tokens:
                    token.done(self.clock.seconds())
                raise OkxThrottled("throttled", f"no slot under OKX's limit of {rule.describe()} within this "
                                   f"call's {budget:.1f}s budget; nothing was sent", verb, path) from None
            waited = self.clock.seconds() - asked
            if waited > 0:
                self.metrics.rate_limit_wait(path, waited)
        return tokens

    async def _resync_or_raise(self, error: OkxError) -> None:
        try:
            await self.sync_time()
        except OkxError as e:
            self.log.warn("okx time resync after 50102 failed: {error}", error=str(e))
            raise error from None

    async def _send(self, verb: str, path: str, request_path: str, body_text: str, creds: Credentials | None,
                    sign: bool, trace: list[str] | None, deadline: float) -> OkxReply:
        headers = dict(_JSON_HEADERS)
        if creds is not None:
            if sign:
                headers.update(self.signer.headers(creds, verb, request_path, body_text))
            elif creds.simulated:
                headers[b"x-simulated-trading"] = [b"1"]
        started = self.clock.seconds()
        timeout = max(0.0, min(self.timeout, deadline - started))
        status: int | str = "-"
        code = "transport"  # what the metrics count: OKX's code, http_<status>, or no answer
        try:
            d = Deferred.fromCoroutine(self._exchange(verb, request_path, headers, body_text))
            d.addTimeout(timeout, self.clock)
            status, content = await d
            self.last_answer_at = self.clock.seconds()
            code = f"http_{status}"
            reply = parse_envelope(verb, path, status, content)
            code = str(reply.raw.get("code"))
            return reply
        except (CancelledError, DeferredTimeoutError):
            raise OkxTransportError("timeout", f"no answer within {timeout:g}s", verb, path) from None
        except OkxError as e:
            if e.raw is not None:
                code = str(e.raw.get("code"))
            raise
        except Exception as e:  # connection refused/reset, TLS failure, DNS …
            raise OkxTransportError("transport", describe_transport_failure(e), verb, path) from None
        finally:
            seconds = self.clock.seconds() - started
            if trace is not None:  # logged with the call's one line, not a line per request
                trace.append(f"{verb} {path} {status} {seconds * 1000:.1f}ms")
            self.metrics.okx_request(verb, path, code, seconds)

    async def _exchange(self, verb: str, request_path: str, headers: dict, body_text: str) -> tuple[int, bytes]:
        # OKX's API never redirects; following one would re-send signed headers elsewhere
        response = await self.http.request(
            verb, self.base_url + request_path, headers=Headers(headers),
            data=body_text.encode() if body_text else None, allow_redirects=False,
        )
        content = await response.content()
        return response.code, content


def describe_transport_failure(e: BaseException) -> str:
    """One readable line from Twisted's nested connection failures (no secrets inside)."""
    reasons = getattr(e, "reasons", None)
    if reasons:
        inner = reasons[0].value
        return f"{type(e).__name__}: {type(inner).__name__}: {inner}"
    return f"{type(e).__name__}: {e}"
