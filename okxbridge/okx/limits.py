# -*- test-case-name: tests.okx.test_limits -*-
"""Staying inside OKX's published request limits (spec §3 per endpoint, §5 scopes).

OKX counts requests per endpoint in a window ("20 requests per 2 seconds") and per scope:
public data per IP (a few per IP + instType/instId), private data per user, and order
place/cancel/query per user + instrument. Over the limit it answers ``50011`` (HTTP 200 or
429), which a strategy would see as a failed call — so the bridge spends its own tokens
first and makes a burst *wait its turn* instead of being refused.

Each bucket holds ``requests`` tokens and a spent token comes back one window (plus a
little slack) after its answer arrived — OKX counted the request somewhere between send and
answer, so that is the first moment it has surely left OKX's window. A classic refill-rate bucket of
capacity N lets up to 2N requests through in one window (a full bucket plus a window of
refill), which OKX's windowed counter would reject; returning each token a window after
use keeps every window, wherever it starts, at N or fewer.

Waiting is a Deferred fired by ``clock.callLater`` — the injected clock, never a sleep.

"User" here is the OKX account's UID once known (:mod:`.account_uids`: OKX counts per
account), else a credential's identity (access key + secret + passphrase + demo flag,
hashed, the full SHA-256: :attr:`~okxbridge.okx.signer.Credentials.identity`; ``/status.json``
shows its 16-digit prefix), not the access key alone: a
caller who sends the owner's access key with a wrong secret is never told the UID, gets buckets
and queues of its own and cannot spend the owner's. And no single credential may hold more than
:data:`MAX_SHARE` of any one queue (the shared public ones included), so one flooding
strategy leaves room in the queue for the others.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from typing import Any, Hashable

import attrs
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from .errors import OkxThrottled
from .rate_rules import DEFAULT_PRIVATE, DEFAULT_PUBLIC, RULES, BucketKey, Rule, bucket_keys, rule_for
from .signer import shown

# the table is data in .rate_rules; these names stay importable from here, where callers look
__all__ = ["DEFAULT_PRIVATE", "DEFAULT_PUBLIC", "MAX_SHARE", "RULES", "Bucket", "RateLimiter", "Rule", "Token",
           "bucket_keys", "rule_for", "tightest"]


@attrs.define(eq=False)
class Token:
    """One spent token; ``until`` is when it may be spent again."""

    until: float
    bucket: "Bucket | None" = attrs.field(default=None, repr=False)

    def done(self, now: float) -> None:
        """The answer came back at ``now``: OKX counted the request at some moment between
        sending and now, so only a full window after *now* is that moment surely out of
        OKX's window. Counting from the send instead lets a slow first request and a fast
        later one land in the same window (seen as 50011 under load)."""
        if self.bucket is not None:
            self.until = max(self.until, now + self.bucket.period)
            if self not in self.bucket.returns:  # in flight longer than a window: count it again
                self.bucket.returns.append(self)


@attrs.define(eq=False)
class Bucket:
    rule: Rule
    slack: float
    returns: list = attrs.Factory(list)    # Tokens spent and not yet back
    waiters: deque = attrs.Factory(deque)  # (Deferred, owner), first come first served
    owners: Counter = attrs.Factory(Counter)  # owner → its waiters in the queue
    wakeup: IDelayedCall | None = None

    @property
    def period(self) -> float:
        return self.rule.window + self.slack

    def free(self, now: float) -> int:
        if any(t.until <= now for t in self.returns):
            self.returns = [t for t in self.returns if t.until > now]
        return self.rule.requests - len(self.returns)

    def spend(self, now: float) -> Token:
        token = Token(now + self.period, self)
        self.returns.append(token)
        return token

    def next_return(self) -> float:
        return min(t.until for t in self.returns)

    def eta(self, position: int, now: float) -> float:
        """When the waiter at ``position`` in the queue gets its token (no token is free);
        an estimate, as tokens of requests still in flight may come back later."""
        rounds, index = divmod(position, self.rule.requests)
        return max(now, sorted(t.until for t in self.returns)[index] + rounds * self.period)

    def idle(self, now: float) -> bool:
        return not self.waiters and self.free(now) == self.rule.requests


#: the part of one bucket's queue a single credential may hold (of ``max_queue``)
MAX_SHARE = 0.5


@attrs.define
class RateLimiter:
    """All buckets of one daemon, keyed by rule key; idle ones are forgotten.

    ``max_queue`` bounds each bucket's queue; past it, or when the wait would outlast the
    caller's budget, or past its owner's share of the queue (:data:`MAX_SHARE`),
    :meth:`acquire` fails at once with :class:`OkxThrottled`.
    """

    clock: IReactorTime
    max_queue: int = 200
    max_share: float = MAX_SHARE
    slack: float = 0.1
    sweep_every: int = 1000
    #: idle buckets are also dropped on a timer, so a burst of junk keys leaves nothing behind
    sweep_seconds: float = 10.0
    #: buckets looked at per /status poll (the newest): a poll costs the same whatever is held
    status_scan: int = 2000
    _buckets: dict[BucketKey, Bucket] = attrs.Factory(dict)
    _acquired: int = 0
    _sweeper: IDelayedCall | None = None
    log = Logger()

    def __len__(self) -> int:
        return len(self._buckets)

    def bucket(self, key: BucketKey, rule: Rule) -> Bucket:
        """``key``'s bucket, counting by ``rule`` from now on (a shared limiter's fallback
        asks for a share of the rule, which changes with the instances counted)."""
        bucket = self._buckets.get(key)
        if bucket is not None and bucket.rule != rule:
            bucket.rule = rule
        if bucket is None:
            bucket = self._buckets[key] = Bucket(rule, self.slack)
            if self._sweeper is None or not self._sweeper.active():
                self._sweeper = self.clock.callLater(self.sweep_seconds, self._sweep_on_timer)
        return bucket

    def _sweep_on_timer(self) -> None:
        self._sweeper = None
        self.sweep(self.clock.seconds())
        if self._buckets:
            self._sweeper = self.clock.callLater(self.sweep_seconds, self._sweep_on_timer)

    def acquire(self, key: BucketKey, rule: Rule, max_wait: float, verb: str = "", path: str = "",
                owner: Hashable | None = None) -> Deferred[Token]:
        """A Deferred that fires with one token of ``key``'s bucket; call its ``done`` when
        the answer is in (until then it counts as spent from the moment it was granted).
        ``owner`` (a credential's fingerprint) is who waits, for the share of the queue."""
        now = self.clock.seconds()
        self._acquired += 1
        if self._acquired % self.sweep_every == 0:
            self.sweep(now)
        bucket = self.bucket(key, rule)
        if not bucket.waiters and bucket.free(now) > 0:
            return succeed(bucket.spend(now))
        position = len(bucket.waiters)
        if position >= self.max_queue:
            raise OkxThrottled("throttled", f"{position} calls already wait for OKX's limit of {rule.describe()}; "
                               "make fewer calls or spread them out", verb, path)
        share = max(1, int(self.max_queue * self.max_share))
        if owner is not None and bucket.owners[owner] >= share:
            raise OkxThrottled("throttled", f"this API key already has {bucket.owners[owner]} calls waiting for "
                               f"OKX's limit of {rule.describe()}; one key may hold at most {share} of the "
                               f"queue's {self.max_queue} places: make fewer calls or spread them out", verb, path)
        wait = bucket.eta(position, now) - now
        if wait > max_wait:
            raise OkxThrottled("throttled", f"OKX's limit of {rule.describe()} is used up; the next free slot is "
                               f"{wait:.1f}s away, past this call's {max(max_wait, 0):.1f}s budget", verb, path)
        waiter: Deferred[Token] = Deferred(lambda d: self._forget(bucket, d))
        bucket.waiters.append((waiter, owner))
        if owner is not None:
            bucket.owners[owner] += 1
        self._schedule(bucket, now)
        return waiter

    def slow_down(self, key: BucketKey, rule: Rule, label: str = "") -> None:
        """OKX said 50011/429 anyway (another process on this IP or key, or a stricter rule
        than documented): spend every token for one full window from now. ``label`` names
        the bucket in the log (the key holds a fingerprint, the label a short key at most)."""
        now = self.clock.seconds()
        bucket = self.bucket(key, rule)
        for token in bucket.returns:
            token.until = max(token.until, now + bucket.period)
        bucket.returns += [Token(now + bucket.period) for _ in range(bucket.free(now))]
        self.log.warn("OKX rate limit hit for {bucket}; pausing it {seconds:g}s", bucket=label or rule.describe(),
                      seconds=bucket.period)
        if bucket.waiters:
            self._schedule(bucket, now)

    # --- /status -------------------------------------------------------------------------

    status_section = "rate_limits"
    status_limit = 50  # rows per credential (tightest first) and credentials shown

    def status(self) -> dict[str, Any]:
        """Headroom of every bucket held, grouped by credential fingerprint (``user`` in the
        keys is one: see :func:`bucket_keys`); IP-wide buckets under ``public``."""
        now = self.clock.seconds()
        users: dict[str, list[dict[str, Any]]] = {}
        public: list[dict[str, Any]] = []
        for key in itertools.islice(reversed(self._buckets), self.status_scan):
            bucket = self._buckets[key]
            rule = bucket.rule
            row: dict[str, Any] = {"request": f"{key[0]} {key[1]}", "limit": rule.describe(),
                                   "requests": rule.requests, "window_seconds": rule.window,
                                   "free": bucket.free(now), "queued": len(bucket.waiters)}
            if rule.scope.startswith("user"):
                if rule.scope == "user+instId":
                    row["instId"] = key[3]
                users.setdefault(shown(str(key[2])), []).append(row)
            else:
                if rule.scope != "ip":
                    row[rule.scope.split("+")[1]] = key[2]
                public.append(row)
        credentials = [{"fingerprint": user, "queued": sum(r["queued"] for r in rows),
                        "budgets_held": len(rows), "budgets": tightest(rows)[:self.status_limit]}
                       for user, rows in users.items()]
        credentials.sort(key=lambda c: (-c["queued"], min(r["free"] / r["requests"] for r in c["budgets"])))
        return {"max_queue": self.max_queue, "credentials": credentials[:self.status_limit],
                "credentials_held": len(credentials), "public": tightest(public)[:self.status_limit],
                "buckets_held": len(self._buckets), "buckets_shown": min(len(self._buckets), self.status_scan)}

    def sweep(self, now: float) -> None:
        """Drop buckets that are as good as new: they hold no state worth keeping."""
        for key in [k for k, b in self._buckets.items() if b.idle(now)]:
            del self._buckets[key]

    def _schedule(self, bucket: Bucket, now: float) -> None:
        if bucket.wakeup is not None and bucket.wakeup.active():
            bucket.wakeup.cancel()
        bucket.wakeup = self.clock.callLater(max(0.0, bucket.next_return() - now), self._wake, bucket)

    def _wake(self, bucket: Bucket) -> None:
        bucket.wakeup = None
        now = self.clock.seconds()
        granted = []
        while bucket.waiters and bucket.free(now) > 0:
            waiter, owner = bucket.waiters.popleft()
            self._left_queue(bucket, owner)
            granted.append((waiter, bucket.spend(now)))
        if bucket.waiters:
            self._schedule(bucket, now)
        for waiter, token in granted:  # last: a callback may come straight back for another token
            waiter.callback(token)

    def _forget(self, bucket: Bucket, waiter: Deferred) -> None:
        """A waiting caller gave up (timeout, cancel): its place goes to the next one."""
        for entry in bucket.waiters:
            if entry[0] is waiter:
                bucket.waiters.remove(entry)
                self._left_queue(bucket, entry[1])
                break
        else:
            return
        if not bucket.waiters and bucket.wakeup is not None and bucket.wakeup.active():
            bucket.wakeup.cancel()
            bucket.wakeup = None

    @staticmethod
    def _left_queue(bucket: Bucket, owner: Hashable | None) -> None:
        if owner is not None:
            bucket.owners[owner] -= 1
            if bucket.owners[owner] <= 0:
                del bucket.owners[owner]


def tightest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queued first, then least headroom (free share of the budget)."""
    return sorted(rows, key=lambda r: (-r["queued"], r["free"] / r["requests"], r["request"]))
