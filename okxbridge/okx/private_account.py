# -*- test-case-name: tests.e2e.test_private -*-
"""One credential's private WebSocket and the account mirror it keeps current.

Login, the three subscriptions, the REST snapshot, the pushes applied to the mirror, and
whether the mirror may answer now (:meth:`PrivateAccount.ready_for`). The rules, and the
set of these one per credential, are in :mod:`.account_streams`.
"""

from __future__ import annotations

from typing import Any

import attrs
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from .account_mirror import AccountMirror
from .account_snapshot import AccountSnapshot, fetch_snapshot
from .codes import FINAL_STATES
from .errors import OkxError
from .private_ws import Operations, login_request
from .signer import Credentials
from .ws_client import WsStream

log = Logger()

CHANNELS = ({"channel": "orders", "instType": "ANY"}, {"channel": "positions", "instType": "ANY"},
            {"channel": "account"})
#: login refusals that name the credential as wrong (docs #error-code-websocket-public)
BAD_CREDENTIAL = ("60005", "60007", "60024", "60032")
GIVE_UP_SECONDS = 300.0


#: a snapshot push replaces everything it does not list (the socket delivers in order)
WHOLE = 1 << 62


def _one_page(message: dict[str, Any]) -> bool:
    return message.get("curPage") in (None, 1) and message.get("lastPage") in (None, True)


@attrs.define(eq=False)
class PrivateAccount:
    owner: Any  # the .account_streams.PrivateStreams holding it (not imported: that imports this)
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
        epoch = self.stream.connects
        try:
            taken = await fetch_snapshot(self.owner.client, self.owner.clock, self.creds)
        except OkxError as e:
            log.warn("okx private snapshot for {key} failed: {error}", key=self.creds.short_key, error=str(e))
            self.owner.snapshots["failed"] += 1
        else:
            if epoch == self.stream.connects and self.stream.is_ready:
                self._load(taken, epoch)
        finally:
            self.snapshotting = False
        if self.snapshot_wanted:
            self.snapshot_wanted = False
            self.snapshot()

    def _load(self, taken: AccountSnapshot, epoch: int) -> None:
        self.mirror.load_balance(taken.balance, taken.as_of)
        self.mirror.load_positions(taken.positions, taken.as_of)
        self.mirror.load_orders(taken.open_orders, taken.as_of)
        self.synced_on = epoch
        self.last_snapshot = asked_at = taken.asked_at
        # what the bridge wrote before the snapshot was asked for is in it
        self.awaiting = {k: at for k, at in self.awaiting.items() if at > asked_at}
        if self.awaiting_account is not None and self.awaiting_account <= asked_at:
            self.awaiting_account = None
        if self.awaiting_positions is not None and self.awaiting_positions <= asked_at:
            self.awaiting_positions = None
        self.owner.snapshots["loaded"] += 1

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
