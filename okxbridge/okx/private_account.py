# -*- test-case-name: tests.okx.test_private_account -*-
"""One credential's private WebSocket and the account mirror it keeps current.

Login, the three subscriptions, the REST snapshot, the pushes applied to the mirror, and
whether the mirror may answer now (:meth:`PrivateAccount.ready_for`). Where the mirror stands
against the current connection is :attr:`PrivateAccount.sync` (a :class:`Sync`), whether a REST
snapshot is on its way :attr:`PrivateAccount.fetch` (a :class:`Fetch`); the connection's own
state is the stream's (:class:`~.ws_link.Link`). The rules, and the set of these one per
credential, are in :mod:`.account_streams`.
"""

from __future__ import annotations

import enum
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
#: a channel OKX ended is subscribed again after 1 s, doubling up to this
ENDED_RETRY_MAX = 60.0


#: a snapshot push replaces everything it does not list (the socket delivers in order)
WHOLE = 1 << 62


class Sync(enum.Enum):
    """Where the mirror stands against the current connection: only :attr:`SNAPSHOT_LOADED` may
    answer (and then only while the stream is fresh and nothing the bridge wrote is unconfirmed)."""

    #: nothing loaded on this connection (none yet, or the connection was lost)
    NO_SNAPSHOT = "no snapshot"
    #: this connection's first REST snapshot is on its way
    LOADING_SNAPSHOT = "loading snapshot"
    #: loaded on this connection; the pushes keep it current (later snapshots refresh it)
    SNAPSHOT_LOADED = "snapshot loaded"
    #: OKX refused the credential itself: the stream is stopped for GIVE_UP_SECONDS
    GAVE_UP = "gave up"


class Fetch(enum.Enum):
    """The REST snapshot: one at a time, and one asked for meanwhile runs after it."""

    IDLE = "idle"
    RUNNING = "running"
    #: running, and asked for again meanwhile: another runs once it is done
    RUNNING_THEN_AGAIN = "running, then again"


def _one_page(message: dict[str, Any]) -> bool:
    return message.get("curPage") in (None, 1) and message.get("lastPage") in (None, True)


@attrs.define(eq=False)
class PrivateAccount:
    owner: Any  # the .account_streams.PrivateStreams holding it (not imported: that imports this)
    creds: Credentials
    stream: WsStream = attrs.field(init=False)
    mirror: AccountMirror = attrs.Factory(AccountMirror)
    ops: Operations = attrs.field(init=False)
    sync: Sync = Sync.NO_SNAPSHOT
    fetch: Fetch = Fetch.IDLE
    last_snapshot: float | None = None
    #: OKX's refusal of the last login (code, message), shown on /status.json; None once one succeeds
    login_error: tuple[str, str] | None = None
    #: when a refusal of the credential itself closed the stream (:attr:`Sync.GAVE_UP`)
    gave_up_at: float | None = None
    #: the last call that wanted this stream (our clock), for the idle sweep
    asked_at: float = 0.0
    #: read-your-writes: ordId → when the bridge changed it, until its push arrives
    awaiting: dict[str, float] = attrs.Factory(dict)
    awaiting_account: float | None = None
    awaiting_positions: float | None = None
    #: channel → (why, when) for the channels OKX ended on this connection (out of sync meanwhile)
    ended: dict[str, tuple[str, float]] = attrs.Factory(dict)
    retry_delay: float = 1.0
    _retry: Any = None

    def __attrs_post_init__(self) -> None:
        owner = self.owner
        self.ops = Operations(owner.clock)
        self.stream = WsStream(
            f"{owner.urls[self.creds.simulated]}/ws/v5/private", owner.reactor, owner.clock,
            on_push=self.pushed, on_reset=self.reset,
            ping_after=owner.fresh / 2, pong_timeout=owner.fresh / 2, trust_root=owner.trust_root,
            on_rejected=self.okx_ended, pacer=getattr(owner, "pacer", None),
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
            self.gave_up_at, self.sync = self.owner.clock.seconds(), Sync.GAVE_UP
            log.warn("okx private stream for {key}: OKX refused the credential ({code}); account calls use REST, "
                     "no new login for {s:g}s", key=self.creds.short_key, code=code, s=GIVE_UP_SECONDS)
            stopping = self.stream.stop()
            if stopping is not None:
                stopping.addErrback(lambda failure: log.failure("stopping a private stream", failure))

    def revive(self) -> None:
        """Try again after having given up on a refused credential."""
        if self.sync is Sync.GAVE_UP and self.owner.clock.seconds() - self.gave_up_at >= GIVE_UP_SECONDS:
            self.gave_up_at, self.sync = None, Sync.NO_SNAPSHOT
            self.stream.start()

    def okx_ended(self, arg: dict[str, Any], event: str, msg: str) -> None:
        """OKX ended a channel of the mirror: more than 30 connections of this account on it
        (other bots, other bridges; docs #overview-websocket-connection-count-limit), or an
        ``unsubscribe`` of its own. The mirror misses that channel's pushes from now on, so
        it is out of sync at once; the channel is asked for again with backoff."""
        wanted = next((dict(a) for a in CHANNELS if a["channel"] == arg.get("channel")), None)
        if wanted is None:
            return
        why = f"OKX ended {wanted['channel']}: {event}" + (f" {msg}" if msg else "")
        self.ended[wanted["channel"]] = (why, self.owner.clock.seconds())
        self.owner.snapshots["ended by okx"] += 1
        log.warn("okx private stream for {key}: {why}; account calls use REST, subscribing again in {s:g}s",
                 key=self.creds.short_key, why=why, s=self.retry_delay)
        if self._retry is None or not self._retry.active():
            self._retry = self.owner.clock.callLater(self.retry_delay, self._subscribe_again)
            self.retry_delay = min(self.retry_delay * 2, ENDED_RETRY_MAX)

    def _subscribe_again(self) -> None:
        for arg in CHANNELS:
            if arg["channel"] in self.ended:
                self.stream.subscribe_again(dict(arg))
        # OKX acknowledges and then ends: held for ``fresh`` seconds, they are back
        self._retry = self.owner.clock.callLater(self.owner.fresh, self._held, self.owner.clock.seconds())

    def _held(self, since: float) -> None:
        if any(at > since for _, at in self.ended.values()):
            self._retry = self.owner.clock.callLater(self.retry_delay, self._subscribe_again)
            self.retry_delay = min(self.retry_delay * 2, ENDED_RETRY_MAX)
            return
        self._retry, self.retry_delay, self.ended = None, 1.0, {}
        self.snapshot()  # what was missed meanwhile

    def reset(self) -> None:
        """The connection is lost: what was loaded on it no longer is (giving up stays); a new
        one subscribes every channel again, those OKX ended included."""
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry, self.ended = None, {}
        self.mirror.clear()
        if self.sync is not Sync.GAVE_UP:
            self.sync = Sync.NO_SNAPSHOT
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
                    if item.get("instType") not in ("SPOT", "MARGIN"):  # cross spot is MARGIN (spec §9)
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
            if message.get("eventType") == "snapshot" and self.sync is not Sync.SNAPSHOT_LOADED:
                self.snapshot()  # every subscription of this connection is in place
        elif channel == "positions":
            if message.get("eventType") == "snapshot" and _one_page(message):
                self.mirror.load_positions(data, WHOLE)  # pushes on one socket come in order
            else:
                self.mirror.apply_positions(data)
            self.awaiting_positions = None

    # -- snapshots ---------------------------------------------------------------------
    def snapshot(self) -> None:
        if self.fetch is not Fetch.IDLE:
            self.fetch = Fetch.RUNNING_THEN_AGAIN
            return
        self.fetch = Fetch.RUNNING
        if self.sync is Sync.NO_SNAPSHOT:
            self.sync = Sync.LOADING_SNAPSHOT
        Deferred.fromCoroutine(self._snapshot())

    async def _snapshot(self) -> None:
        epoch = self.stream.connects
        try:
            taken = await fetch_snapshot(self.owner.client, self.owner.clock, self.creds)
        except OkxError as e:
            log.warn("okx private snapshot for {key} failed: {error}", key=self.creds.short_key, error=str(e))
            self.owner.snapshots["failed"] += 1
        else:
            # a snapshot asked for on an earlier connection may miss what was pushed before this one
            if epoch == self.stream.connects and self.stream.is_ready and self.sync is not Sync.GAVE_UP:
                self._load(taken)
        finally:
            again, self.fetch = self.fetch is Fetch.RUNNING_THEN_AGAIN, Fetch.IDLE
            if self.sync is Sync.LOADING_SNAPSHOT:
                self.sync = Sync.NO_SNAPSHOT
        if again:
            self.snapshot()

    def _load(self, taken: AccountSnapshot) -> None:
        self.mirror.load_balance(taken.balance, taken.as_of)
        self.mirror.load_positions(taken.positions, taken.as_of)
        self.mirror.load_orders(taken.open_orders, taken.as_of)
        self.sync = Sync.SNAPSHOT_LOADED
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
        return (self.login_error is None and self.stream.is_ready and self.sync is Sync.SNAPSHOT_LOADED
                and not self.ended and self.mirror.complete and self.stream.heard_within(self.owner.fresh))

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

    def wrote(self, ord_id: str, final: bool, req_id: str = "") -> None:
        """The bridge placed (or canceled, ``final``; amended, ``req_id``) ``ord_id``: wait for
        its push unless it came (an amendment's push names its ``reqId``, docs
        #order-book-trading-trade-ws-order-channel)."""
        held = self.mirror.order(ord_id)
        if held is None or (final and held.get("state") not in FINAL_STATES) or (
                req_id and held.get("reqId") != req_id and held.get("state") not in FINAL_STATES):
            self.awaiting[ord_id] = self.owner.clock.seconds()

    def operate(self, op: str, args: list[dict[str, Any]], timeout: float, exp_time: int | None = None) -> Deferred:
        """An order operation on this connection (:class:`Operations`)."""
        return self.ops.request(self.stream.send, op, args, timeout, exp_time)

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
            "ended_by_okx": [why for why, _ in self.ended.values()] or None,
        }
