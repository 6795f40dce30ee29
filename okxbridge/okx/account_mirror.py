# -*- test-case-name: tests.okx.test_account_mirror -*-
"""One account as OKX last told it: balances, positions and open orders, kept from a REST
snapshot plus the private WebSocket's pushes, reconciled by OKX's update time (``uTime``).

Pure state, no I/O (the caller feeds it; :mod:`okxbridge.okx.account_streams` decides
when it may answer). Rules (docs #trading-account-websocket-account-channel,
-positions-channel, #order-book-trading-trade-ws-order-channel; spec okx-ws.md §4):

- an item (a currency, a position, an order) is replaced only by news at least as recent:
  a push or snapshot row whose ``uTime`` is older than what is held is ignored, so a REST
  snapshot answered a moment late cannot undo a push that overtook it, nor the reverse;
- ``account`` events carry only the changed currencies: merged by ``ccy``; the summary
  fields (``totalEq``…) come with every push and replace the held ones;
- a position pushed with ``pos`` "0" is closed: dropped;
- ``orders`` has no snapshot on the stream: open orders come from REST
  (``orders-pending``); a pushed order in a final state leaves the open set and is kept
  among the recently finished (for ``order`` look-ups);
- a REST snapshot replaces the held set, except items updated after the snapshot was asked
  for (``as_of_ms``, OKX's clock): those came by push and are newer.
"""

from __future__ import annotations

import collections
from typing import Any

import attrs

from .codes import FINAL_STATES

#: how many finished orders are kept for ``order`` look-ups
FINISHED_KEPT = 2000


def u_time(item: dict[str, Any]) -> int:
    try:
        return int(item.get("uTime") or 0)
    except (TypeError, ValueError):
        return 0


def newer(held: dict[str, Any] | None, item: dict[str, Any]) -> bool:
    return held is None or u_time(item) >= u_time(held)


@attrs.define(eq=False)
class AccountMirror:
    summary: dict[str, Any] | None = None
    balances: dict[str, dict[str, Any]] = attrs.Factory(dict)
    positions: dict[str, dict[str, Any]] = attrs.Factory(dict)
    open_orders: dict[str, dict[str, Any]] = attrs.Factory(dict)
    finished: collections.OrderedDict = attrs.Factory(collections.OrderedDict)
    #: which parts were loaded from a snapshot since the mirror was (re)started
    loaded: set[str] = attrs.Factory(set)

    def clear(self) -> None:
        self.summary = None
        self.balances.clear()
        self.positions.clear()
        self.open_orders.clear()
        self.loaded.clear()

    @property
    def complete(self) -> bool:
        return {"balance", "positions", "orders"} <= self.loaded

    # -- balances -----------------------------------------------------------------------
    def apply_account(self, summary: dict[str, Any]) -> None:
        """An ``account`` push (event or snapshot page): changed currencies merged."""
        for detail in summary.get("details") or []:
            ccy = detail.get("ccy")
            if ccy and newer(self.balances.get(ccy), detail):
                self.balances[ccy] = detail
        if self.summary is None or newer(self.summary, summary):
            self.summary = {k: v for k, v in summary.items() if k != "details"}

    def load_balance(self, summary: dict[str, Any], as_of_ms: int) -> None:
        """``GET /account/balance``'s ``data[0]``: every non-zero currency."""
        listed = {d.get("ccy") for d in summary.get("details") or []}
        for ccy in list(self.balances):
            if ccy not in listed and u_time(self.balances[ccy]) < as_of_ms:
                del self.balances[ccy]  # zero now (OKX lists non-zero currencies only)
        self.apply_account(summary)
        self.loaded.add("balance")

    def balance(self) -> dict[str, Any]:
        """The ``/account/balance`` ``data[0]`` this mirror stands for."""
        return {**(self.summary or {}), "details": list(self.balances.values())}

    # -- positions ------------------------------------------------------------------------
    def apply_positions(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            pos_id = item.get("posId")
            if not pos_id or not newer(self.positions.get(pos_id), item):
                continue
            if item.get("pos") in ("0", "", None):
                self.positions.pop(pos_id, None)
            else:
                self.positions[pos_id] = item

    def load_positions(self, items: list[dict[str, Any]], as_of_ms: int) -> None:
        drop_unlisted(self.positions, {p.get("posId") for p in items}, as_of_ms)
        self.apply_positions(items)
        self.loaded.add("positions")

    # -- orders ------------------------------------------------------------------------------
    def apply_orders(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            ord_id = item.get("ordId")
            if not ord_id:
                continue
            held = self.open_orders.get(ord_id) or self.finished.get(ord_id)
            if held is not None and not newer(held, item):
                continue
            if held is not None and held.get("state") in FINAL_STATES and item.get("state") not in FINAL_STATES:
                continue  # a final state is final, whatever the clock says
            if item.get("state") in FINAL_STATES:
                self.open_orders.pop(ord_id, None)
                self.finished[ord_id] = item
                self.finished.move_to_end(ord_id)
                while len(self.finished) > FINISHED_KEPT:
                    self.finished.popitem(last=False)
            else:
                self.open_orders[ord_id] = item

    def load_orders(self, items: list[dict[str, Any]], as_of_ms: int) -> None:
        """``orders-pending`` (every page): the open orders as of ``as_of_ms``."""
        # an open order the snapshot does not list finished while the stream was not looking
        drop_unlisted(self.open_orders, {o.get("ordId") for o in items}, as_of_ms)
        self.apply_orders(items)
        self.loaded.add("orders")

    def order(self, ord_id: str) -> dict[str, Any] | None:
        return self.open_orders.get(ord_id) or self.finished.get(ord_id)


def drop_unlisted(held: dict[str, dict[str, Any]], listed: set[Any], as_of_ms: int) -> None:
    """A REST snapshot as of ``as_of_ms`` replaces what it does not list, unless a push
    newer than the snapshot brought it."""
    for key in [k for k, item in held.items() if k not in listed and u_time(item) < as_of_ms]:
        del held[key]


def mirrored(data: list[Any]) -> dict[str, Any]:
    """The REST envelope an answer from the mirror stands for (FMZ's ``raw``): OKX's shape,
    marked with where it came from."""
    return {"code": "0", "msg": "", "data": data, "source": "okx private websocket"}
