# -*- test-case-name: tests.sim.test_sim_history -*-
"""What an account's fills leave behind: transaction details (fills) and bills.

Every fill the engine makes is kept as one ``Fill`` and, per currency whose balance it
changes, one ``Bill`` (docs #order-book-trading-trade-get-transaction-details-last-3-days,
#trading-account-rest-api-get-bills-details-last-7-days). The endpoints page them newest
first by ``billId`` (``after`` older, ``before`` newer), 100 at most a page, and keep
them for OKX's windows: fills 3 days (fills-history 3 months), bills 7 days
(bills-archive 3 months).
"""

from decimal import Decimal

import attrs

from okxbridge.sim.numbers import ZERO, fmt
from okxbridge.sim.orders import PAGE_MAX, page

DAY = 86400
FILLS_SECONDS = 3 * DAY
BILLS_SECONDS = 7 * DAY
ARCHIVE_SECONDS = 92 * DAY
BILL_TRADE = "2"
#: bill subType of a trade: spot buy/sell; contracts open/close long/short
SUB_TYPES = {("buy", "open", "long"): "3", ("sell", "open", "short"): "4",
             ("sell", "close", "long"): "5", ("buy", "close", "short"): "6"}


def _ms(seconds):
    return str(int(round(seconds * 1000)))


@attrs.frozen
class Fill:
    bill_id: int
    order: object
    trade_id: str
    px: Decimal
    sz: Decimal
    side: str
    pos_side: str
    role: str
    fee: Decimal      # signed as OKX writes it: negative is a charge
    fee_ccy: str
    pnl: Decimal
    ts: float

    def to_okx(self):
        order, inst = self.order, self.order.inst
        return {
            "instType": inst.inst_type, "instId": inst.inst_id, "tradeId": self.trade_id,
            "ordId": str(order.ord_id), "clOrdId": order.cl_ord_id, "billId": str(self.bill_id),
            "subType": "1" if self.side == "buy" else "2", "tag": order.tag,
            "fillPx": fmt(self.px), "fillSz": fmt(self.sz), "fillIdxPx": fmt(self.px), "fillPnl": fmt(self.pnl),
            "fillPxVol": "", "fillPxUsd": "", "fillMarkVol": "", "fillFwdPx": "", "fillMarkPx": "",
            "side": self.side, "posSide": self.pos_side, "execType": "T" if self.role == "taker" else "M",
            "feeCcy": self.fee_ccy, "fee": fmt(self.fee), "ts": _ms(self.ts), "fillTime": _ms(self.ts),
            "feeRate": "",
        }


@attrs.frozen
class Bill:
    bill_id: int
    fill: Fill
    ccy: str
    bal_chg: Decimal
    bal: Decimal
    fee: Decimal
    pnl: Decimal
    sub_type: str

    def to_okx(self):
        fill, order = self.fill, self.fill.order
        inst = order.inst
        return {
            "bal": fmt(self.bal), "balChg": fmt(self.bal_chg), "billId": str(self.bill_id), "ccy": self.ccy,
            "clOrdId": order.cl_ord_id, "execType": "T" if fill.role == "taker" else "M", "fee": fmt(self.fee),
            "fillFwdPx": "", "fillIdxPx": fmt(fill.px), "fillMarkPx": "", "fillMarkVol": "", "fillPxUsd": "",
            "fillPxVol": "", "fillTime": _ms(fill.ts), "from": "", "instId": inst.inst_id,
            "instType": inst.inst_type, "interest": "0", "mgnMode": "" if inst.is_spot else order.td_mode,
            "notes": "", "ordId": str(order.ord_id), "pnl": fmt(self.pnl), "posBal": "0", "posBalChg": "0",
            "px": fmt(fill.px), "subType": self.sub_type, "sz": fmt(fill.sz), "tag": order.tag, "to": "",
            "tradeId": fill.trade_id, "ts": _ms(fill.ts), "type": BILL_TRADE,
        }


@attrs.define(eq=False)
class History:
    """One account's fills and bills, oldest first; ids grow with time."""

    fills: list = attrs.field(factory=list)
    bills: list = attrs.field(factory=list)
    _next_id: int = 800000000000000000

    def _id(self):
        self._next_id += 1
        return self._next_id

    def record(self, ledger, order, trade_id, px, sz, role, fee, realised, changes, now):
        """Keep a fill and a bill for each ``(ccy, balance change, fee part)`` in ``changes``."""
        inst = order.inst
        fill = Fill(self._id(), order, trade_id, px, sz, order.side, order.pos_side if not inst.is_spot else "",
                    role, -fee, order.fee_ccy, realised, now)
        self.fills.append(fill)
        if inst.is_spot:
            sub_type = "1" if order.side == "buy" else "2"
        else:
            closing = realised != 0 or order.reduce_only
            direction = order.pos_side if order.pos_side in ("long", "short") else (
                "long" if (order.side == "buy") != closing else "short")
            sub_type = SUB_TYPES.get((order.side, "close" if closing else "open", direction), "1")
        for ccy, change, fee_part in changes:
            self.bills.append(Bill(self._id(), fill, ccy, change, ledger.cash.get(ccy, ZERO), -fee_part,
                                   realised if not inst.is_spot else ZERO, sub_type))


def window(rows, now, seconds):
    return [r for r in rows if now - (r.fill.ts if isinstance(r, Bill) else r.ts) <= seconds]


def page_by_bill(rows, after=None, before=None, limit=PAGE_MAX):
    """Fills and bills page newest first by ``billId``, as orders do by ``ordId``."""
    return page(rows, after, before, limit, key=lambda r: r.bill_id)
