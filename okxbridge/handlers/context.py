"""What every handler gets: the shared OKX client and caches, and one call's credentials."""

from __future__ import annotations

import uuid
from typing import Any, Mapping

import attrs
from twisted.internet.defer import Deferred, FirstError, gatherResults
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from ..fmz.envelope import Call
from ..desk.memory import MemoryLedger
from ..desk.store import LedgerStore
from ..okx.client import OkxClient, OkxReply
from ..okx.errors import OkxError
from ..okx.coalesce import Coalescer
from ..okx.signer import Credentials
from ..okx.instruments import InstrumentCache
from ..okx.market_streams import MarketStreams
from ..okx.account_streams import PrivateStreams
from ..okx.account_mirror import AccountMirror
from ..desk.resolving import Resolving


log = Logger()


@attrs.frozen
class TradingDefaults:
    """What the daemon decides when a call does not say: the margin mode of new contract
    positions (per access key from the config file, else ``--margin-mode``) and the unit of
    ``records``' period (``--records-period-unit``)."""

    margin_mode: str = "cross"
    key_margin_modes: Mapping[str, str] = attrs.field(factory=dict, converter=dict)
    records_period_unit: str = "seconds"

    def margin_mode_for(self, api_key: str) -> str:
        return self.key_margin_modes.get(api_key, self.margin_mode)


async def gather(*awaitables: Any) -> list[Any]:
    """Run calls concurrently; the first failure is raised as itself (not as FirstError)."""
    ds = [a if isinstance(a, Deferred) else Deferred.fromCoroutine(a) for a in awaitables]
    try:
        return await gatherResults(ds, consumeErrors=True)
    except FirstError as e:
        e.subFailure.raiseException()


def first(reply: OkxReply, what: str) -> dict[str, Any]:
    """OKX's one answer item; an empty ``data`` (OKX's way of saying "none") becomes an error
    naming what is missing rather than an internal error."""
    if not reply.data or not isinstance(reply.data[0], dict):
        raise OkxError("empty", f"no {what} in OKX's answer")
    return reply.data[0]


def credentials(call: Call) -> Credentials:
    key = call.secret_key
    return Credentials(call.access_key, key.secret, key.passphrase, key.simulate)


@attrs.define
class Bridge:
    """Daemon-wide state shared by all calls (no globals): the client and the caches."""

    client: OkxClient
    clock: IReactorTime
    instruments: InstrumentCache
    #: the order ledger: a claim per (credential fingerprint, kind, nonce), written before any
    #: order or cancel leaves (okxbridge.desk); in memory unless the daemon gives a durable one
    ledger: LedgerStore = attrs.Factory(MemoryLedger)
    #: this daemon's name in the ledger's claims (a new one at each start)
    instance: str = attrs.Factory(lambda: uuid.uuid4().hex[:12])
    #: how long a repeat waits for another live instance's placement of the same nonce
    claim_wait: float = 30.0
    claim_poll: float = 0.05
    #: in-flight placements by the same key share one outcome (a call repeated while pending)
    placing: Coalescer = attrs.Factory(Coalescer)
    #: account position mode per (credential fingerprint, demo): (read at, posMode)
    position_modes: dict[tuple[str, bool], tuple[float, str]] = attrs.Factory(dict)
    position_mode_ttl: float = 60.0
    #: seconds to wait before each look-up of an order whose write went unanswered: OKX may
    #: still be processing it, and "not found" too early could lead to placing it twice
    resolve_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    @property
    def write_window(self) -> float:
        """How long one placement can still be sending after its claim was written: a
        place-order, the read-backs' delays, and a second place-order once OKX said it has
        none. A claim whose owner's liveness is only inferred (a Redis heartbeat that may
        lapse while the owner runs on) is not taken over before this has passed."""
        deadline = self.client.deadline or self.client.timeout
        return 2 * deadline + sum(self.resolve_delays)

    #: market data from OKX's WebSocket (None: streaming off, every market call is REST)
    streams: "MarketStreams | None" = None
    #: account state from OKX's private WebSocket (None: every account call is REST)
    private: "PrivateStreams | None" = None
    #: how orders are placed and canceled: "rest", or "ws" (the private stream's operations)
    trade_over: str = "rest"
    #: those look-ups while they run, for /status
    resolving: Resolving = attrs.Factory(lambda self: Resolving(self.clock), takes_self=True)
    defaults: TradingDefaults = attrs.Factory(TradingDefaults)
    #: keys already told (in the log) that their account is in net mode
    net_mode_noted: set[tuple[str, bool]] = attrs.Factory(set)

    @classmethod
    def create(cls, client: OkxClient, clock: IReactorTime, instruments_ttl: float = 300.0,
               defaults: TradingDefaults | None = None, ledger: LedgerStore | None = None,
               streams: "MarketStreams | None" = None) -> "Bridge":
        return cls(client, clock, InstrumentCache(clock, instruments_ttl), defaults=defaults or TradingDefaults(),
                   ledger=ledger or MemoryLedger(), streams=streams)

    async def position_mode(self, session: "Session") -> str:
        """``long_short_mode`` or ``net_mode`` from ``/account/config``, cached briefly: it
        decides ``posSide`` on every contract order but changes only when the trader flips it."""
        key = (session.creds.fingerprint, session.creds.simulated)
        cached = self.position_modes.get(key)
        if cached is not None and self.clock.seconds() - cached[0] < self.position_mode_ttl:
            return cached[1]
        reply = await session.get("/api/v5/account/config")
        mode = reply.data[0].get("posMode", "net_mode") if reply.data else "net_mode"
        self.position_modes[key] = (self.clock.seconds(), mode)
        if mode == "net_mode" and key not in self.net_mode_noted:
            self.net_mode_noted.add(key)
            log.info("account {key} is in net mode: buy and sell reduce an opposite position before opening, "
                     "closebuy/closesell are sent reduceOnly, and orders report offset from the position",
                     key=session.creds.short_key)
        return mode

    def mirror(self, session: "Session", part: str, method: str) -> "AccountMirror | None":
        """The credential's account mirror when it may answer ``part`` (balance, positions,
        orders) now; None: ask REST (:mod:`.private_streams`)."""
        if self.private is None:
            return None
        return self.private.mirror_for(session.creds, part, method)

    def answered(self, session: "Session") -> None:
        """OKX answered this credential's account call over REST: it works, so its private
        stream may open (never for a credential OKX has not accepted)."""
        if self.private is not None:
            self.private.confirm(session.creds)

    def wrote(self, session: "Session", ord_id: str, final: bool = False) -> None:
        """Read-your-writes: the mirror waits for this order's push before answering orders."""
        if self.private is not None and ord_id:
            self.private.wrote(session.creds, ord_id, final)

    def session(self, call: Call, trace: list[str]) -> "Session":
        return Session(self, credentials(call), trace)


@attrs.define
class Session:
    """One call's view of OKX: signs with the caller's key and records what it asked."""

    bridge: Bridge
    creds: Credentials
    trace: list[str]

    @property
    def client(self) -> OkxClient:
        return self.bridge.client

    def public(self, path: str, params: Mapping[str, Any] | None = None):
        """Public data: unsigned, but a demo key still sends ``x-simulated-trading``."""
        return self.client.get(path, params, self.creds, sign=False, trace=self.trace)

    def get(self, path: str, params: Mapping[str, Any] | None = None):
        return self.client.get(path, params, self.creds, trace=self.trace)

    def post(self, path: str, body: Any):
        return self.client.post(path, body, self.creds, trace=self.trace)
