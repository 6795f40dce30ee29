# -*- test-case-name: tests.okx.test_accepted -*-
"""Credentials OKX has accepted: it answered a request signed with them past its auth check.

Anyone can send any key to the daemon, so what a never-accepted credential may cost is kept
small: its pending order claims are capped per access key and expire (:mod:`okxbridge.desk.claims`),
and it gets only a small share of public budgets and one global budget for signed requests
(:mod:`.pacing`), and it sends one signed request at a time until OKX has answered one
(:class:`FirstRequests`, above the refusals' layer, so the calls behind a refused first one are
refused locally). A credential is accepted once OKX answers it with success or with a code
outside ``50xxx`` (OKX's general and authentication codes: ``51xxx`` and up are about the
request itself, so the signature passed). Only real credentials get here, so the set is
bounded by the keys a daemon serves; :data:`MAX_ACCEPTED` bounds it anyway.
"""

from __future__ import annotations

from collections import OrderedDict

import attrs
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.defer import TimeoutError as DeferredTimeoutError
from twisted.internet.interfaces import IReactorTime

from .call import OkxCall, OkxLayer
from .envelope import OkxReply
from .errors import OkxError, OkxThrottled
from .signer import Credentials

#: identities remembered (oldest forgotten first: it is asked of again at its next write)
MAX_ACCEPTED = 10_000


def proves_acceptance(error: OkxError) -> bool:
    """OKX's answer came past its auth check: a code that is not ``50xxx`` (``0`` included)."""
    return error.raw is not None and not str(error.code).startswith("50")


@attrs.define
class AcceptedCredentials:
    limit: int = MAX_ACCEPTED
    _known: "OrderedDict[str, None]" = attrs.Factory(OrderedDict)

    def note(self, creds: Credentials) -> None:
        self._known[creds.identity] = None
        self._known.move_to_end(creds.identity)
        while len(self._known) > self.limit:
            self._known.popitem(last=False)

    def knows(self, creds: Credentials) -> bool:
        return creds.identity in self._known

    def __len__(self) -> int:
        return len(self._known)


@attrs.define
class FirstRequests:
    """The layer that sends one signed request at a time per credential until OKX accepts it.

    A new credential's first request finds out whether OKX accepts it; the calls of the same
    credential behind it wait for that answer instead of each spending a never-accepted budget
    (:data:`.rate_rules.UNPROVEN_SIGNED`): accepted, they all go on as any accepted call; refused,
    :mod:`.rejected` answers them locally. So a new key's burst of 80 orders costs one round trip
    at the start, and a junk secret one request at OKX however often it is sent.
    """

    inner: OkxLayer
    clock: IReactorTime
    accepted: AcceptedCredentials
    #: credential identity → the calls waiting behind the one in flight
    _waiting: dict[str, list[Deferred]] = attrs.Factory(dict)

    def __len__(self) -> int:
        return len(self._waiting)

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        if not call.signed or call.creds is None or self.accepted.knows(call.creds):
            return self.inner.send(call)
        return Deferred.fromCoroutine(self._first(call, call.creds))

    async def _first(self, call: OkxCall, creds: Credentials) -> OkxReply:
        first = await self.turn(creds, call.deadline, call.verb, call.path)
        try:
            return await self.inner.send(call)
        finally:
            if first:
                self.done(creds)

    async def turn(self, creds: Credentials, deadline: float, verb: str, path: str) -> bool:
        """Wait for this call's turn: True if it goes as the credential's one request in flight
        (then :meth:`done` after it), False once the credential is accepted."""
        while not self.accepted.knows(creds):
            waiters = self._waiting.get(creds.identity)
            if waiters is None:
                self._waiting[creds.identity] = []
                return True
            waiter: Deferred = Deferred()
            waiters.append(waiter)
            waiter.addTimeout(max(0.0, deadline - self.clock.seconds()), self.clock)
            try:
                await waiter
            except (CancelledError, DeferredTimeoutError):
                raise OkxThrottled("throttled", "OKX has not answered this key's first request yet, and this "
                                   "call's deadline passed waiting for it; nothing was sent", verb, path) from None
        return False

    def done(self, creds: Credentials) -> None:
        """The request in flight is answered: every waiter looks again (accepted: all go;
        not: the first becomes the one in flight)."""
        for waiter in self._waiting.pop(creds.identity, []):
            if not waiter.called:
                waiter.callback(None)
