# -*- test-case-name: tests.okx.test_instruments -*-
"""OKX's instrument list, cached: precision for orders, horizons for dated futures.

Instruments change rarely but do change (listings, quarterly roll-overs), so the list is
cached per (instType, demo) with a TTL on the injected clock; a stale entry is served while
one refresh runs, so no call waits on the list once it is warm. A dated-future alias
(``BTC_USDT.quarter``) is resolved against the cached list every call, so a roll-over
needs no restart.
"""

from __future__ import annotations

from typing import Any, Iterable

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from ..convert.instruments import Instrument, find_alias, future_names, inst_type_of, is_alias, next_expiry
from ..convert.symbols import Symbol, inst_type, okx_inst_id
from ..fmz.errors import ProtocolError
from . import paths
from .coalesce import Coalescer
from .session import Session


@attrs.frozen
class CachedList:
    loaded_at: float  # our clock, for the TTL
    table: dict[str, Instrument]
    expires_ms: int   # OKX's clock: the first delivery after loading, when aliases roll over
    raw: Any = None   # OKX's answer the table was read from (``markets`` sends it as ``raw``)


@attrs.define
class InstrumentCache:
    clock: IReactorTime
    ttl: float = 300.0
    _entries: dict[tuple[str, bool], CachedList] = attrs.Factory(dict)
    _loads: Coalescer = attrs.Factory(Coalescer)

    async def instruments(self, session: Session, inst_type: str) -> dict[str, Instrument]:
        key = (inst_type, session.creds.simulated)
        entry = self._entries.get(key)
        if entry is None or (entry.expires_ms and session.okx_now_ms() >= entry.expires_ms):
            # first use, or a contract in the list has been delivered since it was fetched:
            # its aliases are wrong now (next_week became this_week), so wait for a fresh list
            return await self._load(session, key)
        if self.clock.seconds() - entry.loaded_at > self.ttl:
            # serve the stale list now; refresh once in the background (errors kept for next call)
            self._load(session, key).addErrback(lambda _: None)
        return entry.table

    def _load(self, session: Session, key: tuple[str, bool]) -> Deferred:
        async def load() -> dict[str, Instrument]:
            reply = await session.public(paths.INSTRUMENTS, {"instType": key[0]})
            table = {d["instId"]: Instrument.from_okx(d) for d in reply.data}
            self._entries[key] = CachedList(self.clock.seconds(), table,
                                            next_expiry(table, session.okx_now_ms()), reply.raw)
            return table

        return self._loads.run(key, lambda: Deferred.fromCoroutine(load()))

    def raw_of(self, session: Session, inst_type: str) -> Any:
        """OKX's answer behind the cached list of ``inst_type`` (None before the first load)."""
        entry = self._entries.get((inst_type, session.creds.simulated))
        return entry.raw if entry is not None else None

    async def aliases(self, session: Session, inst_ids: Iterable[str]) -> dict[str, str]:
        """instId → alias for the dated futures among ``inst_ids`` (FMZ names them by alias);
        the list is only read when one of them is a future."""
        if not any(inst_type(i) == "FUTURES" for i in inst_ids):
            return {}
        table = await self.instruments(session, "FUTURES")
        return future_names(table, session.okx_now_ms())

    async def inst_id_code(self, session: Session, inst_id: str) -> int | None:
        """The ``instIdCode`` of a listed instrument (None: not listed, or OKX sent none)."""
        inst = (await self.instruments(session, inst_type(inst_id))).get(inst_id)
        return inst.inst_id_code if inst is not None else None

    async def instrument(self, session: Session, symbol: Symbol) -> Instrument:
        """The instrument behind an FMZ symbol, or an error naming the symbol."""
        table = await self.instruments(session, inst_type_of(symbol))
        inst = find_alias(table, symbol, session.okx_now_ms()) if is_alias(symbol) else table.get(okx_inst_id(symbol))
        if inst is None:
            demo = " (demo)" if session.creds.simulated else ""
            raise ProtocolError(f"symbol {symbol.fmz} is not listed on OKX{demo}")
        return inst

    async def inst_id(self, session: Session, symbol: Symbol) -> str:
        """An instId without a list lookup where the symbol spells it out (the hot path)."""
        if is_alias(symbol):
            return (await self.instrument(session, symbol)).inst_id
        return okx_inst_id(symbol)
