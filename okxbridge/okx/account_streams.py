# -*- test-case-name: tests.e2e.test_private -*-
"""Account calls answered from OKX's private WebSocket, and when that is allowed.

One private connection per credential (fingerprint), opened once OKX has answered one of its
account calls over REST (:meth:`PrivateStreams.confirm`: the credential works — a caller
sending junk secrets opens nothing), at most :data:`MAX_ACCOUNTS` at once: login, then ``orders``,
``positions`` and ``account`` (in that order: the ``account`` snapshot push proves the earlier
subscriptions are in place), then a REST snapshot (balance, positions, every page of open orders)
into an :class:`AccountMirror` that the pushes keep current. The rule (docs/streaming.md, "Account state over
the private WebSocket"):

- ``accounts``/``assets`` (trading part), ``positions``, ``orders`` and ``order`` are answered
  from the mirror only while it is **in sync**: logged in, the snapshot taken on the current
  connection, the connection heard from within ``--stream-fresh`` seconds, and nothing the
  bridge itself changed still unconfirmed (read-your-writes: after a place or cancel the
  mirror waits for that order's push; after a fill, for the account and position pushes).
  Otherwise the call goes to REST, transparently.
- A write not confirmed by a push within ``fresh`` seconds, a reconnect, and every
  ``--private-resync`` seconds: a new REST snapshot (a missed push is repaired there).
- A key with no account call (nor ``--trade-over ws`` order) for ``--stream-idle`` seconds
  has its connection closed and its mirror dropped; its next call starts over.
- A refused login is shown on /status.json and in the log; calls fall back to REST, and
  the login is tried again with the connection's backoff — except when OKX refused the
  credential itself (unknown key, wrong passphrase or signature): then the connection is
  closed and not tried again for :data:`GIVE_UP_SECONDS`, so a caller with a wrong secret
  cannot keep a connection busy.
"""

from __future__ import annotations

import collections
from typing import Any

import attrs
from twisted.internet import task
from twisted.logger import Logger

from .account_mirror import AccountMirror
from .private_account import PrivateAccount, Sync
from .signer import Credentials

log = Logger()

#: private connections at most (one per credential): OKX limits new connections per IP
MAX_ACCOUNTS = 100


@attrs.define(eq=False)
class PrivateStreams:
    reactor: Any
    clock: Any
    client: Any
    #: (demo) → base URL, as for market data
    urls: dict[bool, str]
    fresh: float = 5.0
    resync: float = 60.0
    idle: float = 300.0
    trust_root: Any = None
    #: shared with the market streams: OKX's 3 new connections per second per IP
    pacer: Any = None
    accounts: dict[str, PrivateAccount] = attrs.Factory(dict)
    answers: collections.Counter = attrs.Factory(collections.Counter)
    #: (fingerprint, "mirror" | "rest") → account calls answered so, for the status page's row
    answered_by: collections.Counter = attrs.Factory(collections.Counter)
    logins: collections.Counter = attrs.Factory(collections.Counter)
    snapshots: collections.Counter = attrs.Factory(collections.Counter)
    _loop: Any = None

    def start(self) -> None:
        self._loop = task.LoopingCall(self.resync_all)
        self._loop.clock = self.clock
        self._loop.start(max(min(self.resync, self.idle / 4), 0.05), now=False)

    async def stop(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        for account in self.accounts.values():
            account.ops.lost()
            stopping = account.stream.stop()
            if stopping is not None:
                await stopping

    def resync_all(self) -> None:
        now = self.clock.seconds()
        for fingerprint, account in list(self.accounts.items()):
            if now - account.asked_at >= self.idle:
                del self.accounts[fingerprint]
                for source in ("mirror", "rest"):
                    self.answered_by.pop((fingerprint, source), None)
                account.ops.lost()
                stopping = account.stream.stop()
                if stopping is not None:
                    stopping.addErrback(lambda failure: log.failure("closing an idle private stream", failure))
                log.info("okx private stream for {key} closed after {idle:g}s without an account call",
                         key=account.creds.short_key, idle=self.idle)
        for account in self.accounts.values():
            due = account.last_snapshot is None or now - account.last_snapshot >= self.resync
            if due and account.stream.is_ready and account.sync is Sync.SNAPSHOT_LOADED:
                account.snapshot()

    def account(self, creds: Credentials) -> PrivateAccount | None:
        """The credential's private stream, if it has one (see :meth:`confirm`)."""
        found = self.accounts.get(creds.identity)
        if found is not None:
            found.revive()
            found.asked_at = self.clock.seconds()
        return found

    def confirm(self, creds: Credentials) -> None:
        """OKX answered a call signed with ``creds``: the credential works, so its private
        stream may open (if it has none and there is room)."""
        if creds.identity in self.accounts:
            return
        if any(a.creds.api_key == creds.api_key and a.creds.simulated == creds.simulated
               for a in self.accounts.values()):
            # one live and one demo stream per access key: variants OKX also accepts (it
            # strips header whitespace) must not each take a place in the table
            self.answers[("private stream", "one per key")] += 1
            return
        if len(self.accounts) >= MAX_ACCOUNTS:
            self.answers[("private stream", "no room")] += 1
            return
        self.accounts[creds.identity] = PrivateAccount(self, creds, asked_at=self.clock.seconds())

    def mirror_for(self, creds: Credentials, part: str, method: str) -> AccountMirror | None:
        """The mirror when it may answer ``part`` now, else None (REST answers, and the
        handler's :meth:`confirm` opens the stream once it has)."""
        account = self.account(creds)
        if account is not None and account.ready_for(part):
            self.answers[(method, "mirror")] += 1
            self.answered_by[(creds.identity, "mirror")] += 1
            return account.mirror
        self.answers[(method, "rest")] += 1
        if account is not None:  # counted per account only for the accounts held (bounded)
            self.answered_by[(creds.identity, "rest")] += 1
        return None

    def wrote(self, creds: Credentials, ord_id: str, final: bool = False, req_id: str = "") -> None:
        account = self.accounts.get(creds.identity)
        if account is not None:
            account.wrote(ord_id, final, req_id)

    def report(self) -> dict[str, Any]:
        return {"enabled": True, "fresh_seconds": self.fresh, "resync_seconds": self.resync,
                "accounts": [{**a.report(), "answers_mirror": self.answered_by[(f, "mirror")],
                              "answers_rest": self.answered_by[(f, "rest")]} for f, a in self.accounts.items()],
                "answers": {f"{m} {s}": n for (m, s), n in sorted(self.answers.items())}}
