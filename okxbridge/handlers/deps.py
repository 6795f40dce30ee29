# -*- test-case-name: tests.handlers.test_trade, tests.fmz.test_app -*-
"""What each handler area is given: a small typed view of the daemon, not the daemon.

Market-data handlers see the instrument cache and the market streams; account readers see
the accounts; trading sees the accounts, the order desk and the trading defaults. Each
view is built once by the composition root (:mod:`okxbridge.service`) from the same parts,
and :mod:`.methods` binds every handler to the one view its module needs.
"""

from __future__ import annotations

from typing import Any, Mapping

import attrs
from twisted.internet.defer import Deferred, FirstError, gatherResults

from ..desk.desk import OrderDesk
from ..fmz.envelope import Call
from ..okx.accounts import Accounts
from ..okx.client import OkxClient
from ..okx.instruments import InstrumentCache
from ..okx.market_streams import MarketStreams
from ..okx.session import Session
from ..okx.signer import Credentials


@attrs.frozen
class TradingDefaults:
    """What the daemon decides when a call does not say: the margin mode of new contract
    positions (per access key from the config file, else ``--margin-mode``) and the unit of
    ``records``' period (``--records-period-unit``)."""

    margin_mode: str = "cross"
    key_margin_modes: Mapping[str, str] = attrs.field(factory=dict, converter=lambda m: dict(m))  # a copy
    records_period_unit: str = "minutes"

    def margin_mode_for(self, api_key: str) -> str:
        return self.key_margin_modes.get(api_key, self.margin_mode)


def credentials(call: Call) -> Credentials:
    key = call.secret_key
    return Credentials(call.access_key, key.secret, key.passphrase, key.simulate)


@attrs.frozen
class Raw:
    """The IO handler's view: the client alone (it signs whatever the policy lets through)."""

    client: OkxClient

    def session(self, call: Call, trace: list[str]) -> Session:
        return Session(self.client, credentials(call), trace)


@attrs.frozen
class Market(Raw):
    """Market data: instruments, and the market streams (None: every call is REST)."""

    instruments: InstrumentCache
    streams: MarketStreams | None = None
    records_period_unit: str = "minutes"


@attrs.frozen
class Reading(Raw):
    """Account reads: instruments (to name dated futures) and the accounts; history's order
    (``--history-order``: FMZ's oldest first, or newest first as okxbridge answered before)."""

    instruments: InstrumentCache
    accounts: Accounts
    history_order: str = attrs.field(default="oldest-first", kw_only=True)


@attrs.frozen
class Trading(Reading):
    """Orders, cancels, positions and leverage: the reads, the order desk and the defaults."""

    desk: OrderDesk
    defaults: TradingDefaults = TradingDefaults()


async def gather(*awaitables: Any) -> list[Any]:
    """Run calls concurrently; the first failure is raised as itself (not as FirstError)."""
    ds = [a if isinstance(a, Deferred) else Deferred.fromCoroutine(a) for a in awaitables]
    try:
        return await gatherResults(ds, consumeErrors=True)
    except FirstError as e:
        e.subFailure.raiseException()
        raise  # not reached: raiseException raises
