"""Account calls answered from OKX's private WebSocket, and when that is allowed.

One private connection per credential (fingerprint), opened once OKX has answered one of its
account calls over REST (:meth:`PrivateStreams.confirm`: the credential works — a caller
sending junk secrets opens nothing), at most :data:`MAX_ACCOUNTS` at once: login, then ``orders``, ``positions`` and ``account`` (in that order: the ``account``
snapshot push proves the earlier subscriptions are in place), then a REST snapshot
(balance, positions, every page of open orders) into an :class:`AccountMirror` that the
pushes keep current. The rule (README, "Account state over the private WebSocket"):

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
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from . import paths
from .account_mirror import AccountMirror
from .codes import FINAL_STATES
from .errors import OkxError
from .paging import fetch_pages
from .private_ws import Operations, login_request
from .signer import Credentials
from .ws_client import WsStream

log = Logger()

CHANNELS = ({"channel": "orders", "instType": "ANY"}, {"channel": "positions", "instType": "ANY"},
            {"channel": "account"})
#: login refusals that name the credential as wrong (docs #error-code-websocket-public)
BAD_CREDENTIAL = ("60005", "60007", "60024", "60032")
GIVE_UP_SECONDS = 300.0
#: private connections at most (one per credential): OKX limits new connections per IP
MAX_ACCOUNTS = 100


#: a snapshot push replaces everything it does not list (the socket delivers in order)
WHOLE = 1 << 62


def _one_page(message: dict[str, Any]) -> bool:
    return message.get("curPage") in (None, 1) and message.get("lastPage") in (None, True)


@attrs.define(eq=False)
class PrivateAccount:
    owner: "PrivateStreams"
    creds: Credentials
    stream: WsStream = attrs.field(init=False)
    mirror: AccountMirror = attrs.Factory(AccountMirror)
    ops: Operations = attrs.field(init=False)
    #: the connection (``stream.connects``) the loaded snapshot belongs to; -1: none
    synced_on: int = -1
    snapshotting: bool = False
    snapshot_wanted: bool = False
    last_snapshot: float | None = None
    login_error: tuple[str, str] | None = None
    #: when a refusal of the credential itself closed the stream (None: not given up)
    gave_up_at: float | None = None
    #: the last call that wanted this stream (our clock), for the idle sweep
    asked_at: float = 0.0
    #: read-your-writes: ordId → when the bridge changed it, until its push arrives
    awaiting: dict[str, float] = attrs.Factory(dict)
    awaiting_account: float | None = None
    awaiting_positions: float | None = None

    def __attrs_post_init__(self):
        owner = self.owner
        self.ops = Operations(owner.clock)
        self.stream = WsStream(
            f"{owner.urls[self.creds.simulated]}/ws/v5/private", owner.reactor, owner.clock,
            on_push=self.pushed, on_reset=self.reset, on_rejected=lambda arg, code, msg: None,
            ping_after=owner.fresh / 2, pong_timeout=owner.fresh / 2, trust_root=owner.trust_root,
            login=lambda: login_request(self.creds, owner.client.signer.now()), on_login=self.logged_in,
            on_answer=self.ops.answered,
            # OKX serves demo trading on another host; the header lets an emulator on one host tell
            headers={"x-simulated-trading": "1"} if self.creds.simulated else None)
        for arg in CHANNELS:
            self.stream.subscribe(dict(arg))

    # -- stream events ----------------------------------------------------------------
    def logged_in(self, ok: bool, code: str, msg: str) -> None:
        self.login_error = None if ok else (code, msg)
        self.owner.logins[("ok" if ok else code)] += 1
        if code in BAD_CREDENTIAL:
            self.gave_up_at = self.owner.clock.seconds()
            log.warn("okx private stream for {key}: OKX refused the credential ({code}); account calls use REST, "
                     "no new login for {s:g}s", key=self.creds.short_key, code=code, s=GIVE_UP_SECONDS)
            stopping = self.stream.stop()
            if stopping is not None:
                stopping.addErrback(lambda failure: log.failure("stopping a private stream", failure))

    def revive(self) -> None:
        """Try again after having given up on a refused credential."""
        if self.gave_up_at is not None and self.owner.clock.seconds() - self.gave_up_at >= GIVE_UP_SECONDS:
            self.gave_up_at = None
            self.stream.start()

    def reset(self) -> None:
        self.mirror.clear()
        self.synced_on = -1
        self.ops.lost()

    def pushed(self, message: dict[str, Any]) -> None:
        arg, data = message.get("arg") or {}, message.get("data") or []
        channel = arg.get("channel")
        now = self.owner.clock.seconds()
        if channel == "orders":
            for item in data:
                held = self.mirror.order(item.get("ordId", ""))
                self.awaiting.pop(item.get("ordId", ""), None)
                filled = item.get("fillSz") not in (None, "", "0") or (
                    held is not None and held.get("accFillSz") != item.get("accFillSz"))
                if filled:
                    self.awaiting_account = self.awaiting_account or now
                    if item.get("instType") != "SPOT":
                        self.awaiting_positions = self.awaiting_positions or now
            self.mirror.apply_orders(data)
        elif channel == "account":
            whole = message.get("eventType") == "snapshot" and _one_page(message)
            for summary in data:
                if whole:  # OKX's periodic snapshot: every non-zero currency, as on one socket now
                    self.mirror.load_balance(summary, WHOLE)
                else:
                    self.mirror.apply_account(summary)
            self.awaiting_account = None
            if message.get("eventType") == "snapshot" and self.synced_on != self.stream.connects:
                self.snapshot()  # every subscription of this connection is in place
        elif channel == "positions":
            if message.get("eventType") == "snapshot" and _one_page(message):
                self.mirror.load_positions(data, WHOLE)  # pushes on one socket come in order
            else:
                self.mirror.apply_positions(data)
            self.awaiting_positions = None

    # -- snapshots ---------------------------------------------------------------------
    def snapshot(self) -> None:
        if self.snapshotting:
            self.snapshot_wanted = True
            return
        self.snapshotting = True
        Deferred.fromCoroutine(self._snapshot())

    async def _snapshot(self) -> None:
        client, epoch = self.owner.client, self.stream.connects
        as_of = int(client.signer.now() * 1000)
        asked_at = self.owner.clock.seconds()
        try:
            balance = await client.get(paths.BALANCE, None, self.creds)
            positions = await client.get(paths.POSITIONS, None, self.creds)
            pending = await fetch_pages(client, paths.ORDERS_PENDING, {}, self.creds)
        except OkxError as e:
            log.warn("okx private snapshot for {key} failed: {error}", key=self.creds.short_key, error=str(e))
            self.owner.snapshots["failed"] += 1
        else:
            if epoch == self.stream.connects and self.stream.is_ready:
                self.mirror.load_balance(balance.data[0] if balance.data else {}, as_of)
                self.mirror.load_positions(positions.data, as_of)
                self.mirror.load_orders(pending.items, as_of)
                self.synced_on = epoch
                self.last_snapshot = asked_at
                # what the bridge wrote before the snapshot was asked for is in it
                self.awaiting = {k: at for k, at in self.awaiting.items() if at > asked_at}
                if self.awaiting_account is not None and self.awaiting_account <= asked_at:
                    self.awaiting_account = None
                if self.awaiting_positions is not None and self.awaiting_positions <= asked_at:
                    self.awaiting_positions = None
                self.owner.snapshots["loaded"] += 1
        finally:
            self.snapshotting = False
        if self.snapshot_wanted:
            self.snapshot_wanted = False
            self.snapshot()

    # -- may the mirror answer? ----------------------------------------------------------
    def in_sync(self) -> bool:
        return (self.login_error is None and self.stream.is_ready and self.synced_on == self.stream.connects
                and self.mirror.complete and self.stream.heard_within(self.owner.fresh))

    def ready_for(self, part: str) -> bool:
        if not self.in_sync():
            return False
        now, fresh = self.owner.clock.seconds(), self.owner.fresh
        waits = {"orders": min(self.awaiting.values(), default=None), "balance": self.awaiting_account,
                 "positions": self.awaiting_positions}[part]
        if waits is None:
            return True
        if now - waits > fresh:
            self.snapshot()  # the push never came: ask REST what is true
        return False

    def wrote(self, ord_id: str, final: bool) -> None:
        """The bridge placed (or canceled, ``final``) ``ord_id``: wait for its push unless it came."""
        held = self.mirror.order(ord_id)
        if held is None or (final and held.get("state") not in FINAL_STATES):
            self.awaiting[ord_id] = self.owner.clock.seconds()

    def operate(self, op: str, args: list[dict[str, Any]], timeout: float) -> Deferred:
        """An order operation on this connection (:class:`Operations`)."""
        return self.ops.request(self.stream.send, op, args, timeout)

    def report(self) -> dict[str, Any]:
        now = self.owner.clock.seconds()
        return {
            "key": self.creds.short_key, "demo": self.creds.simulated, "connected": self.stream.is_connected,
            "logged_in": self.stream.logged_in,
            "login_error": None if self.login_error is None else f"OKX {self.login_error[0]}: {self.login_error[1]}",
            "in_sync": self.in_sync(), "connects": self.stream.connects,
            "snapshot_seconds_ago": None if self.last_snapshot is None else round(now - self.last_snapshot, 3),
            "open_orders": len(self.mirror.open_orders), "positions": len(self.mirror.positions),
            "currencies": len(self.mirror.balances), "awaiting_pushes": len(self.awaiting),
        }


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
    accounts: dict[str, PrivateAccount] = attrs.Factory(dict)
    answers: collections.Counter = attrs.Factory(collections.Counter)
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
                account.ops.lost()
                stopping = account.stream.stop()
                if stopping is not None:
                    stopping.addErrback(lambda failure: log.failure("closing an idle private stream", failure))
                log.info("okx private stream for {key} closed after {idle:g}s without an account call",
                         key=account.creds.short_key, idle=self.idle)
        for account in self.accounts.values():
            due = account.last_snapshot is None or now - account.last_snapshot >= self.resync
            if due and account.stream.is_ready and account.synced_on == account.stream.connects:
                account.snapshot()

    def account(self, creds: Credentials) -> PrivateAccount | None:
        """The credential's private stream, if it has one (see :meth:`confirm`)."""
        found = self.accounts.get(creds.fingerprint)
        if found is not None:
            found.revive()
            found.asked_at = self.clock.seconds()
        return found

    def confirm(self, creds: Credentials) -> None:
        """OKX answered a call signed with ``creds``: the credential works, so its private
        stream may open (if it has none and there is room)."""
        if creds.fingerprint in self.accounts:
            return
        if len(self.accounts) >= MAX_ACCOUNTS:
            self.answers[("private stream", "no room")] += 1
            return
        self.accounts[creds.fingerprint] = PrivateAccount(self, creds, asked_at=self.clock.seconds())

    def mirror_for(self, creds: Credentials, part: str, method: str) -> AccountMirror | None:
        """The mirror when it may answer ``part`` now, else None (REST answers, and the
        handler's :meth:`confirm` opens the stream once it has)."""
        account = self.account(creds)
        if account is not None and account.ready_for(part):
            self.answers[(method, "mirror")] += 1
            return account.mirror
        self.answers[(method, "rest")] += 1
        return None

    def wrote(self, creds: Credentials, ord_id: str, final: bool = False) -> None:
        account = self.accounts.get(creds.fingerprint)
        if account is not None:
            account.wrote(ord_id, final)

    def report(self) -> dict[str, Any]:
        return {"enabled": True, "fresh_seconds": self.fresh, "resync_seconds": self.resync,
                "accounts": [a.report() for a in self.accounts.values()],
                "answers": {f"{m} {s}": n for (m, s), n in sorted(self.answers.items())}}
