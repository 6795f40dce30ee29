# -*- test-case-name: tests.sim.test_sim_ws_private -*-
"""What the emulator's private channels push for one account (docs
#trading-account-websocket-account-channel, -positions-channel, -balance-and-position-channel,
#order-book-trading-trade-ws-order-channel; spec okx-ws.md §4).

A :class:`AccountWatch` remembers what it last told subscribers about one account
(one environment) and, on ``changes(now)``, returns what moved since: orders whose state,
filled size or update time changed (``orders`` has no snapshot: only changes), currencies
whose cash, available or frozen balance changed (``account`` events carry only the changed
currencies), positions whose size or average price changed (a closed position is pushed
once with ``pos`` "0"). Prices alone do not make an event: OKX's event pushes follow account
activity, its periodic snapshots (not modelled) follow the market.
"""

import attrs

from okxbridge.sim import account_api
from okxbridge.sim.ledger import account_balance


@attrs.frozen
class AccountCall:
    """What the REST handlers read from a request (``api.SimRequest``'s fields), for
    computing the same answers outside an HTTP request."""

    emu: object
    state: object
    now: float
    instruments: dict
    params: dict = attrs.field(factory=dict)
    body: object = None


def _order_key(order):
    # an amendment is news even within the same millisecond (its sz/px, its count)
    return order.state, order.acc_fill_sz, order.u_time, order.amends


def _balance_key(detail):
    return detail["cashBal"], detail["availBal"], detail["frozenBal"], detail["ordFrozen"]


def _position_key(position):
    return position.pos, position.avg_px, position.u_time


def order_item(order, filled_now):
    """An ``orders`` push item: the REST order object plus the channel's own fields; the
    ``fill*`` fields describe this update only (empty when it carried no fill)."""
    item = order.to_okx()
    item.update({"amendResult": "", "code": "0", "msg": "", "reqId": "", "execType": "", "fillFee": "0",
                 "fillFeeCcy": "", "fillNotionalUsd": "", "fillPnl": "0", "notionalUsd": ""})
    if order.amended_at is not None and order.amended_at == order.u_time:  # this update is the amendment
        item.update(amendResult=order.amend_result, reqId=order.req_id, amendSource="1")
    if filled_now:
        item["execType"] = "M" if order.ord_type != "market" and order.px is not None else "T"
        item["fillFeeCcy"] = order.fee_ccy
    else:
        item.update(fillPx="", fillSz="0", fillTime="", tradeId="")
    return item


@attrs.define(eq=False)
class AccountWatch:
    emu: object
    state: object
    orders: dict = attrs.field(factory=dict)
    balances: dict = attrs.field(factory=dict)
    positions: dict = attrs.field(factory=dict)
    cash: dict = attrs.field(factory=dict)
    #: the details whose cash balance moved in the last ``changes`` (balance_and_position
    #: pushes on fills, transfers, funding: cash, not frozen amounts)
    cash_moved: list = attrs.field(factory=list)

    def __attrs_post_init__(self):
        self.changes(self.emu.now())  # the baseline: what exists now is not news

    # -- snapshots ---------------------------------------------------------------
    def balance(self, now):
        call = AccountCall(emu=self.emu, state=self.state, now=now, instruments=self.emu.instruments())
        return account_balance(self.state.ledger, self.emu.usd_price, account_api.upls(call), now, None,
                               account_api.isolated(call))[0]

    def position_rows(self, now, positions=None):
        chosen = self.state.open_positions() if positions is None else positions
        return [p.to_okx(self.emu.mark_price(p.inst), now) for p in sorted(chosen, key=lambda p: p.pos_id)]

    # -- events ------------------------------------------------------------------
    def changes(self, now):
        """(order items, account summary with the changed details or None, changed position rows)."""
        orders = []
        for order in self.state.orders.values():
            key = _order_key(order)
            before = self.orders.get(order.ord_id)
            if before != key:
                filled_now = before is not None and key[1] != before[1] or before is None and key[1] > 0
                orders.append(order_item(order, filled_now))
                self.orders[order.ord_id] = key
        summary = self.balance(now)
        changed = []
        self.cash_moved = [d for d in summary["details"] if self.cash.get(d["ccy"]) != d["cashBal"]]
        self.cash = {d["ccy"]: d["cashBal"] for d in summary["details"]}
        for detail in summary["details"]:
            key = _balance_key(detail)
            if self.balances.get(detail["ccy"]) != key:
                changed.append(detail)
                self.balances[detail["ccy"]] = key
        account = {**summary, "details": changed} if changed else None
        moved = []
        for position in self.state.positions.values():
            key = _position_key(position)
            before = self.positions.get(position.pos_id)
            if before != key and (position.pos != 0 or before is not None):
                moved.append(position)
            if position.pos != 0:
                self.positions[position.pos_id] = key
            else:
                self.positions.pop(position.pos_id, None)
        return orders, account, self.position_rows(now, moved)


def balance_and_position(watch, now, event_type, details=None, positions=None):
    """A ``balance_and_position`` item; ``details``/``positions`` None = everything (snapshot)."""
    summary = watch.balance(now)
    bal = summary["details"] if details is None else details
    pos = watch.position_rows(now) if positions is None else positions
    return {
        "pTime": str(int(now * 1000)), "eventType": event_type,
        "balData": [{"ccy": d["ccy"], "cashBal": d["cashBal"], "uTime": d["uTime"]} for d in bal],
        "posData": [{key: row[key] for key in ("posId", "tradeId", "instId", "instType", "mgnMode", "posSide",
                                                 "pos", "ccy", "avgPx", "uTime")} | {"posCcy": ""} for row in pos],
        "trades": [],
    }


__all__ = ["AccountWatch", "balance_and_position", "order_item"]
