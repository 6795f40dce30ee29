# -*- test-case-name: tests.okx.test_pacing -*-
"""The layer that keeps calls within OKX's rate limits: the one place a token is taken and returned.

Every send first takes one token per bucket it spends (:func:`.rate_rules.bucket_keys`) and
gives them back when the answer is in, whatever it was. The private WebSocket's order
operations go through :meth:`Pacing.run` too: OKX counts a WebSocket order against the
same per-instrument limit as the REST request it stands for (docs #overview-rate-limits),
so both transports share one budget instead of each keeping its own. A signed call's
budgets are its OKX account's, by UID (:mod:`.account_uids`): OKX counts per account, not per key.
A call of a credential OKX has not accepted (:mod:`.accepted`) also spends a small share of the
public budgets and, if signed, one per-host budget of such requests (:func:`.rate_rules.unproven_keys`).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, TypeVar

import attrs
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.defer import TimeoutError as DeferredTimeoutError
from twisted.internet.interfaces import IReactorTime

from .accepted import AcceptedCredentials
from .account_uids import AccountUids
from .call import OkxCall, OkxLayer
from .counting import COUNT_NOTHING, RequestCounts
from .envelope import OkxReply
from .errors import OkxError, OkxThrottled
from .limits import Token
from .rate_rules import SUB_ACCOUNT_ORDERS, BucketKey, Rule, bucket_keys, unproven_keys

T = TypeVar("T")


def wait_budget(remaining: float) -> float:
    """How long a call may queue for a token: leave time for the exchange itself, as a
    slot granted at the deadline is no use."""
    return max(0.0, remaining - min(1.0, remaining / 2))


@attrs.define
class Pacing:
    """``limiter`` is a :class:`.limits.RateLimiter` (or the Redis-shared one); ``None``
    (``--no-rate-limits``) sends at once."""

    inner: OkxLayer
    clock: IReactorTime
    limiter: Any | None
    metrics: RequestCounts = COUNT_NOTHING
    #: credential → its account's UID, so every key of one account spends one budget
    uids: AccountUids = attrs.Factory(AccountUids)
    #: credentials OKX has accepted; a call of any other also spends the never-accepted
    #: buckets (:func:`.rate_rules.unproven_keys`). None: every credential counts as accepted
    accepted: AcceptedCredentials | None = None

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        return Deferred.fromCoroutine(self._send(call))

    async def _send(self, call: OkxCall) -> OkxReply:
        return await self.run(call, lambda: self.inner.send(call))

    async def run(self, call: OkxCall, send: Callable[[], Awaitable[T]]) -> T:
        """``await send()`` holding ``call``'s tokens, returned when it is done."""
        tokens = await self._take_tokens(call)
        try:
            return await send()
        except OkxError as e:
            if self.limiter is not None and not isinstance(e, OkxThrottled):
                for key, rule in self.refused_buckets(call, e):
                    self.limiter.slow_down(key, rule, call.label)
            raise
        finally:
            self._give_back(tokens)

    def refused_buckets(self, call: OkxCall, error: OkxError) -> list[tuple[BucketKey, Rule]]:
        """The buckets OKX's refusal says are spent: 50061 names the sub-account's order cap
        alone (the instrument's and the IP's budgets may have room: pausing them too would hold
        the account's reads and other orders for nothing; it comes as HTTP 429, so it is told
        apart before 429 is); 50011/429, counted somewhere we cannot see, every one of the call's."""
        if error.code == "50061":
            return [(key, rule) for key, rule in self.buckets(call) if rule == SUB_ACCOUNT_ORDERS]
        return self.buckets(call) if error.rate_limited else []

    def buckets(self, call: OkxCall) -> list[tuple[BucketKey, Rule]]:
        """A signed call's budgets are its OKX account's (UID) once known, else its key's."""
        user = call.user
        keys = bucket_keys(call.verb, call.path, call.params, call.body,
                           self.uids.user_of(user) if user is not None else None)
        if self.accepted is not None and call.creds is not None and not self.accepted.knows(call.creds):
            return unproven_keys(keys, call.signed) + keys
        return keys

    async def _take_tokens(self, call: OkxCall) -> list[Token]:
        tokens: list[Token] = []
        if self.limiter is None:
            return tokens
        for key, rule in self.buckets(call):
            asked = self.clock.seconds()
            budget = wait_budget(call.deadline - asked)
            # the queue's estimate can be beaten by slow answers holding tokens longer: the
            # wait itself is bounded too, so nothing is sent after the call's deadline
            waiting = self.limiter.acquire(key, rule, budget, call.verb, call.path, call.owner)
            waiting.addTimeout(budget, self.clock)
            try:
                tokens.append(await waiting)
            except (CancelledError, DeferredTimeoutError):
                self._give_back(tokens)
                raise OkxThrottled("throttled", f"no slot under OKX's limit of {rule.describe()} within this "
                                   f"call's {budget:.1f}s budget; nothing was sent", call.verb, call.path) from None
            waited = self.clock.seconds() - asked
            if waited > 0:
                self.metrics.rate_limit_wait(call.path, waited)
        return tokens

    def _give_back(self, tokens: list[Token]) -> None:
        for token in tokens:
            token.done(self.clock.seconds())
