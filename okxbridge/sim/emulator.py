# -*- test-case-name: tests.fmz.test_app -*-
"""The Emulator: one OKX v5 exchange in a box, with its test controls.

Everything reads time from the injected clock (plus ``clock_offset``, the
drift control), so a test driving ``task.Clock`` decides when prices move and
orders fill, and two emulators with the same seed and clock answer alike.
"""

from decimal import Decimal

import attrs
from twisted.internet import task
from twisted.logger import Logger

from okxbridge.sim.algo_engine import AlgoEngine
from okxbridge.sim.auth import DEFAULT_ACCOUNTS
from okxbridge.sim.faults import FaultTable
from okxbridge.sim.instruments import catalogue
from okxbridge.sim.ledger import Ledger
from okxbridge.sim.limits import EndpointLimits
from okxbridge.sim.matching import AccountState, Engine
from okxbridge.sim.modes import ACCOUNT_LEVELS
from okxbridge.sim.prices import PriceWalk, quote
from okxbridge.sim.ws import WsHub
from okxbridge.sim.ws_server import WsPathSwitch

DEFAULT_BALANCES = {"USDT": "100000", "BTC": "10", "ETH": "100", "LTC": "1000", "OKB": "1000"}
DEFAULT_FUNDING = {"USDT": "1000"}


def _decimals(mapping):
    return {ccy: Decimal(str(amount)) for ccy, amount in mapping.items()}


@attrs.define(eq=False)
class Emulator:
    """An OKX v5 REST exchange: markets, accounts (live and demo), limits and faults.

    ``resource()`` serves it over HTTP; the methods below are the same test
    controls as ``/__sim__/*`` for tests that hold the object.
    """

    log = Logger()

    clock: object
    #: API keys, each live or demo (:attr:`SimAccount.demo`); default one of each
    accounts: list = attrs.field(factory=lambda: list(DEFAULT_ACCOUNTS),
                                 converter=lambda a: list(a) or list(DEFAULT_ACCOUNTS))
    balances: dict = attrs.field(factory=lambda: dict(DEFAULT_BALANCES), converter=_decimals)
    funding_balances: dict = attrs.field(factory=lambda: dict(DEFAULT_FUNDING), converter=_decimals)
    seed: int = 1
    rate_limits: bool = True
    latency: float = 0.0
    clock_offset: float = 0.0
    walk: PriceWalk = attrs.field(init=False)
    engine: Engine = attrs.field(init=False)
    limiter: EndpointLimits = attrs.field(init=False)
    faults: FaultTable = attrs.field(init=False, factory=FaultTable)
    states: dict = attrs.field(init=False, factory=dict)
    counts: dict = attrs.field(init=False, factory=dict)
    #: send the legacy order-book checksum instead of 0 (OKX sends 0 since June 2026)
    legacy_checksum: bool = False
    #: send the ``books`` channel's initial snapshot (``--books-snapshot off``: OKX's 2026 change)
    books_snapshot: bool = True
    #: connections of one account per private channel before OKX ends the next (``--ws-channel-conns``)
    ws_channel_conns: int = 30
    #: OKX's WebSocket limits (:mod:`okxbridge.sim.ws_limits`): new connections a second per IP,
    #: subscribe/unsubscribe/login requests per connection-hour, seconds before an idle close; 0: off
    ws_conn_rate: int = 3
    ws_ops_per_hour: int = 480
    ws_idle: float = 30.0
    #: API key → its permissions, ``perm`` of /account/config (``--key-perm``; default read_only,trade)
    key_perms: dict = attrs.field(factory=dict)
    #: API key → its IP whitelist (``--key-ip``); a key without one is usable from anywhere
    key_ips: dict = attrs.field(factory=dict)
    ws: WsHub = attrs.field(init=False)
    algos: AlgoEngine = attrs.field(init=False)
    #: seconds between the algo engine's looks at the market while algo orders are live
    algo_interval: float = 1.0
    _algo_loop: object = attrs.field(init=False, default=None)

    def __attrs_post_init__(self):
        self.walk = PriceWalk(self.seed)
        self.ws = WsHub(self, legacy_checksum=self.legacy_checksum, books_snapshot=self.books_snapshot,
                     channel_conns=self.ws_channel_conns,
                     limit_figures={"conn_rate": self.ws_conn_rate, "ops_per_hour": self.ws_ops_per_hour,
                                    "idle": self.ws_idle})
        self.engine = Engine(self.walk)
        self.algos = AlgoEngine(self.walk, self.engine)
        self.limiter = EndpointLimits(self.clock, self.rate_limits)
        for account in self.accounts:  # a key is live or demo, as on OKX: its account in that environment
            if (account.account_id, account.demo) not in self.states:  # keys of one uid share it
                self.states[(account.account_id, account.demo)] = AccountState(
                    api_key=account.api_key, demo=account.demo, acct_lv=ACCOUNT_LEVELS[account.mode],
                    ledger=Ledger(cash=dict(self.balances), funding=dict(self.funding_balances)),
                )

    # -- time and markets -----------------------------------------------------
    def now(self):
        """The emulator's idea of the time: its clock plus the drift control."""
        return self.clock.seconds() + self.clock_offset

    def instruments(self):
        return catalogue(self.now())

    def instrument(self, inst_id):
        return self.instruments().get(inst_id)

    def account_map(self):
        return {account.api_key: account for account in self.accounts}

    def key_perm(self, api_key):
        return self.key_perms.get(api_key, "read_only,trade")

    def ip_allowed(self, api_key, ip):
        """OKX refuses a key's call from an address not on its whitelist (50110, docs #error-code)."""
        allowed = self.key_ips.get(api_key)
        return not allowed or ip in allowed

    def state(self, api_key, demo=False):
        account = self.account_map().get(api_key)
        return self.states[(account.account_id if account is not None else api_key, demo)]

    def sync(self):
        """Fire the algo orders the market has reached, then let resting orders fill against
        the market as it is now."""
        now = self.now()
        if self.algos.live():
            self.algos.sync(self.states.values(), catalogue(now), now)
        self.engine.sync(self.states.values(), now)

    def watch_algos(self):
        """Look at the market every :attr:`algo_interval` seconds while algo orders are live, so
        they fire (and their orders fill and are pushed) with nobody calling the emulator."""
        if self._algo_loop is None or not self._algo_loop.running:
            self._algo_loop = task.LoopingCall(self._algo_tick)
            self._algo_loop.clock = self.clock
            self._algo_loop.start(self.algo_interval, now=False)

    def _algo_tick(self):
        self.sync()
        self.ws.publish()
        if not self.algos.live():
            self.stop_algos()

    def stop_algos(self):
        if self._algo_loop is not None and self._algo_loop.running:
            self._algo_loop.stop()

    def usd_price(self, ccy):
        """USD value of one unit of ``ccy`` (stablecoins at par) for eqUsd/totalEq."""
        if ccy in ("USDT", "USDC", "USD"):
            return Decimal(1)
        inst = self.instrument(f"{ccy}-USDT")
        if inst is None:
            return Decimal(0)
        return quote(self.walk, inst, self.now()).last

    def mark_price(self, inst):
        return quote(self.walk, inst, self.now()).last

    # -- test controls (mirrored under /__sim__/) -------------------------------
    def set_price(self, inst_id, price):
        """Move the market to ``price`` now; resting orders it crosses fill whole."""
        inst = self.instrument(inst_id)
        if inst is None:
            raise KeyError(inst_id)
        now = self.now()
        self.walk.force(inst, now, Decimal(str(price)))
        if self.algos.live():  # the algo orders the move reaches fire first, their orders fill in the sweep
            self.algos.sync(self.states.values(), catalogue(now), now)
        for order in self.engine.all_orders:
            order.last_fill_second = -1 if order.is_open else order.last_fill_second
        self.engine.sync(self.states.values(), self.now(), sweep=True)
        self.ws.publish()

    def set_crossed(self, inst_id, crossed):
        """Cross ``inst_id``'s book (best ask below best bid) as in OKX's pre-open auction, or end it."""
        if self.instrument(inst_id) is None:
            raise KeyError(inst_id)
        (self.walk.crossed.add if crossed else self.walk.crossed.discard)(inst_id)
        self.ws.publish()

    def price(self, inst_id):
        """Current last price of an instrument (Decimal)."""
        return quote(self.walk, self.instrument(inst_id), self.now()).last

    def orders(self):
        """Every order ever accepted, oldest first, as /__sim__/orders rows."""
        return [order.to_sim() for order in self.engine.all_orders]

    def algo_orders(self):
        """Every algo order ever accepted, oldest first, as /__sim__/algos rows."""
        return [algo.to_sim() for algo in self.algos.all_algos]

    def request_counts(self):
        """Requests per path since start (every path, /__sim__ included)."""
        return dict(self.counts)

    def add_fault(self, path, action, method="", seconds=0.0, status=500, times=1, code="", done=False):
        """The next ``times`` requests to ``path`` (or ``*``) meet ``action``, as ``POST /__sim__/faults``."""
        return self.faults.add({"path": path, "action": action, "method": method, "seconds": seconds,
                                "status": status, "times": times, "code": code, "done": done})

    def clear_faults(self):
        """Forget every fault not yet spent (``DELETE /__sim__/faults``)."""
        self.faults.clear()

    def count(self, path):
        self.counts[path] = self.counts.get(path, 0) + 1

    def resource(self):
        """A twisted.web IResource serving /api/v5/..., /ws/v5/public|business and /__sim__/..."""
        from okxbridge.sim.api import EmulatorSite

        return WsPathSwitch(EmulatorSite(self).app.resource(), self.ws)
