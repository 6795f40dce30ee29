# -*- test-case-name: tests.okx.test_rejected -*-
"""Credentials OKX has just refused are refused here for a while, without asking OKX again.

Anyone who can reach the daemon can send the owner's access key with a wrong secret. Each
such call would cost a request to OKX (and, with budgets per access key, the owner's
budget). Budgets are kept per credential fingerprint (:mod:`.limits`), and once OKX has said
a credential is wrong — bad key, passphrase or signature, a frozen key — that fingerprint is
answered locally for :data:`COOL_DOWN` seconds. The owner's own, correct credential has a
different fingerprint and is never affected.
"""

from __future__ import annotations

from collections import OrderedDict

import attrs
from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.python.failure import Failure

from .accepted import AcceptedCredentials, proves_acceptance
from .call import OkxCall, OkxLayer
from .envelope import OkxReply
from .errors import OkxError
from .signer import Credentials

#: OKX's codes for a credential that can never work as sent (docs: "Error Code", REST API
#: 50100–50119): frozen key, wrong environment, bad passphrase, unknown key, bad signature,
#: invalid authorization, key does not exist. Not 50102/50112: those are about the timestamp.
REJECTED_CODES = frozenset({"50100", "50101", "50105", "50111", "50113", "50114", "50119"})
COOL_DOWN = 5.0
#: fingerprints remembered at most (oldest forgotten first). A few hundred: each entry is two
#: short strings and a float, and a junk flood only needs to be slowed, not remembered whole.
MAX_REMEMBERED = 300
#: the longest OKX message kept (OKX's own are under 100 characters)
MAX_MESSAGE = 200


@attrs.frozen
class Refusal:
    """What is remembered of one refusal: strings and a float, never the raised error. An
    ``OkxError``'s traceback holds the request, its body, the call (with the secret) and the
    signed headers; 11,000 of them pinned 1.8 GB (issue 24, finding 1)."""

    until: float
    code: str
    message: str


@attrs.define
class RejectedCredentials:
    clock: IReactorTime
    seconds: float = COOL_DOWN
    limit: int = MAX_REMEMBERED
    #: ordered by expiry: every entry lives :attr:`seconds`, and a re-noted one moves to the end
    _until: "OrderedDict[str, Refusal]" = attrs.Factory(OrderedDict)
    _sweep: IDelayedCall | None = None

    def __len__(self) -> int:
        return len(self._until)

    def note(self, creds: Credentials, error: OkxError) -> None:
        """OKX answered ``error`` to a request signed with ``creds``."""
        if error.code not in REJECTED_CODES:
            return
        self._until.pop(creds.identity, None)
        self._until[creds.identity] = Refusal(self.clock.seconds() + self.seconds, str(error.code),
                                                 str(error.msg)[:MAX_MESSAGE])
        while len(self._until) > self.limit:
            self._until.popitem(last=False)
        self._schedule()

    def _schedule(self) -> None:
        """Entries expire on a timer, not only when looked up: a flood of fresh fingerprints
        is never looked up again, and must not stay until the next flood pushes it out."""
        if self._sweep is not None and self._sweep.active() or not self._until:
            return
        first = next(iter(self._until.values()))
        self._sweep = self.clock.callLater(max(0.0, first.until - self.clock.seconds()), self._expire)

    def _expire(self) -> None:
        self._sweep = None
        now = self.clock.seconds()
        while self._until and next(iter(self._until.values())).until <= now:
            self._until.popitem(last=False)
        self._schedule()

    def check(self, creds: Credentials, verb: str, path: str) -> None:
        """Raise the refusal if OKX rejected ``creds`` less than :attr:`seconds` ago."""
        entry = self._until.get(creds.identity)
        if entry is None:
            return
        left = entry.until - self.clock.seconds()
        if left <= 0:
            del self._until[creds.identity]
            return
        raise OkxError(entry.code, f"{entry.message} (OKX rejected API key {creds.short_key} moments ago; "
                       f"okxbridge refuses it for {left:.1f}s more without asking OKX — check the key, secret "
                       f"and passphrase)", verb, path)


@attrs.define
class Refusing:
    """The layer that answers a refused credential locally: it checks before passing a
    signed call down and, with ``notes``, remembers what OKX answered. The client places
    one above pacing (a refused key takes no rate token) and one below it that notes
    (OKX may have refused the key while this call waited for a token), and also notes in
    ``accepted`` the credentials OKX answered past its auth check."""

    inner: OkxLayer
    rejected: RejectedCredentials
    notes: bool = False
    accepted: AcceptedCredentials | None = None

    def send(self, call: OkxCall) -> Deferred[OkxReply]:
        if call.signed and call.creds is not None:
            try:
                self.rejected.check(call.creds, call.verb, call.path)
            except OkxError as e:
                return fail(e)
        d = self.inner.send(call)
        if self.notes and call.signed:
            d.addCallbacks(self._answered, self._note, callbackArgs=(call,), errbackArgs=(call,))
        return d

    def _answered(self, reply: OkxReply, call: OkxCall) -> OkxReply:
        if self.accepted is not None and call.creds is not None:
            self.accepted.note(call.creds)
        return reply

    def _note(self, failure: Failure, call: OkxCall) -> Failure:
        error = failure.value
        if isinstance(error, OkxError) and error.raw is not None and call.creds is not None:
            self.rejected.note(call.creds, error)
            if self.accepted is not None and proves_acceptance(error):
                self.accepted.note(call.creds)
        return failure
